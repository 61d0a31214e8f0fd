"""Which glyphs a PDF's fonts draw under a false or missing Unicode, found from the fonts themselves.

pdfminer prints whatever a font's ToUnicode map claims, and falls back on the encoding
when the map has no entry: a lost "ư" comes out as "(cid:6)", as the byte "(", as a
space, or as another letter, depending on the producer.  Looking at the printed text
cannot tell these apart from real text, so every (font, code) is audited instead:

- its claim: the ToUnicode entry; without a ToUnicode map, the embedded program's own
  cmap for the glyph, else the encoding pdfminer falls back on (when the font has one);
- its outline, from the embedded program (`glyph_outlines`).

A code is suspect when it draws ink but claims nothing, a space, a control, a private-use
or replacement character, or when glyphs of different shape in one font family claim the
same character.  A code without ink that claims nothing is a space.

To tie each printed character back to its code without parsing any page twice, every font
is created through `AuditingResourceManager`, whose fonts print a private marker per
(font, code) (in Unicode's supplementary private-use planes); `restore` then gives each
character its claim, or leaves the marker on suspect codes until they are decided.
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pdfminer.cmapdb import UnicodeMap
from pdfminer.pdffont import PDFCIDFont, PDFFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdftypes import resolve1

from extractors.glyph_outlines import FontProgram, Outline, font_program

logging.getLogger("fontTools").setLevel(logging.ERROR)  # damaged subsets make fontTools chatty, to no one's use

MARKER_BASE = 0xF0000  # Supplementary Private Use Area-A and -B: 131,068 markers per document
MARKER_LIMIT = 0x10FFFD
UNREADABLE = "\ufffd"
_SYMBOLIC = 1 << 2

# Why a code is suspect (the reason is kept with each decision)
NO_ENTRY = "no entry"
NO_MAP = "no map"
SPACE = "space"
CONTROL = "control"
PRIVATE_USE = "private use"
REPLACEMENT = "replacement"
SHARED = "shared claim"


def family_name(fontname: str) -> str:
    """A font's name without its subset tag: the subsets of one font share it.

    >>> family_name("BAAAAA+LiberationSerif"), family_name("Arial,Bold")
    ('LiberationSerif', 'Arial,Bold')
    """
    tag, plus, rest = fontname.partition("+")
    return rest if plus and len(tag) == 6 and tag.isupper() else fontname


def is_private(char: str) -> bool:
    """
    >>> is_private("\\ue001"), is_private("\\U000f0003"), is_private("a")
    (True, True, False)
    """
    return len(char) == 1 and (0xE000 <= ord(char) <= 0xF8FF or ord(char) >= 0xF0000)


def claim_fault(claim: str | None) -> str | None:
    """What is wrong with a claim for a glyph that draws ink; None when it may be right.

    Only C0 controls count as controls: C1 codes and format characters are letters in legacy
    8-bit fonts (TCVN3 draws "ư" at 0xAD, which its ToUnicode maps to a soft hyphen), decoded
    by `legacy_fonts` once the page is read.

    >>> [claim_fault(c) for c in (None, " ", "\\x00", "\\uf0b7", "\\ufffd", "ư", "fi", "\\xad")]
    ['no entry', 'space', 'control', 'private use', 'replacement', None, None, None]
    """
    if claim is None:
        return NO_ENTRY
    if not claim or claim.isspace():
        return SPACE
    if UNREADABLE in claim:
        return REPLACEMENT
    if any(is_private(ch) for ch in claim):
        return PRIVATE_USE
    if all(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in claim):
        return CONTROL
    return None


@dataclass
class AuditedFont:
    """One font object of the document and what its program says."""

    index: int
    name: str  # pdfminer's fontname: BaseFont, subset tag included
    font: PDFFont
    spec: Mapping
    original_map: UnicodeMap | None  # the font's ToUnicode (or pdfminer's stand-in), before marking
    has_tounicode: bool
    trusted_encoding: bool  # without a ToUnicode map, whether the encoding pdfminer falls back on means anything
    _program: FontProgram | None = None
    _program_read: bool = False
    _inverse: dict[str, list[int]] | None = None

    @property
    def family(self) -> str:
        return family_name(self.name)

    @property
    def program(self) -> FontProgram | None:
        if not self._program_read:
            self._program, self._program_read = font_program(self.spec), True
        return self._program

    def printed(self, cid: int) -> str | None:
        """What pdfminer prints for the code, the font's own map back in place; None: "(cid:N)"."""
        marking = self.font.unicode_map
        self.font.unicode_map = self.original_map
        try:
            return self.font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            return None
        finally:
            self.font.unicode_map = marking

    def outline(self, cid: int) -> Outline | None:
        return self.program.outline(cid) if self.program else None

    def claimants(self, claim: str) -> list[int]:
        """The codes the font's ToUnicode map gives this claim (read once per font)."""
        if self._inverse is None:
            self._inverse = defaultdict(list)
            if self.has_tounicode and self.original_map is not None:
                for cid, text in self.original_map.cid2unichr.items():
                    self._inverse[text].append(cid)
        return self._inverse.get(claim, [])

    def claim(self, cid: int, printed: str | None) -> str | None:
        """What the file says the code is: its ToUnicode entry; without a ToUnicode map, the
        program's own cmap, else the encoding (trusted when the font has one, or is not embedded)."""
        if self.has_tounicode:
            try:
                return self.original_map.get_unichr(cid) if self.original_map is not None else None
            except KeyError:
                return None
        if self.program is None:
            return printed
        glyph = self.program.glyph_name(cid)
        if glyph is not None and glyph in self.program.unicode_of_glyph:
            return self.program.unicode_of_glyph[glyph]
        return printed if self.trusted_encoding else None

    def width(self, cid: int) -> float:
        """Advance as a share of the font size."""
        try:
            return self.font.char_width(cid)
        except Exception:
            return 0.0


