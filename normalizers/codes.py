"""Map a table's indicator rows onto a codebook's codes, as one decision for the whole table.

Printed numbers are unreliable (the four children of 1.2 are printed 1.1.1–1.1.4; a
re-typeset report prints 4.11. for 4.1.1, leaves numbers blank, moves whole sections), so
the numbering is never taken as the tree.  Every row is scored against every code: its
label (`similarity`), its unit, and its printed number as a small hint.  Codes are then
given one-to-one by an optimal assignment (scipy's `linear_sum_assignment`), and the tree
enters as evidence read off that assignment: a code's parent should be open above the row
(given to an earlier row, with nothing of another section between), its children should
follow it, and the row the printed number names as parent is heard, softly.  The
evidence of one assignment feeds the next, a few passes until it settles; so a row with a
blank or misprinted number finds its section through its neighbours, and one bad number
no longer takes its children down.  A row under a parent row that is no indicator, where
nothing else places it, pays heavily: the rows of a section the codebook lacks stay out
even when one of them reads like a known indicator.

A wrong code is worse than none: below the threshold the code stays null and the best
candidates are kept for review.  A person's decision on a row (an override) is fixed
before the passes, and the rows it covers are then placed around it; "no code" keeps the
rows printed under it out as well.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from normalizers.codebook import Codebook
from normalizers.label_keys import label_key
from normalizers.similarity import label_scores, unit_penalties

THRESHOLD = 80.0  # evidence a code needs
LABEL_FLOOR = 70.0  # label similarity below which no structure can carry a code
PRINTED_EXACT = 4.0
PRINTED_DIGITS = 3.0  # the same digits with a dot lost or added: 4.11. for 4.1.1
PRINTED_LAST = 2.0
UNNUMBERED_ON_NUMBERED = 3.0  # a blank STT on a numbered code (a "Trong đó" row takes lettered ones)
NUMBERED_ON_LETTERED = 6.0
IN_SECTION = 5.0
OUT_OF_SECTION = 30.0
BEFORE_PARENT = 40.0
UNDER_UNKNOWN = 30.0  # printed under a row that is no indicator, and placed by nothing else
UNDER_OTHER = 4.0  # printed under a row that took another code
PLAUSIBLE_PARENT = 72.0  # an unmapped parent row this close to the code's parent may be it, reworded;
UNLIKE_PARENT = 62.0  # one this far is not, and its rows pay UNDER_UNKNOWN in full
CHILD_FIT_WEIGHT = 0.2  # how far the rows printed under a section row can raise its score
PRIOR_PARENT = 90.0  # a printed parent row reading this well as a code's parent vouches for it at first
PASSES = 4
TOP_CANDIDATES = 3
REVIEW_SHORTLIST = 6  # codes per uncoded row whose structure evidence is read for its candidates

_PRINTED = re.compile(r"^\s*(\d+(?:\s*\.\s*\d+)*)\s*\.?\s*$")


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


def printed_parts(code_printed: str | None) -> tuple[str, ...] | None:
    """The numeric parts of a printed STT, or None when the row is un-numbered.

    >>> printed_parts("1.1.2.")
    ('1', '1', '2')
    >>> printed_parts("Trong đó") is None
    True
    """
    if not code_printed:
        return None
    m = _PRINTED.match(code_printed)
    if not m:
        return None
    return tuple(p.strip() for p in m.group(1).split("."))


def row_parents(rows: Sequence[LabelRow]) -> list[int | None]:
    """Each row's parent as the printing shows it, from position and depth.

    An un-numbered row belongs to the last numbered row; a numbered row of depth d to the
    nearest earlier numbered row of smaller depth — so misnumbered children (1.1.x printed
    under 1.2) still hang under 1.2.  The mapper hears this only as evidence; it is the
    structure a person reads on the review sheet, and what a decided "no code" covers.
    """
    parents: list[int | None] = []
    stack: list[tuple[int, int]] = []  # (depth, row index) of open numbered rows
    for i, row in enumerate(rows):
        parts = printed_parts(row.code_printed)
        if parts is None:
            parents.append(stack[-1][1] if stack else None)
            continue
        depth = len(parts)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents.append(stack[-1][1] if stack else None)
        stack.append((depth, i))
    return parents


def printed_parents(parts: Sequence[tuple[str, ...] | None]) -> list[int | None]:
    """The row each printed number names as its parent, where the numbering agrees.

    A numbered row's parent is the nearest earlier row one level up, if that row's number
    is its prefix (1.3.1 under 1.3); a misprinted or blank parent number gives no parent
    rather than a wrong one.  An un-numbered row belongs to the last numbered row.

    >>> printed_parents([("1",), ("1", "2"), ("1", "1", "3"), None, ("1", "3", "1")])
    [None, 0, None, 2, None]
    """
    out: list[int | None] = []
    last_numbered: int | None = None
    for i, p in enumerate(parts):
        parent = None
        if p is None:
            parent = last_numbered
        elif len(p) > 1:
            for q in range(i - 1, -1, -1):
                above = parts[q]
                if above is None or len(above) >= len(p):
                    continue
                if len(above) == len(p) - 1 and above == p[:-1]:
                    parent = q
                break
        if p is not None:
            last_numbered = i
        out.append(parent)
    return out


class _Table:
    """One table against one codebook: the evidence that does not depend on the assignment."""

    def __init__(self, rows: Sequence[LabelRow], codebook: Codebook) -> None:
        self.codebook = codebook
        self.codes = [ind.code for ind in codebook.indicators]
        self.col = {c: j for j, c in enumerate(self.codes)}
        self.parent = [self.col.get(ind.parent, -1) if ind.parent else -1 for ind in codebook.indicators]
        self.children: list[list[int]] = [[] for _ in self.codes]
        for j, p in enumerate(self.parent):
            if p >= 0:
                self.children[p].append(j)
        self.lineage: list[frozenset[int]] = []  # each code with its ancestors
        for j in range(len(self.codes)):
            chain, p = {j}, self.parent[j]
            while p >= 0:
                chain.add(p)
                p = self.parent[p]
            self.lineage.append(frozenset(chain))
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
        groups = [j for j, kids in enumerate(self.children) if kids]
        if not under or not groups:
            return label
        best_child = np.stack([label[:, self.children[j]].max(axis=1) for j in groups], axis=1)  # rows × groups
        out = label.copy()
        for i, rows in under.items():
            fit = best_child[rows].mean(axis=0)
            out[i, groups] = np.maximum(label[i, groups], (1 - CHILD_FIT_WEIGHT) * label[i, groups] + CHILD_FIT_WEIGHT * fit)
        return out

    def _printed(self) -> np.ndarray:
        """Small bonuses where the printed number agrees with a code, small costs where the
        row's kind (numbered or not) does not: the number breaks ties, it never decides."""
        lettered, by_last, by_digits = _numbering(self.codebook)
        numbered = np.array([p is not None for p in self.parts])[:, None]
        out = np.where(numbered & lettered, -NUMBERED_ON_LETTERED, np.where(~numbered & ~lettered, -UNNUMBERED_ON_NUMBERED, 0.0))
        # weaker hints first, so a stronger one on the same pair overwrites it
        for bonus, codes_of in ((PRINTED_LAST, lambda p: by_last.get(p[-1], ())),
                                (PRINTED_DIGITS, lambda p: by_digits.get("".join(p), ())),
                                (PRINTED_EXACT, lambda p: (self.col[c],) if (c := ".".join(p)) in self.col else ())):
            at = [(i, j) for i, p in enumerate(self.parts) if p is not None for j in codes_of(p)]
            if at:
                rows, cols = zip(*at)
                out[list(rows), list(cols)] = bonus
        return out


