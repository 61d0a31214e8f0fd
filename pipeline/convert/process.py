"""One document through every stage: a pure function from a file to output records.

Executors (the local process pool, later others) only call `process_file`; it never
raises for a bad input — the failure is part of its result — so one broken file can
never stop a batch.
"""
from __future__ import annotations

import hashlib
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from core.model import METHOD_OCR, Document, Table
from core.vietnamese import LOW_QUALITY, syllable_score
from extractors import MAX_PAGES, extract
from extractors.errors import ExtractionError, out_of_memory
from normalizers.codebook import DEFAULT_CODEBOOK, Codebook, Indicator, load_codebook
from normalizers.codes import CodeMatch, LabelRow
from normalizers.criteria import PAR_CODEBOOK, criterion_rows
from normalizers.dossiers import PERCENT_FIELDS, dossier_rows
from normalizers.headers import column_names, header_depth
from normalizers.indicator_rows import RawIndicatorRow, column_roles, indicator_rows
from normalizers.metadata import document_metadata, signed_year
from normalizers.numbers import parse_value
from normalizers.ocr_fixes import CODE_FIX_CONFIDENCE, NUMBER_FIX_CONFIDENCE, repair_codes, repair_number
from normalizers.repair import ToneStyle, repair_document
from normalizers.table_kinds import DOSSIER, INDICATOR, PAR_CRITERIA, TableKind, classify
from normalizers.tables import stitch
from normalizers.templates import map_document
from normalizers.units import locate
from pipeline import __version__
from pipeline.convert.checks import dossier_checks, indicator_checks

Record = dict[str, object]
CODE_MATCH, CODE_OVERRIDE = "match", "override"
OUT_OF_MEMORY = "ran out of memory (limit set by --memory-limit)"
MAX_REASON, MAX_DETAIL = 300, 2000  # characters of documents.error and documents.error_detail
DAMAGED_PAGE = "damaged_page"  # row flag: the file's data behind its page is corrupt
# Flags on where a row was read from rather than on how its value parsed: kept when it is re-coded.
SOURCE_FLAGS = ("ocr_", DAMAGED_PAGE)


@dataclass
class FileResult:
    """Everything one file contributes to the outputs."""

    document: Record
    indicators: list[Record] = field(default_factory=list)
    tables: list[Record] = field(default_factory=list)
    text: list[Record] = field(default_factory=list)
    criteria: list[Record] = field(default_factory=list)
    dossiers: list[Record] = field(default_factory=list)
    checks: list[Record] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document["status"] == "ok"

    def rows(self) -> dict[str, list[Record]]:
        """The file's rows by output table."""
        return {"documents": [self.document], "indicators": self.indicators, "tables": self.tables, "text": self.text,
                "criteria": self.criteria, "dossiers": self.dossiers, "checks": self.checks}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _base(path: Path, doc_id: str) -> Record:
    return {"doc_id": doc_id, "source_file": path.name}


def unconverted(path: Path, status: str, reason: str) -> FileResult:
    """The documents row of a file that gave no result (skipped, or its worker died)."""
    return FileResult({**_base(path, sha256_file(path) if path.is_file() else ""), "source_path": str(path),
                       "kind": path.suffix.lower().lstrip("."), "status": status, "error": one_line(reason),
                       "pipeline_version": __version__})


def one_line(text: str, limit: int = MAX_REASON) -> str:
    """A reason as one printable line of at most `limit` characters.

    >>> one_line("bad\\nzip\\x00  entry")
    'bad zip entry'
    >>> one_line("x" * 400)[-3:], len(one_line("x" * 400))
    ('xx…', 300)
    """
    line = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _failure(exc: BaseException) -> tuple[str, str | None]:
    """(reason, detail) of a file that failed: the extractor's reason and what the library
    under it said; for anything else, an internal error, with where it was raised."""
    if out_of_memory(exc):
        return OUT_OF_MEMORY, None
    if isinstance(exc, ExtractionError):
        cause = exc.__cause__
        return str(exc), f"{type(cause).__name__}: {cause}" if cause is not None else None
    frames = "; ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in traceback.extract_tb(exc.__traceback__)[-4:])
    return (f"internal error ({type(exc).__name__}): a bug in cchc-extract, please report it with documents.error_detail",
            f"{type(exc).__name__}: {exc} (at {frames})")


