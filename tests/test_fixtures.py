"""The fixture builder and seed parsers: if these fail, every extractor test built on
the fixtures would be testing against the wrong truth."""
from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pdfplumber
import pytest
from docx import Document
from pdfminer.pdftypes import resolve1

from tests.fixtures import build, seeds
from tests.fixtures.legacy_docx import build_docx_tcvn3

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADER_WORDS = ("STT", "Chỉ tiêu thống kê", "Kết quả thống kê", "Đơn vị tính", "Số liệu", "Ghi chú")
TABLES = {"phuluc1_000": seeds.phuluc1_000, "appendix_001": seeds.appendix_001}


def _squash(text: str | None) -> str:
    """Whitespace-insensitive form: PDF wrapping moves line breaks around."""
    return " ".join((text or "").split())


# --- seed parsers ----------------------------------------------------------------


def test_phuluc1_000_structure() -> None:
    table = seeds.phuluc1_000()
    assert len(table.rows) == 102
    assert table.header == (
        ("STT", "Chỉ tiêu thống kê", "Kết quả thống kê", "", "Ghi chú"),
        ("", "", "Đơn vị tính", "Số liệu", ""),
    )
    assert [(t.text, t.bold) for t in table.title] == [
        ("UBND HUYỆN TUẦN GIÁO", False),
        ("Phụ lục 1-CCHC", False),
        ("THỐNG KÊ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH NHÀ NƯỚC NĂM 2021", True),
        ("TRÊN ĐỊA BÀN HUYỆN TUẦN GIÁO", True),
        ("Từ ngày: 01/01/2021 Đến ngày: 14/12/2021", False),
        ("(Kèm theo Báo cáo số /BC-UBND ngày 09 tháng 12 năm 2021 của UBND huyện Tuần Giáo)", False),
    ]
    assert table.rows[0].cells == ("1.", "Công tác chỉ đạo điều hành CCHC", "", "", "")
    assert table.rows[-1].cells == ("7.2.7.", "Tỷ lệ TTHC nhận qua dịch vụ BCCI", "%", "70,11", "")
    assert all(len(r.cells) == 5 for r in table.rows)


def test_phuluc1_000_quirks_kept() -> None:
    body = seeds.phuluc1_000().body()
    by_code = {r[0]: r for r in body if r[0]}
    # The four children of 1.2 are printed 1.1.1-1.1.4 in the original.
    assert [r[0] for r in body[5:10]] == ["1.2.", "1.1.1.", "1.1.2.", "1.1.3.", "1.1.4."]
    assert body[6] == ("1.1.1.", "Số phòng, ban, đơn vị trực thuộc đã kiểm tra", "Cơ quan, đơn vị", "06", "")
    assert by_code["5.2."] == ("5.2.", "Tuyển dụng công chức, viên chức", "", "69", "")
    assert by_code["7.1.1."][3] == "16.688"
    assert by_code["3.4.2."][2:4] == ("%", "99,1")
    assert by_code["3.3.3."][3] == "100%"
    assert by_code["1.1."][3] == "01"
    assert by_code["3.1.1."] == ("3.1.1.", "Số TTHC công bố mới", "Thủ tục", "", "")
    assert by_code["4.2.3."][4] == "HĐ ND 68"
    assert ("", "Số TTHC cấp huyện:", "Thủ tục", "297", "") in body


def test_phuluc1_000_markup_and_artifacts_resolved() -> None:
    table = seeds.phuluc1_000()
    rows = list(table.rows)
    i = next(i for i, r in enumerate(rows) if r.cells[0] == "4.1.3.")
    assert rows[i + 1].cells == ("", "Tỷ lệ ĐVSNCL đã cắt giảm so với năm 2015", "%", "10", "")
    assert rows[i + 1].italic and [r for r in rows if r.italic] == [rows[i + 1]]
    trong_do = [r.cells for r in rows if r.cells[0] == "Trong đó"]
    assert [c[3] for c in trong_do] == ["29.325", "12.609"]
    text = repr(table)
    assert "Tron g" not in text and "<i>" not in text and "**" not in text


