"""camelot's lattice test tables through our pipeline, and sideways tables built here.

The ten camelot cases (../shared/external/camelot, skipped when absent) are an outside
yardstick for the ruled-table reader: rotated prints, two tables on a page, spans,
background rules, text over cell borders.  Cells are compared whitespace-collapsed, as
camelot and we break lines in slightly different places.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from extractors.pdf_tables import char_turn, page_tables
from pipeline.convert.process import process_file

CAMELOT = Path(__file__).resolve().parents[1].parent / "shared" / "external" / "camelot"
CASES = json.loads((CAMELOT / "expected.json").read_text(encoding="utf-8")) if CAMELOT.is_dir() else []
ROTATION = {"clockwise_table_1": 270, "anticlockwise_table_1": 90}  # degrees clockwise that turn the print upright
# camelot's table 0 on that page is the shaded box around the running text (one paragraph
# in a 3x3 grid of nothing); we find no table there, so camelot's table 1 is our table 0.
OUR_INDEX = {"background_lines_1": 0}
# Where camelot's answer lost text we read: the e-mail in that cell is followed by spaces
# running off the page, so pdfminer's text line is centred outside the table and camelot drops it.
CAMELOT_LOST = {("split_text_lattice", 33, 10): "Virender.Thakur@siticable.com"}

Grid = list[list[str]]
needs_camelot = pytest.mark.skipif(not CAMELOT.is_dir(), reason="../shared/external/camelot is not available")


def squash(text: str) -> str:
    return " ".join(text.split())


@cache
def tables_by_page(name: str) -> dict[int, list[Grid]]:
    """tables.parquet records of one file, rebuilt as text grids and grouped by the page each starts on."""
    result = process_file(CAMELOT / "files" / name)
    assert result.ok, result.document["error"]
    records: dict[int, list[dict]] = {}
    for r in result.tables:
        records.setdefault(r["table_id"], []).append(r)
    out: dict[int, list[Grid]] = {}
    for table_id in sorted(records):
        cells = records[table_id]
        grid = [[""] * max(c["col"] + c["colspan"] for c in cells) for _ in range(max(c["row"] + c["rowspan"] for c in cells))]
        for c in cells:
            grid[c["row"]][c["col"]] = c["text"]
        out.setdefault(min(c["page"] for c in cells), []).append(grid)
    return out


def wrong_cells(case: dict, got: Grid) -> list[tuple[int, int, str, str]]:
    """Cells that differ from camelot's, after its documented losses and (where allowed) its vertical copies."""
    want = case["expected"]
    assert (len(got), len(got[0])) == (len(want), len(want[0]))
    wrong = []
    for r, row in enumerate(want):
        for c, text in enumerate(row):
            expected = CAMELOT_LOST.get((case["id"], r, c), text)
            copy = case.get("blank_ok_for_vertical_copies") and r > 0 and squash(text) and squash(text) == squash(want[r - 1][c])
            if squash(got[r][c]) != squash(expected) and not (copy and got[r][c] == ""):
                wrong.append((r, c, got[r][c], expected))
    return wrong


@needs_camelot
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_camelot_case_read_cell_for_cell(case: dict) -> None:
    page_tables_found = tables_by_page(case["file"]).get(int(case["pages"]), [])
    index = OUR_INDEX.get(case["id"], case["table_index"])
    assert index < len(page_tables_found), f"{len(page_tables_found)} tables on the page"
    assert wrong_cells(case, page_tables_found[index]) == []


@needs_camelot
def test_white_boxes_make_no_tables() -> None:
    """The rotated files' white header fills and twotables' white title boxes are not tables."""
    for name, count in (("clockwise_table_1.pdf", 1), ("twotables_2.pdf", 2), ("background_lines_1.pdf", 1)):
        assert len(tables_by_page(name)[1]) == count, name


@needs_camelot
@pytest.mark.parametrize("name, rotation", sorted(ROTATION.items()))
def test_rotation_is_recorded_and_read_from_char_matrices(name: str, rotation: int) -> None:
    with pdfplumber.open(CAMELOT / "files" / f"{name}.pdf") as pdf:
        page = pdf.pages[0]
        assert {char_turn(c["matrix"]) for c in page.chars} == {rotation}
        assert [t.rotation for t in page_tables(page, "text")] == [rotation]


