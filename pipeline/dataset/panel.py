"""Indicator values as a panel: one row per reporting unit and period, one column per code.

    panel("out")                          # wide: unit and period, then every code found, in codebook order
    panel("out", ["3.4.3"], long=True)    # tidy: one row per value, with the file, page and row it was printed on
    panel("out", conflicts=True)          # the values that documents of one unit and period disagree on

A unit is a document's `unit_code` and `unit_name` (the official unit its issuer belongs to, see
normalizers/units.py); both make the key, because GSO gave some codes of 2025 to other units
(52, Bình Định's code, is the merged Gia Lai's). The period is the report's: `2021` for a year
(any stated span of 300 days or more, such as 15/12/2020–14/12/2021, counts by the year it
ends in), `2021-H1`, `2021-Q3`, or the stated span (`2021-01-01/2021-09-30`).

When several documents give a value for one unit, period and code (a report and its appendix,
a corrected re-issue, the same report as PDF and Word), the value comes from the document signed
last (`doc_date`; one without a date after every dated one), ties going to the first by
`source_file` then `doc_id`. Values are never averaged or summed. Each value is taken from the
best-ranked document that has one, so a later document that leaves a cell blank does not blank
it. `conflicts=True` lists every value of the cells where the documents disagree, the one
taken marked `chosen`.

Documents that cannot be placed (no issuer read, an issuer no unit list places, no year) are
left out with a `PanelWarning` naming them; `documents.warnings` says why an issuer was not placed.
"""
from __future__ import annotations

import calendar
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd

from normalizers.codebook import DEFAULT_CODEBOOK, load_codebook
from pipeline.dataset.loading import load
from pipeline.dataset.schema import SCHEMAS

KEY = ["unit_code", "unit_name", "period"]
UNIT = ["unit_code", "unit_name", "unit_level", "province_code", "year", "period"]
WHERE = ["source_file", "doc_id", "doc_date", "page", "table_id", "row", "label"]
_DOCUMENT = ["issuer", "unit_code", "unit_name", "unit_level", "province_code", "year", "period_start", "period_end", "doc_date"]
MIN_YEAR_DAYS = 300


class PanelWarning(UserWarning):
    """Documents with values that the panel had to leave out."""


def period_label(start: date | None, end: date | None, year: int | None) -> str | None:
    """The period a report covers, as a panel key.

    >>> period_label(date(2020, 12, 15), date(2021, 12, 14), 2021), period_label(date(2022, 1, 1), date(2022, 6, 30), 2022)
    ('2021', '2022-H1')
    >>> period_label(date(2022, 7, 1), date(2022, 9, 30), 2022), period_label(date(2021, 1, 1), date(2021, 9, 30), 2021)
    ('2022-Q3', '2021-01-01/2021-09-30')
    >>> period_label(None, None, 2021), period_label(None, None, None)
    ('2021', None)
    """
    if start is None or end is None:
        return None if year is None else str(year)
    if (end - start).days >= MIN_YEAR_DAYS:
        return str(end.year)
    months = (start.month, end.month)
    whole = start.year == end.year and start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if whole and months in ((1, 6), (7, 12)):
        return f"{end.year}-H{1 if months == (1, 6) else 2}"
    if whole and end.month - start.month == 2 and start.month % 3 == 1:
        return f"{end.year}-Q{end.month // 3}"
    return f"{start.isoformat()}/{end.isoformat()}"


def panel(out: str | Path, codes: list[str] | None = None, value: str = "value", *, long: bool = False,
          conflicts: bool = False, codebook: str = DEFAULT_CODEBOOK) -> pd.DataFrame:
    """The indicator values under `out` (`convert` or `ingest` output) by unit and period.

    `codes` chooses the code columns, in the order given (default: every code of `codebook` a
    value was found for, in codebook order); `value` is the indicators column to tabulate
    (value, numerator, denominator, value_text …). `long=True` gives one row per value with its
    source_file, page, table_id, row and label; `conflicts=True` the disagreeing values instead.
    """
    ranked, book = _ranked(out, codes, value, codebook)
    if conflicts:
        return _conflicts(ranked, value, book)
    chosen = _chosen(ranked, book)
    return chosen[[*UNIT, "code", value, *WHERE]].reset_index(drop=True) if long else _wide(chosen, value, codes, book)


def panels(out: str | Path, codes: list[str] | None = None, value: str = "value",
           codebook: str = DEFAULT_CODEBOOK) -> dict[str, pd.DataFrame]:
    """The three views of `panel` from one reading: panel (wide), values (long) and conflicts."""
    ranked, book = _ranked(out, codes, value, codebook)
    chosen = _chosen(ranked, book)
    return {"panel": _wide(chosen, value, codes, book),
            "values": chosen[[*UNIT, "code", value, *WHERE]].reset_index(drop=True),
            "conflicts": _conflicts(ranked, value, book)}


