"""The table-stage fixtures and their truth: if these fail, table-stage tests built on
them would be checking against the wrong answer."""
from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from docx import Document

from tests.fixtures import seeds, tables
from tests.fixtures.seeds import DOSSIER_PERCENT, DOSSIER_VALUES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _squash(text: str | None) -> str:
    """Whitespace-insensitive form: PDF wrapping moves line breaks around."""
    return " ".join((text or "").split())


def _pdf_tables(path: Path) -> tuple[list[list[list[str]]], set[tuple[int, ...]]]:
    """The one ruled table of each page, cells squashed (None → ""), and the sets of
    cell left edges found on the pages (one set when all pages share the columns)."""
    pages, edges = [], set()
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            (table,) = page.find_tables()
            pages.append([[_squash(c) for c in row] for row in table.extract()])
            edges.add(tuple(sorted({round(cell[0]) for cell in table.cells})))
    return pages, edges


def _sums(table: seeds.DossierTable) -> list[int | float]:
    return [sum(u.values[i] for u in table.units()) for i in range(len(DOSSIER_VALUES))]


# --- truth: seed 003 criteria ------------------------------------------------------


def test_criteria_003_truth() -> None:
    table = seeds.criteria_003()
    assert table.header == (
        "TT", "Lĩnh vực/Tiêu chí/Tiêu chí thành phần", "Mục tiêu, yêu cầu", "Cơ quan chủ trì",
        "Cơ quan phối hợp/thực hiện", "Thời gian thực hiện/hoàn thành",
    )
    assert table.numbering == ("1", "2", "3", "4", "5", "6")
    assert [t.text for t in table.title][:2] == [
        "Phụ lục", "MỤC TIÊU CỤ THỂ NHẰM DUY TRÌ, NÂNG CAO CHỈ SỐ CCHC HUYỆN ĐỨC CƠ NĂM 2021",
    ]
    assert len(table.pages) == 19
    assert sum(len(p) for p in table.pages) == len(table.rows) + len(table.cut_rows())
    assert len(table.rows) == 101
    sections = [r for r in table.rows if seeds.is_section_row(r)]
    assert [r[0].split()[0] for r in sections] == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]
    assert sections[2] == ("III CÁI CÁCH THỦ TỤC HÀNH CHÍNH", "", "", "", "", "")
    assert sections[6][1] == "XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH PHỦ ĐIỆN TỬ, CHÍNH PHỦ SỐ"


def test_criteria_003_fragments_joined() -> None:
    table = seeds.criteria_003()
    rows = {r[1].split(" - ")[0]: r for r in table.rows}
    assert rows["TC 1.5"][2] == (
        "Có từ 03 sáng kiến hoặc giải pháp mới trở lên (Hàng năm, mỗi cơ quan, đơn vị, địa phương triển khai "
        "tối thiểu 01 sáng kiến, giải pháp mới trong CCHC và báo cáo Phòng Nội vụ để tổng hợp, gửi Sở Nội vụ thẩm định)"
    )
    assert rows["TCTP 3.3.3"][3:5] == ("Văn phòng HĐND- UBND huyện", "Phòng, ban, ngành huyện; UBND các xã, thị trấn")
    assert rows["TCTP 6.1.1"][1] == "TCTP 6.1.1 - Thực hiện giải ngân kế hoạch đầu tư vốn ngân sách nhà nước"
    assert len(table.cut_rows()) == 10
    assert not any(r[0] == "" for r in table.rows)


def test_criteria_003_html_rendered() -> None:
    rows = {r[1].split(" - ")[0]: r for r in seeds.criteria_003().rows}
    lines = rows["TCTP 2.1.1"][2].split("\n")
    assert lines[0].startswith("Thực hiện đầy đủ 03 hoạt động") and lines[0].endswith("cụ thể:")
    assert [line[:2] for line in lines[1:]] == ["+ "] * 3
    assert [line[:2] for line in rows["TC 1.4"][2].split("\n")] == ["- "] * 2
    assert not any("<" in cell for r in seeds.criteria_003().rows for cell in r)


