"""Decide what the suspect glyphs of a font are: their shapes' votes, and OCR of a few words.

A font whose ToUnicode map is missing, partial or false loses letters from the text layer
(`glyph_audit` finds which).  Full-page OCR would read them again but is slow and drops
diacritics, while the text layer is right wherever it is mapped, and a font draws the same
letter with the same glyph on every page.  So, per font:

1. the shape voter (`glyph_reference`) ranks letters by how much each glyph looks like
   them in the machine's fonts; a glyph it recognises outright needs nothing more;
2. for the others, pick a few words holding each glyph, preferring words with few unknowns;
3. crop those words from the rendered pages, stack them into one image per core and
   OCR them (tesseract `vie`);
4. align each OCR'd word with its known letters, so each unknown glyph gets a vote;
5. vote a glyph → character map per font from both voters (a character the font already
   maps cannot be a suspect glyph too, and two glyphs cannot be the same character; the
   Vietnamese syllable shape settles vowel marks: ê/e, ơ/o, ư/u, â/ă/a, đ/d);
6. the map (`GlyphMap`, plain data that can be saved and re-applied) then decodes every
   occurrence on every page, each glyph with its confidence.
"""
from __future__ import annotations

import json
import math
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image
from rapidfuzz.distance import Levenshtein

from core.vietnamese import TONE_MARKS, is_syllable
from extractors.glyph_reference import SAME_GLYPH
from extractors.tesseract import cores, mosaic, mosaic_lines, ocr_many

UNREADABLE = "\ufffd"
PER_GLYPH = 4  # occurrences of each glyph to OCR in the first round
MAX_ROUNDS = 3
RENDER_DPI = 300
TARGET_HEIGHT = 56  # pixels: words are scaled to this height, which tesseract reads best
MAX_KNOWN_ERRORS = 0.34  # share of a word's known letters OCR may miss before its votes are dropped
_PLACEHOLDER = 0xE000  # private-use code points stand for unknown glyphs during alignment
_QUALITY_GROUPS = ("aăâ", "eê", "oôơ", "uư", "dđ")
# OCR cannot tell dashes apart, their widths can: hyphen ~1/3 em, en dash 1/2, em dash 1.
_DASHES = ((0.42, "-"), (0.75, "–"), (math.inf, "—"))
SHAPE_TEMPERATURE = 0.01  # similarity lead that makes one letter e times likelier than another, for the font's own letters
LOOKALIKE_TEMPERATURE = 0.05  # the same for a look-alike face, whose near letters score closer by chance
SHAPE_WEIGHT = 3.0  # a shape matched as the font's own letter outweighs OCR and the syllable test
LOOKALIKE_WEIGHT = 0.5  # a look-alike face's ranking breaks ties between readings OCR leaves open
SHAPE_SURE_ODDS = 0.8
_REPAIR_MAP = re.compile(r", map (\{.*\})\)$")

Part = str | int  # a known character, or the id of a suspect glyph
Ranking = list[tuple[str, float]]  # letters a glyph's shape looks like, best first, with their similarity


@dataclass(frozen=True)
class GlyphWord:
    """A word containing unmapped glyphs: where it is drawn and what is known of it."""

    font: str
    page: int  # 1-based
    bbox: tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points
    parts: tuple[Part, ...]
    widths: tuple[float, ...] = ()  # each glyph's advance as a share of the font size

    @property
    def unknown(self) -> set[int]:
        return {p for p in self.parts if isinstance(p, int)}