def _document_row(path: Path) -> Record:
    """A file's documents row before it is read: failed until it has been."""
    return {
        **_base(path, sha256_file(path) if path.is_file() else ""),
        "source_path": str(path),
        "kind": path.suffix.lower().lstrip("."),
        "status": "failed",
        "pipeline_version": __version__,
        "processed_at": datetime.now(timezone.utc).replace(microsecond=0),
    }


def _failed(document: Record, exc: BaseException) -> FileResult:
    reason, detail = _failure(exc)
    return FileResult({**document, "error": one_line(reason), "error_detail": one_line(detail, MAX_DETAIL) if detail else None})


def process_file(path: str | Path, codebook_name: str = DEFAULT_CODEBOOK, tone_style: ToneStyle = "keep",
                 max_pages: int = MAX_PAGES) -> FileResult:
    """Extract, repair, map and flatten one file; failures come back as a failed result."""
    path = Path(path)
    started = time.perf_counter()
    document = _document_row(path)
    try:
        doc = repair_document(extract(path, max_pages=max_pages), tone_style)
        result = _records(doc, document, codebook_name)
    except Exception as exc:  # the file's damage, the memory limit, or a bug: reported, the batch goes on
        result = _failed(document, exc)
    result.document["seconds"] = round(time.perf_counter() - started, 3)
    return result


@dataclass
class Part:
    """A page range of a long PDF read on its own: its extracted, repaired pages, or None
    when reading them failed (the whole file is then read again, to fail as it would whole)."""

    path: str
    pages: range
    document: Document | None
    seconds: float


def process_part(path: str | Path, pages: range, tone_style: ToneStyle = "keep", max_pages: int = MAX_PAGES) -> Part:
    """The stages of `process_file` that work page by page, on `pages` only."""
    started = time.perf_counter()
    try:
        doc: Document | None = repair_document(extract(path, max_pages=max_pages, pages=pages), tone_style)
    except Exception:  # read again whole, which gives the reason
        doc = None
    return Part(str(path), pages, doc, round(time.perf_counter() - started, 3))


def join_parts(parts: list[Document]) -> Document:
    """One document from its page ranges' (in page order), tables numbered as one read would."""
    tables = [replace(t, table_id=i) for i, t in enumerate(t for doc in parts for t in doc.tables)]
    return replace(parts[0], pages=[p for doc in parts for p in doc.pages], tables=tables)


def finish_parts(path: str | Path, parts: list[Part], codebook_name: str = DEFAULT_CODEBOOK) -> FileResult | None:
    """The file's result from its parts, as `process_file` would give it; None when a part
    failed or a decision needed the whole file (`Document.cross_page`): read it whole then."""
    docs = [p.document for p in sorted(parts, key=lambda p: p.pages.start)]
    if any(d is None or d.cross_page for d in docs):
        return None
    started = time.perf_counter()
    document = _document_row(Path(path))
    try:
        result = _records(join_parts([d for d in docs if d is not None]), document, codebook_name)
    except Exception as exc:  # a bug of ours in the later stages: reported, the batch goes on
        result = _failed(document, exc)
    result.document["seconds"] = round(sum(p.seconds for p in parts) + time.perf_counter() - started, 3)
    return result


