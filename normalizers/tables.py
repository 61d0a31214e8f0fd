"""Tables across pages: a table continued on the next page becomes one table.

Report tables routinely run over several pages with their header printed again on each
page.  Each page's piece arrives from the extractor as its own table; here pieces that
continue one another (same columns, the next page) are joined, and the header rows the
continuation repeats are dropped, so row numbers and sections run on unbroken.
"""
from __future__ import annotations

import re
from dataclasses import replace

from rapidfuzz import fuzz

from extractors.model import Cell, Table

X_TOLERANCE = 3.0  # points: a continuation's left and right edges match the original's
SAME_CELL = 60.0  # rapidfuzz ratio above which two cells of a repeated header are the same text
_NUMBER = re.compile(r"^[-+]?\d[\d.,]*\s*%?$")


def _row_texts(table: Table) -> list[tuple[str, ...]]:
    return [tuple(" ".join(t.split()) for t in row) for row in table.grid()]


def same_row(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two rows say the same, allowing for the few characters OCR reads differently.

    The same cells must be filled, and each filled pair must be close: an OCR'd header
    repeated on the next page rarely comes out letter for letter the same (bold text on
    a noisy scan), while two data rows differ in their labels and numbers.

    >>> same_row(("STT", "Chỉ tiêu thống kê", ""), ("sTr", "Chỉ tiêu thốnø kê", ""))
    True
    >>> same_row(("1.1.", "Kế hoạch CCHC", "01"), ("1.2.", "Kiểm tra CCHC", "12"))
    False
    """
    if a == b:
        return any(a)
    if len(a) != len(b) or [bool(x) for x in a] != [bool(y) for y in b]:
        return False
    pairs = [(x.lower(), y.lower()) for x, y in zip(a, b) if x or y]
    return bool(pairs) and all(fuzz.ratio(x, y) >= SAME_CELL for x, y in pairs)


def repeated_header_rows(first: Table, continuation: Table) -> int:
    """How many top rows of `continuation` repeat the top rows of `first`."""
    a, b = _row_texts(first), _row_texts(continuation)
    n = 0
    while n < min(len(a), len(b)) - 1 and same_row(a[n], b[n]):
        n += 1
    return n


def continues(previous: Table, table: Table) -> bool:
    """Whether `table` is the next page's piece of `previous`.

    Same number of columns, on the page right after, and (when both positions are known)
    the same left and right edges — a different table would rarely line up exactly.
    """
    if table.page != (previous.page_end or previous.page) + 1 or table.n_cols != previous.n_cols:
        return False
    if previous.bbox and table.bbox:
        return abs(previous.bbox[0] - table.bbox[0]) <= X_TOLERANCE and abs(previous.bbox[2] - table.bbox[2]) <= X_TOLERANCE
    return True


def _covering(cells: list[Cell], row: int, col: int) -> Cell | None:
    """The cell whose span covers a grid position (a merged cell sits at its top-left only)."""
    return next((c for c in cells if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan), None)


def cut_row(previous: list[str], fragment: list[str]) -> bool:
    """Whether `fragment`, the first row after a page break, is the rest of `previous`.

    A row too tall for the page ends on the next one as a row without a number, holding
    only the rest of some cells' text.  An un-numbered row of its own ("Trong đó" sub-rows)
    differs: it fills a cell the previous row left empty, or has a number where the
    previous row has one too (numbers are never cut across pages).

    >>> cut_row(["5", "TC 1.5 - Sáng kiến", "Có từ 03 sáng kiến", "Phòng Nội vụ"],
    ...         ["", "", "phương triển khai tối thiểu 01", ""])
    True
    >>> cut_row(["", "Tổng số văn bản điện tử", "Văn bản", "29.325"], ["", "Tổng số văn bản giấy", "Văn bản", "3.688"])
    False
    >>> cut_row(["1.1.", "Kế hoạch CCHC", "Kế hoạch", ""], ["", "Số TTHC cấp xã:", "Thủ tục", "155"])
    False
    """
    if not fragment or fragment[0].strip() or not any(t.strip() for t in fragment):
        return False
    for before, after in zip(previous, fragment):
        if after.strip() and not before.strip():
            return False
        if _NUMBER.match(before.strip()) and _NUMBER.match(after.strip()):
            return False
    return True


def _covered_texts(table: Table, row: int) -> list[str]:
    """A row's text by column, a position covered by a span reading its origin's text."""
    out = []
    for col in range(table.n_cols):
        cell = _covering(table.cells, row, col)
        out.append(cell.text if cell else "")
    return out


def _join_cut_row(base: Table, fragment: list[Cell]) -> list[Cell]:
    """Base's cells with a cut row's pieces appended to the cells they continue."""
    last = base.n_rows - 1
    extra = {c.col: c for c in fragment if c.text.strip()}
    out = []
    for cell in base.cells:
        if cell.row <= last < cell.row + cell.rowspan:
            pieces = [extra.pop(col) for col in range(cell.col, cell.col + cell.colspan) if col in extra]
            for piece in pieces:
                cell = replace(cell, text=f"{cell.text}\n{piece.text}".strip(), confidence=min(cell.confidence, piece.confidence))
        out.append(cell)
    return out


def _append(base: Table, piece: Table, skip: int) -> Table:
    """`piece` below `base`, minus the `skip` header rows it repeats and a cut row rejoined."""
    grid = piece.grid()
    if skip < piece.n_rows and cut_row(_covered_texts(base, base.n_rows - 1), grid[skip]):
        base = replace(base, cells=_join_cut_row(base, [c for c in piece.cells if c.row == skip]))
        skip += 1
    offset = base.n_rows - skip
    moved = [replace(c, row=c.row + offset) for c in piece.cells if c.row >= skip]
    return replace(
        base,
        n_rows=base.n_rows + piece.n_rows - skip,
        cells=base.cells + moved,
        page_end=piece.page,
    )


def stitch(tables: list[Table]) -> list[Table]:
    """Join page pieces of the same table; renumber table ids in document order.

    Only the first table on a page can continue the last table of the previous page.
    """
    out: list[Table] = []
    first_on_page: set[int] = set()
    seen_pages: set[int] = set()
    for t in tables:
        if t.page not in seen_pages:
            first_on_page.add(id(t))
            seen_pages.add(t.page)
    for t in tables:
        if out and id(t) in first_on_page and continues(out[-1], t):
            repeated = repeated_header_rows(out[-1], t)
            out[-1] = _append(out[-1], t, repeated)
            if repeated:
                out[-1].header_rows = max(out[-1].header_rows or 0, repeated)
        else:
            out.append(replace(t, table_id=len(out)))
    return out

