"""Broken fonts, whatever the producer did with the lost glyphs: a seeded slice of the matrix.

Each cell of `tests.fixtures.font_matrix.seeded_slice()` (one per producer, each font and
each damage once) is read by the pipeline and compared with its undamaged twin, which
renders pixel for pixel alike: its text within 0.5 % CER, its indicators the twin's, no
U+FFFD left.  The whole matrix runs in `python -m benchmarks.font_repair`.
"""
from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from core.model import METHOD_FONT_REPAIR, METHOD_OCR, METHOD_TEXT
from extractors import glyph_audit
from extractors.font_repair import maps_from_repairs
from extractors.glyph_audit import AuditingResourceManager, GlyphAudit
from extractors.pdf import extract_pdf
from pipeline.convert.process import process_file
from tests.fixtures import broken_fonts as bf
from tests.fixtures import font_matrix as fm
from tests.fixtures.metrics import cer

MAX_CER = 0.005
KEYS = ("code", "code_printed", "label", "unit", "value", "value_text", "value_kind")
CELLS = fm.seeded_slice()
PAGES = 3  # the narrative and the table's first page: enough to see every damage
# What the audit must say about the lost glyphs of each damage.
REASONS = {
    "entries_removed": glyph_audit.NO_ENTRY,
    "no_tounicode": glyph_audit.NO_MAP,
    "lost_as_space": glyph_audit.SPACE,
    "lost_as_letters": glyph_audit.SHARED,
    "private_use": glyph_audit.PRIVATE_USE,
}


def _cell_id(cell: fm.Cell) -> str:
    return cell.name


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("font_matrix")
    return {cell.name: fm.build_cell(cell, out) for cell in CELLS if fm.available(cell.producer)}


@pytest.fixture(scope="module")
def results(cells) -> dict[str, tuple[object, object]]:
    twins: dict[Path, object] = {}
    out = {}
    for name, (twin, damaged) in cells.items():
        if twin not in twins:
            twins[twin] = process_file(twin)
        out[name] = (twins[twin], process_file(damaged))
    return out


def _cell(cells, cell: fm.Cell) -> tuple[Path, Path]:
    if cell.name not in cells:
        pytest.skip(f"{cell.producer} is not installed here")
    return cells[cell.name]


def _text(result) -> str:
    return "\n".join(row["text"] for row in result.text)


def _raw(path: Path, pages: int) -> str:
    with pdfplumber.open(path, pages=list(range(1, pages + 1))) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_slice_covers_every_producer_font_and_damage() -> None:
    assert {c.producer for c in CELLS} == set(fm.PRODUCERS)
    assert {c.font for c in CELLS} == set(fm.FONTS)
    assert {c.damage for c in CELLS} == set(fm.DAMAGES)


@pytest.mark.parametrize("cell", CELLS, ids=_cell_id)
def test_damage_changes_the_text_layer_not_a_pixel(cells, cell: fm.Cell) -> None:
    twin, damaged = _cell(cells, cell)
    assert fm.renders_identically(twin, damaged)
    assert cer(_raw(damaged, PAGES), _raw(twin, PAGES)) > 0.05, "the damage must really break the text"


@pytest.mark.parametrize("cell", CELLS, ids=_cell_id)
def test_audit_finds_the_lost_glyphs_from_the_font(cells, cell: fm.Cell) -> None:
    """The suspects are the damaged codes, for the reason the damage gives, whatever pdfminer
    printed for them (the twin's pages are read without any repair: see the next test)."""
    twin, damaged = _cell(cells, cell)
    audit = _audit(damaged, PAGES)
    with pikepdf.open(twin) as pdf:
        truth = {(str(f.BaseFont)[1:], code): text for f in fm.body_fonts(pdf) for code, text in fm.tounicode(f).items()}
        partners = {fm._wrong_letter(t, set(m.values())) for m in map(fm.tounicode, fm.body_fonts(pdf)) for t in set(m.values()) & fm.LOST}
    drawn = {(c.font.name, c.cid) for c in audit.codes} & set(truth)
    suspects = {(c.font.name, c.cid) for c in audit.suspects()}
    lost = {key for key in drawn if truth[key] in fm.LOST}
    if cell.damage in ("no_tounicode", "private_use"):
        expected = {key for key in drawn if truth[key].strip()}
    elif cell.damage == "lost_as_letters":
        expected = lost | {key for key in drawn if truth[key] in partners}
    else:
        expected = lost
    assert lost and lost <= suspects <= expected
    assert {c.suspect for c in audit.suspects() if (c.font.name, c.cid) in lost} == {REASONS[cell.damage]}


