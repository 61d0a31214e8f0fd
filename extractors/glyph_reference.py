"""The second voter on suspect glyphs: their shape against the letters of the machine's fonts.

OCR reads a glyph well only inside a word, and costs a tesseract run.  A glyph's outline
is at hand, though, and so are the fonts installed on the machine (DejaVu, Liberation,
Noto …): rendering the same letters from them gives references to match the glyph's ink
against, in milliseconds.  The document's font is seldom installed, but a Times-like or an
Arial-like face nearly always is, and within a typeface family the letters that OCR
confuses (ê/e, ơ/o, ạ/a, tone marks) differ by marks the comparison sees plainly.

A face is chosen for each document font by its name and style (bold, italic, fixed
pitch), and, when the font still has trusted letters, by how closely their shapes match
the face's.  Each suspect glyph then gets every letter of the chosen faces scored by
cosine similarity of the ink (`glyph_outlines.features`) less a penalty for ink that sits
at another height (o/O, comma/apostrophe differ only there).
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTFont

from extractors.glyph_outlines import FEATURE_SIDE, GlyphFeatures, draw_outline, features

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_VOWELS = "aăâeêioôơuưy"
_LOWER = "".join(sorted({unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES} | set("bcdđfghjklmnpqrstvwxz")))
ALPHABET = _LOWER + _LOWER.upper() + "0123456789" + ".,;:!?'\"()[]/\\-–—%&*+=<>@#$_|~“”‘’…•°§·"
_PROBE = "ươạịếđỹƯƠĐ"  # a face without these cannot stand in for a Vietnamese text font
GEOMETRY_WEIGHT = 1.5  # similarity lost per em of difference in where the ink sits
SAME_GLYPH = 0.97  # a match this close is the letter of the face itself: the document's font is installed
FACES_PER_FONT = 2
CANDIDATE_FACES = 4  # faces, best by name and style, whose letters are fitted to the font's trusted ones
FIT_LETTERS = 10
# Metric-compatible stand-ins shipped by Debian for the fonts Vietnamese reports are set in.
ALIASES = {
    "timesnewroman": "liberationserif", "times": "liberationserif", "tinos": "liberationserif",
    "arial": "liberationsans", "helvetica": "liberationsans", "arimo": "liberationsans",
    "couriernew": "liberationmono", "courier": "liberationmono", "cousine": "liberationmono",
}
_STYLE_WORDS = re.compile(r"(bold|italic|oblique|regular|book|medium|light|semibold|black|mt|ps)+$")


@dataclass(frozen=True)
class Face:
    """An installed font that can draw Vietnamese."""

    path: str
    family: str  # squashed: lower case, letters and digits only ("liberationserif")
    bold: bool
    italic: bool
    mono: bool
    serif: bool | None


def squash(name: str) -> str:
    """
    >>> squash("Times New Roman"), squash("LiberationSerif-Bold")
    ('timesnewroman', 'liberationserifbold')
    """
    return re.sub(r"[^a-z0-9]", "", name.lower())


def font_style(name: str, flags: int = 0) -> tuple[str, bool, bool, bool, bool | None]:
    """A PDF font's family (squashed, style words dropped, a Debian stand-in for a Microsoft
    font), bold, italic, fixed pitch and serif.

    >>> font_style("ABCDEE+Times New Roman Bold,Bold")
    ('liberationserif', True, False, False, True)
    >>> font_style("MPDFAA+DejaVuSansBook")
    ('dejavusans', False, False, False, False)
    """
    base = name.split("+", 1)[-1]
    lowered = squash(base)
    bold = any(w in lowered for w in ("bold", "black", "heavy", "semibold", "demi")) or bool(flags & (1 << 18))
    italic = any(w in lowered for w in ("italic", "oblique")) or bool(flags & (1 << 6))
    mono = any(w in lowered for w in ("mono", "courier", "consol")) or bool(flags & 1)
    family = _STYLE_WORDS.sub("", squash(re.split(r"[,-]", base)[0])) or lowered
    family = ALIASES.get(family, family)
    serif: bool | None = None
    if "sans" in family or family in ("liberationsans", "verdana", "tahoma", "calibri", "segoeui"):
        serif = False
    elif "serif" in family or any(w in family for w in ("roman", "times", "georgia", "cambria", "garamond")):
        serif = True
    elif flags & (1 << 1):
        serif = True
    return family, bold, italic, mono, serif


def _face(path: str) -> Face | None:
    """A text face with Latin Extended Additional (where Vietnamese letters are), read from its
    small tables only: names, OS/2 and post's header."""
    try:
        font = TTFont(path, lazy=True, fontNumber=0)
        os2 = font["OS/2"] if "OS/2" in font else None
        if os2 is None or not os2.ulUnicodeRange1 & (1 << 29):
            return None
        names = font["name"]
        family = str(names.getDebugName(16) or names.getDebugName(1) or Path(path).stem)
        subfamily = str(names.getDebugName(17) or names.getDebugName(2) or "").lower()
        if any(w in squash(subfamily) for w in ("light", "thin", "condensed", "narrow")) or "condensed" in squash(family):
            return None  # a text font is stood in for by a regular width and weight
        bold = "bold" in subfamily or os2.usWeightClass >= 600
        italic = "italic" in subfamily or "oblique" in subfamily
        mono = int.from_bytes(font.reader["post"][12:16], "big") != 0 if "post" in font.reader else False  # isFixedPitch
        serif_style = os2.panose.bSerifStyle
        serif = None if serif_style in (0, 1) else serif_style not in (11, 12, 13)
        if "sans" in squash(family):
            serif = False
        return Face(path, squash(family), bold, italic, mono, serif)
    except Exception:
        return None


