"""Apply an analyst's decisions to a processed document, from its records alone.

Mapping needs only each indicator row's printed number, label and unit, which the
records keep, so decisions are applied after extraction rather than inside it: a new
decision re-codes the stored rows of an ingested document in milliseconds instead of
extracting it again (OCR takes minutes), and the same function serves `convert`.
"""
from __future__ import annotations

from dataclasses import replace

from normalizers.codebook import load_codebook
from normalizers.codes import LabelRow
from normalizers.templates import map_document
from pipeline.convert.checks import dossier_checks, indicator_checks
from pipeline.convert.overrides import Decisions, Overrides
from pipeline.convert.process import CODE_OVERRIDE, SOURCE_FLAGS, FileResult, code_fields, value_fields

MISSED = "override not applied, its row is gone:"


def recode(result: FileResult, overrides: Overrides) -> tuple[FileResult, Decisions]:
    """The document with its decided rows coded as decided (and the rows under them mapped
    again inside their new code), its checks and counts updated; rows an earlier decision
    coded go back to the mapper's code when that decision is gone."""
    rows = result.indicators
    doc_id = str(result.document.get("doc_id") or "")
    decisions = overrides.decide(doc_id, rows) if rows else Decisions()
    # '; ' separates a document's warnings, so it must not appear inside one
    warnings = [f"{MISSED} table {o.table_id} row {o.row} '{o.label.replace('; ', ', ')}'" for o in decisions.missed]
    if not decisions.codes and not any(r.get("code_method") == CODE_OVERRIDE for r in rows):
        return _with_counts(result, result.indicators, result.checks, decisions, warnings), decisions
    codebook = load_codebook(str(rows[0]["codebook"]))
    coded = map_document([LabelRow(r["code_printed"], r["label"], r["unit"] or "") for r in rows], codebook.name, decisions.codes)
    indicators = []
    for r, m in zip(rows, coded.matches):
        record = {**r, **code_fields(m, codebook)}
        if m.code != r["code"]:
            kept = tuple(f for f in str(r.get("flags") or "").split("; ") if f.startswith(SOURCE_FLAGS))
            record.update(value_fields(r["value_text"], r["unit"], codebook.get(m.code) if m.code else None, kept))
        indicators.append(record)
    base = {"doc_id": doc_id, "source_file": result.document["source_file"]}
    checks = indicator_checks(indicators, base, codebook.name) + dossier_checks(result.dossiers, base)
    recoded = replace(result, document={**result.document, "template": coded.template}) if result.ok else result
    return _with_counts(recoded, indicators, checks, decisions, warnings), decisions


def _with_counts(result: FileResult, indicators: list[dict[str, object]], checks: list[dict[str, object]],
                 decisions: Decisions, warnings: list[str]) -> FileResult:
    if not result.ok:
        return result
    document = {**result.document, "n_unmapped": sum(r["code"] is None for r in indicators),
                "n_overrides": len(decisions.codes), "n_checks_failed": len(checks)}
    # Applied again to stored rows by later runs: the previous run's note on missed decisions is replaced.
    kept = [w for w in str(document.get("warnings") or "").split("; ") if w and not w.startswith(MISSED)]
    document["warnings"] = "; ".join(kept + warnings) or None
    return replace(result, document=document, indicators=indicators, checks=checks)
