"""Map a document's indicator rows onto canonical codes, by meaning rather than by number.

Printed codes are unreliable (the four children of 1.2 are printed 1.1.1–1.1.4; other
provinces number differently), so a row is matched on its label, inside the section it
sits in, with its unit and printed number only as hints.  The document is walked as a
tree: a row can only take a child code of the code its parent row took, siblings are
assigned one-to-one, and a row whose parent stayed unmapped stays unmapped too.  A wrong
code is worse than none: below the threshold the code is null and the best candidates
are kept for review.  A person's decision on a row (an override) is fixed before the
walk, so the rows under it are then mapped inside the code they chose.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from core.vietnamese import match_key
from normalizers.codebook import Codebook, Indicator
from normalizers.numbers import unit_kind

THRESHOLD = 80.0
UNIT_CONFLICT_PENALTY = 15.0
CONTRAST_PENALTY = 30.0
QUALIFIED_SCORE = 90.0
MIN_QUALIFIED_WORDS = 3
MIN_WORDS_EXPLAINED = 0.8
EXTRA_WORDS_PENALTY = 15.0
PRINTED_LAST_BONUS = 3.0
CHILD_FIT_WEIGHT = 0.25
TOP_CANDIDATES = 3

# Words that flip a label's meaning while barely changing its spelling: "Số TTHC cấp tỉnh"
# is not "Số TTHC cấp xã", "gửi qua BCCI" is not "nhận qua BCCI".  Tone-keyed (see match_key).
CONTRAST_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(match_key(w) for w in group)
    for group in (("tỉnh", "huyện", "xã"), ("gửi", "nhận"), ("đã", "chưa"), ("đúng", "quá", "trễ", "sớm"))
)
_DIGITS = re.compile(r"^\d+$")
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


def row_parents(rows: list[LabelRow]) -> list[int | None]:
    """Each row's structural parent, from position and depth rather than the printed number.

    An un-numbered row belongs to the last numbered row; a numbered row of depth d to the
    nearest earlier numbered row of smaller depth — so misnumbered children (1.1.x printed
    under 1.2) still hang under 1.2.
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


def contrasts(a: str, b: str) -> bool:
    """True when two keys name different members of a contrast group, or different numbers.

    >>> contrasts(match_key("Số TTHC cấp tỉnh"), match_key("Số TTHC cấp xã"))
    True
    >>> contrasts(match_key("mức độ 3"), match_key("mức độ 4"))
    True
    >>> contrasts(match_key("Số TTHC cấp xã:"), match_key("Số TTHC cấp xã"))
    False
    """
    ta, tb = set(a.split()), set(b.split())
    for group in CONTRAST_GROUPS:
        ga, gb = ta & group, tb & group
        if ga and gb and ga != gb:
            return True
    da, db = {t for t in ta if _DIGITS.match(t)}, {t for t in tb if _DIGITS.match(t)}
    return bool(da and db and da != db)


def words_explained(row_key: str, label_key: str) -> float:
    """Share of the row's distinct words that the label also has.

    >>> round(words_explained(match_key("Kế hoạch tuyên truyền CCHC"), match_key("Kế hoạch CCHC")), 2)
    0.75
    """
    row_words = set(row_key.split())
    return len(row_words & set(label_key.split())) / len(row_words) if row_words else 0.0


def _key_similarity(row_key: str, label_key: str) -> float:
    """Edit similarity, adjusted for qualifiers and contrasting words.

    A row that is the label plus a trailing qualifier is that indicator: "Tổng số đơn vị sự
    nghiệp công lập trên địa bàn huyện" is "Tổng số đơn vị sự nghiệp công lập".  A row
    that says much the label does not ("Kế hoạch tuyên truyền CCHC" against "Kế hoạch
    CCHC") is something narrower, however close the spelling; and a row shorter than the
    label gets no help: "Dịch vụ công trực tuyến" is not "Dịch vụ công trực tuyến, Bưu
    chính công ích".
    """
    s = fuzz.ratio(row_key, label_key)
    if len(label_key.split()) >= MIN_QUALIFIED_WORDS and row_key.startswith(label_key + " "):
        s = max(s, QUALIFIED_SCORE)
    elif words_explained(row_key, label_key) < MIN_WORDS_EXPLAINED:
        s -= EXTRA_WORDS_PENALTY
    if contrasts(row_key, label_key):
        s -= CONTRAST_PENALTY
    return s


def label_similarity(key: str, indicator: Indicator) -> float:
    """0–100 similarity of a row's match key to an indicator's label or aliases."""
    return max(_key_similarity(key, k) for k in indicator.keys)


def _unit_penalty(unit: str, label: str, indicator: Indicator) -> float:
    """Penalise a percent row on a count indicator and vice versa; blank units say nothing."""
    kind = unit_kind(unit)
    if kind is None or indicator.kind == "group":
        return 0.0
    if (kind == "percent") != (indicator.kind == "percent"):
        return UNIT_CONFLICT_PENALTY
    return 0.0


