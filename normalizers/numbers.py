"""Vietnamese value parser: one indicator cell (its text and its unit) -> a typed value.

Why a module of its own: CCHC report tables print numbers the Vietnamese way ('.' groups
thousands, ',' is the decimal mark, so ``16.688`` is sixteen thousand), and one "Số liệu"
column mixes plain counts, percentages (``100%``), fractions (``218/218 (100%)``), document
references (``KH số 08/KH-UBND ngày 15/01/2021``), coded answers whose legend sits in the unit
cell (``Trực tuyến = 0 / Phát phiếu = 1 / Kết hợp = 2``) and free text (``9.436 tỷ``).  The
unit cell is the only hint which reading is meant, so :func:`parse_value` reads both and never
guesses silently: anything doubtful is kept as text and/or flagged for review.

Flags a :class:`ParsedValue` may carry (always in this order of discovery, no duplicates):

``ambiguous_separator``   a '.' not followed by exactly three digits (``1.5``) was read as a
                          decimal point, or a ',' followed by exactly three digits (``1,234``)
                          may be an English thousands separator.
``unit_mismatch``         the value's form contradicts the unit or the codebook's kind
                          (``9.436 tỷ`` for a count, ``100%`` for a count, words for a percent).
``has_words``             a number written together with words, no numeric unit to contradict.
``percent_out_of_range``  a percentage below 0 or above 100 (or a fraction above 1).
``unknown_code``          a coded answer that is not in the unit's legend.
``code_from_label``       a coded answer written as its label (``Có``) instead of its code.
``fraction_percent_mismatch``  ``a/b (p%)`` where p is not a/b within one point.
``zero_denominator``      ``a/0``.
``possible_date``         a fraction that reads like month/year (``01/2021``).
``value_from_unit``       a blank cell whose unit embeds the value (``Số PAKN: 0``).
``unit_value_mismatch``   the cell and the value embedded in its unit disagree.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["ParsedValue", "unit_kind", "parse_coding", "parse_number", "parse_value"]

KINDS = ("number", "percent", "fraction", "code", "reference", "text", "blank")
NUMERIC_UNIT_KINDS = ("count", "percent", "code")


@dataclass(frozen=True)
class ParsedValue:
    """One cell's value, typed; immutable so it can be shared and hashed by later stages."""

    value: float | None  # the number as printed, resolved (16.688 -> 16688.0, 100% -> 100.0)
    value_text: str | None  # the cell text, whitespace-normalised; None when blank
    value_kind: str  # one of KINDS
    numerator: float | None = None
    denominator: float | None = None
    value_label: str | None = None  # for coded answers: the label the code stands for
    flags: tuple[str, ...] = ()


# --------------------------------------------------------------------------- text clean-up

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"[ \t\u00a0\u2007\u2009\u202f\u3000]+")
_DASHES = re.compile(r"^[-\u2010\u2011\u2012\u2013\u2014\u2212]$")


def _nfc(text: str) -> str:
    """NFC, invisible characters dropped: Word and PDF cells carry NFD marks and ZWSPs.

    >>> _nfc("Co\\u0301") == "Có"
    True
    >>> _nfc("1\\u200b00")
    '100'
    """
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


def _squash(text: str) -> str:
    """One line, single spaces: a wrapped cell (``877/877\\n(100%)``) reads as one value.

    >>> _squash("  877/877\\n(100%) ")
    '877/877 (100%)'
    """
    return " ".join(_nfc(text).split())


def _lines(text: str) -> str:
    """NFC, runs of spaces collapsed, newlines kept: coding legends are one pair a line."""
    return "\n".join(_SPACES.sub(" ", ln).strip() for ln in _nfc(text).splitlines()).strip()


# --------------------------------------------------------------------------- numbers

_MINUS = "-\u2212"  # ASCII hyphen-minus and U+2212 MINUS SIGN
_NUM_TOKEN = rf"[{_MINUS}]?\d[\d.,]*"
_INT = re.compile(r"\d+")
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?")  # 16.688  1.234.567  1.234,5
_COMMA_DEC = re.compile(r"\d+,\d+")  # 99,1  10,17
_DOT_DEC = re.compile(r"\d+\.\d+")  # 1.5  2.25: not a valid grouping -> decimal point


