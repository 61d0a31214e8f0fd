"""What a table is, so each kind can be read into its own tidy output.

A report carries several kinds of table side by side: the statistical indicator table
(Phụ lục 1), the PAR Index criteria table (TC/TCTP codes, a target and the agencies in
charge of each), the plan-execution table (Phụ lục 02: tasks, products, deadlines,
results) and the dossier-processing table (one row per commune or agency).  The kind is
told by the header's words and the body's content, never by the table's position.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.vietnamese import has_phrase, match_key
from normalizers.dossiers import UNIT_PHRASES
from normalizers.headers import NUMBER

INDICATOR, PAR_CRITERIA, PLAN_EXECUTION, DOSSIER, OTHER = "indicator", "par_criteria", "plan_execution", "dossier", "other"
KINDS = (INDICATOR, PAR_CRITERIA, PLAN_EXECUTION, DOSSIER, OTHER)

CRITERION = re.compile(r"^\s*(TCTP|TC)\s*(\d+(?:\.\d+)+)")
MIN_CRITERIA = 3  # TC/TCTP codes that make a criteria table (one could be quoted in another table)
MIN_NUMERIC_COLUMNS = 4  # a dossier table counts dossiers in many columns
_DOSSIER_WORDS = ("hồ sơ",)
_PLAN_WORDS = ("nhiệm vụ", "kế hoạch", "sản phẩm", "thời gian", "kết quả thực hiện", "tiến độ")


@dataclass(frozen=True)
class TableKind:
    """A table's kind and the evidence for it, kept for review."""

    kind: str
    reason: str


def _numeric_columns(body: list[list[str]]) -> int:
    """Columns whose filled cells are mostly numbers."""
    count = 0
    for col in range(max((len(r) for r in body), default=0)):
        cells = [r[col].strip() for r in body if col < len(r) and r[col].strip()]
        if len(cells) >= 2 and sum(bool(NUMBER.match(t)) for t in cells) >= 0.8 * len(cells):
            count += 1
    return count


def classify(names: list[str], body: list[list[str]], is_indicator: bool) -> TableKind:
    """The kind of a table from its column names, its body rows, and whether the
    indicator reader recognised its header.

    >>> classify(["TT", "Lĩnh vực/Tiêu chí", "Mục tiêu"], [["1", "TC 1.1 - A", ""], ["2", "TC 1.2 - B", ""],
    ...          ["3", "TCTP 1.3.1 - C", ""]], False).kind
    'par_criteria'
    >>> classify(["STT", "Cơ quan", "Số hồ sơ / Tổng", "Trực tuyến", "Tỷ lệ %", "Trực tiếp"],
    ...          [["1", "UBND xã A", "10", "4", "40", "6"], ["2", "UBND xã B", "5", "1", "20", "4"]], False).kind
    'dossier'
    """
    criteria = sum(bool(CRITERION.match(t)) for row in body for t in row)
    if criteria >= MIN_CRITERIA:
        return TableKind(PAR_CRITERIA, f"{criteria} TC/TCTP codes")
    if is_indicator:
        return TableKind(INDICATOR, "indicator header (label and value columns)")
    key = match_key(" ".join(names))
    numeric = _numeric_columns(body)
    if numeric >= MIN_NUMERIC_COLUMNS and any(has_phrase(key, w) for w in _DOSSIER_WORDS) and any(has_phrase(key, w) for w in UNIT_PHRASES):
        return TableKind(DOSSIER, f"dossier header, {numeric} numeric columns")
    plan = [w for w in _PLAN_WORDS if has_phrase(key, w)]
    if len(plan) >= 2:
        return TableKind(PLAN_EXECUTION, "plan header: " + ", ".join(plan))
    return TableKind(OTHER, "no known header")
