"""The data dictionary (docs/data-dictionary.md), generated from the output contract.

Column names, types and meanings come from pipeline.dataset.schema at run time, so the document
cannot drift from what the writers produce; tests/test_dictionary.py fails when the committed
file is stale. What one row is and the example values are written here by hand: examples
taken from a run would change with every extraction fix.

    python -m pipeline.dataset.dictionary            # print
    python -m pipeline.dataset.dictionary --write    # rewrite docs/data-dictionary.md
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyarrow as pa

from pipeline.dataset.schema import SCHEMAS

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"
COMMAND = "python -m pipeline.dataset.dictionary --write"

ROWS: dict[str, str] = {
    "documents": "input file, whether it converted, failed or was skipped",
    "indicators": "indicator-table row (Phụ lục 1-CCHC style statistics), in document order",
    "tables": "table cell; a table continued over pages is one table, and a row cut by a page break is "
              "joined back into one",
    "text": "page (a DOCX is one page)",
    "criteria": "PAR Index criterion (TC) or sub-criterion (TCTP) of a criteria plan table",
    "dossiers": "unit (commune or agency) of a dossier-processing table, and one for the table's total row",
    "checks": "failed consistency check: a total, sum, bound or percentage the printed numbers break",
}

EXAMPLES: dict[tuple[str, str], str] = {
    ("documents", "doc_id"): "3ac4a4957e1133b2…",
    ("documents", "source_file"): "phuluc1_000.pdf",
    ("documents", "source_path"): "2021/tuan_giao/phuluc1_000.pdf",
    ("documents", "kind"): "pdf",
    ("documents", "template"): "thua-thien-hue-2021",
    ("documents", "pages"): "4",
    ("documents", "status"): "ok",
    ("documents", "issuer"): "UBND HUYỆN TUẦN GIÁO",
    ("documents", "level"): "huyện",
    ("documents", "province"): "Điện Biên",
    ("documents", "doc_number"): "135/KH-UBND",
    ("documents", "doc_date"): "2021-09-27",
    ("documents", "doc_type"): "kế hoạch",
    ("documents", "period_start"): "2021-01-01",
    ("documents", "period_end"): "2021-12-14",
    ("documents", "year"): "2021",
    ("documents", "unit_code"): "099",
    ("documents", "unit_name"): "Huyện Tuần Giáo",
    ("documents", "unit_level"): "huyện",
    ("documents", "province_code"): "11",
    ("documents", "successor_code"): "03217; 03244; 03253; …",
    ("documents", "successor_name"): "Xã Tủa Chùa; Xã Sáng Nhè; Xã Tuần Giáo; …",
    ("documents", "n_overrides"): "0",
    ("documents", "pipeline_version"): "0.2.0",
    ("documents", "processed_at"): "2025-03-01 08:30:00+00:00",
    ("indicators", "code"): "3.3.4",
    ("indicators", "code_template"): "3.5.3",
    ("indicators", "code_method"): "match",
    ("indicators", "code_printed"): "3.3.4.",
    ("indicators", "label"): "Tỷ lệ quy trình nội bộ giải quyết TTHC đã được điện tử hóa",
    ("indicators", "unit"): "%",
    ("indicators", "value"): "218",
    ("indicators", "value_text"): "218/218 (100%)",
    ("indicators", "value_kind"): "fraction",
    ("indicators", "value_label"): "Trực tuyến",
    ("indicators", "numerator"): "218",
    ("indicators", "denominator"): "218",
    ("indicators", "flags"): "unit_mismatch",
    ("indicators", "match_score"): "100",
    ("indicators", "candidates"): "3.3.4:100; 3.3.3:42.9; 3.3.1:18.5",
    ("indicators", "codebook"): "cchc-2021",
    ("indicators", "method"): "docx",
    ("tables", "table_kind"): "dossier",
    ("tables", "column_name"): "Kết quả giải quyết / Số hồ sơ đã giải quyết / Tổng số",
    ("tables", "text"): "UBND huyện Tuần Giáo",
    ("tables", "rotation"): "90",
    ("text", "text"): "UBND HUYỆN TUẦN GIÁO\\nPhụ lục 1-CCHC\\nTHỐNG KÊ KẾT QUẢ …",
    ("text", "method"): "docx",
    ("text", "quality"): "1.0",
    ("text", "quality_raw"): "0.33",
    ("text", "text_layer"): "Ký bởi: Ủy ban nhân dân tỉnh\\nThời gian ký: 23.11.2026 09:15:00 +07:00",
    ("text", "issues"): "low OCR confidence (0.62)",
    ("text", "repairs"): "decode_tcvn3(.VnTime); decode_tcvn3h(.VnTimeH)",
    ("criteria", "code"): "1.1",
    ("criteria", "code_type"): "TC",
    ("criteria", "code_printed"): "TC 1.1",
    ("criteria", "name"): "Thực hiện kế hoạch CCHC",
    ("criteria", "target"): "Hoàn thành 100% kế hoạch",
    ("criteria", "lead_agency"): "Phòng Nội vụ",
    ("criteria", "partners"): "Phòng, ban, ngành huyện; UBND các xã, thị trấn",
    ("criteria", "deadline"): "Thường xuyên trong năm/theo kế hoạch",
    ("criteria", "section"): "I CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH CCHC",
    ("criteria", "codebook"): "par-index-2021",
    ("dossiers", "stt"): "1",
    ("dossiers", "unit"): "UBND huyện Tuần Giáo",
    ("dossiers", "received_total"): "3360",
    ("dossiers", "received_online"): "1023",
    ("dossiers", "online_rate"): "30.45",
    ("dossiers", "received_direct"): "2266",
    ("dossiers", "flags"): "received_total_not_integer",
    ("checks", "rule"): "total_equals_sum",
    ("checks", "severity"): "error",
    ("checks", "code"): "received_direct",
    ("checks", "message"): "received_direct: total row says 19815 but the 20 units add up to 19797 (table 0, page 1, row 23)",
    ("checks", "expected"): "19797",
    ("checks", "found"): "19815",
    ("checks", "values"): "total=19815; sum=19797",
}

INTRO = f"""# Data dictionary