def _read_number(text: str) -> tuple[float, tuple[str, ...]] | None:
    """A bare Vietnamese number and the doubts about it, or None.

    '.' groups thousands only when every group after it has exactly three digits:

    >>> _read_number("16.688")
    (16688.0, ())
    >>> _read_number("1.234,5")
    (1234.5, ())

    Otherwise the '.' must be a decimal point typed the English way:

    >>> _read_number("1.5")
    (1.5, ('ambiguous_separator',))

    Codes and dates are not numbers:

    >>> _read_number("1.1.1") is None, _read_number("15/01/2021") is None
    (True, True)
    """
    s = text.strip()
    negative = s[:1] in _MINUS and len(s) > 1
    body = s[1:] if negative else s
    flags: tuple[str, ...] = ()
    if _INT.fullmatch(body):
        number = body
    elif _GROUPED.fullmatch(body):
        number = body.replace(".", "").replace(",", ".")
    elif _COMMA_DEC.fullmatch(body):
        whole, frac = body.split(",")
        number = f"{whole}.{frac}"
        if len(frac) == 3 and not whole.startswith("0"):
            flags = ("ambiguous_separator",)  # 1,234: English thousands or 1.234?
    elif _DOT_DEC.fullmatch(body):
        number = body
        flags = ("ambiguous_separator",)
    else:
        return None
    value = float(number)
    return (-value if negative else value), flags


def parse_number(text: str) -> float | None:
    """A bare Vietnamese number (the whole text), None if the text is not one.

    Why not ``float()``: in Vietnamese ``1.775`` is one thousand seven hundred seventy-five
    and ``99,1`` is ninety-nine point one; leading zeros (``06``) are common in reports.

    >>> parse_number("16.688"), parse_number("99,1"), parse_number("06")
    (16688.0, 99.1, 6.0)
    >>> parse_number("-1.234.567,5")
    -1234567.5
    >>> parse_number("100%") is None, parse_number("9.436 tỷ") is None
    (True, True)
    """
    if text is None:
        return None
    read = _read_number(_squash(text).replace("\u2212", "-"))
    return None if read is None else read[0]


# --------------------------------------------------------------------------- units

_CODING_PAIR = re.compile(
    r"(?P<label>[^=\n;]+?)[ \t]*[=\uff1d][ \t]*(?P<code>\d+)[ \t]*(?:\s*[\n;,][ \t]*|\s+|$)"
)
_EMBEDDED = re.compile(rf"(?P<label>.*?\S)\s*:\s*(?P<num>{_NUM_TOKEN})")  # Số PAKN: 0
_PERCENT_UNIT = re.compile(r"[%\uff05]|\btỷ\s*lệ\b|\btỉ\s*lệ\b|\bphần\s*trăm\b", re.IGNORECASE)


def parse_coding(unit: str | None) -> dict[int, str]:
    """The legend of a coded answer, ``{code: label}``; ``{}`` when the unit is not one.

    Some templates put the answer's legend in the unit cell, one ``label = code`` a line
    (or on one line, separated by commas or semicolons).  At least two pairs, distinct codes.

    >>> parse_coding("Trực tuyến = 0\\nPhát phiếu = 1\\nKết hợp = 2")
    {0: 'Trực tuyến', 1: 'Phát phiếu', 2: 'Kết hợp'}
    >>> parse_coding("Không = 0, Có = 1")
    {0: 'Không', 1: 'Có'}
    >>> parse_coding("Cơ quan, đơn vị"), parse_coding("Số PAKN: 0")
    ({}, {})
    """
    if not unit:
        return {}
    s = _lines(unit)
    out: dict[int, str] = {}
    pos = 0
    while pos < len(s):
        m = _CODING_PAIR.match(s, pos)
        if not m:
            return {}
        label = m["label"].strip(" ,;\t\n")
        code = int(m["code"])
        if not label or code in out:
            return {}
        out[code] = label
        pos = m.end()
    return out if len(out) >= 2 else {}


def _embedded_value(unit: str | None) -> tuple[str, str, float] | None:
    """``(label, number text, number)`` when a unit cell carries the answer itself.

    >>> _embedded_value("Số PAKN: 0")
    ('Số PAKN', '0', 0.0)
    >>> _embedded_value("Cơ quan, đơn vị") is None
    True
    """
    if not unit:
        return None
    m = _EMBEDDED.fullmatch(_squash(unit))
    if not m:
        return None
    read = _read_number(m["num"])
    return None if read is None else (m["label"], m["num"], read[0])


def unit_kind(unit: str | None) -> str | None:
    """What a unit cell says the value is: 'percent' | 'count' | 'code', None when blank.

    Why: the same printed ``100`` is a percentage under ``%`` and a count under ``Văn bản``;
    odd percent units seen in templates (``100%``, ``Tỷ lệ %``) count as percent.  Every
    other non-blank unit (Nhiệm vụ, Văn bản, Người, Thủ tục, Hồ sơ, TTHC, Cơ quan, đơn vị,
    UBND xã, Hình thức, Số PAKN: 0, amounts of money …) is a plain quantity: 'count'.

    >>> unit_kind("%"), unit_kind("100%"), unit_kind("Tỷ lệ %")
    ('percent', 'percent', 'percent')
    >>> unit_kind("Cơ quan, đơn vị"), unit_kind("Không = 0\\nCó = 1"), unit_kind("  ")
    ('count', 'code', None)
    """
    if unit is None:
        return None
    s = _squash(unit)
    if not s or _DASHES.match(s):
        return None
    if parse_coding(unit):
        return "code"
    embedded = _embedded_value(unit)
    if embedded:
        s = embedded[0]
    if _PERCENT_UNIT.search(s):
        return "percent"
    return "count"


