"""PAR Index criteria tables (TC/TCTP codes) read into one tidy row per criterion.

A plan's appendix lists, for each criterion of the provincial PAR Index (Chỉ số CCHC),
its target, the agency in charge, the agencies that help and the deadline.  The criterion
is named "TCTP 1.3.1 - Tỷ lệ …" in one cell: the code is split off and checked against the
PAR codebook (a second codebook beside the statistical one), so a misprinted or unknown
code is flagged instead of passed on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from core.model import Table
from core.vietnamese import has_phrase, match_key
from normalizers.codebook import Codebook
from normalizers.headers import is_column_number_row
from normalizers.table_kinds import CRITERION

PAR_CODEBOOK = "par-index-2021"
SAME_NAME = 70.0  # rapidfuzz token-set ratio above which a printed name is the codebook's criterion
_CODE = re.compile(r"^\s*(?:(TCTP|TC)\s*)?(\d+(?:\.\d+)+)\s*[-–:.]?\s*(.*)$", re.S)
_ROMAN = re.compile(r"[IVXL]{1,5}\.?")
_SECTION = re.compile(r"^\s*([IVXL]{1,5})\.?\s+(.*)$", re.S)

# Role → header phrases (compared on match keys, a phrase anywhere in the column name).
ROLE_PHRASES: dict[str, tuple[str, ...]] = {
    "stt": ("stt", "tt", "st t"),
    "name": ("tiêu chí", "lĩnh vực"),
    "target": ("mục tiêu", "yêu cầu"),
    "lead": ("chủ trì",),
    "partners": ("phối hợp",),
    "deadline": ("thời gian", "thời hạn", "tiến độ"),
}


@dataclass(frozen=True)
class CriterionRow:
    """One criterion as printed, with its canonical code when the codebook confirms it."""

    code: str | None
    code_type: str | None  # TC (criterion) or TCTP (sub-criterion)
    code_printed: str
    name: str
    target: str
    lead_agency: str
    partners: str
    deadline: str
    section: str
    stt: str
    match_score: float
    flags: tuple[str, ...]
    page: int
    row: int


def _one_line(text: str) -> str:
    return " ".join(text.split())


def criterion_code(text: str) -> tuple[str | None, str, str] | None:
    """(TC/TCTP or None, code, name) from a criterion cell, None when it names no criterion.

    >>> criterion_code("TCTP 2.2.2- Kết quả sửa đổi, bổ sung")
    ('TCTP', '2.2.2', 'Kết quả sửa đổi, bổ sung')
    >>> criterion_code("4.1.3 - Tỷ lệ giảm số lượng đơn vị sự nghiệp công lập")
    (None, '4.1.3', 'Tỷ lệ giảm số lượng đơn vị sự nghiệp công lập')
    >>> criterion_code("CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH CCHC") is None
    True
    """
    m = _CODE.match(text)
    if not m:
        return None
    kind, code, name = m.groups()
    return kind, code, _one_line(name)


def column_roles(names: list[str]) -> dict[str, int]:
    """Column per role from the resolved column names (first match wins per role)."""
    roles: dict[str, int] = {}
    for col, name in enumerate(names):
        key = match_key(name)
        for role, phrases in ROLE_PHRASES.items():
            if role in roles:
                continue
            if any(has_phrase(key, p) for p in phrases):
                roles[role] = col
                break
    return roles


def _section(stt: str, name: str, parsed: tuple | None) -> str | None:
    """A section row's title: "I | CÔNG TÁC CHỈ ĐẠO…", or "III CÁI CÁCH…" all in one cell.

    >>> _section("II", "XÂY DỰNG VÀ TỔ CHỨC THỰC HIỆN VĂN BẢN QPPL", None)
    'II XÂY DỰNG VÀ TỔ CHỨC THỰC HIỆN VĂN BẢN QPPL'
    >>> _section("III CÁI CÁCH THỦ TỤC HÀNH CHÍNH", "", None)
    'III CÁI CÁCH THỦ TỤC HÀNH CHÍNH'
    >>> _section("3", "Tỷ lệ hồ sơ", None) is None
    True
    """
    if parsed is not None:
        return None
    if stt and name and _ROMAN.fullmatch(stt):
        return f"{stt.rstrip('.')} {name}"
    whole = (stt or name) if not (stt and name) else ""
    m = _SECTION.match(whole)
    return whole if m and m.group(2) and m.group(2).isupper() else None


def _confirm(codebook: Codebook, kind: str | None, code: str, name: str) -> tuple[str | None, str | None, float, list[str]]:
    """Canonical code, type, name score and flags for a printed criterion."""
    flags = []
    entry = codebook.get(code)
    if entry is None:
        return None, kind, 0.0, ["unknown_criterion"]
    score = fuzz.token_set_ratio(match_key(name), match_key(entry.label))
    if kind is None:
        kind = entry.kind
        flags.append("type_inferred")
    elif kind != entry.kind:
        flags.append("type_mismatch")
    if score < SAME_NAME:
        flags.append("name_differs")
        return None, kind, score, flags
    return code, kind, score, flags


def criterion_rows(table: Table, names: list[str], depth: int, codebook: Codebook) -> list[CriterionRow]:
    """Every criterion of a PAR criteria table, in order, with the section it sits in."""
    roles = column_roles(names)
    grid = table.grid()
    pages = table.row_pages()
    if "name" not in roles:
        found = [c for c in range(table.n_cols) if any(CRITERION.match(r[c]) for r in grid)]
        if not found:
            return []
        roles["name"] = found[0]

    def cell(row: list[str], role: str) -> str:
        col = roles.get(role)
        return row[col].strip() if col is not None else ""

    out: list[CriterionRow] = []
    seen: set[str] = set()
    section = ""
    for r in range(depth, table.n_rows):
        row = grid[r]
        if is_column_number_row(row):
            continue
        stt, text = _one_line(cell(row, "stt")), cell(row, "name")
        parsed = criterion_code(text)
        if (title := _section(stt, _one_line(text), parsed)) is not None:
            section = title
            continue
        if parsed is None:
            continue
        kind, printed_code, name = parsed
        code, kind, score, flags = _confirm(codebook, kind, printed_code, name)
        if code is not None and code in seen:
            flags.append("duplicate_criterion")
            code = None
        if code is not None:
            seen.add(code)
        out.append(
            CriterionRow(
                code=code,
                code_type=kind,
                code_printed=_one_line(f"{parsed[0] or ''} {printed_code}"),
                name=name,
                target=cell(row, "target"),
                lead_agency=_one_line(cell(row, "lead")),
                partners=_one_line(cell(row, "partners")),
                deadline=_one_line(cell(row, "deadline")),
                section=section,
                stt=stt,
                match_score=float(score),
                flags=tuple(flags),
                page=pages[r],
                row=r,
            )
        )
    return out
