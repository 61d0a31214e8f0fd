"""An analyst's decisions on indicator rows, kept in a CSV that every later run applies.

The mapper leaves a row without a code when no code is certain enough; a person can then
settle it (`cchc review`), and the decision must hold in every later run, re-extractions
included.  A decision names its row by document, table and row, and also carries the
row's label: it is applied only while that row still has that label (compared by
`match_key`), and follows the label to another position when a newer pipeline numbers the
table differently.  A decision of scope "all" applies to every row with that label, in
every document.

The file is UTF-8 with a BOM so Excel shows its Vietnamese; one decision per line:

    scope,code,label,source_file,doc_id,table_id,row,codebook,decided_at,note
    document,1.2.1,Ban hành Kế hoạch tự kiểm tra …,appendix_001.docx,3f2a…,0,8,cchc-2021,2026-11-24T09:12:00Z,
    all,none,Hình thức khảo sát,,,,,cchc-2021,2026-11-24T09:12:00Z,not an indicator
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from core.vietnamese import match_key
from pipeline.dataset.writers import replacing

OVERRIDES_FILE = "overrides.csv"
REVIEW_BELOW = 90.0  # coded rows with a lower match score are listed for review, with the uncoded ones
NO_CODE = "none"  # the decision that a row has no code (it is not an indicator of the codebook)
DOCUMENT, ALL = "document", "all"
COLUMNS = ("scope", "code", "label", "source_file", "doc_id", "table_id", "row", "codebook", "decided_at", "note")


@dataclass(frozen=True)
class Override:
    """One decision: this row's (or every such label's) code is `code`; None means no code."""

    scope: str
    code: str | None
    label: str
    source_file: str = ""
    doc_id: str = ""
    table_id: int | None = None
    row: int | None = None
    codebook: str = ""
    decided_at: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[object, ...]:
        """What a later decision on the same thing replaces."""
        if self.scope == ALL:
            return (ALL, match_key(self.label), self.codebook)
        return (DOCUMENT, self.doc_id, self.table_id, self.row)


@dataclass(frozen=True)
class Decisions:
    """What the overrides say about one document's indicator rows."""

    codes: dict[int, str | None] = field(default_factory=dict)  # row position → decided code
    missed: tuple[Override, ...] = ()  # this document's decisions whose row is no longer found

    @property
    def digest(self) -> str:
        """Short fingerprint of what the document's rows show of the decisions, '' when there
        are none: the codes, and the decisions missed (they are warned of). Names a stored part."""
        if not self.codes and not self.missed:
            return ""
        missed = sorted(repr(o.key) for o in self.missed)
        return hashlib.sha256(json.dumps([sorted(self.codes.items()), missed]).encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Overrides:
    """Every decision of an overrides file, later ones replacing earlier ones on the same key."""

    items: tuple[Override, ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    @property
    def fingerprint(self) -> str:
        """Changes when a decision does (not its note or time): ingest re-codes stored rows then."""
        decisions = sorted(repr((o.key, o.code, o.label, o.codebook)) for o in self.items)
        return hashlib.sha256("\n".join(decisions).encode()).hexdigest()

    def merge(self, new: Iterable[Override]) -> tuple[Overrides, int, int]:
        """These overrides with `new` added; returns (merged, added, changed): a decision on a
        row already decided replaces the earlier one."""
        merged = {o.key: o for o in self.items}
        added = replaced = 0
        for o in new:
            if o.key not in merged:
                added += 1
            elif merged[o.key].code != o.code:
                replaced += 1
            merged[o.key] = o
        return Overrides(tuple(merged.values())), added, replaced

    @cached_property
    def _index(self) -> tuple[dict[str, list[tuple[Override, str]]], dict[str, Override]]:
        """Decisions by document, with their label keys, and decisions for every document by
        label key: computed once, not for each of the thousands of documents a run applies them to."""
        by_doc: dict[str, list[tuple[Override, str]]] = {}
        wide: dict[str, Override] = {}
        for o in self.items:
            if o.scope == ALL:
                wide[match_key(o.label)] = o
            else:
                by_doc.setdefault(o.doc_id, []).append((o, match_key(o.label)))
        return by_doc, wide

    def decide(self, doc_id: str, rows: list[Mapping[str, object]]) -> Decisions:
        """Which of a document's indicator rows (in stored order) a person decided.

        A decision about this document applies to its row when that row still has the
        decision's label, else to the one row of the document with that label; a decision
        for every document applies to each row with its label that the first kind left.
        """
        mine, wide = self._index[0].get(doc_id, ()), self._index[1]
        if not mine and not wide:
            return Decisions()
        keys = [match_key(str(r.get("label") or "")) for r in rows]
        at = {(r.get("table_id"), r.get("row")): i for i, r in enumerate(rows)}
        codes: dict[int, str | None] = {}
        missed = []
        for o, key in mine:
            i = at.get((o.table_id, o.row))
            if i is None or keys[i] != key:
                same = [j for j, k in enumerate(keys) if k == key]
                i = same[0] if len(same) == 1 else None
            if i is None:
                missed.append(o)
            else:
                codes[i] = o.code
        for i, (r, key) in enumerate(zip(rows, keys)):
            o = wide.get(key)
            if i not in codes and o is not None and (not o.codebook or o.codebook == r.get("codebook")):
                codes[i] = o.code
        return Decisions(codes, tuple(missed))


NO_OVERRIDES = Overrides()


def parse_code(value: object) -> str | None:
    """A decision cell as a code: 'none' (any case) is no code; Excel's numbers back to text.

    >>> parse_code(" 1.2.1 "), parse_code("None"), parse_code(2.0), parse_code(1.3)
    ('1.2.1', None, '2', '1.3')
    """
    if isinstance(value, float):
        value = f"{value:g}"
    text = str(value).strip()
    return None if text.lower() == NO_CODE else text


def load_overrides(path: Path) -> Overrides:
    """The overrides in `path` (none when it does not exist); ValueError names a bad line."""
    if not path.is_file():
        return Overrides()
    items = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"scope", "code", "label", "doc_id", "table_id", "row"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: not an overrides file (no column {', '.join(sorted(missing))})")
        for line, r in enumerate(reader, start=2):
            try:
                items.append(_override(r))
            except ValueError as exc:
                raise ValueError(f"{path} line {line}: {exc}") from None
    return Overrides(tuple(items))


def _override(r: Mapping[str, str | None]) -> Override:
    scope = (r.get("scope") or DOCUMENT).strip().lower()
    code, label = (r.get("code") or "").strip(), (r.get("label") or "").strip()
    if scope not in (DOCUMENT, ALL):
        raise ValueError(f"scope must be '{DOCUMENT}' or '{ALL}', not {scope!r}")
    if not code:
        raise ValueError(f"no code (write a code, or '{NO_CODE}' for a row that has none)")
    if not label:
        raise ValueError("no label")
    position = {}
    for name in ("table_id", "row"):
        text = (r.get(name) or "").strip()
        if scope == DOCUMENT and not text.isdigit():
            raise ValueError(f"{name} must be a row number for a decision about one document, not {text!r}")
        position[name] = int(text) if text.isdigit() else None
    if scope == DOCUMENT and not (r.get("doc_id") or "").strip():
        raise ValueError("no doc_id for a decision about one document")
    return Override(scope, parse_code(code), label, (r.get("source_file") or "").strip(), (r.get("doc_id") or "").strip(),
                    position["table_id"], position["row"], (r.get("codebook") or "").strip(),
                    (r.get("decided_at") or "").strip(), (r.get("note") or "").strip())


def save_overrides(path: Path, overrides: Overrides) -> None:
    """Write the file whole under a temporary name and rename it: a run reading it sees
    the old decisions or the new ones, never half."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for o in overrides.items:
        writer.writerow([o.scope, o.code or NO_CODE, o.label, o.source_file, o.doc_id,
                         "" if o.table_id is None else o.table_id, "" if o.row is None else o.row,
                         o.codebook, o.decided_at, o.note])
    with replacing(path, durable=True) as tmp:
        tmp.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")


def overrides_path(out: Path, given: Path | None = None) -> Path:
    """The overrides file of a run into `out`: the one given, else `out/overrides.csv`."""
    return given or out / OVERRIDES_FILE


def run_overrides(out: Path, given: Path | None = None) -> tuple[Overrides, Path]:
    """The decisions a run into `out` applies, and their file; ValueError names a file given
    that does not exist, or a malformed line."""
    path = overrides_path(out, given)
    if given and not path.is_file():
        raise ValueError(f"overrides file not found: {path}")
    return load_overrides(path), path