def test_criteria_003_codes() -> None:
    codes = seeds.criteria_003().codes()
    assert len(codes) == 93
    assert codes[:3] == [("TC", "1.1"), ("TC", "1.2"), ("TCTP", "1.3.1")]
    assert codes[-4:] == [("TCTP", "8.3.2"), ("TC", "8.4"), ("TC", "8.5"), ("TC", "8.6")]
    assert (None, "4.1.3") in codes and sum(t is None for t, _ in codes) == 1
    assert sum(t == "TC" for t, _ in codes) == 12
    assert len(set(codes)) == len(codes)


# --- truth: seed 000 Phụ lục 02 and dossier ----------------------------------------


def test_plan_000_truth() -> None:
    table = seeds.plan_000()
    assert table.header[0][:2] == ("STT", "Nhiệm vụ cụ thể") and table.header[0][5] == "Kết quả thực hiện KH CCHC năm 2021"
    assert table.numbering == tuple(str(i) for i in range(1, 9))
    assert len(table.rows) == 74
    assert [r[0] for r in table.rows if seeds.is_section_row(r)] == ["I", "II", "III", "IV", "V", "VI", "VII"]
    assert table.spans == ((29, 0, 27, 1), (56, 0, 3, 1), (59, 0, 2, 1), (64, 0, 3, 1), (67, 0, 3, 1), (70, 0, 2, 1))
    assert table.rows[29][0] == (
        "1. Tiếp tục thực hiện NĐ số 130/20 05/NĐ -CP về chế độ tự chủ, tự chịu trách nhiệm về sử dụng biên chế "
        "và kinh phí quản lý hành chính và NĐ117 /2013/ NĐ- CP về sửa đổi một số điều NĐ số 130"
    )
    assert table.rows[59][0] == "3. To chức thực hiện các Kiến nghị Thanh tra, kiểm tra, kiểm toán Nhà nước về"
    covered = {(r + k, c) for r, c, n, _ in table.spans for k in range(1, n)}
    assert all(table.rows[r][c] == "" for r, c in covered)
    assert table.rows[10][2].split("\n")[0] == "- Kế hoạch theo dõi tình hình thi hành pháp luật của huyện;"
    assert "1.775/1.775 = 100%" in table.rows[72][7]
    assert all(len(r) == 8 for r in table.rows)


def test_dossier_000_truth() -> None:
    table = seeds.dossier_000()
    assert table.header[0][:3] == ("STT", "Cơ quan", "Số hồ sơ nhận giải quyết")
    # The seed's header really says "Thực tuyên" / "Thực tiếp" (for trực tuyến / trực tiếp).
    assert table.header[1][2:7] == ("Tổng hồ sơ", "Thực tuyên", "Tỷ lệ % thực tuyên", "Kỳ trước chuyển", "Thực tiếp")
    assert table.header[2][7:14] == ("Tổng số", "Sớm hạn", "Đúng hạn", "Trễ hạn", "Tổng số", "Trong hạn", "Quá hạn")
    units = table.units()
    assert len(units) == 20 and [u.stt for u in units] == [str(i) for i in range(1, 21)]
    assert units[0].name == "UBND huyện Tuần Giáo" and units[0]["Tỷ lệ % trực tuyến"] == 30.45
    assert units[2].values == (2414, 228, 9.44, 0, 2186, 2414, 1365, 1048, 1, 0, 0, 0, 0, 0)
    total = table.total()
    assert (total.stt, total.name) == ("", "Tổng")
    assert all(isinstance(v, int) for i, v in enumerate(total.values) if i != DOSSIER_PERCENT)


def test_dossier_000_clean_is_consistent() -> None:
    table = seeds.dossier_000()
    total = table.total()
    for i, (got, want) in enumerate(zip(_sums(table), total.values)):
        if i != DOSSIER_PERCENT:
            assert got == want, DOSSIER_VALUES[i]
    for row in [*table.units(), total]:
        assert row["Tổng hồ sơ"] == row["Trực tuyến"] + row["Kỳ trước chuyển"] + row["Trực tiếp"], row.name
        assert abs(100 * row["Trực tuyến"] / row["Tổng hồ sơ"] - row["Tỷ lệ % trực tuyến"]) < 0.006, row.name


def test_alterations_change_one_cell() -> None:
    for name, change in tables.ALTERATIONS.items():
        clean, bad = tables.TABLES[change.table]().body(), change.apply().body()
        diff = [(r, c) for r, (a, b) in enumerate(zip(clean, bad)) for c in range(len(a)) if a[c] != b[c]]
        assert len(diff) == 1 and diff[0][1] == change.col, name
        assert (clean[diff[0][0]][change.col], bad[diff[0][0]][change.col]) == (change.old, change.new)


