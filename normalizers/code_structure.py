"""The codebook's tree as evidence: what one assignment of codes says of each row's place.

The mapper gives codes one-to-one, then reads the structure off that assignment: a code's
parent should be given to an earlier row with nothing of another section between, its
children should follow it, a row among its siblings fits, and a row printed under a row
that took no code pays unless something else places it.  The next assignment hears this.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from normalizers.codebook import Codebook

IN_SECTION = 5.0
OUT_OF_SECTION = 30.0
BEFORE_PARENT = 40.0
UNDER_UNKNOWN = 30.0  # printed under a row that is no indicator, and placed by nothing else
UNDER_OTHER = 4.0  # printed under a row that took another code


@dataclass(frozen=True)
class Tree:
    """A codebook's codes by column: parent (-1 at the top), children, and lineage (a code with its ancestors)."""

    parent: tuple[int, ...]
    children: tuple[tuple[int, ...], ...]
    lineage: tuple[frozenset[int], ...]


@lru_cache(maxsize=16)
def tree(codebook: Codebook) -> Tree:
    col = {ind.code: j for j, ind in enumerate(codebook.indicators)}
    parent = tuple(col.get(ind.parent, -1) if ind.parent else -1 for ind in codebook.indicators)
    children: list[list[int]] = [[] for _ in parent]
    for j, p in enumerate(parent):
        if p >= 0:
            children[p].append(j)
    lineage = []
    for j in range(len(parent)):
        chain, p = {j}, parent[j]
        while p >= 0:
            chain.add(p)
            p = parent[p]
        lineage.append(frozenset(chain))
    return Tree(parent, tuple(tuple(c) for c in children), tuple(lineage))


class Structure:
    """One assignment (each row's code column, -1 for none) and what it says of each row's
    place; `unlike(i, j)` says how surely row i, left without a code, is not code j reworded."""

    def __init__(self, tree: Tree, row_code: np.ndarray, printed_parent: Sequence[int | None],
                 unlike: Callable[[int, int], float]) -> None:
        self.tree, self.printed_parent, self.unlike = tree, printed_parent, unlike
        codes = row_code.tolist()  # read one by one below: plain ints are much faster than numpy's
        self.row_code = codes
        anchors = [i for i, c in enumerate(codes) if c >= 0]
        self.code_row = {codes[i]: i for i in anchors}
        n = len(codes)
        self.next_anchor, self.prev_anchor = [-1] * n, [-1] * n  # the nearest rows with a code, either side
        following = preceding = -1
        for i in range(n):
            self.prev_anchor[i], self.next_anchor[n - 1 - i] = preceding, following
            preceding = i if codes[i] >= 0 else preceding
            following = n - 1 - i if codes[n - 1 - i] >= 0 else following
        # where each assigned code's section closes: the first later row given a code outside it
        self.closes: dict[int, int] = {}
        for k, r in enumerate(anchors):
            code, end = codes[r], n
            for a in range(k + 1, len(anchors)):
                if code not in tree.lineage[codes[anchors[a]]]:
                    end = anchors[a]
                    break
            self.closes[code] = end

    def context(self, i: int, j: int) -> float:
        """Structure evidence for row i taking code j, given where the other codes went."""
        score, fits = 0.0, False
        p = self.tree.parent[j]
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
                fits = any(a >= 0 and p in self.tree.lineage[self.row_code[a]] for a in (self.prev_anchor[i], self.next_anchor[i]))
            pp = self.printed_parent[i]
            if pp is not None and pp != r:
                above = self.row_code[pp]
                if above >= 0 and above != p:
                    score -= UNDER_OTHER
                elif above < 0:
                    unlike = 0.0 if placed else self.unlike(pp, p)
                    score -= UNDER_OTHER + (UNDER_UNKNOWN - UNDER_OTHER) * unlike
        kid_rows = [r for c in self.tree.children[j] if (r := self.code_row.get(c, i)) != i]
        if kid_rows:
            first = min(kid_rows)
            after = self.next_anchor[i]
            if first < i:
                score -= BEFORE_PARENT
            elif after == first or (after >= 0 and j in self.tree.lineage[self.row_code[after]]):
                fits = True
            else:
                score -= OUT_OF_SECTION
        return score + (IN_SECTION if fits else 0.0)
