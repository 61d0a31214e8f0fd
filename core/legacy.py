"""Legacy Vietnamese 8-bit encodings (TCVN3, VNI, VISCII) and VIQR, decoded to Unicode.

Reports typed before Unicode was common used fonts whose glyphs sit at byte positions
that mean something else in Windows-1252, so Word and pdfminer hand us "C¶i c¸ch"
(TCVN3, .VnTime fonts) or "Caûi caùch" (VNI, VNI-Times fonts) for "Cải cách".  Nothing
in the text says which encoding it is: the font name usually does (`encoding_for_font`),
and otherwise the text is decoded every way and kept only when one decoding is clearly
better Vietnamese (`guess_encoding`).  `font_decoder` makes that choice once per font of
a document.

Text arrives as characters that stand for the legacy bytes: cp1252 characters (byte 0x80
as "€"), C1 controls for bytes cp1252 leaves undefined (or when read as Latin-1), and
U+F000+byte from symbol-charset fonts.  `to_byte` maps all three back to the byte.

Tables were written from the standards and checked against known spellings:
TCVN 5712:1993 VN3 ("TCVN3", the ABC fonts: 67 lower-case letters and the 7 upper-case
letters without tone; toned capitals need the all-capital .VnTimeH fonts, "tcvn3h"),
VNI for Windows (a base letter followed by mark bytes), VISCII 1.1 and VIQR (RFC 1456).
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable

from core.vietnamese import TONE_MARKS, is_syllable, nfc

ENCODINGS = ("tcvn3", "tcvn3h", "vni", "viscii", "viqr")
Decoder = Callable[[str, str | None], str]

GRAVE, HOOK, TILDE, ACUTE, DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
BREVE, CIRCUMFLEX, HORN = "\u0306", "\u0302", "\u031b"
TONES = (GRAVE, HOOK, TILDE, ACUTE, DOT)  # the order TCVN3 lays each vowel out in
MODIFIERS = (BREVE, CIRCUMFLEX, HORN)
BASE_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def _with_tone(letter: str, tone: str) -> str:
    return unicodedata.normalize("NFC", letter + tone)


def _all_letters() -> frozenset[str]:
    lower = {_with_tone(v, t) for v in BASE_VOWELS for t in ("", *TONES)} | {"đ"}
    return frozenset(lower | {c.upper() for c in lower})


# The Vietnamese vowel letters (12 vowels x 6 tones, plain a e i o u y included) and đ, both cases.
VIETNAMESE_LETTERS = _all_letters()

# --- bytes as they reach us -------------------------------------------------------------------

_CP1252_BYTE = {}
for _b in range(0x80, 0xA0):
    try:
        _CP1252_BYTE[bytes([_b]).decode("cp1252")] = _b
    except UnicodeDecodeError:
        pass


def to_byte(char: str) -> int | None:
    r"""The legacy byte a character stands for, however Word or pdfminer spelled it.

    >>> to_byte("¶"), to_byte("€"), to_byte("\x81"), to_byte("\uf0b6"), to_byte("ả")
    (182, 128, 129, 182, None)
    """
    if len(char) != 1:
        return None
    code = ord(char)
    if code < 0x100:
        return code
    if 0xF000 <= code <= 0xF0FF:
        return code - 0xF000
    return _CP1252_BYTE.get(char)


def from_byte(byte: int) -> str:
    """The character Word shows for a legacy byte: its cp1252 character, else the C1 control."""
    if 0x80 <= byte < 0xA0:
        try:
            return bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            return chr(byte)
    return chr(byte)


def _unsymbol(char: str) -> str:
    """A symbol-charset font's U+F000+byte character as the plain character of that byte.

    Word hands the whole text of such a font over this way, ASCII letters included.
    """
    return from_byte(ord(char) - 0xF000) if len(char) == 1 and 0xF000 <= ord(char) <= 0xF0FF else char


# --- single-byte tables -----------------------------------------------------------------------

# TCVN3 (VN3): bytes of each vowel with grave, hook, tilde, acute, dot below.
_TCVN3_TONED = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
TCVN3: dict[int, str] = {
    **{0xA1 + i: c for i, c in enumerate("ĂÂÊÔƠƯĐ")},
    **{0xA8 + i: c for i, c in enumerate("ăâêôơưđ")},
    **{b: _with_tone(v, t) for v, row in _TCVN3_TONED.items() for b, t in zip(row, TONES)},
}

# VISCII 1.1 (RFC 1456): all of 0x80-0xFF, plus six C0 controls it gives to capitals.
_VISCII_HIGH = (
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐ"  # 0x80
    "ỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲ"  # 0x90
    "Õắằặấầẩậẽẹếềểễệố"  # 0xA0
    "ồổỗỠƠộờởịỰỨỪỬơớƯ"  # 0xB0
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳ"  # 0xC0
    "ĐứÒÓÔạỷừửÙÚỹỵÝỡư"  # 0xD0
    "àáâãảăữẫèéêẻìíĩỉ"  # 0xE0
    "đựòóôõỏọụùúũủýợỮ"  # 0xF0
)
VISCII: dict[int, str] = {
    0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ",
    **{0x80 + i: c for i, c in enumerate(_VISCII_HIGH)},
}
_SINGLE_BYTE = {"tcvn3": TCVN3, "viscii": VISCII}

# --- VNI for Windows --------------------------------------------------------------------------

# Lower-case mark bytes after a base letter: (modifier, tone).  Capitals use byte - 0x20.
_VNI_MARKS_LOWER: dict[int, tuple[str, str]] = {
    0xF8: ("", GRAVE), 0xF9: ("", ACUTE), 0xFB: ("", HOOK), 0xF5: ("", TILDE), 0xEF: ("", DOT),
    0xE2: (CIRCUMFLEX, ""), 0xE0: (CIRCUMFLEX, GRAVE), 0xE1: (CIRCUMFLEX, ACUTE),
    0xE5: (CIRCUMFLEX, HOOK), 0xE3: (CIRCUMFLEX, TILDE), 0xE4: (CIRCUMFLEX, DOT),
    0xEA: (BREVE, ""), 0xE8: (BREVE, GRAVE), 0xE9: (BREVE, ACUTE),
    0xFA: (BREVE, HOOK), 0xFC: (BREVE, TILDE), 0xEB: (BREVE, DOT),
}
# Letters VNI stores as one byte of their own (ơ ư đ, toned i, ỵ).
_VNI_LETTERS_LOWER = {0xF4: "ơ", 0xF6: "ư", 0xF1: "đ", 0xEC: "ì", 0xED: "í", 0xE6: "ỉ", 0xF3: "ĩ", 0xF2: "ị", 0xEE: "ỵ"}
VNI_MARKS = {**_VNI_MARKS_LOWER, **{b - 0x20: m for b, m in _VNI_MARKS_LOWER.items()}}
VNI_LETTERS = {**_VNI_LETTERS_LOWER, **{b - 0x20: c.upper() for b, c in _VNI_LETTERS_LOWER.items()}}
_VNI_MARK_BYTE = {m: b for b, m in _VNI_MARKS_LOWER.items()}
_VNI_LETTER_BYTE = {c: b for b, c in VNI_LETTERS.items()}

# --- VIQR (RFC 1456) --------------------------------------------------------------------------

VIQR_MODIFIERS = {"(": BREVE, "^": CIRCUMFLEX, "+": HORN}
VIQR_TONES = {"'": ACUTE, "`": GRAVE, "?": HOOK, "~": TILDE, ".": DOT}
_VIQR_SPELLING = {v: k for k, v in {**VIQR_MODIFIERS, **VIQR_TONES}.items()}
_VIQR_D = {"dd": "đ", "DD": "Đ", "Dd": "Đ"}
_VIQR_ESCAPABLE = set(VIQR_MODIFIERS) | set(VIQR_TONES) | {"d", "D", "\\"}
_ASCII_VOWELS = set("aeiouyAEIOUY")


def _parts(letter: str) -> tuple[str, str, str]:
    """(ASCII base, modifier, tone) of a Vietnamese letter; đ is its own base."""
    decomposed = unicodedata.normalize("NFD", letter)
    modifier = next((m for m in decomposed if m in MODIFIERS), "")
    tone = next((t for t in decomposed if t in TONES), "")
    return decomposed[0], modifier, tone


def _compose(letter: str, marks: str) -> str | None:
    """The letter with marks added, when that is one Vietnamese letter; else None."""
    composed = unicodedata.normalize("NFC", letter + marks)
    return composed if composed in VIETNAMESE_LETTERS else None


# --- decoding -----------------------------------------------------------------------------------


def _decode_single_byte(chars: list[str], table: dict[int, str]) -> list[str]:
    return [table.get(b, c) if (b := to_byte(c)) is not None else c for c in chars]


def _letter_at(char: str, letters: dict[int, str]) -> str | None:
    """The letter a char starts: an ASCII vowel, or a one-byte letter of the encoding."""
    if char in _ASCII_VOWELS:
        return char
    byte = to_byte(char)
    return letters.get(byte) if byte is not None else None


def _decode_vni(chars: list[str]) -> list[str]:
    """Base letters absorb the mark bytes after them; absorbed marks become ""."""
    out = list(chars)
    i = 0
    while i < len(chars):
        at, letter = i, _letter_at(chars[i], VNI_LETTERS)
        i += 1
        if letter is None:
            continue
        out[at] = letter
        while i < len(chars) and (mark := VNI_MARKS.get(to_byte(chars[i]))) and (composed := _compose(out[at], "".join(mark))):
            out[at], out[i] = composed, ""
            i += 1
    return out


def _decode_viqr(chars: list[str]) -> list[str]:
    """RFC 1456: a mark is a diacritic only where it makes a Vietnamese letter; a backslash escapes."""
    out = list(chars)
    i = 0
    while i < len(chars):
        at, pair = i, "".join(chars[i : i + 2])
        i += 1
        if chars[at] == "\\" and len(pair) == 2 and pair[1] in _VIQR_ESCAPABLE:
            out[at] = ""
            i += 1
        elif pair in _VIQR_D:
            out[at], out[at + 1] = _VIQR_D[pair], ""
            i += 1
        elif chars[at] in _ASCII_VOWELS:
            for marks in (VIQR_MODIFIERS, VIQR_TONES):
                mark = marks.get(chars[i]) if i < len(chars) else None
                if mark and (composed := _compose(out[at], mark)):
                    out[at], out[i] = composed, ""
                    i += 1
    return out


def decode_chars(chars: list[str], encoding: str) -> list[str]:
    """Decode char by char, keeping positions: for PDFs, where each glyph is its own object.

    A VNI or VIQR letter spelled over several chars lands on its base char and the mark
    chars become "", so glyph boxes and text stay aligned.

    >>> decode_chars(list("Caûi"), "vni")
    ['C', 'ả', '', 'i']
    >>> decode_chars(list("C¶i"), "tcvn3h")
    ['C', 'Ả', 'I']
    """
    chars = [_unsymbol(c) for c in chars]
    if encoding in _SINGLE_BYTE:
        return _decode_single_byte(chars, _SINGLE_BYTE[encoding])
    if encoding == "tcvn3h":
        return [c.upper() for c in _decode_single_byte(chars, TCVN3)]
    if encoding == "vni":
        return _decode_vni(chars)
    if encoding == "viqr":
        return _decode_viqr(chars)
    raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}")


def decode(text: str, encoding: str) -> str:
    r"""Legacy-encoded text as NFC Unicode; characters outside the encoding pass unchanged.

    >>> decode("C¶i c¸ch hµnh chÝnh nhµ n\u00adíc", "tcvn3")
    'Cải cách hành chính nhà nước'
    >>> decode("c¶i c¸ch hµnh chÝnh", "tcvn3h")
    'CẢI CÁCH HÀNH CHÍNH'
    >>> decode("Caûi caùch haønh chính nhaø nöôùc", "vni")
    'Cải cách hành chính nhà nước'
    >>> decode("Cäi cách hành chính", "viscii")
    'Cải cách hành chính'
    >>> decode("Ca?i ca'ch ha`nh chi'nh nha` nu+o+'c\\.", "viqr")
    'Cải cách hành chính nhà nước.'
    """
    return nfc("".join(decode_chars(list(nfc(text)), encoding)))


# --- encoding -----------------------------------------------------------------------------------


def _unencodable(char: str, encoding: str) -> ValueError:
    return ValueError(f"{char!r} cannot be written in {encoding}")


def _encode_single_byte(text: str, table: dict[int, str], encoding: str) -> str:
    reverse = {c: b for b, c in table.items()}
    out = []
    for c in text:
        if c in reverse:
            out.append(from_byte(reverse[c]))
        elif c in VIETNAMESE_LETTERS and not c.isascii() or (b := to_byte(c)) is not None and table.get(b, c) != c:
            raise _unencodable(c, encoding)  # a letter it lacks, or a byte that means another letter here
        else:
            out.append(c)
    return "".join(out)


def _vni_letter(letter: str) -> str:
    if letter in _VNI_LETTER_BYTE:
        return from_byte(_VNI_LETTER_BYTE[letter])
    base, modifier, tone = _parts(letter)
    shift = 0x20 if base.isupper() else 0
    if modifier == HORN:  # ơ ư have bytes of their own; the tone follows
        head, modifier = from_byte(_VNI_LETTER_BYTE[_with_tone(base, HORN)]), ""
    else:
        head = base
    return head + (from_byte(_VNI_MARK_BYTE[modifier, tone] - shift) if modifier or tone else "")


def _encode_vni(text: str) -> str:
    out = []
    for c in text:
        if c in VIETNAMESE_LETTERS:
            out.append(_vni_letter(c))
        elif (b := to_byte(c)) is not None and (b in VNI_MARKS or b in VNI_LETTERS):
            raise _unencodable(c, "vni")
        else:
            out.append(c)
    return "".join(out)


def _encode_viqr(text: str) -> str:
    """Letters spelled with marks; a literal mark that would join a letter gets a backslash."""
    out: list[str] = []
    open_letter = ""  # NFC letter the last piece spelled, while it can still take marks
    bare_d = False  # the last piece is a lone d/D that could pair with the next one
    for c in text:
        if c in VIETNAMESE_LETTERS and c not in "đĐ" or c in _ASCII_VOWELS:
            base, modifier, tone = _parts(c)
            out.append(base + _VIQR_SPELLING.get(modifier, "") + _VIQR_SPELLING.get(tone, ""))
            open_letter, bare_d = c, False
            continue
        if c in "đĐ":
            if bare_d:
                out[-1] = "\\" + out[-1]  # "dđ": the lone d escaped, else "ddd" reads "đd"
            out.append("dd" if c == "đ" else "DD")
        elif c == "\\" or bare_d and out[-1] + c in _VIQR_D or _joins(open_letter, c):
            out.append("\\" + c)
        else:
            out.append(c)
        open_letter, bare_d = "", c in "dD" and out[-1] == c
    return "".join(out)


def _joins(letter: str, char: str) -> bool:
    """Whether a VIQR reader would take `char` as a mark on `letter` (spelled just before)."""
    if not letter:
        return False
    _, modifier, tone = _parts(letter)
    if char in VIQR_MODIFIERS:
        return not modifier and not tone and _compose(letter, VIQR_MODIFIERS[char]) is not None
    return char in VIQR_TONES and not tone and _compose(letter, VIQR_TONES[char]) is not None


def encode(text: str, encoding: str) -> str:
    r"""Unicode text as a legacy font's Word run would hold it (for tests and fixtures).

    Raises ValueError for a character the encoding cannot write, e.g. a toned capital in
    TCVN3 (real documents set those in a .VnTimeH font: encode the lower case as "tcvn3h").

    >>> encode("Cải cách hành chính", "tcvn3"), encode("Cải cách", "vni"), encode("Đi đâu?", "viqr")
    ('C¶i c¸ch hµnh chÝnh', 'Caûi caùch', 'DDi dda^u\\?')
    """
    text = nfc(text)
    if encoding in _SINGLE_BYTE:
        return _encode_single_byte(text, _SINGLE_BYTE[encoding], encoding)
    if encoding == "tcvn3h":
        return _encode_single_byte(text.lower(), TCVN3, encoding)
    if encoding == "vni":
        return _encode_vni(text)
    if encoding == "viqr":
        return _encode_viqr(text)
    raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {ENCODINGS}")


# --- choosing ---------------------------------------------------------------------------------

_SUBSET = re.compile(r"^[A-Z]{6}\+")
_STYLE = re.compile(r"[\s,_-]*(?:Bold|Italic|Oblique|Regular|Normal)$", re.IGNORECASE)
_TCVN3_FONT = re.compile(r"^(?:\.[Vv][Nn]|Vn[A-Z])")  # PDFs drop the dot: "VnTime", not "Vntage"
_VNI_FONT = re.compile(r"^VNI[\s_-]", re.IGNORECASE)
_VISCII_FONT = re.compile(r"VISCII", re.IGNORECASE)
# Pictograph fonts: their code points are symbols, never letters to decode.
_SYMBOL_FONT = re.compile(r"^(?:Symbol|Wingdings|Webdings|MT Extra|Marlett|Zapf ?Dingbats)", re.IGNORECASE)


def font_family(font: str) -> str:
    """A font name without PDF subset prefix, Word's fallback list and style suffixes.

    >>> font_family("ABCDEF+VnTimeHBold"), font_family("VNI-Linus;Courier New"), font_family(".VnTime,Italic")
    ('VnTimeH', 'VNI-Linus', '.VnTime')
    """
    name = _SUBSET.sub("", font.split(";", 1)[0].strip())
    while (stripped := _STYLE.sub("", name)) != name and stripped:
        name = stripped
    return name


def encoding_for_font(font: str | None) -> str | None:
    """The legacy encoding a font's name implies, or None when the name says nothing.

    .Vn* fonts (the ABC set) are TCVN3, and those ending in H draw capitals at the
    lower-case positions; VNI-* fonts are VNI; fonts named VISCII are VISCII.  VPS fonts
    are left out on purpose: VPS is a different code page from VISCII.

    >>> [encoding_for_font(f) for f in (".VnTime", "ABCDEF+VnTimeHBold", "VNI-Times", "Times New Roman", None)]
    ['tcvn3', 'tcvn3h', 'vni', None, None]
    """
    if not font:
        return None
    family = font_family(font)
    if _VNI_FONT.match(family):
        return "vni"
    if _TCVN3_FONT.match(family):
        return "tcvn3h" if family.endswith("H") else "tcvn3"
    if _VISCII_FONT.search(family):
        return "viscii"
    return None


MIN_WORDS = 4  # fewer words than this (as stored or decoded) cannot show which decoding is right
MIN_GAIN = 0.2  # decoded text must score this much higher than the text as stored
MIN_SCORE = 0.6  # and be mostly well-formed syllables itself
LEGACY_NOISE = 0.02  # share of characters no legacy byte stands for (e.g. "→" inserted later) tolerated
_GUESSED = ("tcvn3", "vni", "viscii", "viqr")
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def _word_count(text: str) -> int:
    return len(_WORDS.findall(text))


def _well_formed(word: str) -> bool:
    """A Vietnamese syllable (`is_syllable`) with at most one tone mark.

    The tone check matters here: a wrong decoding often swaps one toned vowel for another
    and keeps the spelling ("Mß¶ng" in VISCII read as TCVN3 is "Mòảng").
    """
    return is_syllable(word) and sum(ch in TONE_MARKS for ch in unicodedata.normalize("NFD", word)) <= 1


def quality(text: str, encoding: str | None = None) -> float:
    """Share of well-formed words in the text decoded (as stored when None); 0.0 without words.

    Like `syllable_score`, but over all words lower-cased: that score leaves all-capital
    words out, so an all-capital line would have no words as stored and some once a decoding
    mixes the case ("TÌNH" read as TCVN3 is "TèNH"), and an all-capital font none at all.
    """
    if encoding is not None:
        text = decode(text, encoding)
    words = _WORDS.findall(nfc(text).lower())
    return sum(map(_well_formed, words)) / len(words) if words else 0.0


def guess_encoding(text: str) -> str | None:
    r"""The legacy encoding whose decoding is clearly better Vietnamese than the text as is.

    Any 8-bit text decodes to something, so a decoding must add MIN_GAIN to the share of
    well-formed syllables, over at least MIN_WORDS words as stored (not as decoded: a decoding
    can join words, "c¶i" is two stored, and turn punctuation into letters, "–" is Ư in VISCII).
    VIQR is tried only on text whose letters are all ASCII.

    >>> guess_encoding("C¶i c¸ch hµnh chÝnh nhµ n\u00adíc"), guess_encoding("Caûi caùch haønh chính nhaø nöôùc")
    ('tcvn3', 'vni')
    >>> guess_encoding("Cải cách hành chính"), guess_encoding("Có không? e.g. The report"), guess_encoding("C¶i")
    (None, None, None)
    """
    text = nfc(text)
    if _word_count(text) < MIN_WORDS:
        return None
    looks_legacy, ascii_only = _looks_legacy(text), _ascii_letters_only(text)
    candidates = [e for e in _GUESSED if (ascii_only if e == "viqr" else looks_legacy)]
    if not candidates:
        return None  # the common case, clean Unicode text: nothing to score
    threshold = max(quality(text) + MIN_GAIN, MIN_SCORE)
    scores: dict[str, float] = {}
    for encoding in candidates:
        decoded = decode(text, encoding)
        if decoded != text:
            scores[encoding] = quality(decoded)
    ranked = sorted((e for e in scores if scores[e] >= threshold), key=scores.__getitem__, reverse=True)
    if len(ranked) > 1 and scores[ranked[0]] == scores[ranked[1]]:
        return None  # two readings equally good: the text cannot tell them apart
    return ranked[0] if ranked else None


def _looks_legacy(text: str) -> bool:
    """Whether text could be 8-bit legacy bytes: (almost) every character is one, and some word
    mixes ASCII letters with the other bytes ("C¶i", "Caûi") or the text is in a symbol font's
    U+F0xx form.  Clean Unicode Vietnamese ("Cải") and punctuation ("B – BAN") are not.

    >>> _looks_legacy("C¶i c¸ch"), _looks_legacy("Cải cách"), _looks_legacy("B – BAN –")
    (True, False, False)
    """
    chars = [ch for ch in text if not ch.isspace()]
    if not chars or sum(to_byte(ch) is None for ch in chars) > LEGACY_NOISE * len(chars):
        return False
    if any(0xF000 <= ord(ch) <= 0xF0FF for ch in chars):
        return True
    return any(
        any(ch.isascii() and ch.isalpha() for ch in token) and any(not ch.isascii() for ch in token) for token in text.split()
    )


def _ascii_letters_only(text: str) -> bool:
    """Whether every letter is ASCII, as in VIQR (typographic quotes and dashes allowed)."""
    return all(ch.isascii() for ch in text if ch.isalpha())


def _font_texts(runs: Iterable[tuple[str, str | None]]) -> dict[str | None, str]:
    """Each font's text: consecutive runs joined as they are, separate stretches by newlines."""
    stretches: dict[str | None, list[str]] = defaultdict(list)
    previous: object = object()
    for text, font in runs:
        if font == previous:
            stretches[font][-1] += text
        else:
            stretches[font].append(text)
        previous = font
    return {font: "\n".join(parts) for font, parts in stretches.items()}


