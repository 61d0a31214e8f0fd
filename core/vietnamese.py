"""Vietnamese text forms: the stored form (NFC) and the form used for matching.

Matching must not care how a label was typed: case, where the tone mark sits
("hòa" / "hoà"), NFD or NFC, spelled-out or abbreviated ("TTHC" / "thủ tục hành
chính").  Outputs keep the original; only comparisons use `match_key`.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from importlib import resources

TONE_MARKS = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}
_WORD = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    """Compose combining marks: seed 001 has NFD words that look identical but compare unequal.

    >>> nfc("Cơ quan") == "Cơ quan"
    True
    """
    return unicodedata.normalize("NFC", text)


def tone_key(word: str) -> str:
    """A word with its tone mark moved to the end as a digit, so placement cannot matter.

    >>> tone_key("hòa") == tone_key("hoà") == "hoa2"
    True
    >>> tone_key("Trường")
    'Trương2'
    """
    decomposed = unicodedata.normalize("NFD", word)
    tone = "".join(TONE_MARKS[ch] for ch in decomposed if ch in TONE_MARKS)
    base = "".join(ch for ch in decomposed if ch not in TONE_MARKS)
    return unicodedata.normalize("NFC", base) + tone[:1]


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    """Abbreviation → expansion, from the project's data file (lower-cased keys)."""
    path = resources.files("core") / "data" / "abbreviations.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["abbreviation"].lower(): row["expansion"] for row in csv.DictReader(fh)}


def match_key(text: str) -> str:
    """The comparison form of a label: NFC, lower case, abbreviations expanded, tones keyed.

    >>> match_key("Số TTHC đã công bố") == match_key("số thủ tục hành chính đã công bố")
    True
    >>> match_key("Thủ tục hoà giải") == match_key("THỦ TỤC HÒA GIẢI")
    True
    """
    words = _WORD.findall(nfc(text).lower())
    expanded = " ".join(abbreviations().get(w, w) for w in words)
    return " ".join(tone_key(w) for w in expanded.split())


def has_phrase(key: str, phrase: str) -> bool:
    """Whether a match key holds a phrase as whole words (header cells are compared this way).

    >>> has_phrase(match_key("Số hồ sơ đang giải quyết / Quá hạn"), "đang giải quyết")
    True
    >>> has_phrase(match_key("Thời gian hoàn thành"), "hạn")
    False
    """
    return f" {match_key(phrase)} " in f" {key} "


LOW_QUALITY = 0.8  # below this share of well-formed syllables, text is likely mis-encoded
_ONSETS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = (
    "uyê|uya|uyu|uôi|ươi|ươu|iêu|yêu|oai|oay|oao|oeo|uây|uơ|ươ|uô|uê|uâ|uy|ua|ui|ưa|ưi|ưu|"
    "iê|yê|ia|iu|oa|oă|oe|oi|oo|ôi|ơi|ai|ao|au|ay|âu|ây|eo|êu|a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_CODAS = "ch|ng|nh|c|m|n|p|t"
_SYLLABLE = re.compile(rf"^(?:{_ONSETS})?(?:{_NUCLEI})(?:{_CODAS})?$")
_ALPHA_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def is_syllable(word: str) -> bool:
    """Whether a word is spelled like a Vietnamese syllable (tone ignored).

    >>> is_syllable("nghiêng"), is_syllable("Cải"), is_syllable("C¶i"), is_syllable("huy")
    (True, True, False, True)
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    return bool(_SYLLABLE.match(base))


def syllable_score(text: str) -> float | None:
    """Share of lower-case words that are well-formed Vietnamese syllables (None: no words).

    A cheap signal of broken text: legacy-encoded ("C¶i c¸ch") or glyph-less ("huy n")
    text scores far lower than clean Vietnamese.  All-capital words (abbreviations such as
    UBND, TTHC) are left out since they are not syllables even in clean text.
    """
    words = [w for w in _ALPHA_TOKEN.findall(nfc(text)) if not w.isupper()]
    if not words:
        return None
    return sum(is_syllable(w) for w in words) / len(words)