@dataclass
class GlyphMap:
    """One font's rebuilt glyph → character map, with a 0–1 confidence per glyph."""

    font: str
    chars: dict[int, str] = field(default_factory=dict)
    confidence: dict[int, float] = field(default_factory=dict)
    unresolved: set[int] = field(default_factory=set)

    def decode(self, cid: int) -> str | None:
        """The glyph's character; U+FFFD for a glyph no OCR could settle, so text never holds "(cid:N)"."""
        return self.chars.get(cid, UNREADABLE if cid in self.unresolved else None)

    def as_dict(self) -> dict:
        """Plain data (JSON-ready) to save the map and re-apply it without OCR."""
        return {"font": self.font, "chars": {str(k): v for k, v in sorted(self.chars.items())},
                "confidence": {str(k): v for k, v in sorted(self.confidence.items())}, "unresolved": sorted(self.unresolved)}

    @classmethod
    def from_dict(cls, data: dict) -> GlyphMap:
        return cls(font=data["font"], chars={int(k): v for k, v in data["chars"].items()},
                   confidence={int(k): float(v) for k, v in data["confidence"].items()},
                   unresolved={int(c) for c in data.get("unresolved", [])})

    def repair_label(self, decoded: int) -> str:
        """The page's record of this repair: a summary, then the map itself (JSON), so a page's
        `repairs` can be re-applied (`maps_from_repairs`)."""
        mean = sum(self.confidence.values()) / len(self.confidence) if self.confidence else 0.0
        label = (f"font_repair({self.font.split('+', 1)[-1]}: {len(self.chars)} glyphs rebuilt, "
                 f"{decoded} characters decoded here, mean confidence {mean:.2f}")
        if self.unresolved:
            label += f", {len(self.unresolved)} unresolved"
        return label + f", map {json.dumps(self.as_dict(), ensure_ascii=False, separators=(',', ':'))})"


def maps_from_repairs(repairs: Iterable[str]) -> dict[str, GlyphMap]:
    """The glyph maps recorded in pages' `repairs` (e.g. text.parquet's column, split on "; "),
    by font: what `extract_pdf(path, glyph_maps=...)` takes to decode the file again without voting.

    >>> label = GlyphMap("AB+F", {7: "ư"}, {7: 0.9}).repair_label(3)
    >>> label[: label.index(", map")]
    'font_repair(F: 1 glyphs rebuilt, 3 characters decoded here, mean confidence 0.90'
    >>> maps_from_repairs(["compose_marks", label])["AB+F"].chars
    {7: 'ư'}
    """
    out = {}
    for repair in repairs:
        found = _REPAIR_MAP.search(repair) if repair.startswith("font_repair(") else None
        if found:
            glyphs = GlyphMap.from_dict(json.loads(found.group(1)))
            out[glyphs.font] = glyphs
    return out


def glyph_words(words: Iterable[dict], page_number: int, glyph_of: Callable[[dict], int | None],
                font_of: Callable[[int], str]) -> list[GlyphWord]:
    """Words (pdfplumber's, with their chars) that hold at least one undecided glyph: `glyph_of`
    gives a char's glyph id (None for a char whose text is known), `font_of` a glyph's font."""
    out = []
    for word in words:
        chars = word["chars"]
        parts: list[Part] = []
        for ch in chars:
            glyph = glyph_of(ch)
            parts.append(glyph if glyph is not None else ch["text"])
        unknown = [p for p in parts if isinstance(p, int)]
        if unknown:
            widths = tuple(round((ch["x1"] - ch["x0"]) / (ch.get("size") or 1), 3) for ch in chars)
            out.append(GlyphWord(font=font_of(unknown[0]), page=page_number,
                                 bbox=(word["x0"], word["top"], word["x1"], word["bottom"]), parts=tuple(parts), widths=widths))
    return out


def select_words(words: list[GlyphWord], per_glyph: int, skip: set[int] | None = None,
                 need: set[tuple[str, int]] | None = None) -> list[int]:
    """Indexes of words to OCR so each glyph is seen `per_glyph` times, easiest words first.

    Words with fewer unknown glyphs and more known letters align best with their OCR.
    """
    skip = skip or set()
    order = sorted(
        (i for i in range(len(words)) if i not in skip),
        key=lambda i: (len(words[i].unknown) / len(words[i].parts), -len(words[i].parts)),
    )
    seen: Counter[tuple[str, int]] = Counter()
    chosen = []
    for i in order:
        keys = {(words[i].font, cid) for cid in words[i].unknown}
        if need is not None:
            keys &= need
        if any(seen[k] < per_glyph for k in keys):
            chosen.append(i)
            seen.update(keys)
    return chosen


