"""Text repairs for Vietnamese strings, in ftfy's style: small named fixes and a plan.

Each fix mends one kind of breakage and is a no-op on text without it, so the fixes
can be tried in a fixed order and only those that changed something are recorded.
`repair_text` returns that plan as data: `apply_plan` re-applies it to other text from
the same source, and the pipeline stores it per page so a reader can see what was done.

Repairs that need to know a glyph's font (legacy 8-bit fonts, unmapped PDF glyphs) are
done where fonts are known, in the extractors; what is left here works on any string.

Tone-mark placement: the sources mix the old style ("hòa", "thủy") and the new one
("hoà", "thuỷ") even within one report, and outputs keep what the issuer typed, so the
default is "keep"; matching never depends on placement (`vietnamese.tone_key`).  When
one canonical form is wanted, "old" is the one we recommend — it is what Vietnamese
keyboards (Unikey, the OS input methods) produce by default and what most government
documents use — and "new" is there for those who follow the 2018 school convention.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import ftfy

from core import legacy
from core.model import Document
from core.vietnamese import TONE_MARKS, syllable_score

ToneStyle = Literal["keep", "old", "new"]
TONE_STYLES: tuple[ToneStyle, ...] = ("keep", "old", "new")
Fix = Callable[[str], str]

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Open syllables whose nucleus is oa / oe / uy: the only place the two styles differ.
# "qu" is an onset ("quý" is the same in both styles), so it is excluded before "uy".
_OPEN_DIPHTHONG = re.compile(r"^(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|[bcdđghklmnprstvx])?(oa|oe|uy)$")


def fix_mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252 or Latin-1, undone by ftfy (and nothing else of ftfy's).

    >>> fix_mojibake("Cáº£i cÃ¡ch hÃ\xa0nh chÃ\xadnh")
    'Cải cách hành chính'
    >>> fix_mojibake("Cải cách “hành chính”")
    'Cải cách “hành chính”'
    """
    return ftfy.fix_encoding(text)


def compose_marks(text: str) -> str:
    """Decomposed marks (NFD) composed, so equal-looking words compare equal.

    >>> compose_marks("Ca\u0309i") == "Cải"
    True
    """
    return unicodedata.normalize("NFC", text)


def _place_tone(word: str, on_first: bool) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    found = _OPEN_DIPHTHONG.match(base.lower())
    if not found:
        return word
    target = found.start(2) + (0 if on_first else 1)
    marked = unicodedata.normalize("NFC", unicodedata.normalize("NFD", base[target]) + tones[0])
    return base[:target] + marked + base[target + 1 :]


def place_tones_old(text: str) -> str:
    """Tone marks of open oa/oe/uy syllables on the first vowel (the old style).

    >>> place_tones_old("Cộng hoà, thuỷ lợi, khoẻ, quý, hoàn")
    'Cộng hòa, thủy lợi, khỏe, quý, hoàn'
    """
    return _WORD.sub(lambda m: _place_tone(m.group(), on_first=True), text)


def place_tones_new(text: str) -> str:
    """Tone marks of open oa/oe/uy syllables on the second vowel (the new style).

    >>> place_tones_new("Cộng hòa, thủy lợi, Ủy ban, quý, hoàn")
    'Cộng hoà, thuỷ lợi, Uỷ ban, quý, hoàn'
    """
    return _WORD.sub(lambda m: _place_tone(m.group(), on_first=False), text)


def _legacy_fix(encoding: str) -> Fix:
    def fix(text: str) -> str:
        return legacy.decode(text, encoding)

    fix.__name__ = f"decode_{encoding}"
    fix.__doc__ = f"Text typed in the {encoding.upper()} legacy encoding, decoded to Unicode."
    return fix


FIXES: dict[str, Fix] = {
    "fix_mojibake": fix_mojibake,
    "compose_marks": compose_marks,
    "place_tones_old": place_tones_old,
    "place_tones_new": place_tones_new,
    **{f"decode_{enc}": _legacy_fix(enc) for enc in legacy.ENCODINGS},
}


@dataclass(frozen=True)
class Repaired:
    """Repaired text and the fixes that changed it, in the order they were applied."""

    text: str
    plan: tuple[str, ...]


def _apply(name: str, text: str, plan: list[str]) -> str:
    """One fix; its name joins the plan (once) when it changed the text."""
    fixed = FIXES[name](text)
    if fixed != text and name not in plan:
        plan.append(name)
    return fixed


def repair_text(text: str, tone_style: ToneStyle = "keep") -> Repaired:
    """Apply every fix the text needs; clean text comes back unchanged with an empty plan.

    Legacy decoding is tried only when the text reads clearly better decoded
    (`legacy.guess_encoding`), since any 8-bit text "decodes" to something.

    >>> repair_text("Cáº£i cÃ¡ch hoÃ\xa0")
    Repaired(text='Cải cách hoà', plan=('fix_mojibake',))
    >>> repair_text("Cải cách hoà", tone_style="old")
    Repaired(text='Cải cách hòa', plan=('place_tones_old',))
    """
    plan: list[str] = []
    for name in ("fix_mojibake", "compose_marks"):
        text = _apply(name, text, plan)
    encoding = legacy.guess_encoding(text)
    if encoding:
        text = _apply(f"decode_{encoding}", text, plan)
    if tone_style != "keep":
        text = _apply(f"place_tones_{tone_style}", text, plan)
    return Repaired(text, tuple(plan))


def apply_plan(text: str, plan: tuple[str, ...] | list[str]) -> str:
    """Re-apply a recorded plan, e.g. one found on a page to another string from it.

    >>> apply_plan("Cáº£i", ("fix_mojibake",))
    'Cải'
    """
    for name in plan:
        text = FIXES[name](text)
    return text


def repair_document(doc: Document, tone_style: ToneStyle = "keep") -> Document:
    """The string-level fixes on every page and cell; each page adds the fixes that changed it.

    Legacy decoding is not tried here: the extractors have done it per font, where the
    font name and the font's whole text make the choice safe.
    """
    steps = ["fix_mojibake", "compose_marks"] + ([f"place_tones_{tone_style}"] if tone_style != "keep" else [])
    applied: dict[int, list[str]] = defaultdict(list)

    def fix(text: str, page: int) -> str:
        for name in steps:
            text = _apply(name, text, applied[page])
        return text

    tables = [replace(t, cells=[replace(c, text=fix(c.text, c.page)) for c in t.cells]) for t in doc.tables]
    pages = [replace(p, text=fix(p.text, p.number)) for p in doc.pages]
    for i, p in enumerate(pages):
        if applied[p.number]:
            raw = p.quality_raw if p.repairs else p.quality
            pages[i] = replace(p, repairs=p.repairs + applied[p.number], quality=syllable_score(p.text), quality_raw=raw)
    return replace(doc, pages=pages, tables=tables)
