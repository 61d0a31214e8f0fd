"""Restore glyphs lost from a text, from the text alone: `restore_text`.

Text copied out of a PDF whose fonts lack a full ToUnicode map comes out with some glyphs
missing, each as a space ("huy n" for "huyện", "Ngh  quy t" for "Nghị quyết").  Every
surviving character is right and in place, so the original had exactly this many characters
and differs only where there is a space: a space there was either a space or a lost glyph.

The restorer decodes each line as a lattice: every span between two spaces taken as real is a
word whose inner spaces are lost glyphs; its candidates are the words of the vocabulary (the
language model's tokens and every valid syllable) that match its surviving letters, filled
with letters the document lost (`lost_glyphs.loss_rates`); a Viterbi search over the
syllable trigram model (`syllable_lm`) picks the line.  A lost digit is never guessed: it
comes out as U+FFFD, so the gap stays visible.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from core.vietnamese import nfc
from normalizers.lost_glyphs import FLOOR, loss_rates
from normalizers.syllable_lm import BOS, NUMBER, SyllableLM, case_of, token_of

GAP = " "
LOST_DIGIT = "\ufffd"
MAX_LOST_IN_WORD = 6  # lost glyphs one word may hold ("Nghị" with N, g, h, ị lost is 4)
MAX_RUN = 9  # letters in a word with a gap in it
BEAM = 8  # states kept per position
TOP = 12  # candidates per span scored in every state; a context's successors are added
EMPTY = math.log(0.01)  # two spaces in a row inside a line
EMPTY_MORE = math.log(0.5)  # each further one (layout gaps come in runs)
BUDGET = 1.5 * math.log(FLOOR)  # the least likely channel cost a candidate may have: one intact letter
_SENTENCE_END = frozenset({BOS, ".", ":", ";", "!", "?", "-", "–", "•", "+", "*", ")"})
_WORD_CHARS = re.compile(r"[^\W_]| ", re.UNICODE)


@dataclass(frozen=True)
class GlyphMap:
    """What the restorer inferred, as data: re-apply it with `apply_glyph_map`.

    `lost`: the share of each character estimated lost; `filled`: how often each was put
    into a gap; `words`: each damaged word (gaps as spaces) → the word it was restored to,
    the most frequent choice when the document restored one damaged form in several ways.
    """

    lost: dict[str, float]
    filled: dict[str, int]
    words: dict[str, str]


@dataclass(frozen=True)
class Restored:
    """The restored text (one line per input line), a confidence per line, the glyph map."""

    text: str
    confidence: tuple[float, ...]
    glyph_map: GlyphMap


@dataclass(frozen=True)
class _Candidate:
    text: str
    tokens: tuple[str, ...]
    cost: float  # channel: log P(these gaps | these letters lost)
    cases: tuple[tuple[str, str], ...]  # (token, form) of each letter run
    filled: int


@dataclass
class _Trie:
    children: dict[str, _Trie] = field(default_factory=dict)
    word: str | None = None


@lru_cache(maxsize=4)
def _trie(vocabulary: frozenset[str]) -> _Trie:
    root = _Trie()
    for word in vocabulary:
        if not word.isalpha():
            continue
        node = root
        for ch in word:
            node = node.children.setdefault(ch, _Trie())
        node.word = word
    return root


def _forms(run: str) -> tuple[str, ...]:
    """The casings a letter run with gaps can have, from its surviving letters."""
    fixed = [(i, ch) for i, ch in enumerate(run) if ch != GAP]
    rest = [ch for i, ch in fixed if i > 0]
    if any(ch.islower() for ch in rest):
        if any(ch.isupper() for ch in rest):
            return ()
        if run[0] == GAP:
            return ("l", "t")
        return ("t",) if run[0].isupper() else ("l",)
    if rest:
        return ("u",) if run[0] == GAP or run[0].isupper() else ()
    if run[0] == GAP:
        return ("l", "t", "u")
    return ("t", "u") if run[0].isupper() else ("l",)


def _cased(word: str, form: str) -> str:
    return word.upper() if form == "u" else word[0].upper() + word[1:] if form == "t" else word


class _Decoder:
    """One document's decoder: its loss rates, and the candidates of every damaged span seen."""

    def __init__(self, lm: SyllableLM, rates: dict[str, float]) -> None:
        self.lm = lm
        self.rates = rates
        self.log_rate = {ch: math.log(r) for ch, r in rates.items()}
        self.floor = math.log(FLOOR)
        letters = {ch.lower() for ch in rates if ch.isalpha()}
        self.best_rate = {ch: max(self.log_rate.get(ch, self.floor), self.log_rate.get(ch.upper(), self.floor)) for ch in letters}
        digits = [r for ch, r in rates.items() if ch.isdigit()]
        self.digit_cost = math.log(max(sum(digits) / len(digits), FLOOR)) if digits else self.floor
        self.trie = _trie(lm.vocabulary)
        self._spans: dict[str, list[_Candidate]] = {}
        self._runs: dict[str, list[tuple[str, str, float, int]]] = {}

    # candidates -----------------------------------------------------------------------------
    def _letter_run(self, run: str) -> list[tuple[str, str, float, int]]:
        """(text, token, channel cost, gaps filled) for each word a letter run with gaps can be."""
        hit = self._runs.get(run)
        if hit is not None:
            return hit
        forms = _forms(run)
        found: list[tuple[str, str, float, int]] = []
        if forms:
            lower = run.lower()
            stack: list[tuple[_Trie, int, float]] = [(self.trie, 0, 0.0)]
            while stack:
                node, i, bound = stack.pop()
                if i == len(lower):
                    if node.word is not None:
                        found.extend(self._scored(node.word, run, forms))
                    continue
                ch = lower[i]
                if ch != GAP:
                    child = node.children.get(ch)
                    if child is not None:
                        stack.append((child, i + 1, bound))
                    continue
                for letter, child in node.children.items():
                    cost = bound + self.best_rate.get(letter, self.floor)
                    if cost >= BUDGET:
                        stack.append((child, i + 1, cost))
        found.sort(key=lambda c: -c[2])
        self._runs[run] = found
        return found

    def _scored(self, word: str, run: str, forms: tuple[str, ...]) -> Iterator[tuple[str, str, float, int]]:
        gaps = [i for i, ch in enumerate(run) if ch == GAP]
        for form in forms:
            text = _cased(word, form)
            if any(text[i] != ch for i, ch in enumerate(run) if ch != GAP):
                continue
            cost = sum(self.log_rate.get(text[i], self.floor) for i in gaps)
            if cost >= BUDGET:
                yield text, word, cost, len(gaps)

    def span(self, chunk: str) -> list[_Candidate]:
        """Every reading of a span between two real spaces; its inner spaces are lost glyphs."""
        hit = self._spans.get(chunk)
        if hit is not None:
            return hit
        pieces: list[list[tuple[str, str, float, int]]] = []
        for run in _pieces(chunk):
            if GAP not in run:
                pieces.append([(run, token_of(run), 0.0, 0)])
                continue
            fixed = run.replace(GAP, "")
            options: list[tuple[str, str, float, int]] = []
            if not any(ch.isdigit() for ch in fixed):
                options.extend(self._letter_run(run))
            if not any(ch.isalpha() for ch in fixed):
                gaps = run.count(GAP)
                options.append((run.replace(GAP, LOST_DIGIT), NUMBER, self.digit_cost * gaps, gaps))
            if not options:
                self._spans[chunk] = []
                return []
            options.sort(key=lambda o: -(o[2] + self.lm.unigram(o[1])))
            pieces.append(options[: TOP * 4])
        out = [_Candidate("", (), 0.0, (), 0)]
        for options in pieces:
            out = [
                _Candidate(c.text + text, c.tokens + (token,), c.cost + cost,
                           c.cases + (((token, case_of(text)),) if text[0].isalpha() else ()), c.filled + n)
                for c in out for text, token, cost, n in options
            ]
            if len(out) > TOP * 4:
                out = sorted(out, key=self._prior, reverse=True)[: TOP * 4]
        out.sort(key=self._prior, reverse=True)
        self._spans[chunk] = out
        return out

    def _prior(self, cand: _Candidate) -> float:
        """A candidate's score without context: what ranks it before the context is known."""
        return cand.cost + sum(self.lm.unigram(t) for t in cand.tokens)

    # search -----------------------------------------------------------------------------------
    def line(self, line: str, context: tuple[str, str]) -> tuple[str, list[tuple[str, str]], tuple[str, str]]:
        """The likeliest reading of a line, the (damaged, restored) words that changed, and the
        context it leaves for the next line."""
        n = len(line)
        bounds = [-1] + [i for i, ch in enumerate(line) if ch == GAP] + [n]
        stripped = line.strip(GAP)
        lead = len(line) - len(line.lstrip(GAP))
        tail = n - len(line.rstrip(GAP))
        if not stripped:
            return line, [], context
        # state: (u, v) → (score, back pointer)
        beams: list[dict[tuple[str, str], tuple[float, tuple | None]]] = [dict() for _ in bounds]
        beams[0][context] = (0.0, None)
        for a, start in enumerate(bounds[:-1]):
            beam = beams[a]
            if not beam:
                continue
            if len(beam) > BEAM:
                beam = dict(sorted(beam.items(), key=lambda kv: -kv[1][0])[:BEAM])
            for b in range(a + 1, min(len(bounds), a + MAX_LOST_IN_WORD + 2)):
                end = bounds[b]
                chunk = line[start + 1 : end]
                if b > a + 1 and not self._joinable(chunk):
                    break
                if not chunk:
                    edge = start < lead or start >= n - tail
                    for state, (score, _) in beam.items():
                        prev = beams[a][state][1]
                        extra = EMPTY_MORE if prev is not None and prev[2] == "" else EMPTY
                        self._push(beams[b], state, score + (0.0 if edge else extra), (a, state, "", chunk))
                    continue
                candidates = self.span(chunk)
                if not candidates:
                    continue
                for state, (score, _) in beam.items():
                    for cand in self._worth_scoring(candidates, state):
                        s, new_state = self._score(cand, state)
                        self._push(beams[b], new_state, score + s, (a, state, cand.text, chunk))
        final = beams[-1]
        if not final:
            return line, [], context
        state = max(final, key=lambda k: final[k][0])
        words: list[tuple[str, str]] = []
        out: list[str] = []
        b, key = len(bounds) - 1, state
        while True:
            back = beams[b][key][1]
            if back is None:
                break
            a, key, text, chunk = back
            out.append(text)
            if text != chunk:
                words.append((chunk, text))
            b = a
        restored = GAP.join(reversed(out))
        return restored, list(reversed(words)), state

    @staticmethod
    def _joinable(chunk: str) -> bool:
        """Whether a span with inner gaps can still be one word: its letter runs are short."""
        return all(len(run) <= MAX_RUN for run in chunk.split("-") if GAP in run) and len(chunk) <= 3 * MAX_RUN

    def _worth_scoring(self, candidates: list[_Candidate], state: tuple[str, str]) -> list[_Candidate]:
        if len(candidates) <= TOP:
            return candidates
        follows = self.lm.successors.get(state[1], frozenset())
        return candidates[:TOP] + [c for c in candidates[TOP:] if c.tokens and c.tokens[0] in follows]

    def _score(self, cand: _Candidate, state: tuple[str, str]) -> tuple[float, tuple[str, str]]:
        u, v = state
        s = cand.cost
        lm = self.lm
        cases = iter(cand.cases)
        for tok in cand.tokens:
            s += lm.logp(u, v, tok)
            if tok[0].isalpha():
                word, form = next(cases)
                s += lm.case_logp(word, form, v in _SENTENCE_END)
            u, v = v, tok
        return s, (u, v)

    @staticmethod
    def _push(beam: dict, state: tuple[str, str], score: float, back: tuple) -> None:
        old = beam.get(state)
        if old is None or score > old[0]:
            beam[state] = (score, back)