def test_appendix_001_structure() -> None:
    table = seeds.appendix_001()
    assert len(table.rows) == 130
    assert table.header == (
        ("STT", "Chỉ tiêu thống kê\n(Sử dụng trong kỳ báo cáo hàng quý, 6 tháng, năm)", "Kết quả thống kê", "", "Ghi chú"),
        ("", "", "Đơn vị tính", "Số liệu", ""),
    )
    assert [t.text for t in table.title] == [
        "Phụ lục",
        "THỐNG KÊ SỐ LIỆU VỀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH",
        "(Phụ lục kèm theo Báo cáo số    /BC-UBND ngày 03/12/2021 về tình hình triển khai công tác Cải cách hành chính năm 2021)",
    ]
    assert table.rows[-1].cells == ("7.8.4.", "Tỷ lệ hồ sơ xử lý trực tuyến mức độ 4", "%", "0", "")
    assert all(len(r.cells) == 5 for r in table.rows)
    assert all(c == c.strip() for r in table.rows for c in r.cells)


def test_appendix_001_spot_rows() -> None:
    by_code = {r[0]: r for r in seeds.appendix_001().body() if r[0]}
    assert by_code["3.4.4."] == (
        "3.4.4.", "Tỷ lệ quy trình nội bộ giải quyết TTHC đã được điện tử hóa", "%", "218/218 (100%)", "",
    )
    assert by_code["3.5.3."] == (
        "3.5.3.",
        "Tỷ lệ hồ sơ TTHC do UBND cấp xã tiếp nhận được giải quyết đúng hẹn",
        "100%",
        "877/877\n(100%)",
        "(có 3 hồ sơ đang giải quyết)",
    )
    assert by_code["1.4.2."][2:4] == ("Trực tuyến = 0\nPhát phiếu = 1\nKết hợp = 2", "0")
    assert by_code["1.2."] == ("1.2.", "Kiểm tra CCHC", "", "", "")
    assert by_code["1.1.1."][3] == "KH số 08/KH-UBND ngày 15/01/2021"  # the 1.2 child, later key wins
    assert by_code["6.1."][3] == "9.436 tỷ"


def test_narrative_001() -> None:
    first = seeds.narrative_001(8)
    assert len(first) == 8
    assert first[0] == "Tình hình triển khai công tác Cải cách hành chính năm 2021"
    assert first[2] == "I. TÌNH HÌNH TỔ CHỨC THỰC HIỆN VÀ CÔNG TÁC KIỂM TRA, TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH"
    everything = seeds.narrative_001(10_000)
    assert everything[:8] == first
    assert all(p and p == p.strip() and "[bookmark" not in p for p in everything)
    assert any(p.startswith("- Trong năm 2021 việc xây dựng và ban hành") for p in everything)
    assert any(not unicodedata.is_normalized("NFC", p) for p in everything), "NFD words must survive"
    assert everything[-1] == "Nguyễn Văn Khoa"


def test_seeds_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CCHC_SEEDS", str(tmp_path))
    assert seeds.seeds_dir() == tmp_path
    monkeypatch.delenv("CCHC_SEEDS")
    assert (seeds.seeds_dir() / "README.md").is_file()


# --- PDF -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["phuluc1_000.pdf", "appendix_001.pdf"])
def test_pdf_fonts_embedded_with_tounicode(built: dict[str, Path], name: str) -> None:
    seen = set()
    with pdfplumber.open(built[name]) as pdf:
        for page in pdf.pages:
            for font in resolve1(page.page_obj.resources["Font"]).values():
                font = resolve1(font)
                base = font["BaseFont"].name
                descriptor = resolve1(font.get("FontDescriptor")) or {}
                assert "ToUnicode" in font, base
                assert {"FontFile", "FontFile2", "FontFile3"} & set(descriptor), base
                seen.add(base.split("+", 1)[1])
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= seen


@pytest.mark.parametrize("name", ["phuluc1_000.pdf", "appendix_001.pdf"])
def test_pdf_header_repeats_on_every_page(built: dict[str, Path], name: str) -> None:
    with pdfplumber.open(built[name]) as pdf:
        assert len(pdf.pages) >= 2
        for page in pdf.pages:
            assert (round(page.width), round(page.height)) == (595, 842)  # A4 portrait
            text = page.extract_text()
            assert all(word in text for word in HEADER_WORDS), page.page_number


