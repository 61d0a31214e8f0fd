"""Restore glyphs lost from a text, from the text alone: `restore_text`.

Text copied out of a PDF whose fonts lack a full ToUnicode map comes out with some glyphs
missing, each as a space ("huy n" for "huyện", "Ngh  quy t" for "Nghị quyết").  Every
surviving character is right and in place, so the original had exactly this many characters
and differs only where there is a space: a space there was either a space or a lost glyph.

The restorer decodes each line as a lattice: every span between two spaces taken as real is a
word whose inner spaces are lost glyphs; its candidates are the words of the vocabulary (the
language model's tokens and every valid syllable) that match its surviving letters, filled
with letters the document lost (`lost_glyphs.loss_rates`); a Viterbi search over the
syllable trigram model (`syllable_lm`) picks the line, and the forward sum over the same
lattice says how likely that reading is.  A lost digit is never guessed: it comes out as
U+FFFD, so the gap stays visible.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property, lru_cache

from core.vietnamese import nfc
from normalizers.lost_glyphs import NOT_LOST, loss_rates
from normalizers.syllable_lm import BOS, NUMBER, SyllableLM, case_of, token_of

GAP = " "
UNSURE = 0.6  # below this confidence a line is reported as unsure (measured: most such lines hold an error)
UNFILLED = 0.25  # a gap left as a space between words: the line is most likely still broken there
LOST_DIGIT = "\ufffd"
MAX_LOST_IN_WORD = 6  # lost glyphs one word may hold ("Nghị" with N, g, h, ị lost is 4)
MAX_RUN = 9  # letters in a word with a gap in it
BEAM = 4  # states kept per position
TOP = 4  # candidates per span scored in every state; a context's successors are added
PRUNE = 6.0  # a state or candidate this far (in log-probability) below the best is dropped
BARE_NUMBER = math.log(0.05)  # gaps alone read as a lost number: only where the words around ask for one
EMPTY = math.log(0.01)  # two spaces in a row inside a line
EMPTY_MORE = math.log(0.5)  # each further one (layout gaps come in runs)
_SENTENCE_END = frozenset({BOS, ".", ":", ";", "!", "?", "-", "–", "•", "+", "*", ")"})
# a span shaped like a number: a surviving digit, gaps before "/" or "%", a mark between gaps
# ("  /KH-UBND", "  /  /    ", "    :    ")
_NUMBER_SHAPE = re.compile(r"\d| [/%]| [:.,-] ")
_PIECE = re.compile(r"(?:[^\W_]| )+|[^ ]", re.UNICODE)


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

    @property
    def unsure(self) -> tuple[int, ...]:
        """The lines (0-based) whose confidence is below `UNSURE`: check these by eye."""
        return tuple(i for i, c in enumerate(self.confidence) if c < UNSURE)

    @property
    def glyphs(self) -> int:
        """How many lost glyphs were filled in."""
        return sum(self.glyph_map.filled.values())


@dataclass(frozen=True)
class _Reading:
    """A decoded line: its text, the words it restored (damaged, restored), the context it
    leaves for the next line, and how sure the decoder is of it."""

    text: str
    changed: tuple[tuple[str, str], ...]
    context: tuple[str, str]
    confidence: float


@dataclass(frozen=True)
class _Candidate:
    """One reading of a span, with what can be scored before its context is known."""

    text: str
    tokens: tuple[str, ...]
    filled: int  # gaps it fills
    mid: float  # channel cost + casing, placed mid-sentence
    start: float  # the same where a sentence starts
    prior: float  # mid + the tokens' unigram log-probabilities: its rank without context


@lru_cache(maxsize=4)
def _cased_vocabulary(vocabulary: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """Each word of the vocabulary in lower case, capitalised and in capitals, beside the word."""
    return tuple((text, word) for word in sorted(vocabulary) if word.isalpha()
                 for text in dict.fromkeys((word, word.capitalize(), word.upper())))


class _Decoder:
    """One document's decoder: its loss rates, and the candidates of every damaged span seen."""

    def __init__(self, lm: SyllableLM, rates: dict[str, float]) -> None:
        self.lm = lm
        self.log_rate = {ch: math.log(r) for ch, r in rates.items() if r > NOT_LOST and ch.isalpha()}
        digits = [r for ch, r in rates.items() if ch.isdigit()]
        digit = max(digits, default=0.0)
        self.digit_cost = math.log(digit) if digit > NOT_LOST else None
        self._spans: dict[str, list[_Candidate] | None] = {}
        self._runs: dict[str, list[tuple[str, str, float, int]]] = {}

    # candidates -----------------------------------------------------------------------------
    def _letter_run(self, run: str) -> list[tuple[str, str, float, int]]:
        """(text, token, channel cost, gaps filled) for each word a letter run with gaps can be.

        A word fits when it shows exactly the run's surviving letters and has a lost letter in
        every gap: its skeleton (lost letters as gaps) is the run's with any surviving lost
        letter (a partly lost one) gapped too, and then its letters agree where the run has one.
        """
        hit = self._runs.get(run)
        if hit is not None:
            return hit
        gaps = [i for i, ch in enumerate(run) if ch == GAP]
        found = [
            (text, word, sum(self.log_rate[text[i]] for i in gaps), len(gaps))
            for text, word in self._skeletons.get(self._skeleton(run), ())
            if all(t == r for t, r in zip(text, run) if r != GAP)
        ]
        self._runs[run] = found
        return found

    def _skeleton(self, word: str) -> str:
        return word.translate(self._gapped)

    @cached_property
    def _gapped(self) -> dict[int, str]:
        return {ord(ch): GAP for ch in self.log_rate}

    def _dead_end(self, run: str) -> bool:
        """Whether a run with gaps and a surviving letter begins no vocabulary word, however it goes on."""
        return any(ch.isalpha() for ch in run) and self._skeleton(run) not in self._prefixes

    @cached_property
    def _prefixes(self) -> frozenset[str]:
        return frozenset(key[:i] for key in self._skeletons for i in range(1, len(key) + 1))

    @cached_property
    def _skeletons(self) -> dict[str, list[tuple[str, str]]]:
        """Every cased vocabulary word holding a lost letter, by its skeleton."""
        index: dict[str, list[tuple[str, str]]] = {}
        for text, word in _cased_vocabulary(self.lm.vocabulary):
            skeleton = text.translate(self._gapped)
            if skeleton != text:
                index.setdefault(skeleton, []).append((text, word))
        return index

    def span(self, chunk: str) -> list[_Candidate] | None:
        """Every reading of a span between two real spaces; its inner spaces are lost glyphs.
        None when no word can reach this far (a longer span cannot either)."""
        if chunk in self._spans:
            return self._spans[chunk]
        runs = _pieces(chunk)
        tail = runs[-1]
        if GAP in tail and (len(tail) > MAX_RUN or self._dead_end(tail)):
            self._spans[chunk] = None
            return None
        pieces: list[list[tuple[str, str, float, int]]] = []
        for i, run in enumerate(runs):
            if GAP not in run:
                pieces.append([(run, token_of(run), 0.0, 0)])
                continue
            fixed = run.replace(GAP, "")
            options: list[tuple[str, str, float, int]] = []
            if not any(ch.isdigit() for ch in fixed):
                options.extend(self._letter_run(run))
            if self.digit_cost is not None and not any(ch.isalpha() for ch in fixed):
                gaps = run.count(GAP)
                bare = 0.0 if _NUMBER_SHAPE.search(chunk) else BARE_NUMBER
                options.append((run.replace(GAP, LOST_DIGIT), NUMBER, self.digit_cost * gaps + bare, gaps))
            if not options:
                # a run before the last one cannot change as the span grows: no longer span can fit
                self._spans[chunk] = [] if i == len(runs) - 1 else None
                return self._spans[chunk]
            options.sort(key=lambda o: -(o[2] + self.lm.unigram(o[1])))
            pieces.append(options[: TOP * 4])
        combos: list[tuple[str, tuple[str, ...], float, int]] = [("", (), 0.0, 0)]
        for options in pieces:
            combos = [(text + t, tokens + (token,), cost + c, filled + n)
                      for text, tokens, cost, filled in combos for t, token, c, n in options][: TOP * 16]
        if len(combos) > TOP * 4:
            unigram = self.lm.unigram
            combos = sorted(combos, key=lambda c: -(c[2] + sum(map(unigram, c[1]))))[: TOP * 4]
        out = sorted((self._candidate(*combo) for combo in combos), key=lambda c: -c.prior)
        out = [c for c in out if c.prior >= out[0].prior - PRUNE]
        self._spans[chunk] = out
        return out

    def _candidate(self, text: str, tokens: tuple[str, ...], cost: float, filled: int) -> _Candidate:
        lm = self.lm
        casing = [0.0, 0.0]
        for starts in (False, True):
            prev_ends = starts
            for piece, token in zip(_pieces(text), tokens):
                if token[0].isalpha():
                    casing[starts] += lm.case_logp(token, case_of(piece), prev_ends)
                prev_ends = token in _SENTENCE_END
        mid, start = cost + casing[0], cost + casing[1]
        return _Candidate(text, tokens, filled, mid, start, mid + sum(lm.unigram(t) for t in tokens))

    # search -----------------------------------------------------------------------------------
    def line(self, line: str, context: tuple[str, str]) -> _Reading:
        """The likeliest reading of a line (or a tab-separated cell) after `context`.

        Viterbi over the span lattice; a state is the last token (the one before it rides along
        from the best path there, for the trigram), at most `BEAM` per position.  The forward
        sum rides along too, so the best reading's share of all readings is its confidence.
        """
        n = len(line)
        bounds = [-1] + [i for i, ch in enumerate(line) if ch == GAP] + [n]
        lead = len(line) - len(line.lstrip(GAP))
        trail = n - len(line.rstrip(GAP))
        if lead == n:
            return _Reading(line, (), context, 1.0)
        # per position: last token → [best score, token before it, back pointer, log of the sum]
        beams: list[dict[str, list]] = [{} for _ in bounds]
        beams[0][context[1]] = [0.0, context[0], None, 0.0]
        last = len(bounds) - 1
        for a in range(last):
            beam = beams[a]
            if not beam:
                continue
            if len(beam) > 1:
                ranked = sorted(beam.items(), key=lambda kv: -kv[1][0])[:BEAM]
                floor = ranked[0][1][0] - PRUNE
                beam = {v: entry for v, entry in ranked if entry[0] >= floor}
            start = bounds[a]
            for b in range(a + 1, min(last, a + MAX_LOST_IN_WORD + 1) + 1):
                chunk = line[start + 1 : bounds[b]]
                if not chunk:
                    free = start < lead or start >= n - trail
                    for v, (score, u, back, total) in beam.items():
                        cost = 0.0 if free else EMPTY_MORE if back is not None and back[2] is None else EMPTY
                        _push(beams[b], v, score + cost, u, (a, v, None), total + cost)
                    continue
                candidates = self.span(chunk)
                if candidates is None:
                    break
                for v, (score, u, _, total) in beam.items():
                    for cand in self._worth_scoring(candidates, v):
                        s, u2, v2 = self._score(cand, u, v)
                        _push(beams[b], v2, score + s, u2, (a, v, cand), total + s)
        final = beams[last]
        if not final:
            return _Reading(line, (), context, 0.0)
        v = max(final, key=lambda k: final[k][0])
        best = final[v][0]
        top = max(entry[3] for entry in final.values())
        sure = math.exp(best - top) / sum(math.exp(entry[3] - top) for entry in final.values())
        end_state = (final[v][1], v)
        path: list[tuple[int, _Candidate | None, int]] = []
        b = last
        while (back := beams[b][v][2]) is not None:
            a, v, cand = back
            path.append((a, cand, b))
            b = a
        path.reverse()
        texts = [cand.text if cand else "" for _, cand, _ in path]
        for i in range(1, len(texts) - 1):
            if not texts[i] and texts[i - 1] and lead <= bounds[path[i][0]] < n - trail:
                sure *= UNFILLED
        changed = tuple((line[bounds[a] + 1 : bounds[b]], cand.text) for a, cand, b in path if cand and cand.filled)
        return _Reading(GAP.join(texts), changed, end_state, sure)

    def _worth_scoring(self, candidates: list[_Candidate], v: str) -> list[_Candidate]:
        if len(candidates) <= TOP:
            return candidates
        follows = self.lm.successors.get(v, frozenset())
        return candidates[:TOP] + [c for c in candidates[TOP:] if c.tokens[0] in follows][:TOP]

    def _score(self, cand: _Candidate, u: str, v: str) -> tuple[float, str, str]:
        logp = self.lm.logp
        s = cand.start if v in _SENTENCE_END else cand.mid
        for tok in cand.tokens:
            s += logp(u, v, tok)
            u, v = v, tok
        return s, u, v