def test_bad_total_breaks_the_sum() -> None:
    bad = tables.ALTERATIONS["dossier_000_bad_total.pdf"].apply()
    col = DOSSIER_VALUES.index("Trực tiếp")
    sums, total = _sums(bad), bad.total().values
    assert [DOSSIER_VALUES[i] for i, (s, t) in enumerate(zip(sums, total)) if i != DOSSIER_PERCENT and s != t] == ["Trực tiếp"]
    assert (sums[col], total[col]) == (19797, 19815)
    unit = bad.units()[2]
    assert unit["Tổng hồ sơ"] != unit["Trực tuyến"] + unit["Kỳ trước chuyển"] + unit["Trực tiếp"]


def test_bad_rate_breaks_the_ratio() -> None:
    unit = tables.ALTERATIONS["dossier_000_bad_rate.pdf"].apply().units()[0]
    assert abs(100 * unit["Trực tuyến"] / unit["Tổng hồ sơ"] - unit["Tỷ lệ % trực tuyến"]) > 3


def test_phuluc1_alterations() -> None:
    def value(table: seeds.SeedTable, code: str) -> str:
        return next(r[3] for r in table.body() if r[0] == code)

    parts = tables.ALTERATIONS["phuluc1_000_bad_parts.pdf"].apply().body()
    i = next(k for k, r in enumerate(parts) if r[0] == "3.1.3.")
    assert int(parts[i][3]) != int(parts[i + 1][3]) + int(parts[i + 2][3])
    clean = seeds.phuluc1_000()
    assert int(clean.body()[i][3]) == int(clean.body()[i + 1][3]) + int(clean.body()[i + 2][3])
    done = tables.ALTERATIONS["phuluc1_000_bad_done.docx"].apply()
    assert int(value(done, "1.1.2.")) > int(value(done, "1.1.1.")) >= int(value(clean, "1.1.2."))
    percent = tables.ALTERATIONS["phuluc1_000_bad_percent.pdf"].apply()
    assert float(value(percent, "3.4.3.").replace(",", ".")) > 100


def test_altered_needs_one_row() -> None:
    with pytest.raises(ValueError):
        seeds.altered(seeds.dossier_000(), {0: "99"}, 2, "1")
    with pytest.raises(ValueError):
        seeds.altered(seeds.phuluc1_000(), {0: "1.1.2."}, 3, "1")  # printed twice in the seed


# --- the documents -----------------------------------------------------------------


def test_criteria_pdf_pages(table_docs: dict[str, Path]) -> None:
    truth = seeds.criteria_003()
    pages, edges = _pdf_tables(table_docs["criteria_003.pdf"])
    assert len(pages) == len(truth.pages) >= 5
    assert len(edges) == 1 and len(next(iter(edges))) == len(truth.header)
    header = [_squash(h) for h in truth.header]
    assert all(page[0] == header for page in pages)
    assert pages[0][1] == list(truth.numbering) and all(page[1] != list(truth.numbering) for page in pages[1:])
    bodies = [page[2:] if p == 0 else page[1:] for p, page in enumerate(pages)]
    assert bodies == [[[_squash(c) for c in row] for row in page] for page in truth.pages]
    assert sum(body[0][0] == "" for body in bodies) == len(truth.cut_rows()) >= 5


def _repeating(row: object) -> bool:
    tr_pr = row._tr.trPr
    return tr_pr is not None and tr_pr.find(f"{W}tblHeader") is not None


def test_criteria_docx(table_docs: dict[str, Path]) -> None:
    truth = seeds.criteria_003()
    (table,) = Document(table_docs["criteria_003.docx"]).tables
    assert len(table.rows) == 2 + len(truth.rows)
    assert [_repeating(r) for r in table.rows[:3]] == [True, False, False]
    assert tuple(c.text for c in table.rows[1].cells) == truth.numbering
    for row, want in zip(table.rows[2:], truth.rows):
        cells = row.cells
        spanned = cells[1]._tc is cells[0]._tc  # the one-cell section heading spans the row
        assert (cells[0].text, "", "", "", "", "") == want if spanned else tuple(c.text for c in cells) == want