@cache
def vietnamese(face: Face) -> bool:
    """Whether the face draws Vietnamese letters (its cmap is read only when it is a candidate)."""
    cmap = _reference_font(face.path)[1]
    return all(ord(ch) in cmap for ch in _PROBE)


@cache
def machine_faces() -> tuple[Face, ...]:
    """Every installed TrueType/OpenType text face, by name and style (read once per process)."""
    paths = []
    for root in FONT_DIRS:
        for folder, _, files in os.walk(os.path.expanduser(root)):
            paths += [os.path.join(folder, f) for f in files if f.lower().endswith((".ttf", ".otf"))]
    return tuple(face for path in sorted(paths) if (face := _face(path)) is not None)


@cache
def _reference_font(path: str) -> tuple[TTFont, dict[int, str], float]:
    font = TTFont(path, lazy=True, fontNumber=0)
    return font, font.getBestCmap() or {}, float(font["head"].unitsPerEm)


@cache
def reference(path: str, char: str) -> GlyphFeatures | None:
    """A letter of an installed face, rendered as the document's glyphs are."""
    font, cmap, units = _reference_font(path)
    name = cmap.get(ord(char)) if len(char) == 1 else None
    if name is None:
        return None
    glyph_set = font.getGlyphSet()
    return features(draw_outline(glyph_set[name], glyph_set, units))


@dataclass(frozen=True)
class ReferenceSet:
    """A face's letters, their parts stacked for scoring all at once."""

    letters: str
    base: np.ndarray
    above: np.ndarray  # zeros where a letter has no mark above
    has_above: np.ndarray
    below: np.ndarray
    has_below: np.ndarray
    geometry: np.ndarray  # top, bottom, width per letter


def _stack(parts: Sequence[np.ndarray | None], size: int) -> tuple[np.ndarray, np.ndarray]:
    return (np.stack([p if p is not None else np.zeros(size, np.float32) for p in parts]),
            np.array([p is not None for p in parts]))


