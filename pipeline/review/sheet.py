"""The review loop: rows the mapper was unsure of go to a spreadsheet, an analyst's
decisions come back into the overrides file.

`review_table` lists the indicator rows left without a code or coded with a score below
`REVIEW_BELOW`, with the mapper's best candidates and their labels, and an empty
`decision` column. Excel is the analyst's tool, so the workbook offers the codebook as a
drop-down in that column and keeps it text (a typed 1.10 must not become 1.1); a CSV is
written with a UTF-8 BOM so Excel shows the Vietnamese. `read_decisions` checks every
filled row against the codebook before anything is recorded: a typo is reported with its
sheet row, never half-applied.
"""
from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from normalizers.codebook import DEFAULT_CODEBOOK, Codebook, load_codebook
from normalizers.codes import LabelRow
from normalizers.numbering import row_parents
from pipeline.convert.overrides import ALL, DOCUMENT, NO_CODE, REVIEW_BELOW, Override, parse_code
from pipeline.convert.process import CODE_OVERRIDE
from pipeline.dataset.loading import load
from pipeline.dataset.writers import replacing

SHEET, CODEBOOK_SHEET = "review", "codebook"
DECISION, SCOPE, NOTE = "decision", "scope", "note"
CANDIDATES = 3
WIDTHS = {"label": 60, "under": 40, "candidate_1_label": 40, "candidate_2_label": 40, "candidate_3_label": 40, NOTE: 30}
ROW_COLUMNS = ["source_file", "page", "table_id", "row", "under", "code_printed", "label", "unit", "value_text",
               "code", "code_template", "code_method", "match_score"]
HOW_TO = [
    "Each row of the 'review' sheet is an indicator row the mapper left without a code, or coded with low confidence.",
    "Write the right code in 'decision' (the drop-down lists the codebook; see the 'codebook' sheet), "
    f"or '{NO_CODE}' when the row is not an indicator. Leave it empty to decide later.",
    f"'scope': '{DOCUMENT}' (default) applies the decision to this row of this document; "
    f"'{ALL}' to every row with this label in every document.",
    "Then: cchc review OUT --apply THIS_FILE records the decisions in OUT/overrides.csv; every later "
    "convert or ingest into OUT applies them (their rows show code_method = override).",
]


def review_table(out: str | Path, below: float = REVIEW_BELOW, decided: bool = False) -> pd.DataFrame:
    """The rows to review under an output folder, with their candidates and labels."""
    rows = load(out, "indicators").sort_values(["source_file", "doc_id", "table_id", "row"], kind="stable")
    rows["under"] = _parents(rows)
    unsure = rows["code"].isna() | (rows["match_score"] < below)
    if not decided:
        unsure &= rows["code_method"].fillna("") != CODE_OVERRIDE
    rows = rows[unsure].reset_index(drop=True)
    table = rows[ROW_COLUMNS].copy()
    candidates = [_candidates(text, load_codebook(book)) for text, book in zip(rows["candidates"], rows["codebook"])]
    for n in range(CANDIDATES):
        for j, suffix in enumerate(("", "_label", "_score")):
            table[f"candidate_{n + 1}{suffix}"] = [c[n][j] if n < len(c) else None for c in candidates]
    table[DECISION], table[SCOPE], table[NOTE] = None, DOCUMENT, None
    table["doc_id"], table["codebook"] = rows["doc_id"], rows["codebook"]
    return table


def _candidates(text: object, codebook: Codebook) -> list[tuple[str, str | None, float]]:
    """'1.2.2:30.3; 1.2.1:26.5' as (code, its label in the codebook, score), best first."""
    out = []
    for item in str(text or "").split("; ")[:CANDIDATES]:
        if ":" in item:
            code, score = item.rsplit(":", 1)
            indicator = codebook.get(code)
            out.append((code, indicator.label if indicator else None, float(score)))
    return out


def _parents(rows: pd.DataFrame) -> list[str | None]:
    """Each row's parent row as printed ('1.7. Kế hoạch tuyên truyền CCHC'): the section a
    label is read in, which the mapper used and the analyst needs too."""
    out: list[str | None] = []
    for _, doc in rows.groupby(["source_file", "doc_id"], sort=False):
        printed = [None if pd.isna(c) else str(c) for c in doc["code_printed"]]
        labels = list(doc["label"])
        parents = row_parents([LabelRow(code, str(label)) for code, label in zip(printed, labels)])
        out += [None if p is None else " ".join(filter(None, [printed[p], str(labels[p])])) for p in parents]
    return out


def write_review(table: pd.DataFrame, path: str | Path) -> Path:
    """The table as an .xlsx workbook (or a .csv with a BOM), replacing `path` atomically."""
    path = Path(path)
    with replacing(path, suffix=f".tmp{path.suffix}") as tmp:
        if path.suffix.lower() == ".csv":
            table.to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            _workbook(table).save(tmp)
    return path


