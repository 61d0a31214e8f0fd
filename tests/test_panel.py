"""pipeline.panel on reports generated from seed 000 with other issuers and years: two districts ×
two years, a corrected re-issue that disagrees with the first (a conflict), an issuer no list
knows, a commune of 2021 and the commune of 2025 that took its code, as PDF and Word."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from normalizers.codebook import load_codebook
from pipeline import load, panel
from pipeline.cli import main
from pipeline.dataset.panel import PanelWarning
from pipeline.terminal import EXIT_OK
from tests.fixtures.build import Variant, build_docx_variant, build_pdf_variant
from tests.fixtures.seeds import phuluc1_000

GOLD = Path(__file__).parent / "gold" / "phuluc1_000.csv"
PLAN, DONE = "Số nhiệm vụ đề ra trong kế hoạch", "Số nhiệm vụ đã hoàn thành"  # 1.1.1 and 1.1.2
TUAN_GIAO = {"issuer": ("UBND HUYỆN TUẦN GIÁO",), "unit": "huyện Tuần Giáo"}
DIEN_BIEN_DONG = {"issuer": ("ỦY BAN NHÂN DÂN", "HUYỆN ĐIỆN BIÊN ĐÔNG"), "unit": "huyện Điện Biên Đông"}
DOCUMENTS = {
    "tuan_giao_2021.pdf": Variant(),  # the seed as printed
    "tuan_giao_2022.docx": Variant(**TUAN_GIAO, year=2022, signed=date(2022, 12, 9), values=((PLAN, "50"), (DONE, "48"))),
    # Re-issued eleven days later with 1.1.2 corrected: the later one is taken, the two are listed as a conflict.
    "tuan_giao_2022_corrected.pdf": Variant(**TUAN_GIAO, year=2022, signed=date(2022, 12, 20),
                                            values=((PLAN, "50"), (DONE, "47"))),
    "dien_bien_dong_2021.docx": Variant(**DIEN_BIEN_DONG, values=((PLAN, "30"), (DONE, "28"))),
    "dien_bien_dong_2022.pdf": Variant(**DIEN_BIEN_DONG, year=2022, signed=date(2022, 12, 12),
                                       values=((PLAN, "32"), (DONE, "31"))),
    "nam_trung_2022.docx": Variant(issuer=("UBND HUYỆN NAM TRUNG",), unit="huyện Nam Trung", year=2022,
                                   signed=date(2022, 12, 9)),  # no such district
    "thi_tran_tuan_giao_2021.docx": Variant(issuer=("ỦY BAN NHÂN DÂN", "THỊ TRẤN TUẦN GIÁO"), unit="thị trấn Tuần Giáo",
                                            values=((PLAN, "12"), (DONE, "11"))),
    "xa_tuan_giao_2025.docx": Variant(issuer=("ỦY BAN NHÂN DÂN", "XÃ TUẦN GIÁO"), unit="xã Tuần Giáo", year=2025,
                                      signed=date(2025, 12, 9), values=((PLAN, "25"), (DONE, "25"))),
}
# (unit_code, unit_name, period) → the document each panel row's values must come from.
ROWS = {
    ("03253", "Thị trấn Tuần Giáo", "2021"): "thi_tran_tuan_giao_2021.docx",
    ("03253", "Xã Tuần Giáo", "2025"): "xa_tuan_giao_2025.docx",
    ("099", "Huyện Tuần Giáo", "2021"): "tuan_giao_2021.pdf",
    ("099", "Huyện Tuần Giáo", "2022"): "tuan_giao_2022_corrected.pdf",
    ("101", "Huyện Điện Biên Đông", "2021"): "dien_bien_dong_2021.docx",
    ("101", "Huyện Điện Biên Đông", "2022"): "dien_bien_dong_2022.pdf",
}


def _expected(name: str) -> dict[str, float]:
    """Code → value a document prints: the gold of seed 000 with the variant's changes."""
    with GOLD.open(encoding="utf-8") as fh:
        gold = list(csv.DictReader(fh))
    changed = dict(DOCUMENTS[name].values)
    printed = {g["code"]: changed.get(row.cells[1], g["value"]) for row, g in zip(phuluc1_000().rows, gold)}
    return {code: float(value) for code, value in printed.items() if code and value}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("panel")
    for name, variant in DOCUMENTS.items():
        (build_pdf_variant if name.endswith(".pdf") else build_docx_variant)(root / "in" / name, variant)
    assert main(["convert", str(root / "in"), "--out", str(root / "out"), "--workers", "2"]) == EXIT_OK
    return root / "out"


def _panel(out: Path, *args: object, **kwargs: object) -> pd.DataFrame:
    with pytest.warns(PanelWarning, match=r"left out of the panel \(1\): nam_trung_2022.docx \(issuer not placed"):
        return panel(out, *args, **kwargs)


