"""Scans that are not flat: skewed up to ten degrees, bowed, creased, shadowed, upside down.

Each step is checked on its own on a born-digital page given a known distortion (a
rotation, a `bow_field`, a crease's sideways shift), then a seeded slice of the not-flat
scan fixtures (tests/fixtures/scans.py WARPED_SCANS; the whole matrix is in
benchmarks/ocr.py) must give its born-digital twin's indicators.  Every detector costs
nothing beyond its cheap test on the pages that do not need it.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest

from core.vietnamese import syllable_score
from extractors import dewarp, page_image
from extractors.dewarp import WORK_DPI, Piece, apply_warp, chains, column_shift, find_warp, line_blobs, work_ink
from extractors.page_image import clean_background, half_turn, ink, render, rotate, skew_angle, text_height, turned
from extractors.pdf import extract_pdf
from extractors.ruling import find_grids, line_masks
from pipeline.convert.process import process_file
from tests.fixtures import scans
from tests.fixtures.metrics import indicator_agreement
from tests.fixtures.scans import WARPED_SCANS, bend, bow_field, build_all, upright_twin

SLICE = ["phuluc1_000_200dpi_noisy_bowed_2pc", "phuluc1_000_200dpi_noisy_skewed_-5",
         "phuluc1_000_200dpi_noisy_upside_down"]  # the rest of WARPED_SCANS: benchmarks/ocr.py
R05 = "r05_cv275_stttt_phutho_2011_scan.pdf"


def _page(pdf: Path, dpi: int, index: int = 0) -> np.ndarray:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return render(doc, index, dpi)
    finally:
        doc.close()


def _no_call(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("called on a page that does not need it")


def _warp(binary: np.ndarray, dpi: int, angle: float = 0.0) -> dewarp.Warp | None:
    small, letter = work_ink(binary, dpi, angle), text_height(binary)[1] * WORK_DPI / dpi
    return find_warp(small, letter, line_blobs(small, letter))


def _straightened(gray: np.ndarray, dpi: int) -> np.ndarray:
    warp = _warp(ink(gray), dpi)
    assert warp is not None
    return apply_warp(gray, warp, dpi / WORK_DPI)


@pytest.fixture(scope="module")
def table_page(built: dict[str, Path]) -> np.ndarray:
    """Phụ lục 1's first page, a ruled table, at 150 DPI."""
    return _page(built["phuluc1_000.pdf"], 150)


@pytest.mark.parametrize("angle", [-9.5, -6.0, 4.5, 8.0])
def test_skew_is_found_up_to_ten_degrees(table_page: np.ndarray, angle: float) -> None:
    assert skew_angle(ink(rotate(table_page, angle))) == pytest.approx(-angle, abs=0.1)


def test_bow_field_is_smooth_seeded_and_as_large_as_declared() -> None:
    field = bow_field(1169, 827, 0.02, seed=3)
    assert np.abs(field).max() == pytest.approx(0.02 * 1169, rel=0.02)
    assert np.array_equal(field, bow_field(1169, 827, 0.02, seed=3))
    assert not np.allclose(field, bow_field(1169, 827, 0.02, seed=4))
    assert np.abs(np.diff(field, axis=1)).max() < 0.5  # px per px: a bend, no fold


@pytest.mark.parametrize(("name", "bow", "seed"), [("phuluc1_000.pdf", 0.02, 1), ("appendix_001.pdf", 0.03, 2),
                                                    ("phuluc1_000.pdf", 0.01, 5)])
def test_bowed_table_keeps_its_grid(built: dict[str, Path], name: str, bow: float, seed: int) -> None:
    """Straightened, a bowed page's ruled table has the rows, columns and merged cells the PDF draws."""
    vector = extract_pdf(built[name]).tables[0]
    want = {(c.row, c.col, c.rowspan, c.colspan) for c in vector.cells}
    bent = bend(_page(built[name], 200), bow, seed)

    def grid_cells(gray: np.ndarray) -> set[tuple[int, int, int, int]]:
        grids = find_grids(*line_masks(ink(gray), 200), 200)
        return {(g.row, g.col, g.rowspan, g.colspan) for grid in grids[:1] for g in grid.cells}

    assert grid_cells(bent) != want  # bent, the rules no longer run straight
    assert grid_cells(_straightened(bent, 200)) == want