def _workbook(table: pd.DataFrame) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    columns = list(table.columns)
    sheet.append(columns)
    for record in table.itertuples(index=False):
        sheet.append([None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in record])
    text_columns = {c for c in columns if c not in ("page", "table_id", "row", "match_score") and not c.endswith("_score")}
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
            if column in text_columns:
                cell.number_format = "@"
            if column == DECISION:
                cell.fill = PatternFill("solid", fgColor="FFF2CC")
        sheet.column_dimensions[letter].width = WIDTHS.get(column, max(len(column) + 2, 10))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "H2"
    sheet.auto_filter.ref = sheet.dimensions
    last = max(len(table) + 1, 2)
    codes = _codebook_sheet(book, sorted(set(table["codebook"].dropna())) or [DEFAULT_CODEBOOK])
    decision = DataValidation(type="list", formula1=f"={CODEBOOK_SHEET}!$A$2:$A${codes + 1}", allow_blank=True,
                              showErrorMessage=True, error=f"Not a code of the codebook (or '{NO_CODE}').")
    scope = DataValidation(type="list", formula1=f'"{DOCUMENT},{ALL}"', allow_blank=True)
    for validation, column in ((decision, DECISION), (scope, SCOPE)):
        letter = get_column_letter(columns.index(column) + 1)
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)
    notes = book.create_sheet("how to")
    for line in HOW_TO:
        notes.append([line])
    notes.column_dimensions["A"].width = 140
    return book


def _codebook_sheet(book: Workbook, names: list[str]) -> int:
    """The codes an analyst may choose, 'none' first; returns how many."""
    sheet = book.create_sheet(CODEBOOK_SHEET)
    sheet.append(["code", "label", "unit", "kind", "codebook"])
    sheet.append([NO_CODE, "(the row is not an indicator of the codebook)", None, None, None])
    count = 1
    for name in names:
        codebook = load_codebook(name)
        for ind in codebook.indicators:
            sheet.append([ind.code, ind.label, ind.unit or None, ind.kind, codebook.name])
            sheet.cell(sheet.max_row, 1).number_format = "@"
            count += 1
    sheet.column_dimensions["B"].width = 80
    sheet.freeze_panes = "A2"
    return count


def read_decisions(path: str | Path) -> list[Override]:
    """The filled-in rows of a review sheet as overrides; ValueError lists every bad row."""
    path = Path(path)
    records = _read_rows(path)
    decided_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out, problems = [], []
    for line, r in records:
        decision = r.get(DECISION)
        if decision is None or str(decision).strip() == "":
            continue
        code = parse_code(decision)
        scope = str(r.get(SCOPE) or DOCUMENT).strip().lower()
        book = str(r.get("codebook") or "").strip()
        if scope not in (DOCUMENT, ALL):
            problems.append(f"row {line}: scope must be '{DOCUMENT}' or '{ALL}', not {scope!r}")
            continue
        codebook = load_codebook(book or DEFAULT_CODEBOOK)
        if code is not None and codebook.get(code) is None:
            problems.append(f"row {line}: {code!r} is not a code of {codebook.name} (write a code from the codebook sheet, or '{NO_CODE}')")
            continue
        try:
            table_id, row = int(float(r["table_id"])), int(float(r["row"]))
        except (KeyError, TypeError, ValueError):
            problems.append(f"row {line}: table_id and row must stay as written")
            continue
        out.append(Override(scope, code, str(r.get("label") or ""), str(r.get("source_file") or ""),
                            str(r.get("doc_id") or ""), table_id, row, book, decided_at, str(r.get(NOTE) or "").strip()))
    if problems:
        raise ValueError(f"{path}: nothing recorded, {len(problems)} rows to correct:\n  " + "\n  ".join(problems))
    return out


def _read_rows(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(sheet row number, row) for every row under the header."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [dict(r) for r in csv.DictReader(fh)]
    else:
        book = load_workbook(path, read_only=True, data_only=True)
        if SHEET not in book.sheetnames:
            raise ValueError(f"{path}: no '{SHEET}' sheet (write one with cchc review OUT --xlsx)")
        values = list(book[SHEET].iter_rows(values_only=True))
        book.close()
        header = [str(h) for h in values[0]] if values else []
        rows = [dict(zip(header, v)) for v in values[1:]]
    missing = {DECISION, "doc_id", "table_id", "row", "label"} - (set(rows[0]) if rows else set())
    if rows and missing:
        raise ValueError(f"{path}: not a review sheet (no column {', '.join(sorted(missing))})")
    return list(enumerate(rows, start=2))
