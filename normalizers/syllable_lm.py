"""A syllable trigram language model of Vietnamese report text (interpolated Kneser–Ney).

Restoring lost glyphs is choosing, among the words a damaged run could have been, the one the
language makes likely here: "của UBND" not "cửa UBND".  Reports are a narrow register, so a
few thousand lines of clean reports make a useful model, and an analyst's own converted
reports make it better (`add_lines`).  Tokens are lower-case letter runs (syllables and
abbreviations), one token per number and per punctuation mark; how each word was cased is
counted beside it, and so is how often each character occurs (the reference a document's
letter counts are held against to find its lost glyphs).

Kneser–Ney is a dozen lines over plain dicts; a library (kenlm, nltk.lm) would add a
compiled dependency or be far slower per query than the decoder can afford.
"""
from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from core.vietnamese import nfc
from normalizers.syllables import valid_syllables

BOS = "<s>"
NUMBER = "0"
DISCOUNT = 0.75
FORMAT = 1
CACHE_LIMIT = 1_000_000  # trigram log-probabilities kept between look-ups
_TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\s]", re.UNICODE)
# log-probability of a letter run that is neither a known token nor a valid syllable, per letter
JUNK_PER_LETTER = math.log(1e-3)


def token_of(piece: str) -> str:
    """The model's token for one piece of text: lower-case letters, a number class, or the mark."""
    return NUMBER if piece[0].isdigit() else piece.lower()


def case_of(word: str) -> str:
    """l(ower), t(itle), u(pper) or m(ixed): how a letter run was cased.

    >>> [case_of(w) for w in ("huyện", "Tuần", "UBND", "N", "VneID")]
    ['l', 't', 'u', 't', 'm']
    """
    if word.islower():
        return "l"
    if word[0].isupper() and (len(word) == 1 or word[1:].islower()):
        return "t"
    return "u" if word.isupper() else "m"


@dataclass
class Counts:
    """What training leaves: trigram counts, how each word was cased, character counts."""

    trigrams: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    cases: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    chars: Counter[str] = field(default_factory=Counter)

    def add_lines(self, lines: Iterable[str]) -> Counts:
        """Count clean lines (NFC); each line, and each tab-separated cell, starts a new context.

        >>> c = Counts().add_lines(["Nghị quyết số 50/NQ-HĐND,"])
        >>> sorted(w for _, _, w in c.trigrams), dict(c.cases["hđnd"])
        ([',', '-', '/', '0', 'hđnd', 'nghị', 'nq', 'quyết', 'số'], {'u': 1})
        """
        for line in lines:
            self.chars.update(nfc(line).strip())
            for cell in nfc(line).split("\t"):
                self._add_cell(cell)
        return self

    def _add_cell(self, cell: str) -> None:
        """A table cell, or a line without tabs: a context of its own, as the decoder sees it."""
        pieces = _TOKEN.findall(cell)
        if pieces:
            seq = [BOS, BOS] + [token_of(p) for p in pieces]
            self.trigrams.update(zip(seq, seq[1:], seq[2:]))
            for piece in pieces:
                if piece[0].isalpha():
                    self.cases[piece.lower()][case_of(piece)] += 1

    def save(self, path: Path) -> None:
        """A deterministic gzip'd JSON (sorted, no timestamp), so a rebuild is byte-identical."""
        data = {
            "format": FORMAT,
            "trigrams": sorted([*k, v] for k, v in self.trigrams.items()),
            "cases": {w: dict(sorted(c.items())) for w, c in sorted(self.cases.items())},
            "chars": dict(sorted(self.chars.items())),
        }
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))

    @classmethod
    def load(cls, path: Path) -> Counts:
        data = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path}: model format {data.get('format')!r}, expected {FORMAT}")
        counts = cls()
        counts.trigrams.update({(u, v, w): c for u, v, w, c in data["trigrams"]})
        for word, forms in data["cases"].items():
            counts.cases[word].update(forms)
        counts.chars.update(data["chars"])
        return counts

    def merged(self, other: Counts) -> Counts:
        out = Counts()
        for part in (self, other):
            out.trigrams.update(part.trigrams)
            out.chars.update(part.chars)
            for word, forms in part.cases.items():
                out.cases[word].update(forms)
        return out