def _audit(path: Path, pages: int | None = None) -> GlyphAudit:
    audit = GlyphAudit()
    with pdfplumber.open(path, pages=list(range(1, pages + 1)) if pages else None) as pdf:
        pdf.rsrcmgr = AuditingResourceManager(audit)
        for page in pdf.pages:
            audit.restore(page.chars, page.page_number)
    return audit


@pytest.mark.parametrize("cell", CELLS, ids=_cell_id)
def test_damaged_cell_reads_as_its_twin(results, cells, cell: fm.Cell) -> None:
    _cell(cells, cell)
    clean, damaged = results[cell.name]
    assert clean.ok and damaged.ok
    assert cer(_text(damaged), _text(clean)) <= MAX_CER
    assert [tuple(r[k] for k in KEYS) for r in damaged.indicators] == [tuple(r[k] for k in KEYS) for r in clean.indicators]
    assert len(clean.indicators) >= 100
    assert "\ufffd" not in _text(damaged)
    assert {r["method"] for r in clean.text} == {METHOD_TEXT} and not any(r["repairs"] for r in clean.text)
    assert {r["method"] for r in damaged.text} <= {METHOD_FONT_REPAIR, METHOD_TEXT}
    assert any(r["method"] == METHOD_FONT_REPAIR for r in damaged.text)
    assert [r["quality"] for r in damaged.text] == pytest.approx([r["quality"] for r in clean.text], abs=0.02)
    assert all(0.5 <= r["confidence"] <= 1 for r in damaged.indicators if r["method"] == METHOD_FONT_REPAIR)


@pytest.mark.parametrize("cell", CELLS[:2], ids=_cell_id)
def test_the_pages_repairs_reapply_without_voting(results, cells, cell: fm.Cell, monkeypatch) -> None:
    """The glyph maps recorded in text.repairs decode the file again, no voter running."""
    _, damaged_path = _cell(cells, cell)
    _, damaged = results[cell.name]
    plan = maps_from_repairs(part for row in damaged.text for part in (row["repairs"] or "").split("; "))
    assert plan

    def no_vote(*_args, **_kwargs):
        raise AssertionError("no voter may run when the plan covers every font")

    monkeypatch.setattr("extractors.glyph_repair.rebuild_maps", no_vote)
    monkeypatch.setattr("extractors.glyph_repair.vote", no_vote)
    again = extract_pdf(damaged_path, glyph_maps=plan)
    assert [p.text for p in again.pages] == [row["text"] for row in damaged.text]


# --- the fallbacks -------------------------------------------------------------------


def _first_page(path: Path, out: Path) -> Path:
    with pikepdf.open(path) as pdf:
        del pdf.pages[1:]
        pdf.save(out, deterministic_id=True)
    return out


def test_a_font_no_voter_settles_sends_its_pages_to_ocr(broken_pdfs, tmp_path, monkeypatch) -> None:
    """With both voters silenced, the damaged font's page is read by OCR (method says so)."""
    damaged = _first_page(broken_pdfs["narrative_glyphloss.pdf"], tmp_path / "glyphloss_p1.pdf")
    truth = _raw(_first_page(broken_pdfs["narrative_clean.pdf"], tmp_path / "clean_p1.pdf"), 1)
    monkeypatch.setattr("extractors.glyph_repair.rebuild_maps", lambda *args, **kwargs: {})
    [page] = extract_pdf(damaged).pages
    assert page.method == METHOD_OCR and any("page read by OCR" in issue for issue in page.issues)
    assert "\ufffd" not in page.text and cer(page.text, truth) < 0.05


def _foreign_letters(path: Path, out: Path) -> Path:
    """Each lost letter mapped to a Latin letter Vietnamese never uses, one each: no glyph
    shares a claim and none claims a space, so nothing in the font looks wrong, but the text
    reads below the quality floor."""
    with pikepdf.open(path) as pdf:
        font = bf.body_font(pdf)
        foreign = dict(zip(sorted(fm.LOST), "ĉĝĥĵŝŭẑŵŷñçøåëïöüāēīōūǎěǐǒǔÿ"))
        bf._write_flate(font.ToUnicode, bf._cmap_stream({code: foreign.get(t, t) for code, t in bf.read_tounicode(font).items()}))
        del pdf.pages[1:]
        pdf.save(out, deterministic_id=True)
    return out