class _Mapper:
    """One document's mapping state: row keys, the tree, codes already taken."""

    def __init__(self, rows: list[LabelRow], codebook: Codebook, decided: Mapping[int, str | None]) -> None:
        self.rows = rows
        self.codebook = codebook
        self.decided = decided
        self.keys = [match_key(r.label) for r in rows]
        parents = row_parents(rows)
        self.children: dict[int | None, list[int]] = {}
        for i, p in enumerate(parents):
            self.children.setdefault(p, []).append(i)
        self.result: list[CodeMatch | None] = [None] * len(rows)
        self.taken: set[str] = {code for code in decided.values() if code}

    def score(self, i: int, ind: Indicator) -> float:
        row = self.rows[i]
        s = label_similarity(self.keys[i], ind)
        kids = [k for k in self.children.get(i, []) if self.keys[k]]
        ind_kids = self.codebook.children(ind.code)
        if kids and ind_kids:
            fit = sum(max(label_similarity(self.keys[k], c) for c in ind_kids) for k in kids) / len(kids)
            s = (1 - CHILD_FIT_WEIGHT) * s + CHILD_FIT_WEIGHT * fit
        s -= _unit_penalty(row.unit, row.label, ind)
        parts = printed_parts(row.code_printed)
        if parts and not ind.is_lettered and parts[-1] == ind.code.split(".")[-1]:
            s += PRINTED_LAST_BONUS
        return s

    def candidates_for(self, i: int, parent_code: str | None, has_parent: bool) -> tuple[Indicator, ...]:
        numbered = printed_parts(self.rows[i].code_printed) is not None
        if has_parent:
            pool = self.codebook.children(parent_code)
        else:
            parts = printed_parts(self.rows[i].code_printed)
            pool = self.codebook.at_level(len(parts)) if parts else ()
        return tuple(c for c in pool if c.is_lettered != numbered and c.code not in self.taken)

    def review_candidates(self, i: int) -> tuple[tuple[str, float], ...]:
        """Best codes anywhere in the codebook, kept for a person to decide."""
        scored = sorted(
            ((ind.code, round(label_similarity(self.keys[i], ind), 1)) for ind in self.codebook.indicators),
            key=lambda t: -t[1],
        )
        return tuple(scored[:TOP_CANDIDATES])

    def assign(self, parent_row: int | None, parent_code: str | None, mapped_parent: bool) -> None:
        rows = self.children.get(parent_row, [])
        free = [i for i in rows if i not in self.decided]
        if parent_row is not None and not mapped_parent:
            for i in free:
                self.result[i] = CodeMatch(None, 0.0, self.review_candidates(i))
                self.assign(i, None, False)
            self._assign_decided(rows)
            return
        has_parent = parent_row is not None
        scored = {i: {c.code: self.score(i, c) for c in self.candidates_for(i, parent_code, has_parent)} for i in free}
        pairs = sorted(((-s, i, code) for i, cs in scored.items() for code, s in cs.items()))
        chosen: dict[int, tuple[str, float]] = {}
        for neg, i, code in pairs:
            s = -neg
            if s < THRESHOLD:
                break
            if i in chosen or code in self.taken:
                continue
            chosen[i] = (code, min(s, 100.0))
            self.taken.add(code)
        for i in free:
            top = tuple(sorted(((c, round(min(s, 100.0), 1)) for c, s in scored[i].items()), key=lambda t: -t[1])[:TOP_CANDIDATES])
            if i in chosen:
                code, s = chosen[i]
                self.result[i] = CodeMatch(code, round(s, 1), top)
            else:
                self.result[i] = CodeMatch(None, top[0][1] if top else 0.0, top or self.review_candidates(i))
            self.assign(i, chosen[i][0] if i in chosen else None, i in chosen)
        self._assign_decided(rows)

    def _assign_decided(self, rows: list[int]) -> None:
        """Rows a person decided keep their code (or none), and their rows are mapped under it."""
        for i in rows:
            if i in self.decided:
                code = self.decided[i]
                self.result[i] = CodeMatch(code, 100.0, self.review_candidates(i), decided=True)
                self.assign(i, code, code is not None)


def map_rows(rows: list[LabelRow], codebook: Codebook, decided: Mapping[int, str | None] | None = None) -> list[CodeMatch]:
    """Codes for a document's indicator rows, in order (one-to-one within the document);
    `decided` fixes rows, by position, to a person's code (None: the row has no code)."""
    mapper = _Mapper(rows, codebook, decided or {})
    mapper.assign(None, None, True)
    return [m if m is not None else CodeMatch(None, 0.0) for m in mapper.result]
