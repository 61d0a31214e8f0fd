"""Tests for the DOCX extractor: merged cells once, nested tables, run content, bad files."""
from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls

from core.model import METHOD_DOCX, Cell
from extractors.docx import extract_docx
from extractors.errors import ExtractionError

# ../shared/real beside the checkout; searched upwards so a worktree deeper down finds it too.
_HERE = Path(__file__).resolve()
REAL = next((p / "shared" / "real" for p in _HERE.parents if (p / "shared" / "real").is_dir()),
            _HERE.parents[2].parent / "shared" / "real")


def cells_of(table) -> list[tuple[int, int, int, int, str]]:
    return [(c.row, c.col, c.rowspan, c.colspan, c.text) for c in table.cells]


def save(document, tmp_path: Path, name: str = "t.docx") -> Path:
    path = tmp_path / name
    document.save(str(path))
    return path


def append_xml(document, xml: str) -> None:
    """Put raw WordprocessingML (one block element) at the end of the body, before sectPr."""
    body = document.element.body
    body.insert(len(body) - 1, parse_xml(xml))


def paragraph_xml(inner: str) -> str:
    return (f'<w:p {nsdecls("w")} xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
            f"{inner}</w:p>")


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


# --- tables -----------------------------------------------------------------------------------


def test_horizontal_merge_is_one_cell_with_colspan(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "MERGED-H"
    t.cell(0, 2).text = "c"
    for j, word in enumerate(["x", "y", "z"]):
        t.cell(1, j).text = word
    doc = extract_docx(save(d, tmp_path))

    (table,) = doc.tables
    assert (table.table_id, table.n_rows, table.n_cols, table.method) == (0, 2, 3, METHOD_DOCX)
    assert cells_of(table) == [(0, 0, 1, 2, "MERGED-H"), (0, 2, 1, 1, "c"),
                               (1, 0, 1, 1, "x"), (1, 1, 1, 1, "y"), (1, 2, 1, 1, "z")]
    text = doc.pages[0].text
    assert text.count("MERGED-H") == 1
    assert "MERGED-H\tc\nx\ty\tz" in text


def test_vertical_merge_extends_rowspan_and_emits_no_cell(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=3, cols=2)
    t.cell(0, 0).merge(t.cell(2, 0)).text = "MERGED-V"
    for i in range(3):
        t.cell(i, 1).text = f"r{i}"
    doc = extract_docx(save(d, tmp_path))

    (table,) = doc.tables
    assert cells_of(table) == [(0, 0, 3, 1, "MERGED-V"), (0, 1, 1, 1, "r0"), (1, 1, 1, 1, "r1"),
                               (2, 1, 1, 1, "r2")]
    assert doc.pages[0].text.count("MERGED-V") == 1
    assert table.grid() == [["MERGED-V", "r0"], ["", "r1"], ["", "r2"]]


def test_block_merge_has_both_spans(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(1, 1)).text = "BLOCK"
    t.cell(0, 2).text = "a"
    t.cell(1, 2).text = "b"
    t.cell(2, 0).text = "c"
    t.cell(2, 1).merge(t.cell(2, 2)).text = "d"
    doc = extract_docx(save(d, tmp_path))

    (table,) = doc.tables
    assert cells_of(table) == [(0, 0, 2, 2, "BLOCK"), (0, 2, 1, 1, "a"), (1, 2, 1, 1, "b"),
                               (2, 0, 1, 1, "c"), (2, 1, 1, 2, "d")]
    assert doc.pages[0].text.count("BLOCK") == 1
    assert all(isinstance(c, Cell) and c.page == 1 for c in table.cells)


def test_nested_table_numbered_after_parent_and_inside_cell_text(tmp_path):
    d = docx.Document()
    d.add_paragraph("before")
    outer = d.add_table(rows=1, cols=2)
    host = outer.cell(0, 0)
    host.text = "host"
    inner = host.add_table(rows=2, cols=2)
    for i in range(2):
        for j in range(2):
            inner.cell(i, j).text = f"n{i}{j}"
    outer.cell(0, 1).text = "right"
    d.add_paragraph("between")
    d.add_table(rows=1, cols=1).cell(0, 0).text = "last"
    d.add_paragraph("after")
    doc = extract_docx(save(d, tmp_path))

    assert [t.table_id for t in doc.tables] == [0, 1, 2]
    outer_t, inner_t, last_t = doc.tables
    assert cells_of(inner_t) == [(0, 0, 1, 1, "n00"), (0, 1, 1, 1, "n01"), (1, 0, 1, 1, "n10"),
                                 (1, 1, 1, 1, "n11")]
    assert cells_of(outer_t) == [(0, 0, 1, 1, "host\nn00\tn01\nn10\tn11"), (0, 1, 1, 1, "right")]
    assert cells_of(last_t) == [(0, 0, 1, 1, "last")]
    text = doc.pages[0].text
    assert text.count("n11") == 1
    order = [text.index(word) for word in ("before", "n00", "between", "last", "after")]
    assert order == sorted(order)
    # the outer row stays one line: the cell's own line breaks and tabs become spaces
    assert "host n00 n01 n10 n11\tright" in text.splitlines()


def test_grid_before_after_and_legacy_hmerge(tmp_path):
    d = docx.Document()
    append_xml(d, f"""<w:tbl {nsdecls("w")}><w:tblPr/>
      <w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>
      <w:tr><w:trPr><w:gridBefore w:val="1"/><w:gridAfter w:val="1"/></w:trPr>
        <w:tc><w:p>{run("b1")}</w:p></w:tc><w:tc><w:p>{run("b2")}</w:p></w:tc></w:tr>
      <w:tr><w:tc><w:tcPr><w:hMerge w:val="restart"/></w:tcPr><w:p>{run("H")}</w:p></w:tc>
        <w:tc><w:tcPr><w:hMerge/></w:tcPr><w:p/></w:tc>
        <w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p>{run("S")}</w:p></w:tc></w:tr>
    </w:tbl>""")
    doc = extract_docx(save(d, tmp_path))

    (table,) = doc.tables
    assert (table.n_rows, table.n_cols) == (2, 4)
    assert cells_of(table) == [(0, 1, 1, 1, "b1"), (0, 2, 1, 1, "b2"), (1, 0, 1, 2, "H"), (1, 2, 1, 2, "S")]


def test_n_cols_falls_back_to_widest_row_without_grid(tmp_path):
    d = docx.Document()
    append_xml(d, f"""<w:tbl {nsdecls("w")}><w:tblPr/>
      <w:tr><w:tc><w:p>{run("a")}</w:p></w:tc></w:tr>
      <w:tr><w:tc><w:p>{run("b")}</w:p></w:tc>
        <w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p/></w:tc></w:tr>
    </w:tbl>""")
    (table,) = extract_docx(save(d, tmp_path)).tables
    assert (table.n_rows, table.n_cols) == (2, 3)


# --- runs -------------------------------------------------------------------------------------


def test_soft_hyphen_tab_and_break_kept_with_run_font(tmp_path):
    d = docx.Document()
    p = d.add_paragraph()
    r = p.add_run("Ch")
    r.font.name = ".VnTime"
    r._r.append(OxmlElement("w:softHyphen"))
    tail = OxmlElement("w:t")
    tail.text = "\u00acng"
    r._r.append(tail)
    plain = d.add_paragraph().add_run("left")
    plain.add_tab()
    plain.add_text("right")
    plain.add_break()
    plain.add_text("next")
    seen: list[tuple[str, str | None]] = []

    def spy(text: str, font: str | None) -> str:
        seen.append((text, font))
        return text.upper() if font == ".VnTime" else text

    doc = extract_docx(save(d, tmp_path), decode=spy)
    assert ("Ch\u00ad\u00acng", ".VnTime") in seen
    assert ("left\tright\nnext", None) in seen  # default template fonts are theme fonts: unknown
    assert doc.pages[0].text == "CH\u00ad\u00acNG\nleft\tright\nnext"
    assert extract_docx(tmp_path / "t.docx").pages[0].text.startswith("Ch\u00ad\u00acng\n")


def test_font_falls_back_to_paragraph_style(tmp_path):
    d = docx.Document()
    style = d.styles.add_style("Legacy", WD_STYLE_TYPE.PARAGRAPH)
    style.font.name = "VNI-Times"
    d.add_paragraph("Caùch", style="Legacy")
    d.add_paragraph().add_run("own").font.name = "Arial"
    seen: list[tuple[str, str | None]] = []
    extract_docx(save(d, tmp_path), decode=lambda text, font: seen.append((text, font)) or text)
    assert seen == [("Caùch", "VNI-Times"), ("own", "Arial")]


def test_containers_descended_deletions_and_fallback_skipped(tmp_path):
    d = docx.Document()
    r_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    append_xml(d, paragraph_xml(
        f'<w:hyperlink {r_ns} r:id="rIdX">{run("link")}</w:hyperlink>'
        f'<w:ins w:id="1" w:author="a">{run(" ins")}</w:ins>'
        f'<w:del w:id="2" w:author="a"><w:r><w:delText>GONE</w:delText></w:r></w:del>'
        f'<w:smartTag w:uri="u" w:element="e">{run(" smart")}</w:smartTag>'
        f'<w:fldSimple w:instr="PAGE">{run(" 7")}</w:fldSimple>'
        f'<w:sdt><w:sdtPr/><w:sdtContent>{run(" sdt")}</w:sdtContent></w:sdt>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>DATE</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run(" 2025") +
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:t xml:space="preserve"> a</w:t><w:noBreakHyphen/><w:t>b </w:t>'
        '<w:sym w:font="Wingdings" w:char="F0FC"/><w:cr/><w:t>c</w:t></w:r>'
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps">'
        '<w:t xml:space="preserve"> choice</w:t></mc:Choice>'
        '<mc:Fallback><w:t>FALLBACK</w:t></mc:Fallback></mc:AlternateContent></w:r>'))
    append_xml(d, f'<w:sdt {nsdecls("w")}><w:sdtPr/><w:sdtContent>'
                  f'<w:p>{run("block sdt")}</w:p></w:sdtContent></w:sdt>')
    fonts: list[str | None] = []
    doc = extract_docx(save(d, tmp_path), decode=lambda text, font: fonts.append(font) or text)
    assert doc.pages[0].text == "link ins smart 7 sdt 2025 a-b \uf0fc\nc choice\nblock sdt"
    assert "Wingdings" in fonts
    assert any("deletion" in w for w in doc.warnings)


def test_text_box_read_once_from_choice(tmp_path):
    d = docx.Document()
    box = '<w:txbxContent><w:p>{}</w:p></w:txbxContent>'
    append_xml(d, paragraph_xml(
        run("anchor") +
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wrap>'
        + box.format(run("BOXTEXT")) + '</wrap></w:drawing></mc:Choice><mc:Fallback><w:pict><shape>'
        + box.format(run("BOXTEXT")) + '</shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'))
    text = extract_docx(save(d, tmp_path)).pages[0].text
    assert text.count("BOXTEXT") == 1
    assert text.startswith("anchor\nBOXTEXT")


def test_extract_is_repeatable_and_kind_docx(tmp_path):
    d = docx.Document()
    d.add_paragraph("one")
    d.add_table(rows=1, cols=1).cell(0, 0).text = "cell"
    path = save(d, tmp_path)
    first, second = extract_docx(str(path)), extract_docx(path)
    assert first == second
    assert (first.kind, first.source_path, len(first.pages)) == ("docx", str(path), 1)
    page = first.pages[0]
    assert (page.number, page.method, page.text) == (1, METHOD_DOCX, "one\ncell")


# --- refusals ---------------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    with pytest.raises(ExtractionError, match="^empty file$"):
        extract_docx(path)


def test_html_renamed_docx(tmp_path):
    path = tmp_path / "page.docx"
    path.write_text("<!DOCTYPE html><html><body>Báo cáo</body></html>", encoding="utf-8")
    with pytest.raises(ExtractionError, match=r"not a Word \.docx file \(not a zip archive; it is HTML\)"):
        extract_docx(path)


def test_legacy_doc_renamed_docx(tmp_path):
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ExtractionError, match=r"not a zip archive; an OLE2 file: a legacy Word \.doc"):
        extract_docx(path)


