"""Scanned pages: image-only PDFs built from the born-digital fixtures come back as their indicators.

The truth for a scan is what the born-digital twin gives (itself checked against the gold
files): every mapped row's code, value and kind must be reproduced, and the scan may not
give any code the twin does not.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from core.model import METHOD_OCR, METHOD_TEXT
from extractors.page_image import ink, render, rotate, skew_angle
from extractors.pdf import extract_pdf
from extractors.ruling import find_grids, line_masks
from pipeline.convert.process import process_file
from tests.fixtures.metrics import indicator_agreement
from tests.fixtures.scans import SCANS

# Done-when of the scan issue: ≥ 98% at 300 DPI, ≥ 95% at 200 DPI with noise.  150 DPI has
# no target; its floor is set under what it measures now (0.94 and 0.83) to catch regressions.
FLOORS = {
    "phuluc1_000_300dpi": 0.98,
    "appendix_001_300dpi": 0.98,
    "phuluc1_000_200dpi_noisy": 0.95,
    "appendix_001_200dpi_noisy": 0.95,
    "phuluc1_000_200dpi_bilevel_signed": 0.95,
    "phuluc1_000_150dpi_noisy": 0.9,
    "appendix_001_150dpi_noisy": 0.8,
}


@pytest.fixture(scope="module")
def twins(built: dict[str, Path]) -> dict[str, list[dict]]:
    """Indicator rows of each born-digital source, the reference the scans are held to."""
    return {name: process_file(built[name]).indicators for name in ("phuluc1_000.pdf", "appendix_001.pdf")}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_scan_gives_the_born_digital_indicators(scanned_pdfs: dict[str, Path], twins: dict[str, list[dict]], name: str) -> None:
    result = process_file(scanned_pdfs[name])
    assert result.ok, result.document["error"]
    accuracy, wrong = indicator_agreement(twins[SCANS[name].source], result.indicators)
    assert wrong == []
    assert accuracy >= FLOORS[name]
    assert {r["method"] for r in result.indicators} == {METHOD_OCR}
    assert result.document["pages_ocr"] == result.document["pages"]
    assert result.document["pages_repaired"] == 0
    assert all(0 <= r["confidence"] <= 1 for r in result.indicators)
    assert sum(r["confidence"] for r in result.indicators) / len(result.indicators) > 0.7
    assert all(t["method"] == METHOD_OCR and 0 < t["confidence"] <= 1 and "ocr(" in t["repairs"] for t in result.text)


def test_noisy_200dpi_values_exact(scanned_pdfs: dict[str, Path]) -> None:
    """The numbers OCR finds hardest: lone digits, thousands groups, decimal commas, percents."""
    rows = {r["code"]: r for r in process_file(scanned_pdfs["phuluc1_000_200dpi_noisy"]).indicators}
    assert [rows[c]["value"] for c in ("1.3.3", "5.2.2", "4.1.2", "7.1.1", "7.2.6", "3.4.2")] == [0, 4, 19, 16688, 27.34, 99.1]
    assert rows["7.1"]["value_kind"] == "percent" and rows["7.1"]["value"] == 100
    assert rows["7.1.1.a"]["code_printed"] == "Trong đó"
    assert rows["1.2.1"]["code_printed"] == "1.1.1."  # misnumbered in the source: kept as printed


def test_signature_text_layer_does_not_hide_a_scan(scanned_pdfs: dict[str, Path]) -> None:
    doc = extract_pdf(scanned_pdfs["phuluc1_000_200dpi_bilevel_signed"])
    assert [p.method for p in doc.pages] == [METHOD_OCR] * 4
    assert "Số vấn đề phát hiện đã xử lý xong" in doc.pages[0].text


def test_born_digital_pages_are_not_ocrd(built: dict[str, Path]) -> None:
    assert {p.method for p in extract_pdf(built["phuluc1_000.pdf"]).pages} == {METHOD_TEXT}


def _page_image(pdf: Path, dpi: int) -> np.ndarray:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return render(doc, 0, dpi)
    finally:
        doc.close()


@pytest.mark.parametrize("angle", [-1.5, -0.4, 0.0, 0.7, 1.3])
def test_skew_is_found_to_a_tenth_of_a_degree(built: dict[str, Path], angle: float) -> None:
    gray = rotate(_page_image(built["phuluc1_000.pdf"], 150), angle)
    assert skew_angle(ink(gray)) == pytest.approx(-angle, abs=0.1)


@pytest.mark.parametrize("name", ["phuluc1_000.pdf", "appendix_001.pdf"])
def test_grid_from_pixels_matches_the_vector_table(built: dict[str, Path], name: str) -> None:
    """Rows, columns and merged cells found in the image are those the PDF's own lines draw."""
    vector = extract_pdf(built[name]).tables[0]
    gray = _page_image(built[name], 200)
    grids = find_grids(*line_masks(ink(gray), 200), 200)
    assert len(grids) == 1
    grid = grids[0]
    assert (len(grid.ys) - 1, len(grid.xs) - 1) == (vector.n_rows, vector.n_cols)
    want = {(c.row, c.col, c.rowspan, c.colspan) for c in vector.cells}
    assert {(g.row, g.col, g.rowspan, g.colspan) for g in grid.cells} == want


def test_numbering_column_found_by_content_when_its_header_is_misread() -> None:
    from core.model import Cell, Table
    from normalizers.indicator_rows import column_roles

    rows = [["sTr", "Chỉ tiêu thống kê", "Số liệu"], ["1.", "Công tác chỉ đạo", ""], ["1.1.", "Kế hoạch CCHC", "01"],
            ["1,2:", "Kiểm tra CCHC", "12"]]
    cells = [Cell(r, c, text) for r, row in enumerate(rows) for c, text in enumerate(row)]
    roles, header_rows = column_roles(Table(0, 1, len(rows), 3, cells, METHOD_OCR))
    assert roles["code"] == 0 and header_rows == 1
    prose = [["", "Chỉ tiêu thống kê", "Số liệu"], ["a", "Công tác chỉ đạo", ""], ["b", "Kế hoạch CCHC", "01"]]
    cells = [Cell(r, c, text) for r, row in enumerate(prose) for c, text in enumerate(row)]
    assert "code" not in column_roles(Table(0, 1, len(prose), 3, cells, METHOD_OCR))[0]