def test_appendices_pdf(table_docs: dict[str, Path]) -> None:
    """Every page repeats the header; rows are whole; each group's text sits in one piece."""
    truth = seeds.plan_000()
    with pdfplumber.open(table_docs["appendices_000.pdf"]) as pdf:
        assert all(page.rotation == 0 for page in pdf.pages)
        found = [[[_squash(c) for c in row] for row in p.extract_tables()[0]] for p in pdf.pages[:-1]]
    assert len(found) >= 5
    assert all(t[0][:2] == ["STT", "Nhiệm vụ cụ thể"] for t in found)
    assert found[0][2] == list(truth.numbering)
    body = [row for p, t in enumerate(found) for row in t[3 if p == 0 else 2 :]]
    assert [row[1:] for row in body] == [[_squash(c) for c in row[1:]] for row in truth.rows]
    assert [row[0] for row in body if row[0]] == [_squash(row[0]) for row in truth.rows if row[0]]


def test_dossier_pdfs_turned(table_docs: dict[str, Path]) -> None:
    """Turned in the content stream, not by /Rotate: anticlockwise the text runs up, clockwise down."""
    up, down = ("btt", "ltr"), ("ttb", "rtl")  # character direction, line direction
    cases = {"appendices_000.pdf": up, "dossier_000_cw.pdf": down, "dossier_000_bad_total.pdf": up, "dossier_000_bad_rate.pdf": up}
    for name, (char_dir, line_dir) in cases.items():
        with pdfplumber.open(table_docs[name]) as pdf:
            page = pdf.pages[-1]
            assert page.rotation == 0 and page.width < page.height, name
            chars = page.chars
            words = [w["text"] for w in page.extract_words(char_dir_rotated=char_dir, line_dir_rotated=line_dir)]
        assert chars and not any(c["upright"] for c in chars), name
        assert all((c["matrix"][1] > 0) == (char_dir == "btt") for c in chars), name
        assert words[:3] == ["BÁO", "CÁO", "TÌNH"] and "Tổng" in words, name


def test_altered_pdfs_print_the_change(table_docs: dict[str, Path]) -> None:
    for name, change in tables.ALTERATIONS.items():
        if name.endswith(".pdf"):
            with pdfplumber.open(table_docs[name]) as pdf:
                words = {w["text"] for p in pdf.pages for w in p.extract_words(char_dir_rotated="btt")}
            assert change.new in words, name


def test_appendices_docx(table_docs: dict[str, Path]) -> None:
    doc = Document(table_docs["appendices_000.docx"])
    plan, dossier = doc.tables
    assert [s.orientation for s in doc.sections] == [0, 1]
    truth = seeds.plan_000()
    assert len(plan.rows) == 3 + len(truth.rows)
    assert [_repeating(r) for r in plan.rows[:3]] == [True, True, False]
    assert plan._tbl.xml.count("<w:vMerge") == 8 + sum(n for _, _, n, _ in truth.spans)
    anchor = {r + k: r for r, _, n, _ in truth.spans for k in range(n)}
    for r, want in enumerate(truth.rows):
        cells = plan.rows[3 + r].cells  # a covered cell reads as its group's cell
        assert tuple(c.text for c in cells) == (truth.rows[anchor.get(r, r)][0], *want[1:])
    assert len(dossier.rows) == 3 + 21
    assert [_repeating(r) for r in dossier.rows[:4]] == [True, True, True, False]
    assert [tuple(c.text for c in row.cells) for row in dossier.rows[3:]] == list(seeds.dossier_000().rows)


def test_altered_docx(table_docs: dict[str, Path]) -> None:
    for name in ("dossier_000_bad_total.docx", "phuluc1_000_bad_done.docx"):
        change = tables.ALTERATIONS[name]
        (table,) = Document(table_docs[name]).tables
        body = change.apply().body()
        assert [tuple(c.text for c in r.cells) for r in table.rows[-len(body) :]] == body, name


def test_rebuild_is_byte_identical(table_docs: dict[str, Path], tmp_path: Path) -> None:
    again = tables.build_all(tmp_path)
    assert set(again) == set(table_docs) == set(tables.BUILDERS)
    assert [n for n in again if again[n].read_bytes() != table_docs[n].read_bytes()] == []
