"""The broken-font fixtures: their truth is right and their damage is exactly as declared.

A font repair is scored against these files, so a clean variant that does not extract
as its truth, a damaged one that loses other letters than ``GLYPHLOSS_CHARS``, or a
damage that changes how a page looks would make every score built on them wrong.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from fontTools.ttLib import TTFont
from pdfminer.cmapdb import CMapParser, FileUnicodeMap

from tests.fixtures import broken_fonts as bf

CID = re.compile(r"\(cid:(\d+)\)")
LINES = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
# (clean, damaged) pairs built from the same typeset bytes.
PAIRS = {
    "narrative_glyphloss.pdf": "narrative_clean.pdf",
    "narrative_no_tounicode.pdf": "narrative_clean.pdf",
    "table_glyphloss.pdf": "table_clean.pdf",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return bf.build_all(tmp_path_factory.mktemp("broken_fonts"))


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _text(path: Path) -> str:
    """The whole document as pdfplumber reads it, whitespace-collapsed."""
    with pdfplumber.open(path) as pdf:
        return _squash(" ".join(page.extract_text() or "" for page in pdf.pages))


def _chars(path: Path) -> Iterator[tuple[str, str]]:
    """(fontname, text) of every char in content-stream order, page after page."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            yield from ((c["fontname"], c["text"]) for c in page.chars)


def _is_body(fontname: str) -> bool:
    return fontname.endswith("+" + bf.BODY_FONT)


def _code_of(path: Path) -> dict[str, int]:
    """char -> code in the body font, read by pdfminer from the intact ToUnicode."""
    with pikepdf.open(path) as pdf:
        data = bf.body_font(pdf).ToUnicode.read_bytes()
    cmap = FileUnicodeMap()
    CMapParser(cmap, io.BytesIO(data)).run()
    return {char: code for code, char in cmap.cid2unichr.items()}


def _body_text(runs: tuple[bf.Run, ...]) -> str:
    return "".join(run.text for run in runs if not run.bold)


# --- truth -------------------------------------------------------------------------


def test_narrative_uses_every_lost_char_in_the_body_font() -> None:
    body = "".join(_body_text(p) for p in bf.narrative())
    assert {c: body.count(c) for c in sorted(bf.GLYPHLOSS_CHARS) if c not in body} == {}
    assert any(run.bold for p in bf.narrative() for run in p), "headings must stay in the intact bold font"
    assert "**" not in bf.truth_text("narrative_clean.pdf")


def test_narrative_is_four_pages(built: dict[str, Path]) -> None:
    with pdfplumber.open(built["narrative_clean.pdf"]) as pdf:
        assert len(pdf.pages) == 4


def test_clean_narrative_extracts_as_truth(built: dict[str, Path]) -> None:
    assert _text(built["narrative_clean.pdf"]) == bf.truth_text("narrative_clean.pdf")


def test_clean_table_extracts_as_seed(built: dict[str, Path]) -> None:
    table = bf.truth_table()
    body: list[tuple[str, ...]] = []
    with pdfplumber.open(built["table_clean.pdf"]) as pdf:
        for page in pdf.pages:
            (grid,) = page.extract_tables(LINES)
            header = [tuple(_squash(c) for c in row) for row in grid[:2]]
            assert header == [tuple(_squash(c) for c in row) for row in table.header]
            body += [tuple(_squash(c) for c in row) for row in grid[2:]]
    assert body == [tuple(_squash(c) for c in row) for row in table.body()]
    title = _squash(" ".join(line.text for line in table.title))
    assert _text(built["table_clean.pdf"]).startswith(title)


# --- damage ------------------------------------------------------------------------


def test_glyphloss_narrative_loses_exactly_the_declared_chars(built: dict[str, Path]) -> None:
    code = _code_of(built["narrative_clean.pdf"])
    expected = " ".join(
        "".join(
            run.text if run.bold else "".join(f"(cid:{code[c]})" if c in bf.GLYPHLOSS_CHARS else c for c in run.text)
            for run in paragraph
        )
        for paragraph in bf.narrative()
    )
    got = _text(built["narrative_glyphloss.pdf"])
    assert got == _squash(expected)
    lost = sum(_body_text(p).count(c) for p in bf.narrative() for c in bf.GLYPHLOSS_CHARS)
    assert len(CID.findall(got)) == lost