def _ranked(out: str | Path, codes: list[str] | None, value: str, codebook: str) -> tuple[pd.DataFrame, list[str]]:
    """The placed values, best document first within each cell; and the codebook's codes in order."""
    columns = {name for name, _, _ in SCHEMAS["indicators"]}
    if value not in columns:
        raise ValueError(f"value must be an indicators column ({', '.join(sorted(columns))}), not {value!r}")
    book = [indicator.code for indicator in load_codebook(codebook).indicators]
    unknown = [code for code in codes or [] if code not in book]
    if unknown:
        raise ValueError(f"not codes of codebook {codebook}: {', '.join(unknown)}")
    values = _placed(_values(out, value, codebook, codes))
    ranked = values.sort_values(["doc_date", "source_file", "doc_id"], ascending=[False, True, True],
                                na_position="last", kind="stable")
    return ranked, book


def _chosen(ranked: pd.DataFrame, book: list[str]) -> pd.DataFrame:
    """Each cell's value from its best-ranked document, in unit, period and codebook order."""
    chosen = ranked.drop_duplicates([*KEY, "code"])
    return chosen.sort_values([*KEY, "code"], key=_codebook_order(book), kind="stable")


def _wide(chosen: pd.DataFrame, value: str, codes: list[str] | None, book: list[str]) -> pd.DataFrame:
    """One row per unit and period; as columns, `codes`, or else every code of `book` with a value."""
    found = set(chosen["code"])
    order = codes or [code for code in book if code in found]
    wide = chosen.pivot(index=KEY, columns="code", values=value).reindex(columns=order)
    units = chosen.drop_duplicates(KEY).set_index(KEY)[[c for c in UNIT if c not in KEY]]
    frame = units.join(wide).reset_index()[[*UNIT, *order]]
    frame.columns.name = None
    return frame.sort_values(KEY, kind="stable").reset_index(drop=True)


def _values(out: str | Path, value: str, codebook: str, codes: list[str] | None) -> pd.DataFrame:
    """Coded indicator rows of `codebook` that have a `value`, with their documents' unit and period."""
    rows = load(out, "indicators", documents=_DOCUMENT)
    rows = rows[rows["code"].notna() & rows["codebook"].eq(codebook) & rows[value].notna()]
    if codes:
        rows = rows[rows["code"].isin(codes)]
    rows = rows.sort_values(["doc_id", "source_file", "table_id", "row"], kind="stable")
    rows = rows.drop_duplicates(["doc_id", "source_file", "code"])  # the mapper gives a code once per document
    period = [period_label(*(None if pd.isna(v) else v for v in r))
              for r in zip(rows["period_start"], rows["period_end"], rows["year"])]
    return rows.assign(period=pd.Series(period, index=rows.index, dtype="string"))


def _placed(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows whose document has a unit and a period; a PanelWarning names the others."""
    unplaced = rows["unit_code"].isna() | rows["period"].isna()
    if unplaced.any():
        left = rows[unplaced].drop_duplicates(["doc_id", "source_file"])
        why = ["no issuer read" if pd.isna(issuer) else "issuer not placed: see documents.warnings" if pd.isna(unit)
               else "no year" for issuer, unit in zip(left["issuer"], left["unit_code"])]
        names = ", ".join(f"{name} ({reason})" for name, reason in zip(left["source_file"], why))
        warnings.warn(f"documents with values left out of the panel ({len(left)}): {names}", PanelWarning, stacklevel=4)
    return rows[~unplaced]


def _conflicts(ranked: pd.DataFrame, value: str, book: list[str]) -> pd.DataFrame:
    """Every value of a (unit, period, code) cell whose documents give different values, best-ranked first."""
    distinct = ranked.groupby([*KEY, "code"])[value].transform("nunique")
    found = ranked[distinct > 1]
    found = found.assign(chosen=~found.duplicated([*KEY, "code"]))
    found = found.sort_values([*KEY, "code"], key=_codebook_order(book), kind="stable")
    return found[[*UNIT, "code", value, "chosen", *WHERE]].reset_index(drop=True)


def _codebook_order(book: list[str]) -> Callable[[pd.Series], pd.Series]:
    """A sort key that puts codes in codebook order and leaves other columns as they are."""
    rank = {code: i for i, code in enumerate(book)}
    return lambda column: column.map(rank) if column.name == "code" else column