@needs_camelot
def test_the_upright_cases_are_not_turned() -> None:
    for case in CASES:
        if case["id"] not in ROTATION:
            with pdfplumber.open(CAMELOT / "files" / case["file"]) as pdf:
                assert {t.rotation for t in page_tables(pdf.pages[int(case["pages"]) - 1], "text")} <= {0}, case["id"]


# --- built here: sideways tables and invisible boxes, independent of camelot's files ---------

ROWS = [["Province", "Dossiers", "On time"], ["Phu Tho", "1.204", "98%"], ["Ha Giang", "310", "87%"]]
CELL_W, CELL_H = 90.0, 24.0


def _ruled_table(pdf: canvas.Canvas, rows: list[list[str]]) -> None:
    """A ruled grid with its text, drawn upward from the origin in the current (maybe rotated) space."""
    n_rows, n_cols = len(rows), len(rows[0])
    for r in range(n_rows + 1):
        pdf.line(0, r * CELL_H, n_cols * CELL_W, r * CELL_H)
    for c in range(n_cols + 1):
        pdf.line(c * CELL_W, 0, c * CELL_W, n_rows * CELL_H)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            pdf.drawString(c * CELL_W + 4, (n_rows - r - 1) * CELL_H + 8, text)


def _sideways_pdf(path: Path, rotation: int) -> Path:
    """The table printed sideways: `rotation` is what turns it back (90: printed anticlockwise)."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 10)
    pdf.translate(A4[0] / 2, A4[1] / 2)
    pdf.rotate(rotation)  # reportlab turns anticlockwise; the print needs this many clockwise to read
    pdf.translate(-150, -40)
    _ruled_table(pdf, ROWS)
    pdf.save()
    return path


def _grid(path: Path) -> tuple[list[list[str]], int]:
    with pdfplumber.open(path) as pdf:
        (table,) = page_tables(pdf.pages[0], "text")
    return table.grid(), table.rotation


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_a_sideways_table_is_turned_upright(tmp_path: Path, rotation: int) -> None:
    grid, found = _grid(_sideways_pdf(tmp_path / f"t{rotation}.pdf", rotation))
    assert found == rotation
    assert grid == ROWS


def test_white_fills_neither_split_cells_nor_make_tables(tmp_path: Path) -> None:
    """White backgrounds inside cells and a white box around a title are invisible: no edges."""
    path = tmp_path / "white.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 10)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(40, 700, 300, 40, stroke=0, fill=1)  # a white box behind a title
    pdf.rect(40, 710, 150, 20, stroke=0, fill=1)
    pdf.translate(40, 500)
    pdf.rect(2, 2 * CELL_H + 4, CELL_W - 4, CELL_H - 8, stroke=0, fill=1)  # a white fill inset in the top-left cell
    pdf.setFillColorRGB(0, 0, 0)
    _ruled_table(pdf, ROWS)
    pdf.save()
    grid, _ = _grid(path)
    assert grid == ROWS


def test_a_white_rule_on_a_coloured_band_is_a_rule(tmp_path: Path) -> None:
    """camelot needs process_background for this; a rule shows when it differs from what it is painted on."""
    path = tmp_path / "band.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica", 10)
    pdf.translate(40, 500)
    pdf.setFillColorRGB(0.8, 0.13, 0.16)
    pdf.rect(0, 0, 3 * CELL_W, 2 * CELL_H, stroke=0, fill=1)
    pdf.setStrokeColorRGB(1, 1, 1)
    pdf.line(0, CELL_H, 3 * CELL_W, CELL_H)
    for c in (1, 2):
        pdf.line(c * CELL_W, 0, c * CELL_W, 2 * CELL_H)
    pdf.setFillColorRGB(1, 1, 1)
    for r, row in enumerate([["a", "b", "c"], ["d", "e", "f"]]):
        for c, text in enumerate(row):
            pdf.drawString(c * CELL_W + 4, (1 - r) * CELL_H + 8, text)
    pdf.save()
    grid, _ = _grid(path)
    assert grid == [["a", "b", "c"], ["d", "e", "f"]]
