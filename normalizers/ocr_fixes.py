"""Mend what OCR typically gets wrong in the two columns that matter most: STT codes and values.

A text layer never misreads a dot; OCR of a noisy scan does, and the two columns the
mapper and the parser lean on are the ones made of little but dots and digits.  Words
are recovered from their context instead of guessed: a printed code must be a plausible
next code after the row above (its next sibling, first child, or the next item of an
ancestor), and a value must fit the kind of number its indicator counts.  Every fix is
reported, and each lowers the value's confidence rather than hiding the doubt.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CODE_FIX_CONFIDENCE = 0.9  # a code rebuilt from its neighbours: right in tests, but inferred
NUMBER_FIX_CONFIDENCE = 0.8  # a value with a character swapped: the digits OCR read are kept

_CODE = re.compile(r"^\d+(?:\.\d+)*\.?$")
_CODE_CHARS = str.maketrans({",": ".", ":": ".", ";": ".", "·": ".", "l": "1", "I": "1", "|": "1", "O": "0", "o": "0", "ø": "0", "Ø": "0"})
_CODEISH = re.compile(r"^[\d.,:;·lIO|oøØ]+$")
# Letters OCR reads in place of digits, only ever applied inside a token that is otherwise a number.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "ø": "0", "Ø": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1",
                                   "!": "1", "i": "1", "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "g": "9"})
_NUMBERISH = re.compile(r"^[\d.,%/()OoøØDQlI|!iSsBZzg ]+$")


def _parts(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.rstrip(".").split("."))


def successors(previous: tuple[int, ...] | None) -> list[tuple[int, ...]]:
    """The codes that can follow ``previous`` in a numbered outline, most likely first.

    >>> successors((1, 2))
    [(1, 3), (1, 2, 1), (2,)]
    >>> successors(None)
    [(1,)]
    """
    if not previous:
        return [(1,)]
    out = [(*previous[:-1], previous[-1] + 1), (*previous, 1)]
    out += [(*previous[:i - 1], previous[i - 1] + 1) for i in range(len(previous) - 1, 0, -1)]
    return out


def _digits(parts: tuple[int, ...]) -> str:
    return "".join(map(str, parts))


def _near(a: str, b: str) -> bool:
    """One digit inserted, dropped or changed: what a misread dot or a blurred digit does."""
    if a == b:
        return True
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return len(long_) - len(short) == 1 and any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def repair_code(text: str | None, previous: tuple[int, ...] | None) -> tuple[str | None, bool]:
    """A printed STT code as it was printed, from its OCR reading and the code above it.

    Dots read as ``,`` or ``:``, and dots lost altogether, are put back when the digits
    make a code that can follow the previous one:

    >>> repair_code("112.", (1, 1, 1))
    ('1.1.2.', True)
    >>> repair_code("4.12.", (4, 1, 1))
    ('4.1.2.', True)
    >>> repair_code("3:4,2:", (3, 4, 1))
    ('3.4.2.', True)
    >>> repair_code("5143 x", (5, 1, 2))
    ('5.1.3.', True)
    >>> repair_code("ø.4.", (6, 3))
    ('6.4.', True)
    >>> repair_code("243.", (2, 2))
    ('2.3.', True)
    >>> repair_code("2.10.", (2, 9))
    ('2.10.', False)

    A code that is already well formed is kept, even when it is not the expected one (a
    report may number its rows its own way); words are not codes:

    >>> repair_code("1.1.1.", (1, 2))
    ('1.1.1.', False)
    >>> repair_code("Trong đó", (7, 1, 1))
    ('Trong đó', False)
    """
    if not text:
        return text, False
    token = text.split()[0]
    if not _CODEISH.match(token) or not any(ch.isdigit() for ch in token):
        return text, False
    cleaned = token.translate(_CODE_CHARS)
    digits = cleaned.replace(".", "")
    options = successors(previous)
    well_formed = token == text and _CODE.match(token) is not None
    if well_formed and _parts(token) in options:
        return text, False
    for parts in options:
        if digits == _digits(parts):
            return ".".join(map(str, parts)) + ".", True
    if well_formed and max(_parts(token)) < 10:
        return text, False  # a report's own numbering; a two-digit part that is not expected is a dot read as a digit
    for parts in options:
        if _near(digits, _digits(parts)):
            return ".".join(map(str, parts)) + ".", True
    if _CODE.match(cleaned):
        return cleaned if cleaned.endswith(".") else cleaned + ".", True
    return text, False


def _scrap(text: str | None) -> bool:
    """OCR debris where a code was printed: no word of three letters, and not a code
    (tesseract reads a lone ``7.`` as ``Lễ``, and ``h l``).

    >>> _scrap("h l"), _scrap("Lễ"), _scrap("."), _scrap("Trong đó"), _scrap("7."), _scrap(None)
    (True, True, True, False, False, False)
    """
    if not text or _CODE.match(text.split()[0]):
        return False
    return not any(sum(ch.isalpha() for ch in token) >= 3 for token in text.split())


def repair_codes(codes: list[str | None]) -> list[tuple[str | None, bool]]:
    """`repair_code` down a table's STT column, each code read against the one above it.

    A code OCR turned into debris is the parent of the code below it, when that parent
    can follow the code above (a section heading, "7.", read as "h l" above "7.1."):

    >>> [c for c, _ in repair_codes(["1.", "1.1.", "111", "1.12", "12,", "Trong đó", "2"])]
    ['1.', '1.1.', '1.1.1.', '1.1.2.', '1.2.', 'Trong đó', '2']
    >>> [c for c, _ in repair_codes(["6.4.", "6.5.", "h l", "7.1.", "7.1.1."])]
    ['6.4.', '6.5.', '7.', '7.1.', '7.1.1.']
    >>> [c for c, _ in repair_codes(["6.5.", "Lễ", "7.1."])]
    ['6.5.', '7.', '7.1.']
    """
    out: list[tuple[str | None, bool]] = []
    previous: tuple[int, ...] | None = None
    for i, code in enumerate(codes):
        fixed, changed = repair_code(code, previous)
        if _scrap(fixed):
            below = next((c for c in codes[i + 1 :] if c and _CODE.match(c)), None)
            if below and len(parent := _parts(below)[:-1]) and parent in successors(previous):
                fixed, changed = ".".join(map(str, parent)) + ".", True
        out.append((fixed, changed))
        if fixed and _CODE.match(fixed.split()[0]):
            previous = _parts(fixed.split()[0])
    return out


@dataclass(frozen=True)
class NumberFix:
    """A value cell's text after OCR fixes, and what was done to it."""

    text: str
    fixes: tuple[str, ...] = ()


