"""Document metadata from the title block: every seed as a person reads it, through the pipeline,
and the forms real title blocks take (merged columns, DOCX title tables, OCR slips, blank numbers)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pdfplumber
import pyarrow as pa
import pytest

from extractors import extract
from normalizers.metadata import document_metadata
from pipeline.convert.process import process_file
from pipeline.dataset.schema import SCHEMAS
from tests.fixtures.seeds import seed_text

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
FIELDS = ("issuer", "level", "province", "doc_number", "doc_date", "doc_type", "period_start", "period_end", "year")


def _meta(**values: object) -> dict[str, object]:
    """Expected metadata: every field null unless given."""
    return {field: values.get(field) for field in FIELDS}


def _plain(seed: str) -> str:
    """The seed as a document reads: without its Markdown marks (** bold, # headings)."""
    return re.sub(r"(?m)^#+\s*", "", seed.replace("**", ""))


# Read by hand from each seed's first page.
TUAN_GIAO_PHULUC1 = _meta(
    # "UBND HUYỆN TUẦN GIÁO" / "Phụ lục 1-CCHC" / "Từ ngày: 01/01/2021 Đến ngày: 14/12/2021" /
    # "(Kèm theo Báo cáo số /BC-UBND ngày 09 tháng 12 năm 2021 …)": the report's number is left blank.
    issuer="UBND HUYỆN TUẦN GIÁO", level="huyện", doc_date=date(2021, 12, 9), doc_type="phụ lục",
    period_start=date(2021, 1, 1), period_end=date(2021, 12, 14), year=2021,
)
SEEDS = {
    "000": TUAN_GIAO_PHULUC1,
    # Starts at "BÁO CÁO" / "Tình hình triển khai công tác Cải cách hành chính năm 2021": the Word file's
    # title table (issuer, number, date) did not survive; page 1 cites "UBND tỉnh Thừa Thiên Huế".
    "001": _meta(province="Thừa Thiên Huế", doc_type="báo cáo",
                 period_start=date(2021, 1, 1), period_end=date(2021, 12, 31), year=2021),
    # "HĐND HUYỆN TUẦN GIÁO" / "ĐOÀN GIÁM SÁT" / "Số: /TB-ĐGS" / "Tuần Giáo, ngày 25 tháng 3 năm 2024" / "V/v …".
    "002": _meta(issuer="HĐND HUYỆN TUẦN GIÁO ĐOÀN GIÁM SÁT", level="huyện", doc_date=date(2024, 3, 25),
                 doc_type="thông báo"),
    # "Số: 135 /KH-UBND" / "Đức Cơ, ngày 27 tháng 9 năm 2021" / "KẾ HOẠCH" / "… năm 2021 và những năm
    # tiếp theo" (no single period); no issuer line; the body cites "UBND tỉnh Gia Lai".
    "003": _meta(province="Gia Lai", doc_number="135/KH-UBND", doc_date=date(2021, 9, 27), doc_type="kế hoạch",
                 year=2021),
    # Glyphs lost: the issuer block and the title are unreadable; "Số: /BC-ĐGS Tuần Giáo, ngày 02 tháng 7
    # năm 2024" and "BÁO CÁO" survive.
    "004": _meta(doc_date=date(2024, 7, 2), doc_type="báo cáo"),
}


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_title_block(prefix: str) -> None:
    assert document_metadata(_plain(seed_text(prefix))) == SEEDS[prefix]


# What each sample's first page carries, through the whole pipeline.
PIPELINE = {
    "phuluc1_000.pdf": TUAN_GIAO_PHULUC1,
    "phuluc1_000.docx": TUAN_GIAO_PHULUC1,
    "phuluc1_000_200dpi_bilevel_signed.pdf": TUAN_GIAO_PHULUC1,  # OCR'd
    # Seed 001's title and narrative, then its appendix: as the seed.
    "appendix_001.docx": SEEDS["001"],
    # Seed 003's appendix alone: "Phụ lục" / "… NĂM 2021 VÀ NHỮNG NĂM TIẾP THEO" /
    # "(Kèm theo Kế hoạch số: 135 /KH-UBND ngày 27 / 9 /2021 của Ủy ban nhân dân huyện)"; no issuer line.
    "criteria_003.pdf": _meta(doc_number="135/KH-UBND", doc_date=date(2021, 9, 27), doc_type="phụ lục", year=2021),
    # Seed 000's Phụ lục 02 alone, no issuer line: "Từ ngày: 01/01/2021 Đến ngày 14./12/2021" (stray dot as printed).
    "appendices_000.pdf": _meta(doc_date=date(2021, 12, 9), doc_type="phụ lục",
                                period_start=date(2021, 1, 1), period_end=date(2021, 12, 14), year=2021),
}


@pytest.mark.parametrize("name", sorted(PIPELINE))
def test_pipeline_documents_row(name: str) -> None:
    result = process_file(RAW / name)
    assert result.ok, result.document["error"]
    assert {field: result.document[field] for field in FIELDS} == PIPELINE[name]


def test_schema_has_every_field_typed() -> None:
    types = {name: dtype for name, dtype, _ in SCHEMAS["documents"]}
    assert set(document_metadata("")) <= set(types)
    assert [types[f] for f in ("level", "province", "doc_number", "doc_type")] == [pa.string()] * 4
    assert types["doc_date"] == pa.date32()


@pytest.mark.parametrize(
    "text, expected",
    [
        # PDF text: both title columns on one line; the number and the place-date share a line.
        ("CHÍNH PHỦ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n------- Độc lập - Tự do - Hạnh phúc\n"
         "Số: 175/2024/NĐ-CP Hà Nội, ngày 30 tháng 12 năm 2024\nNGHỊ ĐỊNH\nQUY ĐỊNH CHI TIẾT …\nCăn cứ Luật …",
         _meta(issuer="CHÍNH PHỦ", level="trung ương", doc_number="175/2024/NĐ-CP", doc_date=date(2024, 12, 30),
               doc_type="nghị định")),
        # DOCX title table: a cell's paragraphs joined by spaces, cells by a tab; number and day left blank.
        ("UBND TỈNH PHÚ THỌ SỞ THÔNG TIN VÀ TRUYỀN THÔNG Số:         /KH-STTTT\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM "
         "Độc lập - Tự do - Hạnh phúc Phú Thọ, ngày    tháng 12 năm 2011\nKẾ HOẠCH\nTriển khai phần mềm",
         _meta(issuer="UBND TỈNH PHÚ THỌ SỞ THÔNG TIN VÀ TRUYỀN THÔNG", level="tỉnh", province="Phú Thọ",
               doc_type="kế hoạch")),
        # OCR glues UBND to the place; a letter (V/v, no type code) is a công văn.
        ("UBNDTỈNH THANH HÓA.......... CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 275/UBND-KSTT Thanh Hóa, ngày 6/12/2021\n"
         "V/v báo cáo CCHC quý IV năm 2021\nKính gửi: các sở, ban, ngành",
         _meta(issuer="UBNDTỈNH THANH HÓA", level="tỉnh", province="Thanh Hóa", doc_number="275/UBND-KSTT",
               doc_date=date(2021, 12, 6), doc_type="công văn", period_start=date(2021, 10, 1),
               period_end=date(2021, 12, 31), year=2021)),
        # Parent over a province's department; half-year report.
        ("UBND TỈNH ĐIỆN BIÊN\nSỞ NỘI VỤ\nSố: 12/BC-SNV\nĐiện Biên, ngày 15 tháng 6 năm 2022\nBÁO CÁO\n"
         "Kết quả công tác cải cách hành chính 6 tháng đầu năm 2022\nI. KẾT QUẢ",
         _meta(issuer="UBND TỈNH ĐIỆN BIÊN SỞ NỘI VỤ", level="tỉnh", province="Điện Biên", doc_number="12/BC-SNV",
               doc_date=date(2022, 6, 15), doc_type="báo cáo", period_start=date(2022, 1, 1),
               period_end=date(2022, 6, 30), year=2022)),
        # Issuer split over two lines; a commune-level body; the title cites a dated document.
        ("ỦY BAN NHÂN DÂN\nTHỊ TRẤN TUẦN GIÁO\nSố: 08/QĐ-UBND\nTuần Giáo, ngày 11/01/2021\nQUYẾT ĐỊNH\n"
         "Sửa đổi Quyết định số 78/QĐ-UBND ngày 30 tháng 11 năm 2020\nCăn cứ …",
         _meta(issuer="ỦY BAN NHÂN DÂN THỊ TRẤN TUẦN GIÁO", level="xã", doc_number="08/QĐ-UBND",
               doc_date=date(2021, 1, 11), doc_type="quyết định")),
    ],
)
def test_title_block_forms(text: str, expected: dict[str, object]) -> None:
    assert document_metadata(text) == expected


@pytest.mark.parametrize(
    "issuer, level, province",
    [
        ("UBND XÃ QUẢNG THÀNH", "xã", None),
        ("UBND PHƯỜNG NOONG BUA", "xã", None),
        ("UBND THỊ XÃ MƯỜNG LAY", "huyện", None),
        ("UBND QUẬN BA ĐÌNH", "huyện", None),
        ("UBND THÀNH PHỐ ĐIỆN BIÊN PHỦ", "huyện", None),  # a city under a province
        ("UBND THÀNH PHỐ HÀ NỘI", "tỉnh", "Hà Nội"),  # centrally run
        ("UBND HUYỆN TUẦN GIÁO PHÒNG NỘI VỤ", "huyện", None),
        ("SỞ NỘI VỤ", "tỉnh", None),
        ("BỘ NỘI VỤ", "trung ương", None),
    ],
)
def test_level_and_province_from_the_issuer(issuer: str, level: str, province: str | None) -> None:
    meta = document_metadata(f"{issuer}\nBÁO CÁO")
    assert (meta["issuer"], meta["level"], meta["province"]) == (issuer, level, province)


@pytest.mark.parametrize(
    "text",
    [
        # The place-date line names a district, not a province.
        "UBND HUYỆN TUẦN GIÁO\nTuần Giáo, ngày 25 tháng 3 năm 2024\nBÁO CÁO",
        # Two provincial governments cited: which one is the document's is not stated.
        "BÁO CÁO\nThực hiện Kế hoạch số 1 của UBND tỉnh Gia Lai và Công văn số 2 của UBND tỉnh Kon Tum",
        # A central body citing a province's court.
        "CHÍNH PHỦ\nNGHỊ ĐỊNH\nCăn cứ Bản án của Tòa án nhân dân tỉnh Quảng Ngãi và UBND tỉnh Quảng Ngãi",
    ],
)
def test_province_not_stated_stays_null(text: str) -> None:
    assert document_metadata(text)["province"] is None


def test_table_text_is_not_an_issuer_nor_a_period() -> None:
    """Only capitalised lines name an issuer; the table (from 'STT' on) is past the title block."""
    text = ("Kết quả thực hiện\nUBND các xã, thị trấn trước 22/3/2021\nSTT Nhiệm vụ Sản phẩm\n"
            "1 Kế hoạch số 08/KH-UBND ngày 11/01/2021 Từ ngày 01/01/2021 đến ngày 30/6/2021")
    assert document_metadata(text) == _meta()


def test_body_dates_and_numbers_are_not_the_documents() -> None:
    text = ("BÁO CÁO\nTình hình thực hiện\nThực hiện Công văn số 257/UBND ngày 26 tháng 02 năm 2021 của UBND huyện,\n"
            "Số: 12/KH-UBND Quảng Điền, ngày 01/3/2021")
    assert document_metadata(text) == _meta(doc_type="báo cáo")


@pytest.mark.parametrize(
    "name, first_page, expected",
    [
        ("r01_nd175_2024_ND-CP_xaydung.pdf", "pdf",
         _meta(issuer="CHÍNH PHỦ", level="trung ương", doc_number="175/2024/NĐ-CP", doc_date=date(2024, 12, 30),
               doc_type="nghị định")),
        ("r08_nd356_2025_ND-CP_dlcn.docx", "docx",
         _meta(issuer="CHÍNH PHỦ", level="trung ương", doc_number="356/2025/NĐ-CP", doc_date=date(2025, 12, 31),
               doc_type="nghị định")),
        ("r10_kehoach_stttt_phutho_2011.docx", "docx",
         _meta(issuer="UBND TỈNH PHÚ THỌ SỞ THÔNG TIN VÀ TRUYỂN THÔNG", level="tỉnh", province="Phú Thọ",
               doc_type="kế hoạch")),
    ],
)
def test_real_title_blocks(real_dir: Path, name: str, first_page: str, expected: dict[str, object]) -> None:
    """Real born-digital documents (no gold): what their title blocks print. r10's 'TRUYỂN' is the file's typo."""
    path = real_dir / name
    if first_page == "pdf":
        with pdfplumber.open(path) as pdf:
            text = pdf.pages[0].extract_text()
    else:
        text = extract(path).pages[0].text
    assert document_metadata(text) == expected