_UNREAD = object()


@dataclass
class Code:
    """One code of one font as drawn in the document."""

    marker: str
    font: AuditedFont
    cid: int
    printed: str | None  # pdfminer's text for it (None: it printed "(cid:N)")
    claim: str | None
    suspect: str | None = None  # the reason, or None
    text: str = ""  # what the character reads as now
    confidence: float | None = None  # set when a decision replaced the claim
    pages: set[int] = field(default_factory=set)
    count: int = 0
    _outline: object = field(default=_UNREAD, repr=False)

    @property
    def outline(self) -> Outline | None:
        """Read from the program only when a rule needs it: a clean font's codes mostly never are."""
        if self._outline is _UNREAD:
            self._outline = self.font.outline(self.cid)
        return self._outline

    @property
    def glyph(self) -> str:
        """The glyph's identity: its outline digest, else its font and code."""
        return self.outline.key if self.outline is not None else f"{self.font.index}:{self.cid}"

    @property
    def ink(self) -> bool | None:
        program = self.font.program
        if program is not None and program.blank(self.cid):
            return False
        return self.outline.ink if self.outline is not None else None

    @property
    def identity(self) -> tuple[str, str | None] | None:
        """Program and glyph: codes with one identity are one glyph, without reading it."""
        return self.font.program.identity(self.cid) if self.font.program is not None else None


class _MarkingMap(UnicodeMap):
    """Stands in for a font's ToUnicode: each code prints the marker of its (font, code)."""

    def __init__(self, audit: GlyphAudit, font: AuditedFont) -> None:
        super().__init__()
        self.audit, self.audited = audit, font

    def get_unichr(self, cid: int) -> str:
        return self.audit.marker(self.audited, cid)


