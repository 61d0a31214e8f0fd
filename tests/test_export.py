"""`cchc export`: the outputs as an Excel workbook whose cells keep the Parquet's values and types."""
from __future__ import annotations

import datetime as dt
import shutil
import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from pipeline import load
from pipeline.cli import main
from pipeline.dataset import export
from pipeline.dataset.export import MAX_CELL, export_xlsx
from pipeline.dataset.schema import SCHEMAS
from pipeline.dataset.writers import TABLES, to_arrow, write_atomic
from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
ISSUER = "UBND HUYỆN TUẦN GIÁO"  # phuluc1_000.docx's title block


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`convert` and `ingest` outputs of two fast DOCX reports."""
    root = tmp_path_factory.mktemp("export")
    src = root / "in"
    src.mkdir()
    for name in ("phuluc1_000.docx", "appendix_001.docx"):
        shutil.copy(RAW / name, src / name)
    layouts = {"convert": root / "convert", "ingest": root / "ingest"}
    for command, out in layouts.items():
        assert main([command, str(src), "--out", str(out), "--workers", "1"]) == EXIT_OK
    return layouts


@pytest.fixture(scope="module")
def workbooks(outputs: dict[str, Path]) -> dict[str, Path]:
    books = {}
    for layout, out in outputs.items():
        books[layout] = out.parent / f"{layout}.xlsx"
        assert main(["export", str(out), "--xlsx", str(books[layout])]) == EXIT_OK
    return books


def _sheet(path: Path, table: str) -> tuple[list[str], list[list[openpyxl.cell.Cell]]]:
    rows = list(openpyxl.load_workbook(path)[table].iter_rows())
    return [c.value for c in rows[0]], rows[1:]


def test_one_sheet_per_table_in_contract_order(workbooks: dict[str, Path]) -> None:
    for path in workbooks.values():
        assert openpyxl.load_workbook(path).sheetnames == list(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_cells_equal_the_parquet_row_for_row_with_their_types(outputs: dict[str, Path], workbooks: dict[str, Path],
                                                              table: str) -> None:
    frame = load(outputs["convert"], table)
    header, rows = _sheet(workbooks["convert"], table)
    assert len(rows) == len(frame)
    types = {name: dtype for name, dtype, _ in SCHEMAS[table]}
    for index, column in enumerate(frame.columns):
        dtype = types[column]
        assert header[index] == (f"{column} (UTC)" if pa.types.is_timestamp(dtype) else column)
        for cell, value in zip((row[index] for row in rows), frame[column]):
            if pd.isna(value) or value == "":
                assert cell.value is None, (column, cell.coordinate)
            elif pa.types.is_string(dtype):
                assert (cell.data_type, cell.number_format, cell.value) == ("s", "@", value), (column, cell.coordinate)
            elif pa.types.is_integer(dtype) or pa.types.is_floating(dtype):
                assert cell.data_type == "n" and cell.value == value, (column, cell.coordinate)
            elif pa.types.is_boolean(dtype):
                assert cell.data_type == "b" and cell.value == value
            elif pa.types.is_date(dtype):
                assert cell.is_date and cell.value.date() == value
            else:  # a UTC timestamp, naive in Excel
                assert cell.is_date and cell.value == value.tz_convert(None).to_pydatetime()


def test_codes_stay_text_and_vietnamese_stays_intact(workbooks: dict[str, Path]) -> None:
    header, rows = _sheet(workbooks["convert"], "indicators")
    column = {name: i for i, name in enumerate(header)}
    codes = [row[column["code"]].value for row in rows]
    assert "1.1" in codes and all(isinstance(c, str) for c in codes if c is not None)
    assert "02" in [row[column["value_text"]].value for row in rows]  # not the number 2
    labels = [row[column["label"]].value for row in rows if row[column["label"]].value]
    wanted = unicodedata.normalize("NFC", "thủ tục hành chính")
    assert any(wanted in label.lower() for label in labels)
    assert all(unicodedata.is_normalized("NFC", label) for label in labels)
    value = rows[codes.index("1.1.1")][column["value"]]
    assert (value.data_type, value.value) == ("n", 26)


def test_ingest_output_exports_the_same_sheets_and_rows(outputs: dict[str, Path], workbooks: dict[str, Path]) -> None:
    for table in TABLES:
        converted, ingested = (_sheet(workbooks[layout], table) for layout in ("convert", "ingest"))
        assert converted[0] == ingested[0]
        assert len(converted[1]) == len(ingested[1]) == len(load(outputs["ingest"], table))
    codes = [sorted(str(row[2].value) for row in _sheet(book, "indicators")[1]) for book in workbooks.values()]
    assert codes[0] == codes[1]


def test_chosen_tables_with_document_columns(outputs: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "some.xlsx"
    assert main(["export", str(outputs["ingest"]), "--xlsx", str(path), "--tables", "indicators,dossiers",
                 "--documents"]) == EXIT_OK
    assert openpyxl.load_workbook(path).sheetnames == ["indicators", "dossiers"]
    header, rows = _sheet(path, "indicators")
    joined = load(outputs["ingest"], "indicators", documents=True).columns
    assert header == [f"{c} (UTC)" if c == "processed_at" else c for c in joined]
    issuers = {row[header.index("issuer")].value for row in rows}
    assert ISSUER in issuers
    assert [c.value for c in rows[0] if c.is_date]  # doc_date, period_* as Excel dates


def test_a_folder_without_outputs_cannot_run(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    assert main(["export", str(tmp_path), "--xlsx", str(path)]) == EXIT_CANNOT_RUN
    assert main(["export", str(tmp_path / "nope"), "--xlsx", str(path)]) == EXIT_CANNOT_RUN
    assert not path.exists()


def test_unknown_table_cannot_run(outputs: dict[str, Path], tmp_path: Path) -> None:
    assert main(["export", str(outputs["convert"]), "--xlsx", str(tmp_path / "x.xlsx"), "--tables", "nope"]) == EXIT_CANNOT_RUN


def test_text_excel_cannot_hold_is_cut_or_cleaned_and_counted(tmp_path: Path) -> None:
    """A page longer than a cell, control characters from a broken text layer, and a cell
    starting with '=' (text, not a formula)."""
    long = "chữ " * 10_000
    pages = [{"doc_id": "d", "source_file": "a.pdf", "page": i + 1, "text": text, "quality": None}
             for i, text in enumerate([long, "bảng\x01\x02 số", "=1+1"])]
    write_atomic(to_arrow("text", pages), tmp_path / "out" / "text.parquet")
    result = export_xlsx(tmp_path / "out", tmp_path / "t.xlsx")
    assert result.truncated == {"text": 1} and result.cleaned == {"text": 1} and len(result.warnings) == 2
    _, rows = _sheet(tmp_path / "t.xlsx", "text")
    cut, cleaned, formula = (row[3] for row in rows)
    assert len(cut.value) == MAX_CELL and cut.value.startswith(long[:1000]) and "TRUNCATED" in cut.value
    assert cleaned.value == "bảng số"
    assert (formula.data_type, formula.value) == ("s", "=1+1")
    assert rows[0][4].value is None  # quality: null float → empty cell


def test_a_table_too_long_for_a_sheet_is_refused_leaving_the_old_workbook(
        outputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"old")
    monkeypatch.setattr(export, "MAX_ROWS", 100)
    assert main(["export", str(outputs["convert"]), "--xlsx", str(path)]) == EXIT_CANNOT_RUN
    with pytest.raises(export.TooManyRows, match="indicators"):
        export_xlsx(outputs["convert"], path, ["indicators"])
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]


def test_timestamps_are_naive_utc(workbooks: dict[str, Path], outputs: dict[str, Path]) -> None:
    header, rows = _sheet(workbooks["convert"], "documents")
    stamps = [row[header.index("processed_at (UTC)")].value for row in rows]
    assert all(isinstance(s, dt.datetime) and s.tzinfo is None for s in stamps)
    assert stamps == [t.tz_convert(None).to_pydatetime() for t in load(outputs["convert"], "documents")["processed_at"]]
