"""Map a table's indicator rows onto a codebook's codes, as one decision for the whole table.

Printed numbers are unreliable (the four children of 1.2 are printed 1.1.1–1.1.4; a
re-typeset report prints 4.11. for 4.1.1, leaves numbers blank, moves whole sections), so
the numbering is never taken as the tree.  Every row is scored against every code: its
label (`similarity`), its unit, and its printed number (`numbering`) as a small hint.
Codes are then given one-to-one by an optimal assignment (scipy's `linear_sum_assignment`),
and the tree enters as evidence read off that assignment (`code_structure`).  Sections and
the codes under them are re-assigned in turns, each hearing the structure the other gives,
keeping the assignment its own evidence supports best; so a row with a blank or misprinted
number finds its section through its neighbours, and one bad number no longer takes its
children down.  A row printed under a parent row that is no indicator, where nothing else
places it, pays heavily: the rows of a section the codebook lacks stay out even when one of
them reads like a known indicator.

A wrong code is worse than none: below the threshold the code stays null and the best
candidates are kept for review.  A person's decision on a row (an override) is fixed
before the passes, and the rows it covers are then placed around it; "no code" keeps the
rows printed under it out as well.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from normalizers.code_structure import IN_SECTION, Structure, tree
from normalizers.codebook import Codebook
from normalizers.label_keys import label_key
from normalizers.numbering import printed_parents, printed_parts, row_parents
from normalizers.similarity import label_scores, unit_penalties

THRESHOLD = 80.0  # evidence a code needs
LABEL_FLOOR = 70.0  # label similarity below which no structure can carry a code
PRINTED_EXACT = 4.0
PRINTED_DIGITS = 3.0  # the same digits with a dot lost or added: 4.11. for 4.1.1
PRINTED_LAST = 2.0
UNNUMBERED_ON_NUMBERED = 3.0  # a blank STT on a numbered code (a "Trong đó" row takes lettered ones)
NUMBERED_ON_LETTERED = 6.0
PLAUSIBLE_PARENT = 72.0  # an unmapped parent row this close to the code's parent may be it, reworded;
UNLIKE_PARENT = 62.0  # one this far is not, and its rows pay UNDER_UNKNOWN in full
CHILD_FIT_WEIGHT = 0.2  # how far the rows printed under a section row can raise its score
PRIOR_PARENT = 90.0  # a printed parent row reading this well as a code's parent vouches for it at first
PASSES = 4
TOP_CANDIDATES = 3
REVIEW_SHORTLIST = 6  # codes per uncoded row whose structure evidence is read for its candidates


@dataclass(frozen=True)
class LabelRow:
    """What the mapper needs of a table row."""

    code_printed: str | None
    label: str
    unit: str = ""


@dataclass(frozen=True)
class CodeMatch:
    """The code given to a row (or None) and the candidates it was chosen from."""

    code: str | None
    score: float
    candidates: tuple[tuple[str, float], ...] = ()
    decided: bool = False  # set by a person's override, not by the mapper
    code_template: str | None = None  # the row's code in the template the document follows


class _Table:
    """One table against one codebook: the evidence that does not depend on the assignment."""

    def __init__(self, rows: Sequence[LabelRow], codebook: Codebook) -> None:
        self.codebook = codebook
        self.codes = [ind.code for ind in codebook.indicators]
        self.col = {c: j for j, c in enumerate(self.codes)}
        self.tree = tree(codebook)
        self.parts = [printed_parts(r.code_printed) for r in rows]
        self.printed_parent = printed_parents(self.parts)
        self.keys = [label_key(r.label) for r in rows]
        self._unlike: dict[tuple[int, int], float] = {}
        self.own_label = label_scores(self.keys, codebook)
        self.label = self._read_with_children(self.own_label)
        self.base = self.label - unit_penalties([r.unit for r in rows], [r.label for r in rows], codebook) + self._printed()

    def unlike(self, i: int, j: int) -> float:
        """How surely row i, left without a code, is not code j reworded: 0 when its label is
        close, or it is printed with j's number and says all j's label says and more ("2.
        Cải cách thể chế trong năm của đơn vị"); 1 when its label is far."""
        if (i, j) not in self._unlike:
            ind = self.codebook.indicators[j]
            if (".".join(self.parts[i] or ()) == ind.code
                    and fuzz.token_set_ratio(self.keys[i].key, label_key(ind.label).key) >= PLAUSIBLE_PARENT):
                self._unlike[i, j] = 0.0
            else:
                # its own label only: its rows cannot vouch for the row that is to vouch for them
                far = (PLAUSIBLE_PARENT - self.own_label[i, j]) / (PLAUSIBLE_PARENT - UNLIKE_PARENT)
                self._unlike[i, j] = float(np.clip(far, 0.0, 1.0))
        return self._unlike[i, j]

    def _read_with_children(self, label: np.ndarray) -> np.ndarray:
        """A section row is also read through the rows printed under it: a reworded or
        misspelt "Vận hành Cổng dcịh vụ công" whose rows are the section's rows word for word
        is that section.  Only ever raises a score, and only a share of the way."""
        under: dict[int, list[int]] = {}
        for i, p in enumerate(self.printed_parent):
            if p is not None:
                under.setdefault(p, []).append(i)
        groups = [j for j, kids in enumerate(self.tree.children) if kids]
        if not under or not groups:
            return label
        best_child = np.stack([label[:, self.tree.children[j]].max(axis=1) for j in groups], axis=1)  # rows × groups
        out = label.copy()
        for i, rows in under.items():
            fit = best_child[rows].mean(axis=0)
            out[i, groups] = np.maximum(label[i, groups], (1 - CHILD_FIT_WEIGHT) * label[i, groups] + CHILD_FIT_WEIGHT * fit)
        return out

    def _printed(self) -> np.ndarray:
        """Small bonuses where the printed number agrees with a code, small costs where the
        row's kind (numbered or not) does not: the number breaks ties, it never decides."""
        lettered, last, digits, dotted = _numbering(self.codebook)
        numbered = np.array([p is not None for p in self.parts])[:, None]
        out = np.where(numbered & lettered, -NUMBERED_ON_LETTERED, np.where(~numbered & ~lettered, -UNNUMBERED_ON_NUMBERED, 0.0))
        row_last = np.array([p[-1] if p else "" for p in self.parts])[:, None]
        row_digits = np.array(["".join(p) if p else "" for p in self.parts])[:, None]
        row_dotted = np.array([".".join(p) if p else "" for p in self.parts])[:, None]
        # the strongest agreement counts: the whole number, its digits (a dot lost), its last part
        hint = np.where(row_dotted == dotted, PRINTED_EXACT, np.where(row_digits == digits, PRINTED_DIGITS,
                        np.where(row_last == last, PRINTED_LAST, 0.0)))
        return np.where(numbered & ~lettered & (hint > 0), hint, out)


@lru_cache(maxsize=16)
def _numbering(codebook: Codebook) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per code: whether it is lettered, its last part, its digits without dots, and the code."""
    codes = [ind.code for ind in codebook.indicators]
    return (np.array([ind.is_lettered for ind in codebook.indicators]), np.array([c.split(".")[-1] for c in codes]),
            np.array([c.replace(".", "") for c in codes]), np.array(codes))


def _printed_tree_prior(table: _Table) -> np.ndarray:
    """What the first assignment hears of structure, before there is one to read: a row
    printed under a row that reads as the code's parent leans to that code.  It settles
    look-alike rows ("Số nhiệm vụ đề ra trong kế hoạch" under 1.1 and under 1.7) from the start."""
    prior = np.zeros(table.base.shape)
    rows = [i for i, pp in enumerate(table.printed_parent) if pp is not None]
    has_parent = np.array(table.tree.parent) >= 0
    if rows and has_parent.any():
        above = table.label[[table.printed_parent[i] for i in rows]][:, np.maximum(table.tree.parent, 0)]
        prior[rows] = np.where(has_parent & (above >= PRIOR_PARENT), IN_SECTION, 0.0)
    return prior


def _solve(total: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """The one-to-one assignment of most evidence above the threshold: row → column or -1."""
    profit = np.where(eligible, total - THRESHOLD + 1e-6, 0.0)
    rows = np.nonzero(profit.max(axis=1, initial=0.0) > 0)[0]
    cols = np.nonzero(profit.max(axis=0, initial=0.0) > 0)[0]
    out = np.full(total.shape[0], -1)
    if len(rows) and len(cols):
        sub = profit[np.ix_(rows, cols)]
        r, c = linear_sum_assignment(sub, maximize=True)
        keep = sub[r, c] > 0
        out[rows[r[keep]]] = cols[c[keep]]
    return out


def covered(rows: Sequence[LabelRow], decided: Mapping[int, str | None]) -> set[int]:
    """Rows a person decided, and the rows printed under a row they said has no code."""
    parents = row_parents(rows) if decided else []
    out = set(decided)
    for i, p in enumerate(parents):
        while p is not None and i not in out:
            if p in decided and decided[p] is None:
                out.add(i)
            p = parents[p]
    return out


def assign_codes(table: _Table, fixed: Mapping[int, str], excluded: AbstractSet[int]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's column (-1: none) and the evidence matrix of the last pass; `fixed` rows
    keep their code where this codebook has it, `excluded` rows get none."""
    n, m = table.base.shape
    pinned = np.full(n, -1)
    for i, code in fixed.items():
        pinned[i] = table.col.get(code, -1)
    free = np.ones(n, dtype=bool)
    free[list(excluded | set(fixed))] = False
    open_codes = np.ones(m, dtype=bool)
    open_codes[pinned[pinned >= 0]] = False
    eligible_label = ((table.label >= LABEL_FLOOR) & (table.base >= THRESHOLD - IN_SECTION)
                      & free[:, None] & open_codes[None, :])
    pairs = list(zip(*np.nonzero(eligible_label)))
    free_rows = np.nonzero(free)[0]

    def evidence(row_code: np.ndarray, pairs: Sequence[tuple[int, int]] = pairs) -> np.ndarray:
        state = Structure(table.tree, row_code, table.printed_parent, table.unlike)
        total = table.base.copy()
        for i, j in pairs:
            total[i, j] += state.context(i, j)
        return total

    # The first assignment hears the labels, units and numbers alone (and the rows a person
    # fixed).  Then sections and the codes under them take turns, each re-assigned while the
    # other holds, in the structure the other gives: re-assigning both at once lets a pair of
    # look-alike sections ("Vận hành Cổng dịch vụ công", 3.2 and 3.5) swap back and forth
    # with their rows.  Each assignment is judged by the evidence it gives itself, and the
    # best one seen is kept.
    total = (evidence(pinned) if fixed else table.base) + _printed_tree_prior(table)
    row_code = np.where(pinned >= 0, pinned, _solve(total, eligible_label & (total >= THRESHOLD)))
    sections = np.array([bool(kids) for kids in table.tree.children])
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    seen = set()
    for _ in range(PASSES):
        for block in (sections, ~sections):
            total = evidence(row_code)
            given = free_rows[row_code[free_rows] >= 0]
            worth = float((total[given, row_code[given]] - THRESHOLD).sum())
            if best is None or worth > best[0]:
                best = (worth, row_code, total)
            holds = (pinned >= 0) | ((row_code >= 0) & ~block[np.maximum(row_code, 0)])
            others = np.zeros(m, dtype=bool)
            others[row_code[holds & (row_code >= 0)]] = True
            chosen = _solve(total, eligible_label & (total >= THRESHOLD) & block & ~others & ~holds[:, None])
            row_code = np.where(holds, row_code, chosen)
        if row_code.tobytes() in seen:
            break
        seen.add(row_code.tobytes())
    _, row_code, total = best
    weak = free & (row_code >= 0)
    weak[weak] = total[weak, row_code[weak]] < THRESHOLD  # what its own evidence does not carry
    row_code = np.where(weak, -1, row_code)
    # the candidates a person reviews are read in their section too, not on their labels alone
    unsure = np.nonzero(row_code < 0)[0]
    near = np.argpartition(-table.base[unsure], REVIEW_SHORTLIST, axis=1)[:, :REVIEW_SHORTLIST] if m > REVIEW_SHORTLIST else ()
    shortlist = sorted({(int(i), int(j)) for i, js in zip(unsure, near) for j in js} | set(pairs))
    return row_code, evidence(row_code, shortlist)


def candidates(codes: Sequence[str], total: np.ndarray, row_code: np.ndarray) -> list[tuple[tuple[str, float], ...]]:
    """Each row's best codes, for a person to decide from: its own, and codes no other row took."""
    taken = np.zeros(total.shape, dtype=bool)
    given = np.nonzero(row_code >= 0)[0]
    taken[:, row_code[given]] = True
    taken[given, row_code[given]] = False
    order = np.argsort(np.where(taken, np.inf, -total), axis=1, kind="stable")[:, :TOP_CANDIDATES]
    scores = np.round(np.clip(np.take_along_axis(total, order, axis=1), 0.0, 100.0), 1).tolist()
    return [tuple((codes[j], s) for j, s in zip(row, row_scores)) for row, row_scores in zip(order.tolist(), scores)]


def match_rows(rows: Sequence[LabelRow], codebook: Codebook, fixed: Mapping[int, str] | None = None,
               excluded: AbstractSet[int] = frozenset()) -> list[CodeMatch]:
    """The mapper's codes for a table's rows, one-to-one; `fixed` rows hold their code (and
    place the rows around them), `excluded` rows get none.  Both come back without a code:
    the caller reports what a person decided."""
    fixed = fixed or {}
    table = _Table(rows, codebook)
    row_code, total = assign_codes(table, fixed, excluded)
    out = []
    for i, cands in enumerate(candidates(table.codes, total, row_code)):
        j = int(row_code[i])
        if j >= 0 and i not in fixed:
            out.append(CodeMatch(table.codes[j], round(float(min(total[i, j], 100.0)), 1), cands))
        else:
            out.append(CodeMatch(None, cands[0][1] if cands else 0.0, cands))
    return out


def map_rows(rows: Sequence[LabelRow], codebook: Codebook, decided: Mapping[int, str | None] | None = None) -> list[CodeMatch]:
    """Codes for a table's indicator rows, in order (one-to-one within the table);
    `decided` fixes rows, by position, to a person's code (None: the row has no code)."""
    decided = decided or {}
    fixed = {i: code for i, code in decided.items() if code is not None}
    matches = match_rows(rows, codebook, fixed, covered(rows, decided))
    return [replace(m, code=decided[i], score=100.0, decided=True) if i in decided else m for i, m in enumerate(matches)]
