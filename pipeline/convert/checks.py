"""Consistency checks: the numbers a report prints must agree with each other.

Analysts need to know when a report does not add up before they use it: a total that is
not the sum of its rows, parts that do not make their parent, more tasks done than
planned, a percentage above 100 or one its own numerator and denominator contradict.
Each failed check is one record naming the rule, the values and where they are printed,
so it can be found in the document.  The indicator rules are data beside the codebook
(`<codebook>.checks.csv`), so another codebook brings its own.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from normalizers.dossiers import FIELDS, PERCENT_FIELDS

Record = dict[str, object]
TOLERANCE = 1e-6  # sums of counts are exact; only float noise is forgiven
PERCENT_TOLERANCE = 0.1  # points: a printed percentage is rounded to at most one or two decimals
_COUNT_FIELDS = frozenset(f for f in FIELDS if f not in PERCENT_FIELDS)


@dataclass(frozen=True)
class Rule:
    """`left` compared with `right` (each a sum of codes): equal, or left at most right."""

    rule: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    why: str

    @property
    def equal(self) -> bool:
        return self.rule == "parts_sum_to_parent"


@lru_cache(maxsize=8)
def load_rules(codebook: str) -> tuple[Rule, ...]:
    """The codebook's relations between indicators (none when it ships no rules file)."""
    path = resources.files("normalizers") / "data" / "codebooks" / f"{codebook}.checks.csv"
    if not path.is_file():
        return ()
    with path.open(encoding="utf-8") as fh:
        return tuple(
            Rule(r["rule"], tuple(r["left"].split("+")), tuple(r["right"].split("+")), r["why"]) for r in csv.DictReader(fh)
        )


def _fmt(value: float) -> str:
    return f"{value:g}"


def _failure(base: Record, rule: str, severity: str, message: str, *, code: str | None = None,
             expected: float | None = None, found: float | None = None, values: str = "",
             where: Record | None = None) -> Record:
    where = where or {}
    return {
        **base,
        "rule": rule,
        "severity": severity,
        "code": code,
        "message": message,
        "expected": expected,
        "found": found,
        "values": values,
        "page": where.get("page"),
        "table_id": where.get("table_id"),
        "row": where.get("row"),
    }


def indicator_checks(indicators: list[Record], base: Record, codebook: str) -> list[Record]:
    """Codebook relations, and each percentage against its range and its own fraction."""
    out = []
    by_code: dict[str, Record] = {}
    for r in indicators:
        if r.get("code") and r["code"] not in by_code:
            by_code[str(r["code"])] = r
    for rule in load_rules(codebook):
        rows = [by_code.get(c) for c in rule.left + rule.right]
        if any(r is None or r.get("value") is None for r in rows):
            continue  # a blank or missing operand: nothing to compare
        left = sum(float(by_code[c]["value"]) for c in rule.left)
        right = sum(float(by_code[c]["value"]) for c in rule.right)
        ok = abs(left - right) <= TOLERANCE if rule.equal else left <= right + TOLERANCE
        if ok:
            continue
        values = "; ".join(f"{c}={_fmt(float(by_code[c]['value']))}" for c in rule.left + rule.right)
        relation = "=" if rule.equal else "≤"
        message = (f"{' + '.join(rule.left)} = {_fmt(left)} should be {relation} {' + '.join(rule.right)} = {_fmt(right)}"
                   f" ({rule.why})")
        subject = rule.right[0] if rule.equal else rule.left[0]  # the parent that is off, or the count above its bound
        out.append(_failure(base, rule.rule, "error", message, code=subject, expected=right, found=left,
                            values=values, where=by_code[subject]))
    for r in indicators:
        flags = str(r.get("flags") or "")
        label = r.get("code") or r.get("code_printed") or "row"
        if "percent_out_of_range" in flags:
            out.append(_failure(base, "percent_range", "error",
                                f"{label}: percentage {r['value_text']} is outside 0–100 (page {r['page']}, row {r['row']})",
                                code=r.get("code"), found=r.get("value"), values=str(r["value_text"]), where=r))
        if "fraction_percent_mismatch" in flags:
            out.append(_failure(base, "percent_vs_ratio", "warning",
                                f"{label}: {r['value_text']} — the percentage disagrees with its fraction "
                                f"(page {r['page']}, row {r['row']})",
                                code=r.get("code"), values=str(r["value_text"]), where=r,
                                expected=_ratio(r.get("numerator"), r.get("denominator"))))
    return out


