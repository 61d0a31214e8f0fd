"""Export the outputs to one Excel workbook, for analysts who do not use Python.

One sheet per table, named after it, in contract order. Cells keep the contract's types:
strings (codes such as "1.1", "3.1.3.a", "01") are text cells formatted "@" so Excel never
reads them as numbers, floats and integers are numbers, dates are Excel dates, and nulls (and empty
strings, which Excel does not tell apart) are empty cells. Excel has no time zones, so a UTC timestamp column is written as naive UTC and
its header says so ("processed_at (UTC)").

Excel limits are handled rather than hit: a string longer than a cell's 32,767 characters
is cut with a visible marker (the Parquet keeps the whole text) and counted; characters XML
cannot hold (control codes from broken text layers) are dropped and counted; a table with
more rows than a sheet's 1,048,576 is refused with `TooManyRows`, naming the table, rather
than split across sheets an analyst would have to stitch back together. The workbook is
written under a temporary name beside the target and renamed over it, so the target is
either the old file or the whole new one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.dataset.loading import load, tables
from pipeline.dataset.panel import panels
from pipeline.dataset.schema import SCHEMAS
from pipeline.dataset.writers import TABLES, replacing

MAX_ROWS = 1_048_576  # a sheet's rows, header included
MAX_CELL = 32_767  # characters in one cell
MAX_WIDTH = 60
WIDTH_SAMPLE = 1000  # rows looked at to size a column


class TooManyRows(ValueError):
    """A table does not fit in one sheet."""


@dataclass
class Export:
    """What was written: rows per sheet, and cells altered to fit Excel, per sheet."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    truncated: dict[str, int] = field(default_factory=dict)
    cleaned: dict[str, int] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        notes = [f"{table}: {n} cells longer than {MAX_CELL:,} characters truncated (full text in the Parquet)"
                 for table, n in self.truncated.items() if n]
        return notes + [f"{table}: {n} cells had control characters Excel cannot store, removed"
                        for table, n in self.cleaned.items() if n]


def export_xlsx(out: str | Path, xlsx: str | Path, names: list[str] | None = None,
                documents: bool = False) -> Export:
    """Write the tables under `out` (`convert` or `ingest` output) to the workbook `xlsx`.

    `names` chooses tables (default: every table present); `documents` adds each row's
    document metadata, as `load(..., documents=True)`. Raises FileNotFoundError when `out`
    has no outputs or lacks a table asked for, ValueError for an unknown table, TooManyRows.
    """
    present = tables(out)
    asked = names or present
    unknown = [t for t in asked if t not in TABLES]
    if unknown:
        raise ValueError(f"unknown table {', '.join(unknown)}; the tables are {', '.join(TABLES)}")
    frames = {table: load(out, table, documents=documents) for table in TABLES if table in asked}
    return _write(xlsx, {table: (frame, _types(table, list(frame.columns))) for table, frame in frames.items()})


def export_panel(out: str | Path, xlsx: str | Path, codes: list[str] | None = None) -> Export:
    """Write `pipeline.panel(out, codes)` to the workbook `xlsx`: the sheet `panel` (one row per unit
    and period, one column per code), `values` (each value with the file, page and row it came
    from) and `conflicts` (the values documents of one unit and period disagree on)."""
    return _write(xlsx, {sheet: (frame, _frame_types(frame)) for sheet, frame in panels(out, codes).items()})


def _frame_types(frame: pd.DataFrame) -> list[pa.DataType]:
    """The Arrow type of each column, as its values say (pandas' strings are large_string: text all the same)."""
    types = pa.Schema.from_pandas(frame, preserve_index=False).types
    return [pa.string() if pa.types.is_large_string(dtype) else dtype for dtype in types]


def _write(xlsx: str | Path, sheets: dict[str, tuple[pd.DataFrame, list[pa.DataType]]]) -> Export:
    """One sheet per frame, its columns typed by the Arrow types given; nothing written if one is too long."""
    for sheet, (frame, _) in sheets.items():
        if len(frame) >= MAX_ROWS:
            raise TooManyRows(f"{sheet} has {len(frame):,} rows; an Excel sheet holds {MAX_ROWS - 1:,} "
                              f"below its header: read it from the Parquet (pipeline.load) instead")
    xlsx = Path(xlsx)
    result = Export(xlsx)
    with replacing(xlsx, suffix=".tmp.xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl", date_format="YYYY-MM-DD",
                            datetime_format="YYYY-MM-DD HH:MM:SS") as writer:
            for sheet, (loaded, types) in sheets.items():
                frame, truncated, cleaned = _prepare(loaded, types)
                frame.to_excel(writer, sheet_name=sheet, index=False, na_rep="")
                _format(writer.sheets[sheet], frame, types)
                result.rows[sheet], result.truncated[sheet], result.cleaned[sheet] = len(frame), truncated, cleaned
    return result


def _types(table: str, columns: list[str]) -> list[pa.DataType]:
    """Each column's contract type; joined document columns take the documents table's."""
    contract = {name: dtype for name, dtype, _ in SCHEMAS["documents"]} | {name: dtype for name, dtype, _ in SCHEMAS[table]}
    return [contract[c] for c in columns]


def _prepare(frame: pd.DataFrame, types: list[pa.DataType]) -> tuple[pd.DataFrame, int, int]:
    """Make every value storable in Excel: timestamps naive UTC (header says so), strings
    without XML-illegal characters and within a cell's length. Returns the counts altered."""
    frame = frame.copy()
    truncated = cleaned = 0
    renames = {}
    for column, dtype in zip(frame.columns, types):
        if pa.types.is_timestamp(dtype) and dtype.tz is not None:
            frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(None)
            renames[column] = f"{column} (UTC)"
        elif pa.types.is_string(dtype):
            text = frame[column]
            present = text.notna()
            illegal = present & text.str.contains(ILLEGAL_CHARACTERS_RE, na=False)
            if illegal.any():
                cleaned += int(illegal.sum())
                text = text.mask(illegal, text.str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True))
            long = present & (text.str.len() > MAX_CELL)
            if long.any():
                truncated += int(long.sum())
                text = text.mask(long, text[long].map(_truncate))
            frame[column] = text
    return frame.rename(columns=renames), truncated, cleaned


def _truncate(text: str) -> str:
    marker = f" … [TRUNCATED: {len(text):,} characters, Excel cell limit; full text in the Parquet]"
    return text[: MAX_CELL - len(marker)] + marker


def _format(sheet: Worksheet, frame: pd.DataFrame, types: list[pa.DataType]) -> None:
    """Text columns as Excel text ("@", and a leading '=' kept as text, not a formula), nulls
    as truly empty cells, header frozen, autofilter on, columns sized to their content."""
    for index, (column, dtype) in enumerate(zip(frame.columns, types), start=1):
        is_text = pa.types.is_string(dtype)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if cell.value == "":
                cell.value = None
            elif is_text:
                cell.data_type = "s"
                cell.number_format = "@"
        sample = frame[column].head(WIDTH_SAMPLE).dropna().astype(str).str.len()
        width = max(len(str(column)), int(sample.max()) if len(sample) else 0, 8) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
