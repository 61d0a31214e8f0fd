"""Province templates: the same indicators under another numbering, recognised and crossed over.

A province (or a district passing on its province's form) reports with its own template:
seed 001's numbers the canonical 3.3.3 as 3.4.3 and adds rows the canonical list has not
(1.4 Khảo sát sự hài lòng, 3.6.4, 7.3–7.8 …).  Such a template is one more codebook CSV
in `data/codebooks/`, with a `canonical` column: the canonical code each template code is
(blank where it has none), and a line in `data/codebooks/templates.csv` naming the
canonical codebook it belongs to.  A document is mapped against the canonical codebook
and each of its templates; a template that explains more rows, and more printed
numbers, than the canonical list is the one the document follows.  Its rows are then
mapped against the template, where its own rows and numbering fit, and given the
canonical code through the crosswalk; rows without one keep their template code.  A
canonical row the template lacks (a code with no template equivalent) keeps what the
canonical mapping gave it.
"""
from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from importlib import resources

from normalizers.codebook import DEFAULT_CODEBOOK, Codebook, load_codebook
from normalizers.codes import CodeMatch, LabelRow, covered, map_rows, match_rows
from normalizers.numbering import printed_parts

TEMPLATES_INDEX = "templates.csv"


@dataclass(frozen=True)
class Template:
    """A template codebook and its crosswalk to the canonical codebook."""

    codebook: Codebook
    canonical: str  # name of the canonical codebook
    crosswalk: Mapping[str, str | None]  # template code → canonical code (None: no equivalent)
    province: str = ""

    @property
    def name(self) -> str:
        return self.codebook.name

    @cached_property
    def inverse(self) -> dict[str, str]:
        """Canonical code → the template code that is it."""
        return {c: t for t, c in self.crosswalk.items() if c}


def _data(name: str):
    return resources.files("normalizers") / "data" / "codebooks" / name


@lru_cache(maxsize=8)
def load_template(name: str) -> Template:
    """A template shipped with the project, by its name (its CSV's stem, listed in the index)."""
    entry = _index().get(name)
    if entry is None:
        raise ValueError(f"no template {name!r} in {TEMPLATES_INDEX}")
    with _data(f"{name}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    crosswalk = {r["code"].strip(): (r.get("canonical") or "").strip() or None for r in rows}
    return Template(load_codebook(name), entry["codebook"], crosswalk, entry.get("province", ""))


@lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, str]]:
    with _data(TEMPLATES_INDEX).open(encoding="utf-8") as fh:
        return {r["template"].strip(): r for r in csv.DictReader(fh)}


def templates_of(canonical: str) -> tuple[Template, ...]:
    """Every template whose codes cross to this canonical codebook."""
    return tuple(load_template(name) for name, r in _index().items() if r["codebook"].strip() == canonical)


@dataclass(frozen=True)
class DocumentCodes:
    """A document's indicator rows coded, and the template it was recognised as (None: canonical)."""

    matches: list[CodeMatch]
    template: str | None = None


def _support(rows: Sequence[LabelRow], matches: Sequence[CodeMatch]) -> int:
    """How much of a table a codebook explains: rows coded, and coded rows whose printed number is their code."""
    coded = [(r, m.code) for r, m in zip(rows, matches) if m.code]
    return len(coded) + sum(".".join(printed_parts(r.code_printed) or ()) == code for r, code in coded)


def map_document(rows: Sequence[LabelRow], codebook_name: str = DEFAULT_CODEBOOK,
                 decided: Mapping[int, str | None] | None = None) -> DocumentCodes:
    """Canonical codes for a document's indicator rows, through the template it follows if any.

    `decided` holds a person's canonical codes by row position (None: no code); which
    template the document follows is judged without them, so a decision never changes it.
    """
    decided = decided or {}
    canonical = load_codebook(codebook_name)
    plain = map_rows(rows, canonical)
    best, own, support = None, plain, _support(rows, plain)
    for template in templates_of(codebook_name):
        theirs = map_rows(rows, template.codebook)
        if (s := _support(rows, theirs)) > support:
            best, own, support = template, theirs, s
    if best is None:
        return DocumentCodes(map_rows(rows, canonical, decided) if decided else plain)
    if decided:
        fixed = {i: best.inverse[c] for i, c in decided.items() if c and c in best.inverse}
        own = match_rows(rows, best.codebook, fixed, covered(rows, decided))
    crossed = {best.crosswalk.get(m.code) for m in own if m.code} | {c for c in decided.values() if c}
    out = []
    for i, (m, c) in enumerate(zip(own, plain)):
        if i in decided:
            code = decided[i]
            out.append(CodeMatch(code, 100.0, c.candidates, True, best.inverse.get(code) if code else None))
        elif m.code:
            out.append(replace(m, code=best.crosswalk.get(m.code), candidates=c.candidates, code_template=m.code))
        elif c.code and c.code not in best.inverse and c.code not in crossed:  # a canonical row the template lacks
            out.append(c)
        else:
            out.append(replace(c, code=None))
    return DocumentCodes(out, best.name)