def _push(beam: dict[str, list], v: str, score: float, u: str, back: tuple, total: float) -> None:
    """A path into state `v`: kept if it is the best one there; its probability joins the sum."""
    entry = beam.get(v)
    if entry is None:
        beam[v] = [score, u, back, total]
        return
    if score > entry[0]:
        entry[0], entry[1], entry[2] = score, u, back
    high, low = (entry[3], total) if entry[3] >= total else (total, entry[3])
    entry[3] = high + math.log1p(math.exp(low - high))


def _pieces(chunk: str) -> list[str]:
    """A span cut into letter-or-digit runs (gaps included) and single other characters.

    >>> _pieces("(huy n,  C")
    ['(', 'huy n', ',', '  C']
    """
    return _PIECE.findall(chunk)


def apply_glyph_map(text: str, glyph_map: GlyphMap) -> str:
    """Re-apply the words a restoration decided to other text from the same source (another
    copy, the next export), without decoding it: each damaged word standing between spaces
    becomes its restored form, the longest first.

    >>> gmap = GlyphMap({"ệ": 1.0}, {"ệ": 1}, {"huy n": "huyện", "c a": "của"})
    >>> apply_glyph_map("UBND huy n Tuần Giáo, c a huy n", gmap)
    'UBND huyện Tuần Giáo, của huyện'
    """
    if not glyph_map.words:
        return text
    keys = sorted(glyph_map.words, key=len, reverse=True)
    pattern = re.compile(r"(?<![^ \t\n])(?:" + "|".join(map(re.escape, keys)) + r")(?![^ \t\n,.;:)])")
    return pattern.sub(lambda m: glyph_map.words[m.group()], nfc(text))


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
        sure = 1.0
        for i, cell in enumerate(body.split("\t")):
            reading = decoder.line(cell, context if i == 0 else (BOS, BOS))
            context = reading.context
            cells.append(reading.text)
            sure *= reading.confidence
            for damaged, word in reading.changed:
                words.setdefault(damaged, Counter())[word] += 1
                filled.update(ch for d, ch in zip(damaged, word) if d == GAP)
        out.append("\t".join(cells) + line[len(body):])
        confidence.append(round(sure, 3))
    lost = {ch: round(r, 3) for ch, r in sorted(rates.items()) if r > NOT_LOST}
    glyph_map = GlyphMap(lost, dict(filled.most_common()), {d: c.most_common(1)[0][0] for d, c in words.items()})
    return Restored("\n".join(out), tuple(confidence), glyph_map)