def _records(doc: Document, document: Record, codebook_name: str) -> FileResult:
    base = _base(Path(doc.source_path), str(document["doc_id"]))
    tables = stitch(doc.tables)
    text_rows = []
    warnings = list(doc.warnings)
    for page in doc.pages:
        quality = page.quality if page.quality is not None else syllable_score(page.text)
        issues = list(page.issues)
        if page.quality is None and quality is not None and quality < LOW_QUALITY:
            issues.append(f"low Vietnamese text quality ({quality:.2f}): legacy encoding?")
        text_rows.append(
            {
                **base,
                "page": page.number,
                "text": page.text,
                "method": page.method,
                "quality": quality,
                "text_coverage": page.text_coverage,
                "confidence": page.confidence,
                "text_layer": page.text_layer,
                "issues": "; ".join(issues) or None,
                "repairs": "; ".join(page.repairs) or None,
                "quality_raw": page.quality_raw if page.quality_raw is not None else quality,
            }
        )
        warnings += [f"page {page.number}: {issue}" for issue in issues]
    methods = {p.number: p.method for p in doc.pages}
    layouts = [_layout(t) for t in tables]
    roles = [layout.roles if layout.kind.kind == INDICATOR else None for layout in layouts]
    indicators, template = _indicator_records(tables, roles, base, methods, codebook_name)
    criteria = _criteria_records(tables, layouts, base, methods)
    dossiers = _dossier_records(tables, layouts, base, methods)
    damaged = {p.number for p in doc.pages if p.damaged}
    for row in (r for rows in (indicators, criteria, dossiers) for r in rows if r["page"] in damaged):
        row["flags"] = "; ".join(f for f in (row["flags"], DAMAGED_PAGE) if f)
    checks = indicator_checks(indicators, base, codebook_name) + dossier_checks(dossiers, base)
    first_page = doc.pages[0].text if doc.pages else ""
    meta = document_metadata(first_page)
    unit = locate(meta["issuer"], meta["province"], meta["doc_date"] or meta["period_end"],
                  signed_year(first_page) or meta["year"])
    warnings += [unit.warning] if unit.warning else []
    document.update(
        kind=doc.kind,
        pages=len(doc.pages),
        pages_ocr=sum(p.method == "ocr" for p in doc.pages),
        pages_repaired=sum(bool(p.repairs) and p.method != METHOD_OCR for p in doc.pages),
        status="ok",
        error=None,
        warnings="; ".join(warnings) or None,
        n_tables=len(tables),
        n_indicators=len(indicators),
        n_unmapped=sum(r["code"] is None for r in indicators),
        template=template,
        n_overrides=0,
        n_checks_failed=len(checks),
        **meta,
        **unit.columns(),
    )
    return FileResult(document, indicators, _cell_records(tables, layouts, base), text_rows, criteria, dossiers, checks)


@dataclass(frozen=True)
class Layout:
    """What the table stage learnt about a table: header depth, column names, kind, and
    the indicator reader's column roles when it recognised the header."""

    depth: int
    names: list[str]
    kind: TableKind
    roles: tuple[dict[str, int], int] | None


def _layout(table: Table) -> Layout:
    found = column_roles(table)
    depth = max(header_depth(table), found[1] if found else 0)
    names = column_names(table, depth)
    return Layout(depth, names, classify(names, table.grid()[depth:], found is not None), found)


def _criteria_records(tables: list[Table], layouts: list[Layout], base: Record, methods: dict[int, str]) -> list[Record]:
    codebook = load_codebook(PAR_CODEBOOK)
    out = []
    for t, layout in zip(tables, layouts):
        if layout.kind.kind != PAR_CRITERIA:
            continue
        confidence = t.row_confidence()
        for r in criterion_rows(t, layout.names, layout.depth, codebook):
            out.append({
                **base,
                "code": r.code,
                "code_type": r.code_type,
                "code_printed": r.code_printed,
                "name": r.name,
                "target": r.target or None,
                "lead_agency": r.lead_agency or None,
                "partners": r.partners or None,
                "deadline": r.deadline or None,
                "section": r.section or None,
                "stt": r.stt or None,
                "match_score": r.match_score,
                "flags": "; ".join(r.flags) or None,
                "codebook": codebook.name,
                "page": r.page,
                "table_id": t.table_id,
                "row": r.row,
                "method": methods.get(r.page, t.method),
                "confidence": confidence.get(r.row, 1.0),
            })
    return out


def _count(value: float | None) -> int | None:
    return int(value) if value is not None and value == int(value) else None


def _dossier_records(tables: list[Table], layouts: list[Layout], base: Record, methods: dict[int, str]) -> list[Record]:
    out = []
    for t, layout in zip(tables, layouts):
        if layout.kind.kind != DOSSIER:
            continue
        confidence = t.row_confidence()
        for r in dossier_rows(t, layout.names, layout.depth):
            values = {f: (v if f in PERCENT_FIELDS else _count(v)) for f, v in r.values.items()}
            out.append({
                **base,
                "table_id": t.table_id,
                "row": r.row,
                "page": r.page,
                "stt": r.stt or None,
                "unit": r.unit,
                "is_total": r.is_total,
                **values,
                "flags": "; ".join(r.flags) or None,
                "method": methods.get(r.page, t.method),
                "confidence": confidence.get(r.row, 1.0),
            })
    return out


