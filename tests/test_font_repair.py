"""Fonts that lost their ToUnicode map: glyphs rebuilt by OCR, measured against the seed text."""
from __future__ import annotations

import json
from pathlib import Path

import pdfplumber
import pytest

from core.model import METHOD_FONT_REPAIR, METHOD_TEXT
from extractors import font_repair
from extractors.font_repair import GlyphMap, GlyphWord, vote_map
from extractors.pdf import extract_pdf
from pipeline.convert.process import process_file
from tests.fixtures.broken_fonts import BODY_FONT, truth_text
from tests.fixtures.metrics import cer

MAX_CER = 0.005


def _text(doc) -> str:
    return "\n".join(p.text for p in doc.pages)


def _raw_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


@pytest.fixture(scope="module")
def repaired(broken_pdfs: dict[str, Path]) -> dict[str, object]:
    return {name: extract_pdf(broken_pdfs[f"{name}.pdf"]) for name in ("narrative_glyphloss", "narrative_no_tounicode")}


@pytest.mark.parametrize("name", ["narrative_glyphloss", "narrative_no_tounicode"])
def test_repaired_text_matches_the_seed(name: str, repaired, broken_pdfs) -> None:
    truth = truth_text("narrative_clean")
    assert cer(_raw_text(broken_pdfs[f"{name}.pdf"]), truth) > 0.05, "the fixture must really be broken"
    assert cer(_text(repaired[name]), truth) <= MAX_CER


@pytest.mark.parametrize("name", ["narrative_glyphloss", "narrative_no_tounicode"])
def test_pages_say_how_their_text_was_repaired(name: str, repaired) -> None:
    for page in repaired[name].pages:
        assert page.method == METHOD_FONT_REPAIR
        assert any(r.startswith(f"font_repair({BODY_FONT}: ") for r in page.repairs)
        assert page.quality_raw is not None and page.quality > page.quality_raw
        assert "(cid:" not in page.text
        assert not any("unmapped glyphs" in issue for issue in page.issues)


def test_partial_map_rebuilds_exactly_the_lost_glyphs(repaired) -> None:
    [(font, glyphs)] = repaired["narrative_glyphloss"].glyph_maps.items()
    assert font.endswith(BODY_FONT)
    assert sorted(glyphs["chars"].values()) == sorted("ươạịếảợộệủđờấậớọểữự" + "ghpy" + "37")
    assert min(glyphs["confidence"].values()) >= 0.5


def test_clean_pdf_is_read_without_repair(broken_pdfs) -> None:
    doc = extract_pdf(broken_pdfs["narrative_clean.pdf"])
    assert {p.method for p in doc.pages} == {METHOD_TEXT}
    assert all(not p.repairs for p in doc.pages) and doc.glyph_maps == {}
    assert cer(_text(doc), truth_text("narrative_clean")) == 0


def test_saved_glyph_map_is_reapplied_without_ocr(repaired, broken_pdfs, monkeypatch) -> None:
    saved = json.loads(json.dumps(repaired["narrative_glyphloss"].glyph_maps))
    maps = {font: GlyphMap.from_dict(data) for font, data in saved.items()}

    def no_ocr(*_args, **_kwargs):
        raise AssertionError("OCR must not run when every font has a saved map")

    monkeypatch.setattr("extractors.glyph_repair.rebuild_maps", no_ocr)
    again = extract_pdf(broken_pdfs["narrative_glyphloss.pdf"], glyph_maps=maps)
    assert _text(again) == _text(repaired["narrative_glyphloss"])


def test_damaged_table_yields_the_clean_tables_indicators(broken_pdfs) -> None:
    clean = process_file(broken_pdfs["table_clean.pdf"])
    damaged = process_file(broken_pdfs["table_glyphloss.pdf"])
    assert clean.ok and damaged.ok
    keys = ("code", "code_printed", "label", "unit", "value", "value_text", "value_kind")
    assert len(damaged.indicators) == len(clean.indicators) == 102
    assert [tuple(r[k] for k in keys) for r in damaged.indicators] == [tuple(r[k] for k in keys) for r in clean.indicators]
    assert {r["method"] for r in damaged.indicators} == {METHOD_FONT_REPAIR}
    assert {r["method"] for r in clean.indicators} == {METHOD_TEXT}
    assert all(0.5 <= r["confidence"] <= 1 for r in damaged.indicators)
    assert damaged.document["pages_repaired"] == damaged.document["pages"]
    assert all(t["repairs"] and t["quality"] > t["quality_raw"] for t in damaged.text)


# --- voting, on hand-made words -----------------------------------------------------


def _word(*parts, widths=()) -> GlyphWord:
    return GlyphWord(font="F", page=1, bbox=(0, 0, 1, 1), parts=tuple(parts), widths=widths)


def test_a_character_the_font_already_maps_cannot_be_an_unmapped_glyph() -> None:
    words = [_word("l", "u", "ậ", 5), _word("c", 5)]
    votes = [(words[0], {5: "t"}, 0.9), (words[1], {5: "t"}, 0.9), (words[1], {5: "ô"}, 0.3)]
    assert vote_map("F", words, votes, known=set()).chars == {5: "t"}
    assert vote_map("F", words, votes, known={"t"}).chars == {5: "ô"}


def test_syllable_shape_settles_vowel_marks_ocr_confused() -> None:
    words = [_word("n", "g", "u", "y", 9, "n"), _word("t", "i", 9, "n")]
    votes = [(w, {9: "é"}, 0.9) for w in words]
    assert vote_map("F", words, votes, known=set()).chars == {9: "ế"}


def test_case_follows_the_word() -> None:
    words = [_word("N", "g", "h", 4), _word("c", "h", 4)]
    votes = [(w, {4: "Ị"}, 0.9) for w in words]
    assert vote_map("F", words, votes, known=set()).chars == {4: "ị"}


def test_two_glyphs_never_get_the_same_character_and_dashes_go_by_width() -> None:
    words = [_word("a", 1, "b", widths=(0.6, 0.36, 0.6)), _word("2", 2, "3", widths=(0.6, 0.5, 0.6))]
    votes = [(words[0], {1: "-"}, 0.9), (words[1], {2: "-"}, 0.9)]
    assert vote_map("F", words, votes, known=set()).chars == {1: "-", 2: "–"}


def test_glyphs_without_a_reading_are_unreadable_not_dropped() -> None:
    words = [_word("a", 1), _word("b", 2)]
    glyphs = vote_map("F", words, [(words[0], {1: "n"}, 0.9)], known=set())
    assert glyphs.unresolved == {2}
    assert glyphs.decode(2) == font_repair.UNREADABLE and glyphs.decode(1) == "n"