def _crop(page_image: Image.Image, bbox: tuple[float, float, float, float], scale: float) -> Image.Image:
    x0, top, x1, bottom = bbox
    pad = (bottom - top) * 0.25
    box = (
        max(int((x0 - pad) * scale), 0),
        max(int((top - pad) * scale), 0),
        min(int((x1 + pad) * scale), page_image.width),
        min(int((bottom + pad) * scale), page_image.height),
    )
    crop = page_image.crop(box)
    factor = TARGET_HEIGHT / max((bottom - top) * scale, 1)
    return crop.resize((max(int(crop.width * factor), 1), max(int(crop.height * factor), 1)), Image.LANCZOS)


def ocr_glyph_words(pdf_path: str | Path, words: list[GlyphWord]) -> list[tuple[str, float]]:
    """OCR text and confidence of each word, read from the rendered pages in few tesseract runs."""
    scale = RENDER_DPI / 72
    crops = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        rendered: dict[int, Image.Image] = {}
        for w in words:
            if w.page not in rendered:
                rendered[w.page] = pdf[w.page - 1].render(scale=scale, grayscale=True).to_pil().convert("L")
            crops.append(_crop(rendered[w.page], w.bbox, scale))
    finally:
        pdf.close()
    n = max(min(cores(), len(crops)), 1)
    chunks = [crops[i::n] for i in range(n)]
    sheets = [mosaic(chunk, TARGET_HEIGHT // 2) for chunk in chunks if chunk]
    results = ocr_many([sheet for sheet, _ in sheets])
    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    for k, ((_, spans), found) in enumerate(zip(sheets, results)):
        for j, line in enumerate(mosaic_lines(found, spans, TARGET_HEIGHT / 4)):
            out[k + j * n] = line
    return out


def align_votes(parts: tuple[Part, ...], ocr: str) -> dict[int, str] | None:
    """What each unknown glyph reads as, by aligning the OCR text with the known letters.

    None when the OCR disagrees with too many known letters to be trusted.

    >>> align_votes(("V", "i", 7, "t"), "Việt")
    {7: 'ệ'}
    >>> align_votes(("h", "u", "y", 3, "n"), "huyện")
    {3: 'ệ'}
    >>> align_votes((1, 2), "đư")
    {1: 'đ', 2: 'ư'}
    >>> align_votes(("a", "b", "c", 4), "xyz") is None
    True
    """
    template = "".join(p if isinstance(p, str) else chr(_PLACEHOLDER + i) for i, p in enumerate(parts))
    known = sum(isinstance(p, str) for p in parts)
    unknown_share = 1 - known / len(parts)
    if unknown_share > 0.5 and len(ocr) != len(template):
        return None  # too little to anchor on: only a same-length reading aligns unambiguously
    ops = Levenshtein.editops(template, ocr)
    placeholder_ops = {op.src_pos for op in ops if op.src_pos < len(template) and ord(template[op.src_pos]) >= _PLACEHOLDER}
    errors = sum(1 for op in ops if not (op.tag in ("replace", "delete") and op.src_pos in placeholder_ops))
    if known and errors / known > MAX_KNOWN_ERRORS:
        return None
    votes = {}
    for op in ops:
        if op.tag == "replace" and op.src_pos in placeholder_ops:
            votes[parts[op.src_pos]] = ocr[op.dest_pos]
    return votes


def _variants(char: str) -> set[str]:
    """What OCR may have misread a letter for: its other case and other vowel-quality marks, tone kept.

    >>> sorted(_variants("é"))
    ['É', 'é', 'Ế', 'ế']
    """
    decomposed = unicodedata.normalize("NFD", char)
    tone = "".join(ch for ch in decomposed if ch in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS)).lower()
    group = next((g for g in _QUALITY_GROUPS if base in g), base)
    marked = {unicodedata.normalize("NFC", unicodedata.normalize("NFD", v) + tone) for v in group}
    return marked | {v.upper() for v in marked}


def _well_formed(word: str) -> bool:
    """A Vietnamese syllable in lower case, capitalised or all capitals ("NghỊ" is a misread).

    >>> _well_formed("Nghị"), _well_formed("NGHỊ"), _well_formed("NghỊ"), _well_formed("Ngjị")
    (True, True, False, False)
    """
    return is_syllable(word) and (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower()))