@pytest.mark.parametrize("damaged", ["narrative_glyphloss.pdf", "table_glyphloss.pdf"])
def test_glyphloss_char_by_char(built: dict[str, Path], damaged: str) -> None:
    clean = built[PAIRS[damaged]]
    code = _code_of(clean)
    pairs = list(zip(_chars(clean), _chars(built[damaged]), strict=True))
    for (font, before), (font_after, after) in pairs:
        assert font == font_after
        lost = _is_body(font) and before in bf.GLYPHLOSS_CHARS
        assert after == (f"(cid:{code[before]})" if lost else before)
    assert any(after.startswith("(cid:") for _, (_, after) in pairs)


def test_table_headers_stay_intact(built: dict[str, Path]) -> None:
    with pdfplumber.open(built["table_glyphloss.pdf"]) as pdf:
        headers = [page.extract_tables(LINES)[0][:2] for page in pdf.pages]
    expected = [[c or None for c in row] for row in bf.truth_table().header]
    assert headers == [expected] * len(headers)


def test_no_tounicode_loses_every_body_char(built: dict[str, Path]) -> None:
    clean = built["narrative_clean.pdf"]
    code = _code_of(clean)
    pairs = list(zip(_chars(clean), _chars(built["narrative_no_tounicode.pdf"]), strict=True))
    for (font, before), (_, after) in pairs:
        assert after == (f"(cid:{code[before]})" if _is_body(font) else before)
    assert sum(_is_body(font) for (font, _), _ in pairs) > 5000


def test_no_tounicode_font_has_no_text_map_left(built: dict[str, Path]) -> None:
    with pikepdf.open(built["narrative_no_tounicode.pdf"]) as pdf:
        font = bf.body_font(pdf)
        program = font.DescendantFonts[0].FontDescriptor.FontFile2
        tt = TTFont(io.BytesIO(program.read_bytes()))
        assert "/ToUnicode" not in font
        assert "cmap" not in tt
        assert tt["post"].formatType == 3.0, "post glyph names would leak the text"
        assert int(program.Length1) == len(program.read_bytes())


def _differing_objects(a: Path, b: Path) -> set[tuple[int, int]]:
    """Object numbers whose dictionary or (raw) stream data differ between two files."""
    with pikepdf.open(a) as left, pikepdf.open(b) as right:
        assert len(left.objects) == len(right.objects)
        out = set()
        for x, y in zip(left.objects, right.objects, strict=True):
            assert x.objgen == y.objgen
            if isinstance(x, pikepdf.Stream):
                same = x.stream_dict.unparse() == y.stream_dict.unparse() and x.read_raw_bytes() == y.read_raw_bytes()
            else:
                same = x.unparse(resolved=True) == y.unparse(resolved=True)  # else both are just "N 0 R"
            if not same:
                out.add(x.objgen)
        return out


@pytest.mark.parametrize("damaged", ["narrative_glyphloss.pdf", "table_glyphloss.pdf"])
def test_glyphloss_differs_only_in_tounicode(built: dict[str, Path], damaged: str) -> None:
    clean = built[PAIRS[damaged]]
    with pikepdf.open(clean) as pdf:
        tounicode = bf.body_font(pdf).ToUnicode.objgen
    assert _differing_objects(clean, built[damaged]) == {tounicode}


# --- rendering and reproducibility ----------------------------------------------------


def _render(path: Path, index: int) -> np.ndarray:
    doc = pdfium.PdfDocument(path)
    try:
        return doc[index].render(scale=100 / 72).to_numpy()
    finally:
        doc.close()


@pytest.mark.parametrize("damaged", sorted(PAIRS))
def test_damage_does_not_change_rendering(built: dict[str, Path], damaged: str) -> None:
    clean = built[PAIRS[damaged]]
    with pdfplumber.open(clean) as pdf:
        n_pages = len(pdf.pages)
    for index in range(n_pages):
        before, after = _render(clean, index), _render(built[damaged], index)
        assert before.shape == after.shape
        assert (before < 128).any(), "blank page: the comparison would prove nothing"
        assert np.array_equal(before, after), f"page {index + 1} renders differently"


def test_builds_are_byte_identical(built: dict[str, Path], tmp_path: Path) -> None:
    again = bf.build_all(tmp_path)
    assert {name: path.read_bytes() == built[name].read_bytes() for name, path in again.items()} == dict.fromkeys(
        bf.BUILDERS, True
    )
