"""The official unit behind an issuer: the list valid at the report's date, the 2025 reorganisation,
names no list knows (null, with a warning), and issuer blocks however the producer ordered them."""
from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from normalizers.units import locate, unit_lists
from pipeline.convert.process import process_file
from tests.fixtures.title_blocks import DOCX_PRODUCERS, TitleCase, build, matrix

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
BEFORE, AFTER = date(2021, 12, 9), date(2025, 9, 1)
# GSO codes of the eight communes huyện Tuần Giáo's communes went to on 1 July 2025.
TUAN_GIAO_SUCCESSORS = ["03217", "03244", "03253", "03260", "03268", "03283", "03295", "03301"]


def _columns(issuer: str, province: str | None = None, on: date | None = BEFORE, year: int | None = None) -> dict:
    return locate(issuer, province, on, year).columns()


def test_lists_are_the_gso_lists_either_side_of_the_reorganisation() -> None:
    before, after = unit_lists()
    count = lambda units, level: sum(u.level == level for u in units.units)  # noqa: E731
    assert [count(before, lvl) for lvl in ("tỉnh", "huyện", "xã")] == [63, 696, 10035]
    assert [count(after, lvl) for lvl in ("tỉnh", "huyện", "xã")] == [34, 0, 3321]
    assert all(before.successors.get(u.code) for u in before.units), "every old unit went somewhere"


def test_a_2021_district_keeps_its_unit_with_its_successors() -> None:
    columns = _columns("UBND HUYỆN TUẦN GIÁO")
    assert {k: columns[k] for k in ("unit_code", "unit_name", "unit_level", "province_code")} == {
        "unit_code": "099", "unit_name": "Huyện Tuần Giáo", "unit_level": "huyện", "province_code": "11"}
    assert columns["successor_code"].split("; ") == TUAN_GIAO_SUCCESSORS
    assert "Xã Tuần Giáo" in columns["successor_name"].split("; ")


@pytest.mark.parametrize(
    "issuer, province, on, expected",
    [
        # After 1 July 2025: the new commune, in the unchanged province; no successor.
        ("ỦY BAN NHÂN DÂN XÃ TUẦN GIÁO", "Điện Biên", AFTER, ("03253", "Xã Tuần Giáo", "xã", "11", None)),
        # The code 03253 was thị trấn Tuần Giáo's before: the date decides which unit it is.
        ("UBND THỊ TRẤN TUẦN GIÁO", None, BEFORE, ("03253", "Thị trấn Tuần Giáo", "xã", "11", "03253")),
        # Gia Lai merged with Bình Định, taking Bình Định's code.
        ("UBND TỈNH GIA LAI", None, date(2021, 9, 27), ("64", "Tỉnh Gia Lai", "tỉnh", "64", "52")),
        ("UBND TỈNH GIA LAI", None, AFTER, ("52", "Tỉnh Gia Lai", "tỉnh", "52", None)),
        # A department is its province's; a province's Sở with the province named only in the text.
        ("UBND TỈNH ĐIỆN BIÊN SỞ NỘI VỤ", None, BEFORE, ("11", "Tỉnh Điện Biên", "tỉnh", "11", "11")),
        ("SỞ NỘI VỤ", "Phú Thọ", BEFORE, ("25", "Tỉnh Phú Thọ", "tỉnh", "25", "25")),
        # A commune name five units share, settled by the province page 1 cites, under its name of 2021.
        ("UBND XÃ QUẢNG THÀNH", "Thừa Thiên Huế", BEFORE, ("19891", "Xã Quảng Thành", "xã", "46", "20014")),
        ("HĐND HUYỆN TUẦN GIÁO ĐOÀN GIÁM SÁT", None, date(2024, 3, 25), ("099", "Huyện Tuần Giáo", "huyện", "11",
                                                                        "; ".join(TUAN_GIAO_SUCCESSORS))),
        ("UBND THÀNH PHỐ ĐIỆN BIÊN PHỦ", None, BEFORE, ("094", "Thành phố Điện Biên Phủ", "huyện", "11",
                                                        "03127; 03316; 03325; 03334")),
        ("UBND QUẬN 1", "Hồ Chí Minh", BEFORE, ("760", "Quận 1", "huyện", "79", "26737; 26740; 26743; 26758")),
        ("UBND THỊ XÃ KỲ ANH", None, BEFORE, ("449", "Thị xã Kỳ Anh", "huyện", "42", "18754; 18781; 18814; 18823; 18832")),
        ("UBNDTỈNH THANH HÓA", None, date(2021, 12, 6), ("38", "Tỉnh Thanh Hóa", "tỉnh", "38", "38")),
        ("UBND ĐẶC KHU PHÚ QUỐC", None, AFTER, ("31078", "Đặc khu Phú Quốc", "xã", "91", None)),
    ],
)
def test_issuer_placed(issuer: str, province: str | None, on: date, expected: tuple) -> None:
    found = locate(issuer, province, on)
    assert found.warning is None
    columns = found.columns()
    assert tuple(columns[k] for k in ("unit_code", "unit_name", "unit_level", "province_code", "successor_code")) == expected


