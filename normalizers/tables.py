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

from core.model import METHOD_OCR, Cell, Table
from normalizers.headers import NUMBER

X_TOLERANCE = 3.0  # points: a continuation's left and right edges match the original's
SCAN_SHIFT = 36.0  # points: how far a scanned page's table may sit from the last page's (placement, deskew, dewarp)
SCAN_WIDTH = 0.02  # share of its width by which a scanned continuation's width may differ
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
    the same left and right edges — a different table would rarely line up exactly.  A
    scanned page lies on the glass its own way and is deskewed and straightened by its own
    angle, which moves its table by up to `SCAN_SHIFT`: there the same width is asked for.

    >>> scan, text = (Table(0, 1, 2, 3, [], method, bbox=(33.1, 58.3, 543.6, 802.1)) for method in ("ocr", "text"))
    >>> continues(scan, replace(scan, page=2, bbox=(47.5, 46.8, 558.0, 812.2)))
    True
    >>> continues(text, replace(text, page=2, bbox=(47.5, 46.8, 558.0, 812.2)))
    False
    """
    if table.page != (previous.page_end or previous.page) + 1 or table.n_cols != previous.n_cols:
        return False
    if not (previous.bbox and table.bbox):
        return True
    (left, _, right, _), (other_left, _, other_right, _) = previous.bbox, table.bbox
    if METHOD_OCR in (previous.method, table.method):
        width, other_width = right - left, other_right - other_left
        return abs(left - other_left) <= SCAN_SHIFT and abs(width - other_width) <= SCAN_WIDTH * max(width, other_width)
    return abs(left - other_left) <= X_TOLERANCE and abs(right - other_right) <= X_TOLERANCE


def _covering(cells: list[Cell], row: int, col: int) -> Cell | None:
    """The cell whose span covers a grid position (a merged cell sits at its top-left only)."""
    return next((c for c in cells if c.row <= row < c.row + c.rowspan and c.col <= col < c.col + c.colspan), None)


_CONTINUING_END = tuple("-–,;:(/&+")
_SENTENCE_END = tuple(".!?")
_BULLET = re.compile(r"^\s*[-+•]\s", re.M)


def continues_text(before: str, after: str) -> bool:
    """Whether `after` reads as the rest of `before`, a cell's text cut mid-way, rather
    than a new text: it starts in lower case or with a digit, or `before` stops on a
    hyphen or comma, or an abbreviation (UBND, CQCM) follows a text with no full stop.

    >>> continues_text("Có từ 03 sáng kiến (mỗi cơ quan, địa", "phương triển khai")
    True
    >>> continues_text("Văn phòng HĐND-", "UBND huyện"), continues_text("của tỉnh; 100%", "CQCM cấp huyện")
    (True, True)
    >>> continues_text("Kế hoạch CCHC Nhà nước năm 2021", "Kế hoạch ban hành"), continues_text("đủ.", "CQCM cấp")
    (False, False)
    """
    before, after = before.rstrip(), after.lstrip()
    if not after:
        return True
    if _BULLET.match(after):
        return bool(_BULLET.search(before))  # the next item of a list the cut went through
    first = after.split()[0]
    return (
        after[0].islower()
        or after[0].isdigit()
        or before.endswith(_CONTINUING_END)
        or (len(first) > 1 and first.isupper() and not before.endswith(_SENTENCE_END))
    )


def cut_row(previous: list[str], fragment: list[str]) -> bool:
    """Whether `fragment`, the first row after a page break, is the rest of `previous`.

    A row too tall for the page ends on the next one as a row without a number, holding
    only the rest of some cells' text.  A row of its own differs: it fills a cell the
    previous row left empty, has a number where the previous row has one too (numbers
    are never cut), or its cells start new texts (an un-numbered row inside a group).

    >>> cut_row(["5", "TC 1.5 - Sáng kiến", "Có từ 03 sáng kiến", "Phòng Nội vụ"],
    ...         ["", "", "phương triển khai tối thiểu 01", ""])
    True
    >>> cut_row(["", "Tổng số văn bản điện tử", "Văn bản", "29.325"], ["", "Tổng số văn bản giấy", "Văn bản", "3.688"])
    False
    >>> cut_row(["1", "Kế hoạch CCHC", "Kế hoạch", "Quý I"], ["", "Công bố công khai", "Quyết định", "04/8/2021"])
    False
    """
    if not fragment or fragment[0].strip() or not any(t.strip() for t in fragment):
        return False
    for before, after in zip(previous, fragment):
        if not after.strip():
            continue
        if not before.strip() or (NUMBER.match(before.strip()) and NUMBER.match(after.strip())):
            return False
        if not continues_text(before, after):
            return False
    return True


def _covered_texts(table: Table, row: int) -> list[str]:
    """A row's text by column, a position covered by a span reading its origin's text."""
    out = []
    for col in range(table.n_cols):
        cell = _covering(table.cells, row, col)
        out.append(cell.text if cell else "")
    return out


def _join_text(cell: Cell, piece: Cell) -> Cell:
    return replace(cell, text=f"{cell.text}\n{piece.text}".strip(), confidence=min(cell.confidence, piece.confidence))


def _carry_merges(base: Table, top: list[Cell]) -> tuple[list[Cell], list[Cell]]:
    """Cells merged down to the page's last row that go on over the break.

    A cell merged over a group of rows (the STT of a task group) that runs past the page
    end is printed again at the top of the next page, empty or with the rest of its text;
    it is the same cell, so the base's cell grows by the piece's rows.  Returns the base's
    cells and the pieces taken into them.
    """
    last = base.n_rows - 1
    by_col = {c.col: c for c in top}
    taken: list[Cell] = []
    cells = []
    for cell in base.cells:
        piece = by_col.get(cell.col)
        if piece is not None and cell.rowspan > 1 and cell.row + cell.rowspan - 1 == last and piece.colspan == cell.colspan:
            cell = replace(_join_text(cell, piece) if piece.text.strip() else cell, rowspan=cell.rowspan + piece.rowspan)
            taken.append(piece)
        cells.append(cell)
    return cells, taken


def _join_cut_row(cells: list[Cell], last: int, fragment: list[Cell]) -> list[Cell]:
    """Cells with a cut row's pieces appended to the cells they continue."""
    extra = {c.col: c for c in fragment if c.text.strip()}
    out = []
    for cell in cells:
        if cell.row <= last < cell.row + cell.rowspan:
            for col in range(cell.col, cell.col + cell.colspan):
                if col in extra:
                    cell = _join_text(cell, extra.pop(col))
        out.append(cell)
    return out


def _append(base: Table, piece: Table, skip: int) -> Table:
    """`piece` below `base`, minus the `skip` header rows it repeats, with merged cells
    carried over the break and a cut row rejoined."""
    last = base.n_rows - 1
    top = [c for c in piece.cells if c.row == skip]
    cells, taken = _carry_merges(base, top)
    rest = [c for c in piece.cells if all(c is not t for t in taken)]
    if skip < piece.n_rows and cut_row(_covered_texts(base, last), piece.grid()[skip]):
        cells = _join_cut_row(cells, last, [c for c in top if all(c is not t for t in taken)])
        grown = {(t.col, t.colspan) for t in taken}
        cells = [replace(c, rowspan=c.rowspan - 1) if (c.col, c.colspan) in grown and c.row + c.rowspan - 1 > last
                 else c for c in cells]
        skip += 1
    offset = base.n_rows - skip
    moved = [replace(c, row=c.row + offset) for c in rest if c.row >= skip]
    return replace(
        base,
        n_rows=base.n_rows + piece.n_rows - skip,
        cells=cells + moved,
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