def choose_encoding(font: str | None, text: str) -> str | None:
    """The encoding to decode a font's whole text with: its name's, checked, else a guess.

    The name's encoding is used only when decoding makes the text better Vietnamese: a
    Unicode document that merely kept a .VnTime font name scores worse decoded, or no
    better ("công" read as TCVN3 is "cụng", still a syllable), and is left alone.
    Pictograph fonts (Symbol, Wingdings) are never decoded.

    >>> choose_encoding(".VnTime", "C«ng t¸c"), choose_encoding(".VnTime", "Công tác"), choose_encoding("Symbol", "")
    ('tcvn3', None, None)
    """
    if font and _SYMBOL_FONT.match(font_family(font)):
        return None
    encoding = encoding_for_font(font)
    if encoding is None:
        return guess_encoding(text)
    return encoding if quality(text, encoding) > quality(text) else None


def font_decoder(runs: Iterable[tuple[str, str | None]]) -> tuple[Decoder, list[str]]:
    """Choose an encoding per font from all of a document's (text, font) runs.

    Returns decode(text, font) applying the choice, and the repairs made, named like
    "decode_tcvn3(.VnTime)" (fonts whose text decoding left unchanged are not named).

    >>> decode_run, repairs = font_decoder([("Caûi caùch", "VNI-Times"), (" vaø ", "Arial"), ("C¶i", ".VnTime")])
    >>> decode_run("Caûi caùch", "VNI-Times"), decode_run("C¶i", ".VnTime"), decode_run(" vaø ", "Arial"), repairs
    ('Cải cách', 'Cải', ' vaø ', ['decode_tcvn3(.VnTime)', 'decode_vni(VNI-Times)'])
    """
    chosen: dict[str | None, str] = {}
    repairs = []
    for font, text in _font_texts(runs).items():
        encoding = choose_encoding(font, text)
        if encoding is not None and decode(text, encoding) != text:
            chosen[font] = encoding
            repairs.append(f"decode_{encoding}({font or 'unnamed font'})")

    def decode_run(text: str, font: str | None) -> str:
        encoding = chosen.get(font)
        return decode(text, encoding) if encoding else text

    return decode_run, sorted(repairs)