@lru_cache(maxsize=16)
def _numbering(codebook: Codebook) -> tuple[np.ndarray, dict[str, list[int]], dict[str, list[int]]]:
    """Which codes are lettered, and the numbered codes by last part and by their digits."""
    by_last: dict[str, list[int]] = {}
    by_digits: dict[str, list[int]] = {}
    for j, ind in enumerate(codebook.indicators):
        if not ind.is_lettered:
            by_last.setdefault(ind.code.split(".")[-1], []).append(j)
            by_digits.setdefault(ind.code.replace(".", ""), []).append(j)
    return np.array([ind.is_lettered for ind in codebook.indicators]), by_last, by_digits


class _Assignment:
    """Codes given to rows (column index or -1), with what the structure checks read off it."""

    def __init__(self, table: _Table, row_code: np.ndarray) -> None:
        codes = row_code.tolist()  # read one by one below: plain ints are much faster than numpy's
        self.row_code = codes
        anchors = [i for i, c in enumerate(codes) if c >= 0]
        self.code_row = {codes[i]: i for i in anchors}
        n = len(codes)
        self.next_anchor = [-1] * n
        self.prev_anchor = [-1] * n
        for k, a in enumerate(anchors):
            for i in range(anchors[k - 1] + 1 if k else 0, a):
                self.next_anchor[i] = a
            for i in range(a + 1, anchors[k + 1] if k + 1 < len(anchors) else n):
                self.prev_anchor[i] = a
            if k + 1 < len(anchors):
                self.next_anchor[a] = anchors[k + 1]
            if k:
                self.prev_anchor[a] = anchors[k - 1]
        # where each assigned code's section closes: the first later row given a code outside it
        self.closes: dict[int, int] = {}
        for k, r in enumerate(anchors):
            code, end = codes[r], n
            for a in range(k + 1, len(anchors)):
                if code not in table.lineage[codes[anchors[a]]]:
                    end = anchors[a]
                    break
            self.closes[code] = end

    def context(self, table: _Table, i: int, j: int) -> float:
        """Structure evidence for row i taking code j, given where the other codes went."""
        score, fits = 0.0, False
        p = table.parent[j]
        if p >= 0:
            r = self.code_row.get(p)
            placed = False
            if r is not None and r != i:
                if r > i:
                    score -= BEFORE_PARENT
                elif self.closes[p] >= i:
                    fits = placed = True
                else:
                    score -= OUT_OF_SECTION
            else:  # the parent is not in the table: the row's neighbours may still be its siblings
                fits = any(a >= 0 and p in table.lineage[self.row_code[a]]
                                    for a in (self.prev_anchor[i], self.next_anchor[i]))
            pp = table.printed_parent[i]
            if pp is not None and pp != r:
                above = self.row_code[pp]
                if above >= 0 and above != p:
                    score -= UNDER_OTHER
                elif above < 0:
                    unlike = 0.0 if placed else table.unlike(pp, p)
                    score -= UNDER_OTHER + (UNDER_UNKNOWN - UNDER_OTHER) * unlike
        kid_rows = [r for c in table.children[j] if (r := self.code_row.get(c, i)) != i]
        if kid_rows:
            first = min(kid_rows)
            after = self.next_anchor[i]
            if first < i:
                score -= BEFORE_PARENT
            elif after == first or (after >= 0 and j in table.lineage[self.row_code[after]]):
                fits = True
            else:
                score -= OUT_OF_SECTION
        return score + (IN_SECTION if fits else 0.0)