class SyllableLM:
    """Log-probabilities of the next token, and of a word's casing, from `Counts`."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        after2: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        left_of: dict[tuple[str, str], set[str]] = defaultdict(set)
        for (u, v, w), c in counts.trigrams.items():
            after2[(u, v)][w] = c
            left_of[(v, w)].add(u)
        self._after2 = {ctx: (sum(ws.values()), len(ws), ws) for ctx, ws in after2.items()}
        after1: dict[str, dict[str, int]] = defaultdict(dict)
        for (v, w), us in left_of.items():
            after1[v][w] = len(us)
        self._after1 = {v: (sum(ws.values()), len(ws), ws) for v, ws in after1.items()}
        cont: Counter[str] = Counter(w for ws in after1.values() for w in ws)
        self._cont = cont
        self._cont_total = sum(cont.values())
        self.vocabulary = frozenset(cont) | valid_syllables()
        self._base = math.log(1 / len(self.vocabulary))
        self._cache: dict[tuple[str, str, str], float] = {}
        self._unigrams: dict[str, float] = {}
        self._cases: dict[tuple[str, str, bool], float] = {}
        forms: Counter[str] = Counter()
        for c in counts.cases.values():
            forms.update(c)
        total = sum(forms.values()) or 1
        self._form_prior = {f: (forms[f] + 1) / (total + 4) for f in "ltum"}

    @cached_property
    def successors(self) -> dict[str, frozenset[str]]:
        """Tokens seen after each token: the candidates worth scoring beyond the likeliest."""
        return {v: frozenset(ws) for v, (_, _, ws) in self._after1.items()}

    def unigram(self, w: str) -> float:
        """log P(w) with no context: KN continuation counts over the syllable base."""
        hit = self._unigrams.get(w)
        if hit is None:
            hit = self._unigrams[w] = self._unigram(w)
        return hit

    def _unigram(self, w: str) -> float:
        base = self._base if w in self.vocabulary or not w.isalpha() else self._base + JUNK_PER_LETTER * len(w)
        total = self._cont_total
        if not total:
            return base
        p = max(self._cont.get(w, 0) - DISCOUNT, 0) / total + DISCOUNT * len(self._cont) / total * math.exp(base)
        return math.log(p)

    def logp(self, u: str, v: str, w: str) -> float:
        """log P(w | u v)."""
        key = (u, v, w)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        p = math.exp(self.unigram(w))
        one = self._after1.get(v)
        if one:
            total, types, ws = one
            p = (max(ws.get(w, 0) - DISCOUNT, 0) + DISCOUNT * types * p) / total
        two = self._after2.get((u, v))
        if two:
            total, types, ws = two
            p = (max(ws.get(w, 0) - DISCOUNT, 0) + DISCOUNT * types * p) / total
        out = math.log(p)
        if len(self._cache) >= CACHE_LIMIT:  # one shipped model serves every document of a run
            self._cache.clear()
        self._cache[key] = out
        return out

    def case_logp(self, word: str, form: str, starts: bool) -> float:
        """log P(this casing | the word), with more weight on a capital where a sentence starts."""
        key = (word, form, starts)
        hit = self._cases.get(key)
        if hit is None:
            hit = self._cases[key] = self._case_logp(word, form, starts)
        return hit

    def _case_logp(self, word: str, form: str, starts: bool) -> float:
        seen = self.counts.cases.get(word)
        prior = self._form_prior[form]
        if starts and form == "t":
            prior = max(prior, 0.5)
        n = sum(seen.values()) if seen else 0
        return math.log(((seen or {}).get(form, 0) + 2 * prior) / (n + 2))