def repair_number(text: str, kind: str | None) -> NumberFix:
    """A value cell as printed, from OCR's reading of it and the kind of number expected.

    Letters that look like digits, inside an otherwise numeric token:

    >>> repair_number("1o", "count")
    NumberFix(text='10', fixes=('digit_lookalike',))
    >>> repair_number("ø1", "count")
    NumberFix(text='01', fixes=('digit_lookalike',))

    A count has no decimals, so ``,`` before three digits groups thousands (printed ``.``),
    and spaces OCR put inside a number go:

    >>> repair_number("12,609", "count")
    NumberFix(text='12.609', fixes=('thousands_separator',))
    >>> repair_number("4 255", "count")
    NumberFix(text='4255', fixes=('split_number',))

    A percentage's decimal mark is ``,``; a ``/`` between two digits and one is it (a
    fraction has a denominator of more than one digit):

    >>> repair_number("99/1", "percent")
    NumberFix(text='99,1', fixes=('decimal_mark',))

    Words stay words:

    >>> repair_number("Có", "code")
    NumberFix(text='Có', fixes=())
    """
    s = text.strip()
    if not s or not _NUMBERISH.match(s) or not any(ch.isdigit() for ch in s):
        return NumberFix(text)
    fixes: list[str] = []
    swapped = s.translate(_DIGIT_LOOKALIKES)
    if swapped != s:
        fixes.append("digit_lookalike")
        s = swapped
    if re.fullmatch(r"\d{1,3}(?: \d{3})+", s):
        s = s.replace(" ", "")
        fixes.append("split_number")
    if kind == "count" and re.fullmatch(r"\d{1,3}(?:,\d{3})+", s):
        s = s.replace(",", ".")
        fixes.append("thousands_separator")
    if kind == "percent" and re.fullmatch(r"\d{2}/\d%?", s):
        s = s.replace("/", ",")
        fixes.append("decimal_mark")
    return NumberFix(s, tuple(fixes)) if fixes else NumberFix(text)