def _ratio(numerator: object, denominator: object) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(100.0 * float(numerator) / float(denominator), 2)


# Dossier rows: counts that must add up within a row, and the online share.
ROW_SUMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("received_total", ("received_online", "carried_over", "received_direct")),
    ("resolved_total", ("resolved_early", "resolved_on_time", "resolved_late")),
    ("pending_total", ("pending_on_time", "pending_overdue")),
)


def dossier_checks(rows: list[Record], base: Record) -> list[Record]:
    """Per table: the total row against the sum of the units, each row's parts against its
    totals, and the online percentage against online / received."""
    out = []
    tables: dict[object, list[Record]] = {}
    for r in rows:
        tables.setdefault(r["table_id"], []).append(r)
    for table_rows in tables.values():
        units = [r for r in table_rows if not r["is_total"]]
        for total in (r for r in table_rows if r["is_total"]):
            for fname, value in total.items():
                if fname not in _COUNT_FIELDS or value is None:
                    continue
                summed = sum(float(u[fname]) for u in units if u.get(fname) is not None)
                if abs(summed - float(value)) > TOLERANCE:
                    out.append(_failure(
                        base, "total_equals_sum", "error",
                        f"{fname}: total row says {_fmt(float(value))} but the {len(units)} units add up to {_fmt(summed)} "
                        f"(table {total['table_id']}, page {total['page']}, row {total['row']})",
                        code=fname, expected=summed, found=float(value), values=f"total={_fmt(float(value))}; sum={_fmt(summed)}",
                        where=total))
        for r in table_rows:
            out += _row_checks(r, base)
    return out


def _row_checks(r: Record, base: Record) -> list[Record]:
    out = []
    for total, parts in ROW_SUMS:
        if r.get(total) is None or any(r.get(p) is None for p in parts):
            continue
        summed = sum(float(r[p]) for p in parts)
        if abs(summed - float(r[total])) > TOLERANCE:
            out.append(_failure(
                base, "row_parts_sum", "error",
                f"{r['unit']}: {total} {_fmt(float(r[total]))} ≠ {' + '.join(parts)} = {_fmt(summed)} "
                f"(page {r['page']}, row {r['row']})",
                code=total, expected=summed, found=float(r[total]),
                values="; ".join(f"{f}={_fmt(float(r[f]))}" for f in (total, *parts)), where=r))
    rate = r.get("online_rate")
    if rate is not None:
        if not 0 <= float(rate) <= 100:
            out.append(_failure(base, "percent_range", "error",
                                f"{r['unit']}: online_rate {_fmt(float(rate))}% is outside 0–100 (page {r['page']}, row {r['row']})",
                                code="online_rate", found=float(rate), where=r))
        expected = _ratio(r.get("received_online"), r.get("received_total"))
        if expected is not None and abs(expected - float(rate)) > PERCENT_TOLERANCE:
            out.append(_failure(
                base, "percent_vs_ratio", "error",
                f"{r['unit']}: online_rate printed {_fmt(float(rate))}% but received_online / received_total = "
                f"{_fmt(float(r['received_online']))} / {_fmt(float(r['received_total']))} = {expected:g}% "
                f"(page {r['page']}, row {r['row']})",
                code="online_rate", expected=expected, found=float(rate),
                values=f"online_rate={_fmt(float(rate))}; received_online={_fmt(float(r['received_online']))}; "
                       f"received_total={_fmt(float(r['received_total']))}", where=r))
    return out
