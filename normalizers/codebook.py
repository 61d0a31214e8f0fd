"""Canonical indicator codebooks, kept as versioned CSV data beside the code.

A codebook is a tree: sections (`1`, `1.1`) hold indicators (`1.1.1`), and un-numbered
"Trong đó" sub-rows hold lettered codes (`3.1.3.a`).  Another year's or province's list
is one more CSV in `normalizers/data/codebooks/`, selected by name.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources

from core.vietnamese import match_key, nfc

DEFAULT_CODEBOOK = "cchc-2021"


@dataclass(frozen=True)
class Indicator:
    """One canonical code with what a row must look like to carry it."""

    code: str
    parent: str | None
    label: str
    unit: str
    kind: str  # 'group' | 'count' | 'percent' | 'text' | 'code'
    aliases: tuple[str, ...] = ()

    @property
    def is_lettered(self) -> bool:
        """A `.a/.b/.c` sub-row code (an un-numbered row in the source)."""
        return self.code.split(".")[-1].isalpha()

    @property
    def level(self) -> int:
        return len(self.code.split("."))

    @cached_property
    def keys(self) -> tuple[str, ...]:
        """Match keys of the label and every alias (computed once: read for every row scored)."""
        return tuple(match_key(t) for t in (self.label, *self.aliases))


@dataclass(frozen=True)
class Codebook:
    """An ordered set of indicators with parent → children lookups."""

    name: str
    indicators: tuple[Indicator, ...]
    _children: dict[str | None, tuple[Indicator, ...]] = field(default_factory=dict, compare=False)
    _by_code: dict[str, Indicator] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        children: dict[str | None, list[Indicator]] = {}
        for ind in self.indicators:
            children.setdefault(ind.parent, []).append(ind)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})
        object.__setattr__(self, "_by_code", {ind.code: ind for ind in self.indicators})

    def children(self, code: str | None) -> tuple[Indicator, ...]:
        """Direct children of a code (`None`: the top-level sections)."""
        return self._children.get(code, ())

    def at_level(self, level: int) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.level == level and not i.is_lettered)

    def get(self, code: str) -> Indicator | None:
        return self._by_code.get(code)


def parse_codebook(name: str, rows: list[dict[str, str]]) -> Codebook:
    """Build a codebook from CSV rows (code, parent, label, unit, kind, aliases separated by '|')."""
    return Codebook(
        name=name,
        indicators=tuple(
            Indicator(
                code=r["code"].strip(),
                parent=r["parent"].strip() or None,
                label=nfc(r["label"].strip()),
                unit=nfc(r["unit"].strip()),
                kind=r["kind"].strip(),
                aliases=tuple(nfc(a.strip()) for a in r.get("aliases", "").split("|") if a.strip()),
            )
            for r in rows
        ),
    )


@lru_cache(maxsize=8)
def load_codebook(name: str = DEFAULT_CODEBOOK) -> Codebook:
    """Load a codebook shipped with the project by its name (the CSV file's stem)."""
    path = resources.files("normalizers") / "data" / "codebooks" / f"{name}.csv"
    with path.open(encoding="utf-8") as fh:
        return parse_codebook(name, list(csv.DictReader(fh)))