def test_flat_page_costs_no_fitting(table_page: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dewarp, "line_samples", _no_call)
    binary = ink(rotate(table_page, 0.4))
    assert _warp(binary, 150, skew_angle(binary)) is None


def test_crease_shift_is_chained_by_agreement() -> None:
    """Below a crease every rule moved 45 px right, further than the 40 px between two rules:
    the nearest piece below is the wrong rule's, the shift the others agree on the right one's."""
    columns = [50.0, 120.0, 160.0, 300.0, 520.0]
    rows_above, rows_below = np.arange(0, 100, 5.0), np.arange(115, 220, 5.0)
    pieces = [Piece(rows_above, np.full(len(rows_above), x)) for x in columns]
    pieces += [Piece(rows_below, np.full(len(rows_below), x + 45)) for x in columns]
    rules = chains(pieces, height=10)
    assert sorted((r.x[0], r.x[-1]) for r in rules) == [(x, x + 45) for x in columns]
    shift = column_shift(rules, (240, 640))
    below = int(150 / dewarp.CELL)
    assert shift[below, int(160 / dewarp.CELL)] == pytest.approx(45, abs=1.5)  # rule 3 is taken back to x=160
    assert np.abs(shift[: int(90 / dewarp.CELL)]).max() < 1.5  # above the crease nothing moves


def test_lone_far_piece_is_not_chained() -> None:
    """A letter's stroke 0.4 inch off above a rule is no piece of it: nothing agrees with the shift."""
    rule = Piece(np.arange(150, 400, 5.0), np.full(50, 384.0))
    letter = Piece(np.arange(60, 90, 5.0), np.full(6, 426.0))
    assert len(chains([letter, rule], height=10)) == 2


def test_shadow_lifted_blot_cleared_clean_page_untouched(table_page: np.ndarray) -> None:
    assert clean_background(table_page, 150) is table_page
    shadowed = table_page.copy()
    shadowed[300:420] = (shadowed[300:420] * 0.55).astype(np.uint8)  # a grey band across lines of text
    shadowed[600:700, :60] = 0  # a black tongue off the left edge
    cleaned = clean_background(shadowed, 150)
    assert cleaned[320:400][table_page[320:400] > 200].mean() > 240  # the band's paper is paper again
    assert (cleaned[320:400] < 128).sum() == pytest.approx((table_page[320:400] < 128).sum(), rel=0.1)  # its ink stays
    assert cleaned[610:690, 5:50].min() == 255


