"""Row labels and codebook labels in the form the mapper compares them.

`core.vietnamese.match_key` already makes case, tone placement and abbreviations
irrelevant.  Reports also differ in words that mean the same ("đúng hẹn" / "đúng hạn",
"gởi" / "gửi", "tỉ lệ" / "tỷ lệ"): those are replaced by one spelling from the synonym
table beside the codebooks (`data/codebooks/synonyms.csv`), so they cost nothing and
cannot look like a contrast.  An abbreviation typed a letter off ("CHCC") is mended before
it is expanded, and sub-row markers ("Trong đó:", "- ", "a)") are not part of what a row
says.  A label typed without diacritics ("So VBQPPL co kien nghi") is compared on a second,
unaccented view, where it loses nothing against the codebook.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz.distance import OSA

from core.vietnamese import abbreviations, match_key

# "Trong đó:", "trong đó -", "- ", "+ ", "a)", "b.", "*" before what the row says
_MARKER = re.compile(r"^\s*(?:trong\s+đó\s*[:,\-–]?\s*|[-+*•–]\s*|[a-zđ]\s*[).]\s+)", re.IGNORECASE)
_TONE_DIGIT = re.compile(r"(?<=[^\d\s])[1-5](?=\s|$)")  # the digit match_key puts after a toned word
_CAPITAL_WORD = re.compile(r"\b\w{4,}\b")


@dataclass(frozen=True)
class LabelKey:
    """A label's match key (synonyms applied), its unaccented view, and whether it had marks."""

    key: str
    plain: str
    accented: bool


def strip_marker(label: str) -> str:
    """The label without a leading sub-row marker.

    >>> strip_marker("Trong đó: Số TTHC cấp xã"), strip_marker("- Số TTHC cấp huyện"), strip_marker("a) Tổng số")
    ('Số TTHC cấp xã', 'Số TTHC cấp huyện', 'Tổng số')
    >>> strip_marker("Trong đó")
    ''
    """
    return _MARKER.sub("", label, count=1).strip()


def unaccented(key: str) -> str:
    """A match key without tone digits or diacritics (đ → d): the view of a label typed bare.

    >>> unaccented(match_key("Số nhiệm vụ đã hoàn thành đúng hạn mức độ 3"))
    'so nhiem vu da hoan thanh dung han muc do 3'
    """
    bare = _TONE_DIGIT.sub("", key)
    return "".join(ch for ch in unicodedata.normalize("NFD", bare) if not unicodedata.combining(ch)).replace("đ", "d")


def has_marks(text: str) -> bool:
    """Whether any letter of the text carries a Vietnamese diacritic.

    >>> has_marks("So VBQPPL co kien nghi"), has_marks("Số VBQPPL")
    (False, True)
    """
    decomposed = unicodedata.normalize("NFD", text)
    return "đ" in text.lower() or any(unicodedata.combining(ch) for ch in decomposed)


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]:
    """First word → (variant words, replacement words), in match-key form, longest variant first.

    Entries whose two sides already share a key (e.g. "văn bản QPPL" / "VBQPPL", both
    expanded by the abbreviations) are kept in the file as documentation and skipped here.
    """
    path = resources.files("normalizers") / "data" / "codebooks" / "synonyms.csv"
    with path.open(encoding="utf-8") as fh:
        pairs = {(tuple(match_key(r["variant"]).split()), tuple(match_key(r["same_as"]).split())) for r in csv.DictReader(fh)}
    by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for a, b in sorted(((a, b) for a, b in pairs if a != b), key=lambda p: (-len(p[0]), p)):
        by_first.setdefault(a[0], []).append((a, b))
    return {w: tuple(entries) for w, entries in by_first.items()}


def apply_synonyms(key: str) -> str:
    """The key with every synonym written one way.

    >>> apply_synonyms(match_key("Số lượng hồ sơ giải quyết đúng hẹn")) == match_key("Số hồ sơ giải quyết đúng hạn")
    True
    """
    words = key.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for variant, same in synonyms().get(words[i], ()):
            if tuple(words[i : i + len(variant)]) == variant:
                out += same
                i += len(variant)
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def mend_abbreviations(text: str) -> str:
    """Abbreviations typed one letter off ("CHCC", "TTtC") written as the one they are.

    Only capitalised words of four letters or more, without Vietnamese marks, a single
    substitution or swap away from exactly one known abbreviation of the same length (a
    swap first: it keeps the letters).

    >>> mend_abbreviations("Kế hoạch CHCC năm"), mend_abbreviations("Số TTtC cấp xã"), mend_abbreviations("THỦ TỤC")
    ('Kế hoạch CCHC năm', 'Số TTHC cấp xã', 'THỦ TỤC')
    """
    def mend(m: re.Match[str]) -> str:
        word = m.group(0)
        upper = word.upper()
        if upper.lower() in abbreviations() or sum(ch.isupper() for ch in word) < 3 or has_marks(word.replace("Đ", "D")):
            return word
        near = [a for a in _known_abbreviations() if len(a) == len(upper) and OSA.distance(a, upper, score_cutoff=1) <= 1]
        swapped = [a for a in near if sorted(a) == sorted(upper)]  # CHCC is CCHC, not CBCC
        for found in (swapped, near):
            if len(found) == 1:
                return found[0]
        return word

    return _CAPITAL_WORD.sub(mend, text)


@lru_cache(maxsize=1)
def _known_abbreviations() -> tuple[str, ...]:
    return tuple(a.upper() for a in abbreviations() if len(a) >= 4)


@lru_cache(maxsize=4096)
def label_key(label: str) -> LabelKey:
    """What the mapper compares of a label (cached: codebook labels and repeated rows)."""
    text = mend_abbreviations(strip_marker(label))
    key = apply_synonyms(match_key(text))
    return LabelKey(key, unaccented(key), has_marks(text))
