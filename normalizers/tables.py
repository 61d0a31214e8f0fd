"""Tables across pages: a table continued on the next page becomes one table.

Report tables routinely run over several pages with their header printed again on each
page.  Each page's piece arrives from the extractor as its own table; here pieces that
continue one another (same columns, the next page) are joined, and the header rows the
continuation repeats are dropped, so row numbers and sections run on unbroken.
"""
from __future__ import annotations

from dataclasses import replace

from rapidfuzz import fuzz

from extractors.model import Table

X_TOLERANCE = 3.0  # points: a continuation's left and right edges match the original's
SAME_CELL = 60.0  # rapidfuzz ratio above which two cells of a repeated header are the same text


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


def _append(base: Table, piece: Table, skip: int) -> Table:
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
            out[-1] = _append(out[-1], t, repeated_header_rows(out[-1], t))
        else:
            out.append(replace(t, table_id=len(out)))
    return out