Generated by `{COMMAND}` from `pipeline/dataset/schema.py` (the output contract) and the row
descriptions and examples in `pipeline/dataset/dictionary.py`; edit those, not this file.

`cchc convert IN --out OUT` writes each table as `OUT/<table>.parquet`; `cchc ingest IN --out OUT`
as `OUT/current/<table>/*.parquet` (one part per document). Either reads with

```python
from pipeline import load, duckdb_views
load("OUT", "dossiers", documents=True)   # with each row's issuer, year, … from documents
duckdb_views("OUT").sql("select code, avg(value) from indicators group by code")
```

Every table starts with `doc_id` and `source_file`; together they join a row to its `documents`
row (`doc_id` alone does not: copies of one file under different names share it). `load` gives
integer and bool columns pandas' nullable dtypes (`Int32`, `Int64`, `boolean`), so a column's
dtype does not depend on whether it holds a null. Examples are given where they show the format
better than the meaning does.
"""


def type_name(dtype: pa.DataType) -> str:
    """The Arrow type as a reader would say it.

    >>> [type_name(t) for t in (pa.float64(), pa.date32(), pa.timestamp("s", tz="UTC"), pa.list_(pa.string()))]
    ['float64', 'date', 'timestamp UTC', 'list<string>']
    """
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "string"
    if pa.types.is_floating(dtype):
        return f"float{dtype.bit_width}"
    if pa.types.is_boolean(dtype):
        return "bool"
    if pa.types.is_date(dtype):
        return "date"
    if pa.types.is_timestamp(dtype):
        return f"timestamp {dtype.tz}" if dtype.tz else "timestamp"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return f"list<{type_name(dtype.value_type)}>"
    return str(dtype)  # int32, int64, …


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """The whole dictionary as markdown."""
    parts = [INTRO]
    for table, columns in SCHEMAS.items():
        parts.append(f"\n## {table}\n\nOne row per {ROWS[table]}.\n\n| column | type | meaning | example |\n|---|---|---|---|\n")
        for name, dtype, meaning in columns:
            example = EXAMPLES.get((table, name))
            parts.append(f"| `{name}` | {type_name(dtype)} | {_cell(meaning)} | {f'`{_cell(example)}`' if example else ''} |\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.dataset.dictionary", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {DOC.relative_to(DOC.parents[1])} instead of printing")
    if parser.parse_args(argv).write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(render(), encoding="utf-8")
    else:
        sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