def test_pdf_phuluc1_text(built: dict[str, Path]) -> None:
    with pdfplumber.open(built["phuluc1_000.pdf"]) as pdf:
        text = "\n".join(p.extract_text() for p in pdf.pages)
    for needle in (
        "UBND HUYỆN TUẦN GIÁO",
        "THỐNG KÊ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH NHÀ NƯỚC NĂM 2021",
        "Số phòng, ban, đơn vị trực thuộc đã kiểm tra",
        "16.688",
        "99,1",
        "Tỷ lệ ĐVSNCL đã cắt giảm so với năm 2015",
        "Trong đó",
    ):
        assert needle in text


def test_pdf_italic_row_in_oblique(built: dict[str, Path]) -> None:
    with pdfplumber.open(built["phuluc1_000.pdf"]) as pdf:
        fonts = {c["fontname"].split("+")[-1] for p in pdf.pages for c in p.chars}
        words = [w for p in pdf.pages for w in p.extract_words(extra_attrs=["fontname"])]
    assert "DejaVuSans-Oblique" in fonts
    assert any(w["text"] == "ĐVSNCL" and w["fontname"].endswith("DejaVuSans-Oblique") for w in words)


@pytest.mark.parametrize("name", ["phuluc1_000", "appendix_001"])
def test_pdf_ruled_table_round_trip(built: dict[str, Path], name: str) -> None:
    """Every page's ruling yields the 5-column grid: repeated header, then seed rows."""
    table = TABLES[name]()
    body = []
    with pdfplumber.open(built[f"{name}.pdf"]) as pdf:
        for page in pdf.pages:
            grid = page.extract_table()
            assert [_squash(c) for c in grid[0]] == [_squash(c) for c in table.header[0]]
            body += [tuple(_squash(c) for c in row) for row in grid[2:]]
    assert body == [tuple(_squash(c) for c in row) for row in table.body()]


def test_pdf_seed001_multiline_cells(built: dict[str, Path]) -> None:
    """Seed newlines are hard line breaks in the cell; single-line values stay unbroken."""
    with pdfplumber.open(built["appendix_001.pdf"]) as pdf:
        rows = {row[0]: row for page in pdf.pages for row in page.extract_table() if row[0]}
    assert rows["3.4.4."][3] == "218/218 (100%)"
    assert rows["3.5.3."][3] == "877/877\n(100%)"
    assert rows["1.4.2."][2] == "Trực tuyến = 0\nPhát phiếu = 1\nKết hợp = 2"


# --- DOCX ------------------------------------------------------------------------


def _first_table_rows(path: Path) -> list[ET.Element]:
    root = ET.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    return root.find(f"{W}body/{W}tbl").findall(f"{W}tr")


def _tc_props(tc: ET.Element) -> dict[str, str | None]:
    """gridSpan/vMerge of a cell; vMerge without w:val means "continue"."""
    pr = tc.find(f"{W}tcPr")
    out: dict[str, str | None] = {}
    for tag in ("gridSpan", "vMerge"):
        el = pr.find(f"{W}{tag}")
        if el is not None:
            out[tag] = el.get(f"{W}val", "continue")
    return out


def _tc_text(tc: ET.Element) -> str:
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.findall(f"{W}p"))


@pytest.mark.parametrize("name", ["phuluc1_000", "appendix_001"])
def test_docx_header_really_merged(built: dict[str, Path], name: str) -> None:
    rows = _first_table_rows(built[f"{name}.docx"])
    assert len(rows) == 2 + len(TABLES[name]().rows)
    top, second = rows[0].findall(f"{W}tc"), rows[1].findall(f"{W}tc")
    assert [_tc_text(tc) for tc in top] == [c for c in TABLES[name]().header[0] if c]
    assert [_tc_props(tc) for tc in top] == [
        {"vMerge": "restart"}, {"vMerge": "restart"}, {"gridSpan": "2"}, {"vMerge": "restart"},
    ]
    assert [_tc_props(tc) for tc in second] == [
        {"vMerge": "continue"}, {"vMerge": "continue"}, {}, {}, {"vMerge": "continue"},
    ]
    assert [_tc_text(tc) for tc in second][2:4] == ["Đơn vị tính", "Số liệu"]
    assert all(r.find(f"{W}trPr/{W}tblHeader") is not None for r in rows[:2])