def _printed_tree_prior(table: _Table) -> np.ndarray:
    """What the first assignment hears of structure, before there is one to read: a row
    printed under a row that reads as the code's parent leans to that code.  It settles
    look-alike rows ("Số nhiệm vụ đề ra trong kế hoạch" under 1.1 and under 1.7) from the start."""
    prior = np.zeros(table.base.shape)
    rows = [i for i, pp in enumerate(table.printed_parent) if pp is not None]
    has_parent = np.array(table.parent) >= 0
    if rows and has_parent.any():
        above = table.label[[table.printed_parent[i] for i in rows]][:, np.maximum(table.parent, 0)]
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
        state = _Assignment(table, row_code)
        total = table.base.copy()
        for i, j in pairs:
            total[i, j] += state.context(table, i, j)
        return total

    # The first assignment hears the labels, units and numbers alone (and the rows a person
    # fixed).  Then sections and the codes under them take turns, each re-assigned while the
    # other holds, in the structure the other gives: re-assigning both at once lets a pair of
    # look-alike sections ("Vận hành Cổng dịch vụ công", 3.2 and 3.5) swap back and forth
    # with their rows.  Each assignment is judged by the evidence it gives itself, and the
    # best one seen is kept.
    total = (evidence(pinned) if fixed else table.base) + _printed_tree_prior(table)
    row_code = np.where(pinned >= 0, pinned, _solve(total, eligible_label & (total >= THRESHOLD)))
    sections = np.array([bool(kids) for kids in table.children])
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