def _validity(words: list[GlyphWord], cid: int, char: str, best: dict[int, str]) -> float:
    """Share of the words holding this glyph among letters that spell a Vietnamese syllable with it.

    A word of this glyph alone says nothing ("E" and "3" are both fine cells), nor does one
    with digits or punctuation in it.
    """
    spelled = []
    for w in words:
        if len(w.parts) < 2 or not all(p.isalpha() for p in w.parts if isinstance(p, str)):
            continue
        text = "".join(char if p == cid else best.get(p, "?") if isinstance(p, int) else p for p in w.parts)
        spelled.append(text.isalpha() and _well_formed(text))
    return sum(spelled) / len(spelled) if spelled else 0.0


def _glyph_width(words: list[GlyphWord], cid: int) -> float | None:
    widths = [w.widths[i] for w in words for i, p in enumerate(w.parts) if p == cid and i < len(w.widths)]
    return statistics.median(widths) if widths else None


def _dash(width: float) -> str:
    """Hyphen, en dash or em dash by the glyph's width as a share of the font size.

    >>> _dash(0.36), _dash(0.5), _dash(1.0)
    ('-', '–', '—')
    """
    return next(dash for limit, dash in _DASHES if width < limit)


def shape_odds(ranking: Ranking) -> dict[str, float]:
    """The shape voter's ranking as probabilities (a softmax over similarities).

    >>> {c: round(p, 2) for c, p in shape_odds([("ư", 0.99), ("u", 0.97)]).items()}
    {'ư': 0.88, 'u': 0.12}
    """
    if not ranking:
        return {}
    top = ranking[0][1]
    temperature = SHAPE_TEMPERATURE if top >= SAME_GLYPH else LOOKALIKE_TEMPERATURE
    weights = {char: math.exp((score - top) / temperature) for char, score in ranking}
    total = sum(weights.values())
    return {char: w / total for char, w in weights.items()}


def shape_settled(ranking: Ranking) -> bool:
    """Whether the shape alone settles a glyph: a near-identical match well ahead of the next."""
    return bool(ranking) and ranking[0][1] >= SAME_GLYPH and shape_odds(ranking)[ranking[0][0]] >= SHAPE_SURE_ODDS


def _shape_weight(ranking: Ranking) -> float:
    if not ranking:
        return 0.0
    return SHAPE_WEIGHT if ranking[0][1] >= SAME_GLYPH else LOOKALIKE_WEIGHT * _shape_quality(ranking)


def _shape_quality(ranking: Ranking) -> float:
    """How far to trust a ranking at all: 1 for the font's own letters, less for a look-alike face."""
    return min(max((ranking[0][1] - 0.6) / 0.37, 0.0), 1.0) if ranking else 0.0