@cache
def references(face: Face, chars: str = ALPHABET) -> ReferenceSet:
    """The face's letters among `chars`, ready to score glyphs against."""
    found = [(c, f) for c in chars if (f := reference(face.path, c)) is not None]
    above, has_above = _stack([f.above for _, f in found], (FEATURE_SIDE // 2) ** 2)
    below, has_below = _stack([f.below for _, f in found], (FEATURE_SIDE // 4) ** 2)
    return ReferenceSet("".join(c for c, _ in found), np.stack([f.base for _, f in found]), above, has_above, below,
                        has_below, np.array([(f.top, f.bottom, f.width) for _, f in found]))


def _part(glyph_part: np.ndarray | None, refs: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Similarity of one part: cosine where both have it, 1 where neither does, −0.5 where one does."""
    if glyph_part is None:
        return np.where(present, -0.5, 1.0)
    return np.where(present, refs @ glyph_part, -0.5)


def similarity(glyph: GlyphFeatures, refs: ReferenceSet) -> np.ndarray:
    """How much the glyph looks like each reference letter: its base, marks above and marks below
    compared part by part (weights 1, 0.6, 0.4), less the penalty for ink at another height or width."""
    score = (refs.base @ glyph.base + 0.6 * _part(glyph.above, refs.above, refs.has_above)
             + 0.4 * _part(glyph.below, refs.below, refs.has_below)) / 2.0
    g = refs.geometry
    where = np.abs(g[:, 0] - glyph.top) + np.abs(g[:, 1] - glyph.bottom) + 0.5 * np.abs(g[:, 2] - glyph.width)
    return score - GEOMETRY_WEIGHT * where


def _style_score(face: Face, style: tuple[str, bool, bool, bool, bool | None]) -> float:
    family, bold, italic, mono, serif = style
    score = 0.0
    if face.family == family or (family and (face.family.startswith(family) or family.startswith(face.family))):
        score += 4
    score -= 2 * (face.bold != bold) + 2 * (face.italic != italic) + 3 * (face.mono != mono)
    if serif is not None and face.serif is not None:
        score -= 2 * (face.serif != serif)
    return score


def choose_faces(fontname: str, flags: int, trusted: Sequence[tuple[str, GlyphFeatures]],
                 faces: Iterable[Face] | None = None) -> list[Face]:
    """The installed faces most like a document font: by name and style, then (when the font
    still has trusted letters) by how well those letters match each candidate's."""
    style = font_style(fontname, flags)
    ranked = sorted(faces if faces is not None else machine_faces(), key=lambda f: (-_style_score(f, style), f.path))
    families: set[str] = set()
    candidates = []
    for face in ranked:  # the best face of each family: a look-alike of another design is a second opinion
        if face.family not in families and vietnamese(face):
            families.add(face.family)
            candidates.append(face)
            if len(candidates) == CANDIDATE_FACES:
                break
    if len(trusted) >= 6 and len(candidates) > FACES_PER_FONT:
        sample = [(c, f) for c, f in trusted if c.isalnum()][:FIT_LETTERS] or list(trusted)[:FIT_LETTERS]

        def fit(face: Face) -> float:
            scores = []
            for char, glyph in sample:
                ref = reference(face.path, char)
                if ref is not None:
                    scores.append(float(ref.base @ glyph.base))
            return sum(scores) / len(scores) if scores else -1.0

        candidates = sorted(candidates, key=lambda f: -fit(f))
    return candidates[:FACES_PER_FONT]


def vote(glyph: GlyphFeatures, faces: Sequence[Face], exclude: set[str] = frozenset(), top: int = 8) -> list[tuple[str, float]]:
    """The letters a glyph most looks like in the chosen faces, best first, with their similarity
    (the best over the faces); letters in `exclude` (those the font already draws) are left out.
    The next face is rendered only when the glyph is not the same as one of the first's letters."""
    best: dict[str, float] = {}
    for face in faces:
        if best and max(best.values()) >= SAME_GLYPH:
            break
        refs = references(face)
        if not refs.letters:
            continue
        for char, score in zip(refs.letters, similarity(glyph, refs).tolist()):
            if char not in exclude and score > best.get(char, -9.0):
                best[char] = score
    return sorted(best.items(), key=lambda kv: -kv[1])[:top]
