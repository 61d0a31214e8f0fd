"""String-level repairs: mojibake, NFD, tone placement; clean text is left alone."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows-1252 codec real mojibake comes from)
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.model import Cell, Document, Page, Table
from normalizers.repair import Repaired, apply_plan, place_tones_new, place_tones_old, repair_document, repair_text
from pipeline.convert.process import process_file
from tests.fixtures.build import build_docx_phuluc1
from tests.fixtures.legacy_docx import _build_phuluc1, legacy_runs
from tests.fixtures.seeds import seed_text

SEEDS = ("000", "001", "002", "003")


def _truth(prefix: str) -> str:
    return unicodedata.normalize("NFC", seed_text(prefix))


def _mojibake(text: str, codec: str) -> str:
    return text.encode("utf-8").decode(codec)


@pytest.mark.parametrize("prefix", SEEDS)
@pytest.mark.parametrize("codec", ["sloppy-windows-1252", "latin-1"])
def test_mojibake_seed_comes_back_identical(prefix: str, codec: str) -> None:
    broken = _mojibake(_truth(prefix), codec)
    assert broken != _truth(prefix)
    repaired = repair_text(broken)
    assert repaired.text == _truth(prefix)
    assert repaired.plan == ("fix_mojibake",)


@pytest.mark.parametrize("prefix", SEEDS)
def test_nfd_seed_comes_back_identical(prefix: str) -> None:
    repaired = repair_text(unicodedata.normalize("NFD", _truth(prefix)))
    assert repaired.text == _truth(prefix)
    assert repaired.plan == ("compose_marks",)


def test_seed_001_nfd_words_are_composed() -> None:
    raw = seed_text("001")
    assert raw != _truth("001"), "seed 001 is known to hold NFD words"
    assert repair_text(raw).text == _truth("001")


@pytest.mark.parametrize("prefix", SEEDS)
def test_clean_seed_is_left_alone(prefix: str) -> None:
    assert repair_text(_truth(prefix)) == Repaired(_truth(prefix), ())


def test_plan_reapplies_to_other_text_from_the_same_source() -> None:
    plan = repair_text(_mojibake("Cải cách hành chính", "sloppy-windows-1252")).plan
    assert apply_plan(_mojibake("Ủy ban nhân dân huyện", "sloppy-windows-1252"), plan) == "Ủy ban nhân dân huyện"


@pytest.mark.parametrize(
    ("old", "new"),
    [("hòa", "hoà"), ("Hòa", "Hoà"), ("thủy", "thuỷ"), ("Ủy", "Uỷ"), ("khỏe", "khoẻ"), ("họa", "hoạ"), ("xóa", "xoá")],
)
def test_tone_styles(old: str, new: str) -> None:
    assert place_tones_old(new) == old and place_tones_old(old) == old
    assert place_tones_new(old) == new and place_tones_new(new) == new


@pytest.mark.parametrize("word", ["hoàn", "quý", "quả", "thuyền", "hoạch", "khuya", "già", "hoa"])
def test_tone_styles_leave_syllables_where_both_agree(word: str) -> None:
    assert place_tones_old(word) == word == place_tones_new(word)


def test_tone_style_setting_applies_to_the_whole_seed() -> None:
    """Seed 001 mixes both styles: "ủy" 11 times, "uỷ" 6 times."""
    def count(text: str, word: str) -> int:
        return re.findall(r"[^\W\d_]+", text.lower()).count(word)

    assert count(_truth("001"), "ủy") == 11 and count(_truth("001"), "uỷ") == 6
    old = repair_text(_truth("001"), tone_style="old")
    assert old.plan == ("place_tones_old",)
    assert count(old.text, "ủy") == 17 and count(old.text, "uỷ") == 0
    new = repair_text(old.text, tone_style="new")
    assert count(new.text, "uỷ") == 17 and new.text == place_tones_new(_truth("001"))


def test_repair_document_fixes_pages_and_cells_and_records_it() -> None:
    broken = _mojibake("Số TTHC được công bố", "sloppy-windows-1252")
    doc = Document(
        source_path="x.docx",
        kind="docx",
        pages=[Page(number=1, text=broken, method="docx", quality=0.1)],
        tables=[Table(table_id=0, page=1, n_rows=1, n_cols=2, cells=[Cell(0, 0, broken), Cell(0, 1, "12")], method="docx")],
    )
    fixed = repair_document(doc)
    assert fixed.pages[0].text == "Số TTHC được công bố" == fixed.tables[0].cells[0].text
    assert fixed.pages[0].repairs == ["fix_mojibake"]
    assert fixed.pages[0].quality_raw == 0.1 and fixed.pages[0].quality == 1.0
    assert doc.pages[0].text == broken, "the input document is not mutated"


_WORDS = sorted({w for p in SEEDS for w in re.findall(r"[^\W\d_]+", _truth(p))})
_clean_text = st.lists(
    st.tuples(st.sampled_from(_WORDS), st.sampled_from([" ", ", ", ". ", "; ", " – ", "\n", " 12 ", " 16.688 "])),
    min_size=1,
    max_size=40,
).map(lambda pairs: "".join(w + sep for w, sep in pairs))


@settings(max_examples=200, deadline=None)
@given(_clean_text)
def test_clean_vietnamese_text_is_unchanged(text: str) -> None:
    assert repair_text(text) == Repaired(text, ())


@settings(max_examples=200, deadline=None)
@given(_clean_text, st.sampled_from(["none", "sloppy-windows-1252", "latin-1", "nfd"]), st.sampled_from(["keep", "old", "new"]))
def test_repair_is_idempotent(text: str, breakage: str, tone_style: str) -> None:
    if breakage == "nfd":
        text = unicodedata.normalize("NFD", text)
    elif breakage != "none":
        text = _mojibake(text, breakage)
    once = repair_text(text, tone_style=tone_style).text
    assert repair_text(once, tone_style=tone_style) == Repaired(once, ())


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
def test_repair_is_idempotent_on_any_text(text: str) -> None:
    once = repair_text(text).text
    assert repair_text(once).text == once


# --- through the pipeline: a Word file whose every run is mojibake, or NFD ------------


def _phuluc1_docx(path: Path, breakage: Callable[[str], str]) -> Path:
    return _build_phuluc1(path, legacy_runs(lambda text: [(breakage(text), "Times New Roman")] if text else []))


@pytest.fixture(scope="module")
def broken_docx(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("broken_docx")
    return {
        "unicode": build_docx_phuluc1(out / "phuluc1_000.docx"),
        "mojibake": _phuluc1_docx(out / "mojibake.docx", lambda t: _mojibake(t, "sloppy-windows-1252")),
        "nfd": _phuluc1_docx(out / "nfd.docx", lambda t: unicodedata.normalize("NFD", t)),
    }


@pytest.mark.parametrize(("name", "repair"), [("mojibake", "fix_mojibake"), ("nfd", "compose_marks")])
def test_broken_docx_reads_as_the_unicode_fixture(broken_docx, name: str, repair: str | None) -> None:
    want, got = process_file(broken_docx["unicode"]), process_file(broken_docx[name])
    assert got.ok and got.text[0]["text"] == want.text[0]["text"]
    assert [(c["text"], c["row"], c["col"]) for c in got.tables] == [(c["text"], c["row"], c["col"]) for c in want.tables]
    keys = ("code", "label", "value", "value_text")
    assert [tuple(r[k] for k in keys) for r in got.indicators] == [tuple(r[k] for k in keys) for r in want.indicators]
    assert got.text[0]["repairs"] == repair and got.document["pages_repaired"] == 1
    assert want.text[0]["repairs"] is None and want.document["pages_repaired"] == 0
    if name == "mojibake":
        assert got.text[0]["quality_raw"] < 0.8 <= got.text[0]["quality"]