# --------------------------------------------------------------------------- value forms

_PERCENT = re.compile(rf"\(?\s*(?P<num>{_NUM_TOKEN})\s*[%\uff05]\s*\)?")
_FRACTION = re.compile(
    rf"(?P<n>{_NUM_TOKEN})\s*/\s*(?P<d>\d[\d.,]*)"
    rf"(?:\s*\(\s*(?P<p>{_NUM_TOKEN})\s*[%\uff05]\s*\))?"
)
_DOC_TYPES = (
    r"KH|QĐ|BC|NQ|CV|TB|TTr|CT|NĐ|TT|Kế\s+hoạch|Quyết\s+định|Báo\s+cáo|Công\s+văn|"
    r"Nghị\s+quyết|Thông\s+báo|Tờ\s+trình|Chỉ\s+thị|Nghị\s+định|Thông\s+tư|Văn\s+bản"
)
_REFERENCE = re.compile(
    "|".join(
        [
            r"\d+\s*/\s*(?:\d{4}\s*/\s*)?[A-ZĐ]{2,}",  # 08/KH-UBND, 01/2020/QĐ-UBND, 1515/UBND
            r"\d+\s*-\s*[A-ZĐ]{2,}\s*/\s*[A-ZĐ]{2,}",  # 39-NQ/TW
            r"/\s*[A-ZĐ]{2,}\s*-\s*[A-ZĐ]{2,}",  # số /BC-UBND (number left blank)
            # a date d/m/yyyy (also with '.' or '-'; "14./12/2021" is a real typo)
            r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])\.?\s*[/.-]\s*(?:0?[1-9]|1[0-2])"
            r"\s*[/.-]\s*(?:\d{4}|\d{2})(?!\d)",
            r"(?i:ngày\s+\d{1,2}\s+tháng\s+\d{1,2})",  # ngày 09 tháng 12 năm 2021
            rf"(?i:\b(?:{_DOC_TYPES})\s+số\b)",  # Quyết định số …, KH số …
        ]
    )
)
_HAS_DIGIT = re.compile(r"\d")


def _read_percent(text: str) -> tuple[float, tuple[str, ...]] | None:
    """``100%``, ``100 %``, ``18,23 %`` -> the number before the sign (not divided by 100).

    >>> _read_percent("18,23 %")
    (18.23, ())
    >>> _read_percent("100% số TTHC") is None
    True
    """
    m = _PERCENT.fullmatch(text)
    if not m or (text.startswith("(") != text.endswith(")")):
        return None
    return _read_number(m["num"])


def _read_fraction(text: str) -> tuple[float, float, float | None, tuple[str, ...]] | None:
    """``218/218 (100%)``, ``1.775/1.775`` -> (numerator, denominator, printed %, flags).

    >>> _read_fraction("218/218 (100%)")
    (218.0, 218.0, 100.0, ())
    >>> _read_fraction("1.775/1.775")
    (1775.0, 1775.0, None, ())

    A date has three parts and is not a fraction:

    >>> _read_fraction("15/01/2021") is None
    True
    """
    m = _FRACTION.fullmatch(text)
    if not m:
        return None
    n, d = _read_number(m["n"]), _read_number(m["d"])
    p = _read_number(m["p"]) if m["p"] else None
    if n is None or d is None or (m["p"] and p is None):
        return None
    flags = n[1] + d[1] + (p[1] if p else ())
    return n[0], d[0], (p[0] if p else None), flags


def _is_reference(text: str) -> bool:
    """Document numbers and dates, kept as text: ``KH số 08/KH-UBND ngày 15/01/2021``.

    >>> _is_reference("KH số 08/KH-UBND ngày 15/01/2021"), _is_reference("15/01/2021")
    (True, True)
    >>> _is_reference("218/218"), _is_reference("Số PAKN: 0")
    (False, False)
    """
    return bool(_REFERENCE.search(text))


def _uniq(flags: list[str]) -> tuple[str, ...]:
    """Flags in order of discovery, each once."""
    return tuple(dict.fromkeys(flags))


def _text_flags(text: str, numeric_context: bool) -> list[str]:
    """Why a text value deserves a look: it contradicts a numeric unit, or hides a number."""
    if numeric_context:
        return ["unit_mismatch"]
    if _HAS_DIGIT.search(text):
        return ["has_words"]
    return []