def vote_map(font: str, words: list[GlyphWord], votes: list[tuple[GlyphWord, dict[int, str], float]],
             known: set[str], shapes: Mapping[int, Ranking] | None = None) -> GlyphMap:
    """One font's map from all its votes: each glyph one character, no character twice.

    A candidate scores its share of the OCR votes, its shape probability (three times it for a
    shape matched as the font's own letter, a fraction of it for a look-alike face's), and twice
    the share of the glyph's words it spells as a Vietnamese syllable; the confidence combines
    both voters as independent evidence.
    """
    shapes = shapes or {}
    tally: dict[int, Counter[str]] = defaultdict(Counter)
    for _, vote, confidence in votes:
        for cid, char in vote.items():
            tally[cid][char] += max(confidence, 0.1)
    by_glyph: dict[int, list[GlyphWord]] = defaultdict(list)
    for w in words:
        for cid in w.unknown:
            by_glyph[cid].append(w)
    odds = {cid: shape_odds(shapes[cid]) for cid in by_glyph if shapes.get(cid)}
    best = {cid: counts.most_common(1)[0][0] for cid, counts in tally.items()}
    best.update({cid: max(o, key=o.get) for cid, o in odds.items() if cid not in best})
    scored = []
    exact_glyphs = set()
    for cid in sorted(set(tally) | set(odds)):
        counts = tally.get(cid, Counter())
        total = sum(counts.values())
        shape = odds.get(cid, {})
        exact = _shape_weight(shapes.get(cid, [])) == SHAPE_WEIGHT
        if exact:  # the font's own letter: OCR may only choose among the near shapes
            shape = {char: p for char, p in shape.items() if p >= 0.01}
            exact_glyphs.add(cid)
        candidates = (set().union(*(_variants(c) for c in counts)) | set(shape)) - known
        width = _glyph_width(by_glyph[cid], cid)
        if best[cid] in {dash for _, dash in _DASHES} and width is not None and not shape:
            candidates = {_dash(width)}  # OCR reads every dash as "-"; without its shape, its width tells
        for char in candidates:
            share = counts.get(char, 0.0) / total if total else 0.0
            likeness = shape.get(char, 0.0) * _shape_weight(shapes.get(cid, []))
            validity = 0.0 if exact else _validity(by_glyph[cid], cid, char, best)
            scored.append((share + likeness + 2 * validity, share, cid, char))
    out = GlyphMap(font=font)
    used: set[str] = set()
    for score, share, cid, char in sorted(scored, reverse=True):
        if cid in out.chars or (char in used and cid not in exact_glyphs):
            continue  # two glyphs that are each exactly a letter are both it (two versions of one font)
        out.chars[cid] = char
        used.add(char)
        seen = sum(tally[cid].values()) if cid in tally else 0.0
        from_ocr = min(1.0, seen / 2) * share
        from_shape = odds.get(cid, {}).get(char, 0.0) * _shape_quality(shapes.get(cid, []))
        either = 1 - (1 - from_ocr) * (1 - from_shape)
        out.confidence[cid] = round(either if either > 0 else 0.5 * min(score / 3, 1.0), 3)
    out.unresolved = set(by_glyph) - set(out.chars)
    return out


def rebuild_maps(pdf_path: str | Path, words: list[GlyphWord], known: dict[str, set[str]],
                 shapes: Mapping[int, Ranking] | None = None) -> dict[str, GlyphMap]:
    """Glyph maps for every font with suspect glyphs.  Glyphs the shape voter settles are not
    OCR'd; the others are, in rounds of more words until each has been read twice."""
    shapes = shapes or {}
    votes: dict[str, list[tuple[GlyphWord, dict[int, str], float]]] = defaultdict(list)
    done: set[int] = set()
    need = {(w.font, cid) for w in words for cid in w.unknown if not shape_settled(shapes.get(cid, []))}
    for round_ in range(MAX_ROUNDS if need else 0):
        chosen = select_words(words, PER_GLYPH * (round_ + 1), skip=done, need=need)
        if not chosen:
            break
        texts = ocr_glyph_words(pdf_path, [words[i] for i in chosen])
        for i, (text, confidence) in zip(chosen, texts):
            done.add(i)
            vote = align_votes(words[i].parts, text) if text else None
            if vote:
                votes[words[i].font].append((words[i], vote, confidence))
        seen = Counter((w.font, cid) for w, vote, _ in (v for vs in votes.values() for v in vs) for cid in vote)
        need = {key for key in need if seen[key] < 2}
        if not need:
            break
    fonts = sorted({w.font for w in words})
    return {
        font: vote_map(font, [w for w in words if w.font == font], votes.get(font, []), known.get(font, set()), shapes)
        for font in fonts
    }