def test_documents_carry_their_units(out: Path) -> None:
    docs = load(out, "documents").set_index("source_file")
    assert docs.loc["xa_tuan_giao_2025.docx", ["unit_code", "unit_name", "unit_level", "province_code"]].tolist() == [
        "03253", "Xã Tuần Giáo", "xã", "11"]
    assert pd.isna(docs.loc["xa_tuan_giao_2025.docx", "successor_code"])
    assert docs.loc["thi_tran_tuan_giao_2021.docx", "successor_name"] == "Xã Tuần Giáo"
    unknown = docs.loc["nam_trung_2022.docx"]
    assert pd.isna(unknown["unit_code"]) and unknown["issuer"] == "UBND HUYỆN NAM TRUNG"
    assert "unit left blank: no huyện named Nam Trung" in unknown["warnings"]


def test_wide_panel_one_row_per_unit_and_period(out: Path) -> None:
    wide = _panel(out)
    codes = [i.code for i in load_codebook().indicators if i.code in _expected("tuan_giao_2021.pdf")]
    assert list(wide.columns) == ["unit_code", "unit_name", "unit_level", "province_code", "year", "period", *codes]
    assert list(zip(wide["unit_code"], wide["unit_name"], wide["period"])) == list(ROWS)
    assert wide["year"].tolist() == [2021, 2025, 2021, 2022, 2021, 2022]
    for (_, row), source in zip(wide.iterrows(), ROWS.values()):
        assert row[codes].to_dict() == _expected(source), source


def test_later_document_wins_and_conflict_is_listed(out: Path) -> None:
    wide = _panel(out, ["1.1.2", "1.1.1"])
    tuan_giao = wide[wide["unit_code"].eq("099")].set_index("period")
    assert list(wide.columns[-2:]) == ["1.1.2", "1.1.1"]
    assert tuan_giao.loc["2022", "1.1.2"] == 47  # the corrected report's, not 48, nor their mean
    conflicts = _panel(out, conflicts=True)
    assert conflicts[["unit_code", "period", "code", "value", "chosen", "source_file", "doc_date"]].values.tolist() == [
        ["099", "2022", "1.1.2", 47.0, True, "tuan_giao_2022_corrected.pdf", date(2022, 12, 20)],
        ["099", "2022", "1.1.2", 48.0, False, "tuan_giao_2022.docx", date(2022, 12, 9)],
    ]


def test_long_form_gives_every_values_source(out: Path) -> None:
    tidy = _panel(out, long=True)
    assert len(tidy) == sum(len(_expected(source)) for source in ROWS.values())
    for key, source in ROWS.items():
        rows = tidy[(tidy["unit_code"] == key[0]) & (tidy["unit_name"] == key[1]) & (tidy["period"] == key[2])]
        assert set(rows["source_file"]) == {source}
        assert dict(zip(rows["code"], rows["value"])) == _expected(source)
    printed = load(out, "indicators").set_index(["source_file", "code"])[["page", "table_id", "row"]]
    where = tidy.set_index(["source_file", "code"])[["page", "table_id", "row"]]
    assert where.equals(printed.loc[where.index])


def test_other_value_columns_and_bad_arguments(out: Path) -> None:
    text = _panel(out, ["1.1", "1.1.1"], value="value_text")
    assert text.loc[text["unit_code"].eq("099"), "1.1"].tolist() == ["01", "01"]  # as printed
    with pytest.raises(ValueError, match="not codes of codebook cchc-2021: 9.9"):
        panel(out, ["1.1.1", "9.9"])
    with pytest.raises(ValueError, match="value must be an indicators column"):
        panel(out, value="values")


def test_export_panel_workbook(out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xlsx = tmp_path / "panel.xlsx"
    assert main(["export", str(out), "--panel", str(xlsx), "--codes", "1.1.1,1.1.2"]) == EXIT_OK
    printed = " ".join(capsys.readouterr().err.split())  # rich wraps lines
    assert "nam_trung_2022.docx" in printed and "panel (6 rows), values (12 rows), conflicts (2 rows)" in printed
    book = load_workbook(xlsx)
    assert book.sheetnames == ["panel", "values", "conflicts"]
    rows = list(book["panel"].values)
    assert rows[0] == ("unit_code", "unit_name", "unit_level", "province_code", "year", "period", "1.1.1", "1.1.2")
    assert rows[3] == ("099", "Huyện Tuần Giáo", "huyện", "11", 2021, "2021", 45, 40)  # codes stay text: 099
    assert (book["panel"]["A4"].number_format, book["panel"]["F4"].number_format) == ("@", "@")  # text, as in Excel
    assert book["panel"]["G4"].data_type == "n"
