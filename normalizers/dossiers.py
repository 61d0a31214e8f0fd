"""Dossier-processing tables (hồ sơ TTHC per commune or agency) read into typed rows.

The table reports, per unit, the dossiers received (online, carried over, in person),
resolved (early, on time, late), pending (within or past the deadline), withdrawn and
returned, with the online share as a percentage, and closes with a total row.  Columns
are recognised by the path of header cells above them — "Tổng số" means resolved under
"Số hồ sơ đã giải quyết" and pending under "Số hồ sơ đang giải quyết" — so another
template's column order does not matter.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.model import Table
from core.vietnamese import has_phrase, match_key
from normalizers.headers import PATH_SEPARATOR, is_column_number_row
from normalizers.numbers import parse_number

# Field → (phrases the column's header path must all contain, phrases any of which its last
# header cell must contain); the first rule a column satisfies names it.
FIELD_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("online_rate", (), ("tỷ lệ",)),
    ("carried_over", (), ("kỳ trước", "chuyển sang", "tồn")),
    ("received_online", (), ("trực tuyến", "thực tuyên", "thực tuyến", "qua mạng")),  # typos as printed in reports
    ("received_direct", (), ("trực tiếp", "thực tiếp")),
    ("resolved_total", ("đã giải quyết",), ("tổng số", "tổng")),
    ("resolved_early", (), ("sớm hạn", "trước hạn")),
    ("resolved_on_time", ("đã giải quyết",), ("đúng hạn",)),
    ("resolved_late", ("đã giải quyết",), ("trễ hạn", "quá hạn")),
    ("pending_total", ("đang giải quyết",), ("tổng số", "tổng")),
    ("pending_on_time", ("đang giải quyết",), ("trong hạn", "chưa đến hạn")),
    ("pending_overdue", ("đang giải quyết",), ("quá hạn", "trễ hạn")),
    ("withdrawn", (), ("rút",)),
    ("returned", (), ("trả lại",)),
    ("received_total", (), ("tổng hồ sơ", "tổng số hồ sơ", "tổng số", "tổng")),
)
FIELDS = tuple(dict.fromkeys(f for f, _, _ in FIELD_RULES))
PERCENT_FIELDS = ("online_rate",)
_STT = ("stt", "tt", "st t", "số tt")
UNIT_PHRASES = ("cơ quan", "đơn vị", "tên đơn vị", "địa phương", "đơn vị hành chính")
_TOTAL_WORDS = ("tổng", "tổng cộng", "cộng", "tổng số", "toàn huyện", "toàn tỉnh")


@dataclass(frozen=True)
class DossierRow:
    """One unit (or the total row) with its counts typed: ints, the percentage a float."""

    stt: str
    unit: str
    is_total: bool
    values: dict[str, float | None]
    flags: tuple[str, ...]
    page: int
    row: int
    texts: dict[str, str] = field(default_factory=dict)  # printed cell per field, for messages


def column_field(name: str) -> str | None:
    """The field a dossier column holds, from its header path.

    >>> column_field("Kết quả giải quyết / Số hồ sơ đã giải quyết / Tổng số")
    'resolved_total'
    >>> column_field("Kết quả giải quyết / Số hồ sơ đang giải quyết / Quá hạn")
    'pending_overdue'
    >>> column_field("Số hồ sơ nhận giải quyết / Tỷ lệ % thực tuyến")
    'online_rate'
    """
    parts = [match_key(p) for p in name.split(PATH_SEPARATOR) if p.strip()]
    if not parts:
        return None
    path, leaf = " ".join(parts), parts[-1]
    for fname, within, leaves in FIELD_RULES:
        if all(has_phrase(path, w) for w in within) and any(has_phrase(leaf, w) for w in leaves):
            return fname
    return None


def _role_column(names: list[str], phrases: tuple[str, ...]) -> int | None:
    for col, name in enumerate(names):
        key = match_key(name.split(PATH_SEPARATOR)[0])
        if any(key == match_key(p) or has_phrase(key, p) for p in phrases):
            return col
    return None


def column_fields(names: list[str]) -> dict[str, int]:
    """Field → column for the columns recognised (a field seen twice keeps its first column)."""
    out: dict[str, int] = {}
    for col, name in enumerate(names):
        fname = column_field(name)
        if fname and fname not in out:
            out[fname] = col
    return out


def _typed(fname: str, text: str) -> tuple[float | None, list[str]]:
    """A count as an int-valued float, the percentage as printed; flags for what is odd."""
    text = " ".join(text.split())
    if not text:
        return None, []
    value = parse_number(text.rstrip("%").strip())
    if value is None:
        return None, [f"{fname}_not_a_number"]
    if fname not in PERCENT_FIELDS and value != int(value):
        return value, [f"{fname}_not_integer"]
    return value, []


def dossier_rows(table: Table, names: list[str], depth: int) -> list[DossierRow]:
    """One row per unit and the total row, in table order."""
    fields = column_fields(names)
    unit_col = _role_column(names, UNIT_PHRASES)
    stt_col = _role_column(names, _STT)
    if unit_col is None or not fields:
        return []
    grid = table.grid()
    pages = table.row_pages()
    out = []
    for r in range(depth, table.n_rows):
        row = grid[r]
        unit = " ".join(row[unit_col].split())
        stt = " ".join(row[stt_col].split()) if stt_col is not None else ""
        if is_column_number_row(row) or not unit:
            continue
        values, flags, texts = {}, [], {}
        for fname, col in fields.items():
            values[fname], bad = _typed(fname, row[col])
            texts[fname] = " ".join(row[col].split())
            flags += bad
        is_total = match_key(unit) in {match_key(w) for w in _TOTAL_WORDS} and not stt
        out.append(DossierRow(stt, unit, is_total, values, tuple(flags), pages[r], r, texts))
    return out