class GlyphAudit:
    """Every (font, code) the document draws, its claim, and whether it is suspect."""

    def __init__(self) -> None:
        self.fonts: list[AuditedFont] = []
        self.codes: list[Code] = []
        self._marker_of: dict[tuple[int, int], str] = {}
        self._pending: list[Code] = []  # codes printed but not yet audited
        self._by_claim: dict[tuple[str, str], list[Code]] = defaultdict(list)  # (family, claim) → codes
        self.late: set[int] = set()  # pages already read whose codes turned out suspect later

    def watch(self, font: PDFFont, spec: Mapping) -> None:
        """Route a newly created font's text through markers."""
        if isinstance(font.unicode_map, _MarkingMap):
            return
        has_tounicode = "ToUnicode" in spec
        flags = int(resolve1((resolve1(spec.get("FontDescriptor")) or {}).get("Flags")) or 0)
        if isinstance(font, PDFCIDFont):
            trusted = font.unicode_map is not None and font.cidcoding not in ("Adobe-Identity", "Adobe-UCS")
        else:
            trusted = "Encoding" in spec or not flags & _SYMBOLIC
        audited = AuditedFont(len(self.fonts), getattr(font, "fontname", None) or str(resolve1(spec.get("BaseFont", ""))),
                              font, spec, font.unicode_map, has_tounicode, trusted)
        self.fonts.append(audited)
        font.unicode_map = _MarkingMap(self, audited)

    def marker(self, font: AuditedFont, cid: int) -> str:
        key = (font.index, cid)
        marker = self._marker_of.get(key)
        if marker is None:
            if MARKER_BASE + len(self.codes) > MARKER_LIMIT:  # past 131,068 codes: printed unaudited
                printed = font.printed(cid)
                if printed is None:
                    raise PDFUnicodeNotDefined(None, cid)
                return printed
            marker = chr(MARKER_BASE + len(self.codes))
            self._marker_of[key] = marker
            code = Code(marker, font, cid, printed=None, claim=None)
            self.codes.append(code)
            self._pending.append(code)
        return marker

    def code(self, text: str) -> Code | None:
        """The code a character's text is the marker of."""
        if len(text) != 1:
            return None
        i = ord(text) - MARKER_BASE
        return self.codes[i] if 0 <= i < len(self.codes) else None

    # --- the audit -----------------------------------------------------------------

    def _audit_pending(self) -> None:
        pending, self._pending = self._pending, []
        for code in pending:
            font = code.font
            code.printed = font.printed(code.cid)
            code.claim = font.claim(code.cid, code.printed)
            code.text = code.claim if code.claim is not None else f"(cid:{code.cid})"
            fault = claim_fault(code.claim)
            if fault is None:
                if len(code.claim) == 1:
                    self._check_shared(code)
                continue
            ink = code.ink
            if ink is False:
                if fault in (NO_ENTRY, PRIVATE_USE, REPLACEMENT):
                    code.text = " " if font.width(code.cid) > 0 else ""
                continue
            if fault == NO_ENTRY and not font.has_tounicode:
                fault = NO_MAP
            if fault in (SPACE, CONTROL) and ink is None:
                continue  # no program to say it has ink: a space is taken for one
            code.suspect = fault

    def _check_shared(self, code: Code) -> None:
        """Glyphs of different shape in one family claiming one character: all are suspect.

        Outlines are read only for claims made more than once (in the font's own ToUnicode map
        or by another font of the family), so a clean font costs nothing here.
        """
        sharing = self._by_claim[(code.font.family, code.claim)]
        sharing.append(code)
        rivals = [cid for cid in code.font.claimants(code.claim) if cid != code.cid]
        if len(sharing) == 1 and not rivals:
            return
        identities = {c.identity for c in sharing} | {code.font.program.identity(cid) for cid in rivals if code.font.program}
        if len(identities) == 1 and None not in identities:
            return  # one glyph of one program under several codes or font objects
        shapes = {c.glyph for c in sharing if c.outline is not None}
        shapes |= {o.key for o in map(code.font.outline, rivals) if o is not None and o.ink}
        if len(shapes) > 1:
            for other in sharing:
                if other.suspect is None:
                    other.suspect = SHARED
                    if other is not code:
                        self.late |= other.pages

    def restore(self, chars: Iterable[dict], page: int) -> list[Code]:
        """Give every character its code's current text; returns the suspect codes on the page,
        whose characters keep their marker."""
        chars = list(chars)
        if self._pending:
            self._audit_pending()
        suspects: dict[int, Code] = {}
        for ch in chars:
            code = self.code(ch["text"])
            if code is None:
                continue
            if page not in code.pages:
                code.pages.add(page)
            code.count += 1
            if code.suspect is not None:
                suspects[id(code)] = code
            else:
                ch["text"] = code.text
        return list(suspects.values())

    def decode(self, chars: Iterable[dict]) -> Counter[int]:
        """Replace the markers left on suspect codes by their decided text; returns how many
        characters each font (by index) had decoded.  Each decoded char keeps its confidence."""
        decoded: Counter[int] = Counter()
        for ch in chars:
            code = self.code(ch["text"])
            if code is None:
                continue
            ch["text"] = code.text
            if code.suspect is not None and code.confidence is not None:
                ch["confidence"] = code.confidence
                decoded[code.font.index] += 1
        return decoded

    def printed(self, chars: Iterable[dict]) -> list[dict]:
        """Copies of the characters as pdfminer alone prints them (to measure a page as it came)."""
        out = []
        for ch in chars:
            code = self.code(ch["text"])
            if code is not None:
                ch = {**ch, "text": code.printed if code.printed is not None else f"(cid:{code.cid})"}
            out.append(ch)
        return out

    def known(self) -> dict[str, set[str]]:
        """Per family, the characters its trusted codes already stand for."""
        out: dict[str, set[str]] = defaultdict(set)
        for code in self.codes:
            if code.suspect is None and code.claim and code.claim.strip():
                out[code.font.family].add(code.claim)
        return out

    def suspects(self) -> list[Code]:
        return [c for c in self.codes if c.suspect is not None]

    def font_keys(self) -> dict[int, str]:
        """A name for each font object: its fontname, numbered when several objects share one
        (their codes may mean different glyphs), so a saved map goes back to its own font."""
        names = Counter(f.name for f in self.fonts)
        seen: Counter[str] = Counter()
        out = {}
        for f in self.fonts:
            out[f.index] = f.name if names[f.name] == 1 else f"{f.name}#{seen[f.name]}"
            seen[f.name] += 1
        return out


class AuditingResourceManager(PDFResourceManager):
    """pdfminer's resource manager, with every font it creates watched by a GlyphAudit."""

    def __init__(self, audit: GlyphAudit) -> None:
        super().__init__(caching=True)
        self.audit = audit

    def get_font(self, objid: object, spec: Mapping[str, object]) -> PDFFont:
        """The font pdfminer makes of `spec`, watched from its creation on.

        A Type0 font is made from its CIDFont dictionary (merged with the Type0's Encoding
        and ToUnicode) by a nested call, which is the one that watches it.
        """
        font = super().get_font(objid, spec)
        if not isinstance(font.unicode_map, _MarkingMap):
            self.audit.watch(font, spec)
        return font