def test_zip_without_document_xml(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ExtractionError, match=r"zip has no word/document\.xml"):
        extract_docx(path)


def test_missing_file(tmp_path):
    with pytest.raises(ExtractionError, match="cannot read file"):
        extract_docx(tmp_path / "nowhere.docx")


def test_zip_bomb_by_ratio(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("word/document.xml", b"\0" * (8 * 1024 * 1024))
    with pytest.raises(ExtractionError, match=r"word/document\.xml compresses \d+:1 \(possible zip bomb\)"):
        extract_docx(path)


def test_zip_bomb_by_total_size(tmp_path):
    d = docx.Document()
    d.add_paragraph("fine")
    path = save(d, tmp_path)
    assert extract_docx(path).pages[0].text == "fine"
    with pytest.raises(ExtractionError, match=r"over the 0 MB limit \(possible zip bomb\)"):
        extract_docx(path, max_unzipped_bytes=1000)


# --- real files -------------------------------------------------------------------------------


def real(name: str) -> Path:
    path = REAL / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def test_r08_merged_cells_not_repeated():
    doc = extract_docx(real("r08_nd356_2025_ND-CP_dlcn.docx"))
    words = len(doc.pages[0].text.split())
    assert abs(words - 23594) <= 0.10 * 23594, words
    assert words < 2 * 23594
    assert len(doc.tables) == 28
    assert [t.table_id for t in doc.tables] == list(range(28))
    for table in doc.tables:
        covered = set()
        for c in table.cells:
            span = {(c.row + i, c.col + j) for i in range(c.rowspan) for j in range(c.colspan)}
            assert not span & covered, (table.table_id, c)
            assert all(r < table.n_rows and k < table.n_cols for r, k in span), (table.table_id, c)
            covered |= span


def test_r10_word_count():
    doc = extract_docx(real("r10_kehoach_stttt_phutho_2011.docx"))
    words = len(doc.pages[0].text.split())
    assert abs(words - 877) <= 0.15 * 877, words
    assert len(doc.tables) == 3


def test_r11_mixed_legacy_runs_keep_soft_hyphen_and_fonts():
    fonts: set[str | None] = set()
    doc = extract_docx(real("r11_vatly11_vni_tcvn3_mixed.docx"),
                       decode=lambda text, font: fonts.add(font) or text)
    text = doc.pages[0].text
    assert "\u00ad" in text
    assert "ch\u00ad\u00acng" in text  # TCVN3 "chương": ư stored as a soft hyphen
    assert {"VNI-Times", ".VnTime", "Times New Roman"} <= fonts