@pytest.mark.parametrize("name", ["phuluc1_000", "appendix_001"])
def test_docx_body_round_trip(built: dict[str, Path], name: str) -> None:
    """Cell text (paragraphs joined by newlines) equals the seed exactly."""
    table = TABLES[name]()
    doc_table = Document(str(built[f"{name}.docx"])).tables[0]
    assert doc_table.style.name == "Table Grid"
    body = [tuple(c.text for c in row.cells) for row in doc_table.rows[2:]]
    assert body == table.body()
    italic = [i for i, r in enumerate(table.rows) if r.italic]
    for i, row in enumerate(doc_table.rows[2:]):
        runs = [run for cell in row.cells for p in cell.paragraphs for run in p.runs]
        assert all(bool(run.italic) == (i in italic) for run in runs)


def test_docx_seed001_narrative_and_titles(built: dict[str, Path]) -> None:
    texts = [p.text for p in Document(str(built["appendix_001.docx"])).paragraphs]
    assert texts[0] == "BÁO CÁO"
    assert texts[1:9] == seeds.narrative_001(8)
    titles = [t.text for t in seeds.appendix_001().title]
    assert texts[-len(titles):] == titles


# --- reproducibility and the committed samples ----------------------------------


def test_builds_are_deterministic(built: dict[str, Path], tmp_path: Path) -> None:
    again = build.build_all(tmp_path)
    assert set(again) == {"phuluc1_000.pdf", "phuluc1_000.docx", "appendix_001.docx", "appendix_001.pdf"}
    for name, path in again.items():
        assert path.read_bytes() == built[name].read_bytes(), name


@pytest.mark.parametrize("name", ["phuluc1_000.pdf", "phuluc1_000.docx", "appendix_001.docx"])
def test_data_raw_samples_are_current(built: dict[str, Path], name: str) -> None:
    """data/raw holds what the builder makes now.

    Rebuild: python -m tests.fixtures.build data/raw phuluc1_000.pdf phuluc1_000.docx appendix_001.docx
    """
    sample = RAW / name
    assert sample.is_file()
    assert sample.stat().st_size < 100_000
    assert sample.read_bytes() == built[name].read_bytes()


def test_data_raw_variant_sample_is_current(tmp_path: Path) -> None:
    """The next year's report of seed 000's district. Rebuild: python -m tests.fixtures.build data/raw phuluc1_000_2022.docx"""
    name = "phuluc1_000_2022.docx"
    assert (RAW / name).read_bytes() == build.build_all(tmp_path, [name])[name].read_bytes()


def test_data_raw_repair_samples_are_current(broken_pdfs: dict[str, Path], tmp_path: Path) -> None:
    """The damaged-font PDF and the TCVN3 Word file in data/raw are what the builders make now."""
    assert (RAW / "table_glyphloss.pdf").read_bytes() == broken_pdfs["table_glyphloss.pdf"].read_bytes()
    assert (RAW / "phuluc1_000_tcvn3.docx").read_bytes() == build_docx_tcvn3(tmp_path / "tcvn3.docx").read_bytes()


def test_data_raw_scan_sample_is_current(scanned_pdfs: dict[str, Path]) -> None:
    """The scanned sample is the bilevel 200 DPI fixture. Rebuild: python -m tests.fixtures.scans data/raw NAME"""
    name = "phuluc1_000_200dpi_bilevel_signed.pdf"
    assert (RAW / name).read_bytes() == scanned_pdfs[name.removesuffix(".pdf")].read_bytes()


@pytest.mark.parametrize("name", ["criteria_003.pdf", "appendices_000.pdf", "dossier_000_bad_total.pdf"])
def test_data_raw_table_samples_are_current(table_docs: dict[str, Path], name: str) -> None:
    """The table-stage samples are what tests.fixtures.tables makes now.

    Rebuild: python -m tests.fixtures.tables data/raw criteria_003.pdf appendices_000.pdf dossier_000_bad_total.pdf
    """
    assert (RAW / name).read_bytes() == table_docs[name].read_bytes()
