"""Find indicator tables and read their rows: printed code, label, unit, value, note.

An indicator table is recognised by its header, not its position: a label column
("Chỉ tiêu …") and a value column ("Số liệu", "Kết quả") are required, STT, unit
("Đơn vị tính") and note ("Ghi chú") columns are used when present.  The header may
take several rows (the usual two-row header puts "Đơn vị tính | Số liệu" under a
spanning "Kết quả thống kê").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.model import Table
from core.vietnamese import match_key
from normalizers.headers import is_column_number_row

MAX_HEADER_ROWS = 4

# Role → header phrases, most specific first; compared on match keys.
ROLE_PHRASES: dict[str, tuple[str, ...]] = {
    "code": ("stt", "tt", "số tt", "số thứ tự", "mã số", "mã"),
    "label": ("chỉ tiêu thống kê", "chỉ tiêu", "tên chỉ tiêu", "nội dung"),
    "unit": ("đơn vị tính", "đvt"),
    "value": ("số liệu", "giá trị", "kết quả thống kê", "kết quả"),
    "note": ("ghi chú",),
}
_ROLE_KEYS: tuple[tuple[str, int, str], ...] = tuple(
    (role, rank, match_key(phrase)) for role, phrases in ROLE_PHRASES.items() for rank, phrase in enumerate(phrases)
)
_OUTLINE = re.compile(r"^\d+(?:[.,:]\d+)*[.,:]?$")


@dataclass(frozen=True)
class RawIndicatorRow:
    """One data row of an indicator table, text as printed, with its position."""

    code_printed: str | None
    label: str
    unit: str
    value_text: str
    note: str
    page: int
    table_id: int
    row: int
    confidence: float = 1.0  # lowest confidence of the row's cells (repaired or OCR'd text)


def _role(text: str) -> tuple[str, int] | None:
    """The role a header cell names and how specific the phrase was (lower is better)."""
    key = match_key(text)
    if not key:
        return None
    for role, rank, pk in _ROLE_KEYS:
        if key == pk or key.startswith(pk + " "):
            return role, rank
    return None


def column_roles(table: Table) -> tuple[dict[str, int], int] | None:
    """Column index per role and the number of header rows, or None if not an indicator table."""
    grid = table.grid()
    best: dict[str, tuple[int, int]] = {}  # role -> (rank, col)
    header_rows = 0
    for r, row in enumerate(grid[:MAX_HEADER_ROWS]):
        found = False
        for c, text in enumerate(row):
            hit = _role(text)
            if hit is None:
                continue
            found = True
            role, rank = hit
            if role not in best or rank < best[role][0] or (rank == best[role][0] and r > 0):
                best[role] = (rank, c)
        if found:
            header_rows = r + 1
        elif header_rows:
            break
    roles = {role: col for role, (_, col) in best.items()}
    if "label" not in roles or "value" not in roles:
        return None
    if "unit" in roles and roles["unit"] == roles["value"]:
        roles["value"] = roles["unit"] + 1
    if "code" not in roles and (col := _numbering_column(grid[header_rows:], roles["label"])) is not None:
        roles["code"] = col
    return roles, header_rows


def _numbering_column(rows: list[list[str]], label_col: int) -> int | None:
    """The column left of the labels that numbers the rows, when its header was unreadable.

    An OCR'd "STT" can come out as "sTr" or "STĨ"; the column is still the one whose cells
    are mostly outline numbers (1., 1.1., 1.1.1.).
    """
    for col in range(label_col - 1, -1, -1):
        cells = [row[col].strip() for row in rows if col < len(row) and row[col].strip()]
        if cells and sum(bool(_OUTLINE.match(t)) for t in cells) >= 0.5 * len(cells):
            return col
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(row: list[str], roles: dict[str, int], role: str) -> str:
    col = roles.get(role)
    return row[col] if col is not None and col < len(row) else ""


def indicator_rows(table: Table, found: tuple[dict[str, int], int] | None) -> list[RawIndicatorRow]:
    """Data rows of an indicator table, given its `column_roles` (None: not one, no rows)."""
    if found is None:
        return []
    roles, header_rows = found
    grid = table.grid()
    pages = table.row_pages()
    confidence = table.row_confidence()
    out = []
    for r in range(header_rows, table.n_rows):
        row = grid[r]
        if is_column_number_row(row):
            continue
        label, value = _one_line(_cell(row, roles, "label")), _cell(row, roles, "value").strip()
        if not label and not value:
            continue
        out.append(
            RawIndicatorRow(
                code_printed=_one_line(_cell(row, roles, "code")) or None,
                label=label,
                unit=_one_line(_cell(row, roles, "unit")),
                value_text=value,
                note=_one_line(_cell(row, roles, "note")),
                page=pages[r],
                table_id=table.table_id,
                row=r,
                confidence=confidence.get(r, 1.0),
            )
        )
    return out