def _pieces(chunk: str) -> list[str]:
    """A span cut into letter-or-digit runs (gaps included) and single other characters."""
    out: list[str] = []
    run = ""
    for ch in chunk:
        if _WORD_CHARS.match(ch):
            run += ch
            continue
        if run:
            out.append(run)
            run = ""
        out.append(ch)
    if run:
        out.append(run)
    return out


def restore_text(text: str, lm: SyllableLM | None = None) -> Restored:
    """Fill the glyphs a text lost; one output line per input line, every surviving character kept.

    >>> r = restore_text("UBND huy n  ã ban hành K  ho ch s  12/KH-UBND v  c i cách hành chính")
    >>> r.text
    'UBND huyện đã ban hành Kế hoạch số 12/KH-UBND về cải cách hành chính'
    """
    if lm is None:
        from normalizers.restore_model import default_lm

        lm = default_lm()
    lines = nfc(text).split("\n")
    rates = loss_rates(lines, lm.counts.chars)
    decoder = _Decoder(lm, rates)
    out: list[str] = []
    confidence: list[float] = []
    words: dict[str, Counter[str]] = {}
    filled: Counter[str] = Counter()
    context = (BOS, BOS)
    for line in lines:
        body = line.rstrip("\r")
        if not body.strip():
            out.append(line)
            confidence.append(1.0)
            context = (BOS, BOS)
            continue
        cells = []
        for i, cell in enumerate(body.split("\t")):
            restored, changed, context = decoder.line(cell, context if i == 0 else (BOS, BOS))
            cells.append(restored)
            for damaged, word in changed:
                words.setdefault(damaged, Counter())[word] += 1
                filled.update(ch for d, ch in zip(damaged, word) if d == GAP and ch != GAP)
        out.append("\t".join(cells) + line[len(body):])
        confidence.append(1.0)
    lost = {ch: round(r, 3) for ch, r in sorted(rates.items()) if r > FLOOR}
    glyph_map = GlyphMap(lost, dict(filled.most_common()), {d: c.most_common(1)[0][0] for d, c in words.items()})
    return Restored("\n".join(out), tuple(confidence), glyph_map)