@pytest.mark.parametrize(
    "issuer, province, on, year, reason",
    [
        ("UBND HUYỆN NAM TRUNG", None, BEFORE, None, "no huyện named Nam Trung in the list of units before 1 July 2025"),
        ("UBND HUYỆN TUẦN GIÁO", None, AFTER, None, "no huyện level (abolished on 1 July 2025) in the list of units from"),
        ("ỦY BAN NHÂN DÂN", None, BEFORE, None, "the issuer 'ỦY BAN NHÂN DÂN' names no place"),
        ("UBND XÃ QUẢNG THÀNH", None, BEFORE, None, "3 units of level xã named Quảng Thành (06931, 19891, 26605)"),
        ("UBND HUYỆN CHÂU THÀNH", None, BEFORE, None, "10 units of level huyện named Châu Thành"),
        ("UBND HUYỆN TUẦN GIÁO", "Gia Lai", BEFORE, None, "no huyện named Tuần Giáo of Tỉnh Gia Lai"),
        ("UBND THÀNH PHỐ HUẾ", None, BEFORE, None, "the level of THÀNH PHỐ HUẾ depends on the date"),
        ("UBND HUYỆN TUẦN GIÁO", None, None, 2025, "no date or year on the document to tell which unit list applies"),
    ],
)
def test_unknown_issuer_stays_null_with_a_warning(issuer: str, province: str | None, on: date | None, year: int | None,
                                                  reason: str) -> None:
    found = locate(issuer, province, on, year)
    assert found.unit is None and set(found.columns().values()) == {None}
    assert found.warning.startswith("unit left blank: ") and reason in found.warning and "; " not in found.warning


def test_year_decides_when_no_date_is_printed() -> None:
    assert _columns("UBND TỈNH GIA LAI", on=None, year=2021)["unit_code"] == "64"
    assert _columns("UBND TỈNH GIA LAI", on=None, year=2026)["unit_code"] == "52"


def test_central_body_has_a_level_and_no_code() -> None:
    for issuer in ("BỘ NỘI VỤ", "CHÍNH PHỦ", "THỦ TƯỚNG CHÍNH PHỦ"):
        found = locate(issuer, None, BEFORE)
        assert found.warning is None and found.columns() == {**dict.fromkeys(found.columns()), "unit_level": "trung ương"}


def test_documents_row_has_the_unit() -> None:
    document = process_file(RAW / "phuluc1_000.pdf").document
    assert (document["unit_code"], document["unit_name"], document["unit_level"], document["province_code"]) == (
        "099", "Huyện Tuần Giáo", "huyện", "11")
    assert document["successor_code"].split("; ") == TUAN_GIAO_SUCCESSORS
    assert document["warnings"] is None


# Each issuer of the title-block matrix and its unit (a Phòng or Sở belongs to its huyện or tỉnh).
CODES = {"huyen": "099", "so": "11", "doan": "099", "xa": "03295", "phong": "101"}
# A seeded slice of the PDF matrix (benchmarks/title_blocks.py runs all of it) and every Word layout.
SLICE = random.Random(21).sample([c for c in matrix() if c.producer not in DOCX_PRODUCERS], 24) + [
    c for c in matrix() if c.producer in DOCX_PRODUCERS]


@pytest.mark.parametrize("case", SLICE, ids=lambda c: c.name)
def test_issuer_block_in_any_order(case: TitleCase, tmp_path: Path) -> None:
    """The issuer's lines are joined however the producer ordered them and the columns' baselines drift."""
    document = process_file(build(case, tmp_path / case.name)).document
    assert (document["issuer"], document["unit_code"], document["doc_number"], document["doc_date"]) == (
        case.expected, CODES[case.issuer], "12/BC-UBND", date(2021, 12, 9))


def test_real_plan_dated_by_its_year_alone(real_dir: Path) -> None:
    """r10 leaves day and month blank ('Phú Thọ, ngày    tháng 12 năm 2011'): the year places its Sở in Phú Thọ."""
    document = process_file(real_dir / "r10_kehoach_stttt_phutho_2011.docx").document
    assert document["doc_date"] is None
    assert (document["unit_code"], document["unit_name"], document["successor_code"]) == ("25", "Tỉnh Phú Thọ", "25")