def _cell_records(tables: list[Table], layouts: list[Layout], base: Record) -> list[Record]:
    out = []
    for t, layout in zip(tables, layouts):
        for c in sorted(t.cells, key=lambda c: (c.row, c.col)):
            out.append(
                {
                    **base,
                    "table_id": t.table_id,
                    "table_kind": layout.kind.kind,
                    "row": c.row,
                    "col": c.col,
                    "column_name": layout.names[c.col] if c.col < len(layout.names) else None,
                    "text": c.text,
                    "is_header": c.row < layout.depth,
                    "rowspan": c.rowspan,
                    "colspan": c.colspan,
                    "page": c.page,
                    "method": t.method,
                    "confidence": c.confidence,
                    "rotation": t.rotation,
                }
            )
    return out


def _mend_codes(rows: list[RawIndicatorRow]) -> list[RawIndicatorRow]:
    """OCR'd rows with their printed codes read against the row above (see `ocr_fixes`)."""
    fixed = repair_codes([r.code_printed for r in rows])
    return [
        replace(r, code_printed=code, confidence=min(r.confidence, CODE_FIX_CONFIDENCE)) if changed else r
        for r, (code, changed) in zip(rows, fixed)
    ]


def _indicator_records(tables, roles, base: Record, methods: dict[int, str], codebook_name: str) -> tuple[list[Record], str | None]:
    """The document's indicator rows as records, and the template they follow (None: canonical)."""
    raw: list[RawIndicatorRow] = []
    for t, found in zip(tables, roles):
        rows = indicator_rows(t, found)
        raw += _mend_codes(rows) if t.method == METHOD_OCR else rows
    if not raw:
        return [], None
    codebook = load_codebook(codebook_name)
    coded = map_document([LabelRow(r.code_printed, r.label, r.unit) for r in raw], codebook_name)
    out = []
    for r, m in zip(raw, coded.matches):
        ind = codebook.get(m.code) if m.code else None
        method = methods.get(r.page, tables[0].method)
        value_text, confidence, ocr_flags = r.value_text, r.confidence, ()
        if method == METHOD_OCR:
            fix = repair_number(value_text, ind.kind if ind else None)
            if fix.fixes:
                value_text, confidence, ocr_flags = fix.text, min(confidence, NUMBER_FIX_CONFIDENCE), fix.fixes
        out.append(
            {
                **base,
                **code_fields(m, codebook),
                "code_printed": r.code_printed,
                "label": r.label,
                "unit": r.unit or None,
                **value_fields(value_text, r.unit, ind, tuple(f"ocr_{f}" for f in ocr_flags)),
                "note": r.note or None,
                "page": r.page,
                "table_id": r.table_id,
                "row": r.row,
                "method": method,
                "confidence": confidence,
            }
        )
    return out, coded.template


def code_fields(match: CodeMatch, codebook: Codebook) -> Record:
    """An indicator row's code columns, from the mapper's (or a person's) decision."""
    return {
        "code": match.code,
        "code_template": match.code_template,
        "code_method": CODE_OVERRIDE if match.decided else CODE_MATCH,
        "match_score": match.score,
        "candidates": "; ".join(f"{c}:{s:g}" for c, s in match.candidates) or None,
        "codebook": codebook.name,
    }


def value_fields(value_text: str | None, unit: str | None, indicator: Indicator | None, flags: tuple[str, ...] = ()) -> Record:
    """An indicator row's value columns: the cell read as its code's kind expects."""
    v = parse_value(value_text, unit, indicator.kind if indicator else None)
    return {
        "value": v.value,
        "value_text": v.value_text,
        "value_kind": v.value_kind,
        "value_label": v.value_label,
        "numerator": v.numerator,
        "denominator": v.denominator,
        "flags": "; ".join(v.flags + flags) or None,
    }
