"""A table's header rows and the column names they spell out.

Report tables stack their headers: "Kết quả giải quyết" spans "Số hồ sơ đã giải quyết",
which spans "Tổng số | Sớm hạn | Đúng hạn | Trễ hạn".  A researcher needs one name per
column, so each column is named by the path of header cells above it
("Kết quả giải quyết / Số hồ sơ đã giải quyết / Sớm hạn").  How deep the header is comes
from its spans, the row of column numbers many templates print under it, and the rows a
table repeats on every page (found when stitching).
"""
from __future__ import annotations

import re

from core.model import Table

PATH_SEPARATOR = " / "
NUMBER = re.compile(r"^[-+]?\d[\d.,]*\s*%?$")  # a count, an amount or a percentage as printed
_DATA_CELL = re.compile(
    r"^(?:[-+]?\d[\d.,]*\s*%?"  # a number
    r"|[IVXLC]{1,6}\.?"  # a section numeral
    r"|(?:TCTP|TC)?\s*\d+(?:[.,]\d+)*\.?(?:\s*[-–]\s+.*)?"  # an outline code, maybe with its label
    r")$",
    re.S,
)
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")


def is_data_cell(text: str) -> bool:
    """Whether a cell's text is a number or numbering — something a header never holds.

    >>> [is_data_cell(t) for t in ("16.688", "99,1%", "II", "1.1.2.", "TC 1.1 - Thực hiện", "Tổng số", "2011-12")]
    [True, True, True, True, True, False, False]
    """
    return bool(_DATA_CELL.match(" ".join(text.split())))


def is_column_number_row(row: list[str]) -> bool:
    """The "1 | 2 | 3 | 4" row printed under a header: numbers counting up from one.

    >>> is_column_number_row(["1", "2", "3", "4", "5", "6"]), is_column_number_row(["(1)", "(2)", "", "(3)"])
    (True, True)
    >>> is_column_number_row(["1", "UBND huyện", "3360", "1023"])
    False
    """
    cells = [t.strip() for t in row if t.strip()]
    if len(cells) < 3 or not all(_COLUMN_NUMBER.match(t) for t in cells):
        return False
    numbers = [int(t.strip("()")) for t in cells]
    return numbers == sorted(numbers) and numbers[0] <= 1 + (len(row) - len(cells))


def header_depth(table: Table) -> int:
    """How many top rows are header: the first row when it holds no data, extended by
    every span that starts in the header and reaches lower, by the sub-headings under a
    cell spanning columns, and by a column-number row right below."""
    grid = table.grid()
    if not grid:
        return 0
    depth = table.header_rows or 0
    if not depth:
        first = [t for t in grid[0] if t.strip()]
        if not first or any(is_data_cell(t) for t in first) or is_column_number_row(grid[0]):
            return 0
        depth = 1
    grown = True
    while grown and depth < table.n_rows:
        grown = False
        for cell in table.cells:
            reach = cell.row + cell.rowspan
            spans_down = cell.row < depth < reach
            heads_columns = cell.row == depth - 1 and cell.colspan > 1 and cell.text.strip() and cell.rowspan == 1
            if (spans_down or heads_columns) and not any(is_data_cell(t) for t in grid[depth] if t.strip()):
                depth = max(reach, depth + 1) if spans_down else depth + 1
                grown = True
                break
    if depth < table.n_rows and is_column_number_row(grid[depth]):
        depth += 1
    return min(depth, table.n_rows)


def column_names(table: Table, depth: int) -> list[str]:
    """One name per column: the header cells above it, top to bottom, joined by " / ".

    A column-number row is left out; a cell spanning several rows is named once.
    """
    grid = table.grid()
    names: list[list[str]] = [[] for _ in range(table.n_cols)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        text = " ".join(cell.text.split())
        if cell.row >= depth or not text or is_column_number_row(grid[cell.row]):
            continue
        for col in range(cell.col, min(cell.col + cell.colspan, table.n_cols)):
            if not names[col] or names[col][-1] != text:
                names[col].append(text)
    return [PATH_SEPARATOR.join(parts) for parts in names]