def _code_from_label(text: str, coding: dict[int, str]) -> int | None:
    """The code whose label the cell spells out (``Có`` under ``Không = 0 / Có = 1``)."""
    wanted = text.casefold()
    hits = [code for code, label in coding.items() if label.casefold() == wanted]
    return hits[0] if len(hits) == 1 else None


def parse_value(
    text: str | None, unit: str | None = None, expected_kind: str | None = None
) -> ParsedValue:
    """Type one indicator cell, reading its unit cell for context.

    ``expected_kind`` is the codebook's kind for the row ('count' | 'percent' | 'text' |
    'code'); it fills in when the unit is blank and is used to flag contradictions.

    >>> parse_value("16.688", "Văn bản").value
    16688.0
    >>> v = parse_value("877/877\\n(100%)", "100%")
    >>> v.value, v.value_text, v.value_kind, v.numerator, v.denominator
    (877.0, '877/877 (100%)', 'fraction', 877.0, 877.0)
    >>> v = parse_value("0", "Trực tuyến = 0\\nPhát phiếu = 1\\nKết hợp = 2")
    >>> v.value, v.value_kind, v.value_label
    (0.0, 'code', 'Trực tuyến')
    >>> parse_value("9.436 tỷ", "Cơ quan, đơn vị")  # doctest: +NORMALIZE_WHITESPACE
    ParsedValue(value=None, value_text='9.436 tỷ', value_kind='text', numerator=None,
                denominator=None, value_label=None, flags=('unit_mismatch',))
    """
    coding = parse_coding(unit)
    ukind = unit_kind(unit)
    embedded = _embedded_value(unit) if ukind in ("count", "percent") else None
    # The kind the row should have: the unit decides, the codebook fills a blank unit.
    want = ukind or (expected_kind if expected_kind in NUMERIC_UNIT_KINDS else None)
    numeric_context = want in NUMERIC_UNIT_KINDS or expected_kind in NUMERIC_UNIT_KINDS
    # The unit and the codebook disagree on what the number is (count vs percent).
    unit_vs_codebook = (
        ukind in ("count", "percent")
        and expected_kind in ("count", "percent")
        and ukind != expected_kind
    )

    cell = _squash(text) if text is not None else ""
    if not cell or _DASHES.match(cell):
        if embedded:
            kind = "percent" if ukind == "percent" else "number"
            return ParsedValue(embedded[2], cell or None, kind, flags=("value_from_unit",))
        return ParsedValue(None, cell or None, "blank")

    s = cell.replace("\u2212", "-")
    flags: list[str] = []

    read = _read_number(s)
    if read is not None:
        value, nflags = read
        flags += nflags
        if want == "code":
            label = coding.get(int(value)) if value.is_integer() else None
            if coding and label is None:
                flags.append("unknown_code")
            elif not coding and not value.is_integer():
                flags.append("unit_mismatch")
            return ParsedValue(value, cell, "code", value_label=label, flags=_uniq(flags))
        kind = "percent" if want == "percent" else "number"
        if unit_vs_codebook:
            flags.append("unit_mismatch")
        if kind == "percent" and not 0 <= value <= 100:
            flags.append("percent_out_of_range")
        if embedded and embedded[2] != value:
            flags.append("unit_value_mismatch")
        return ParsedValue(value, cell, kind, flags=_uniq(flags))

    read = _read_percent(s)
    if read is not None:
        value, pflags = read
        flags += pflags
        if want in ("count", "code") or expected_kind in ("count", "code"):
            flags.append("unit_mismatch")
        if not 0 <= value <= 100:
            flags.append("percent_out_of_range")
        return ParsedValue(value, cell, "percent", flags=_uniq(flags))

    frac = _read_fraction(s)
    if frac is not None:
        n, d, p, fflags = frac
        flags += fflags
        if want == "code":
            flags.append("unit_mismatch")
        if d == 0:
            flags.append("zero_denominator")
        else:
            if n / d > 1 or (p is not None and p > 100):
                flags.append("percent_out_of_range")
            if p is not None and abs(100 * n / d - p) > 1:
                flags.append("fraction_percent_mismatch")
        if p is None and want != "percent" and 1 <= n <= 12 and 1900 <= d <= 2100:
            flags.append("possible_date")
        return ParsedValue(n, cell, "fraction", n, d, flags=_uniq(flags))

    if _is_reference(s):
        return ParsedValue(None, cell, "reference")

    if coding:
        code = _code_from_label(cell, coding)
        if code is not None:
            return ParsedValue(
                float(code), cell, "code", value_label=coding[code], flags=("code_from_label",)
            )

    return ParsedValue(None, cell, "text", flags=_uniq(_text_flags(s, numeric_context)))