def test_a_page_below_the_quality_floor_is_read_by_ocr_when_nothing_was_repaired(broken_pdfs, tmp_path) -> None:
    damaged = _foreign_letters(broken_pdfs["narrative_clean.pdf"], tmp_path / "foreign.pdf")
    truth = _raw(_first_page(broken_pdfs["narrative_clean.pdf"], tmp_path / "clean_p1.pdf"), 1)
    assert _audit(damaged).suspects() == []
    [page] = extract_pdf(damaged).pages
    assert page.method == METHOD_OCR and any("below the quality floor" in issue for issue in page.issues)
    assert cer(page.text, truth) < 0.05


# --- one glyph, several font objects ------------------------------------------------------


def _second_font_object(damaged: Path, clean: Path, out: Path, intact: bool) -> Path:
    """Pages 3-4 drawn with a copy of the body font (its own object and subset tag, the same
    program); the copy's ToUnicode is the damaged one, or the intact one of the clean twin."""
    with pikepdf.open(clean) as twin:
        mapping = bf.read_tounicode(bf.body_font(twin))
    with pikepdf.open(damaged) as pdf:
        font = bf.body_font(pdf)
        name = pikepdf.Name("/MPDFAB+" + bf.BODY_FONT)
        descendant = font.DescendantFonts[0]
        descriptor = pdf.make_indirect(pikepdf.Dictionary({k: descendant.FontDescriptor[k] for k in descendant.FontDescriptor.keys()}))
        descriptor.FontName = name
        descendant = pdf.make_indirect(pikepdf.Dictionary({k: descendant[k] for k in descendant.keys()}))
        descendant.FontDescriptor, descendant.BaseFont = descriptor, name
        copy = pdf.make_indirect(pikepdf.Dictionary({k: font[k] for k in font.keys()}))
        copy.BaseFont, copy.DescendantFonts = name, pikepdf.Array([descendant])
        copy.ToUnicode = pdf.make_stream(bf._cmap_stream(mapping if intact else bf.read_tounicode(font)))
        for page in pdf.pages[2:]:
            fonts = page.Resources.Font
            for name in list(fonts.keys()):
                if fonts[name].objgen == font.objgen:
                    fonts[name] = copy
        pdf.save(out, deterministic_id=True)
    return out


def test_a_glyph_drawn_by_two_font_objects_is_decided_once(broken_pdfs, tmp_path, monkeypatch) -> None:
    path = _second_font_object(broken_pdfs["narrative_glyphloss.pdf"], broken_pdfs["narrative_clean.pdf"], tmp_path / "two.pdf",
                               intact=False)
    import extractors.glyph_repair as glyph_repair

    seen: list[set[int]] = []
    vote = glyph_repair.rebuild_maps

    def recording(pdf_path, words, known, shapes=None):
        seen.append({p for w in words for p in w.unknown})
        return vote(pdf_path, words, known, shapes)

    monkeypatch.setattr(glyph_repair, "rebuild_maps", recording)
    doc = extract_pdf(path)
    assert [len(ids) for ids in seen] == [len(bf.GLYPHLOSS_CHARS)]
    assert set(doc.glyph_maps) == {f"MPDFAA+{bf.BODY_FONT}", f"MPDFAB+{bf.BODY_FONT}"}
    assert cer("\n".join(p.text for p in doc.pages), bf.truth_text("narrative_clean")) == 0


def test_a_glyph_trusted_in_another_font_object_needs_no_vote(broken_pdfs, tmp_path, monkeypatch) -> None:
    path = _second_font_object(broken_pdfs["narrative_glyphloss.pdf"], broken_pdfs["narrative_clean.pdf"], tmp_path / "twin.pdf",
                               intact=True)

    def no_vote(*_args, **_kwargs):
        raise AssertionError("the intact copy of the font says what every glyph is")

    monkeypatch.setattr("extractors.glyph_repair.rebuild_maps", no_vote)
    doc = extract_pdf(path)
    assert {p.method for p in doc.pages[:2]} == {METHOD_FONT_REPAIR} and {p.method for p in doc.pages[2:]} == {METHOD_TEXT}
    assert cer("\n".join(p.text for p in doc.pages), bf.truth_text("narrative_clean")) == 0