def test_faint_rule_is_ink_soft_letter_edges_are_not() -> None:
    page = np.full((200, 400), 255, np.uint8)
    cv2.line(page, (10, 50), (390, 50), 175, 2)  # a photocopy's faded rule
    cv2.putText(page, "Hanh", (40, 150), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 4, cv2.LINE_AA)
    assert not ink(page)[49:52].any()  # Otsu's threshold alone loses it
    binary = ink(page, faint=True)
    assert (binary[49:52, 10:390] > 0).any(axis=0).mean() > 0.95
    _, otsu = cv2.threshold(cv2.GaussianBlur(page, (3, 3), 0), 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    assert (binary[80:200] > 0).sum() == (otsu[80:200] > 0).sum()


@pytest.mark.parametrize("source", ["phuluc1_000.pdf", "appendix_001.pdf"])
def test_upside_down_is_turned_upright_costs_no_tesseract(built: dict[str, Path], source: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    gray = _page(built[source], 200, 1)
    letters = text_height(ink(gray))[1]
    assert half_turn(turned(gray, 180), 200, letters) == 180
    monkeypatch.setattr(page_image, "ocr_words", _no_call)
    assert half_turn(gray, 200, letters) == 0


@pytest.fixture(scope="module")
def warped_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("warped_scans"), SLICE)


def test_warped_fixture_geometry(warped_pdfs: dict[str, Path], built: dict[str, Path]) -> None:
    """Each page is its source page, turned with the paper, with the glass around it."""
    for name, path in warped_pdfs.items():
        spec = WARPED_SCANS[name]
        with pdfplumber.open(built[spec.source]) as src, pdfplumber.open(path) as scan:
            assert len(scan.pages) == len(src.pages)
            for ours, theirs in zip(scan.pages, src.pages):
                assert (ours.width, ours.height) == pytest.approx((theirs.width + 144 * spec.glass,
                                                                   theirs.height + 144 * spec.glass), abs=0.5)
                assert ours.chars == [] and len(ours.images) == 1


@pytest.fixture(scope="module")
def twin(built: dict[str, Path]) -> list[dict]:
    return process_file(built["phuluc1_000.pdf"]).indicators


@pytest.mark.parametrize("name", SLICE)
def test_not_flat_scan_gives_the_born_digital_indicators(warped_pdfs: dict[str, Path], twin: list[dict],
                                                          name: str) -> None:
    result = process_file(warped_pdfs[name])
    assert result.ok, result.document["error"]
    accuracy, wrong = indicator_agreement(twin, result.indicators)
    assert wrong == []
    assert accuracy >= 0.95
    repairs = [p["repairs"] for p in result.text]
    spec = WARPED_SCANS[name]
    if spec.bow:
        assert all("lines straightened" in r for r in repairs)
    if spec.turn == 180:
        assert all("rotated 180 deg" in r for r in repairs)
    if abs(spec.angle) > 3:
        assert all(f"deskewed {-spec.angle:+.2f} deg" in r for r in repairs)


def test_upside_down_reads_as_well_as_upright(warped_pdfs: dict[str, Path], scanned_pdfs: dict[str, Path],
                                              twin: list[dict]) -> None:
    name = "phuluc1_000_200dpi_noisy_upside_down"
    upright = indicator_agreement(twin, process_file(scanned_pdfs[upright_twin(name)]).indicators)[0]
    flipped = indicator_agreement(twin, process_file(warped_pdfs[name]).indicators)[0]
    assert flipped >= upright - 0.02  # the two carry their own sensor noise: one value in a hundred either way


def test_signature_text_layer_is_kept_beside_the_ocr(scanned_pdfs: dict[str, Path]) -> None:
    doc = extract_pdf(scanned_pdfs["phuluc1_000_200dpi_bilevel_signed"])
    assert [p.text_layer for p in doc.pages] == [None, None, None, "\n".join(scans.SIGNATURE_LINES)]
    assert "Ký bởi" not in doc.pages[0].text
    assert {p.text_layer for p in extract_pdf(scanned_pdfs["phuluc1_000_200dpi_noisy"]).pages} == {None}


@pytest.mark.parametrize("name", ["r06_qd3025_ubnd_phutho_2025_scan.pdf", "r07_qd01_2025_TTg_scan.pdf"])
def test_real_signature_field_is_kept(real_dir: Path, name: str) -> None:
    """r06/r07 sign with a signature form field, whose appearance holds the box's text."""
    pages = process_file(real_dir / name).text
    assert pages[0]["text_layer"].startswith("Người ký: CỔNG THÔNG TIN ĐIỆN TỬ CHÍNH PHỦ")
    assert "Thời gian ký:" in pages[0]["text_layer"]
    assert all(p["text_layer"] is None for p in pages[1:])


def test_r05_form_reads_as_vietnamese_with_its_table(real_dir: Path) -> None:
    """r05's page 2: a form photocopied skewed 6 degrees at the top, flat at the bottom, creased."""
    result = process_file(real_dir / R05)
    assert syllable_score("\n".join(p["text"] for p in result.text)) >= 0.97
    form = next(p for p in result.text if p["page"] == 2)
    assert "lines straightened" in form["repairs"]
    cells = [c for c in result.tables if c["page"] == 2]
    first = min(c["table_id"] for c in cells)
    table = [c for c in cells if c["table_id"] == first]
    texts = [c["text"] for c in table]
    for heading in ("Họ và tên", "Năm sinh", "Nam", "Nữ", "Chức vụ công tác", "Trình độ chuyên môn"):
        assert any(heading in text for text in texts), heading
    assert max(c["col"] for c in table) >= 5 and max(c["row"] for c in table) >= 4  # the grid, down to row 3 at least
