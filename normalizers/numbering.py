"""Row numbers as a report prints them: parsed, and the parent each one names.

The printed STT is evidence, never the tree (it is misnumbered, left blank, shifted by a
province's template), so these say only what the printing claims; the mapper weighs it.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

_PRINTED = re.compile(r"^\s*(\d+(?:\s*\.\s*\d+)*)\s*\.?\s*$")


class Numbered(Protocol):
    code_printed: str | None


def printed_parts(code_printed: str | None) -> tuple[str, ...] | None:
    """The numeric parts of a printed STT, or None when the row is un-numbered.

    >>> printed_parts("1.1.2.")
    ('1', '1', '2')
    >>> printed_parts("Trong đó") is None
    True
    """
    if not code_printed:
        return None
    m = _PRINTED.match(code_printed)
    if not m:
        return None
    return tuple(p.strip() for p in m.group(1).split("."))


def row_parents(rows: Sequence[Numbered]) -> list[int | None]:
    """Each row's parent as the printing shows it, from position and depth.

    An un-numbered row belongs to the last numbered row; a numbered row of depth d to the
    nearest earlier numbered row of smaller depth — so misnumbered children (1.1.x printed
    under 1.2) still hang under 1.2.  The mapper hears this only as evidence; it is the
    structure a person reads on the review sheet, and what a decided "no code" covers.
    """
    parents: list[int | None] = []
    stack: list[tuple[int, int]] = []  # (depth, row index) of open numbered rows
    for i, row in enumerate(rows):
        parts = printed_parts(row.code_printed)
        if parts is None:
            parents.append(stack[-1][1] if stack else None)
            continue
        depth = len(parts)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents.append(stack[-1][1] if stack else None)
        stack.append((depth, i))
    return parents


def printed_parents(parts: Sequence[tuple[str, ...] | None]) -> list[int | None]:
    """The row each printed number names as its parent, where the numbering agrees.

    A numbered row's parent is the nearest earlier row one level up, if that row's number
    is its prefix (1.3.1 under 1.3); a misprinted or blank parent number gives no parent
    rather than a wrong one.  An un-numbered row belongs to the last numbered row.

    >>> printed_parents([("1",), ("1", "2"), ("1", "1", "3"), None, ("1", "3", "1")])
    [None, 0, None, 2, None]
    """
    out: list[int | None] = []
    last_numbered: int | None = None
    for i, p in enumerate(parts):
        parent = None
        if p is None:
            parent = last_numbered
        elif len(p) > 1:
            for q in range(i - 1, -1, -1):
                above = parts[q]
                if above is None or len(above) >= len(p):
                    continue
                if len(above) == len(p) - 1 and above == p[:-1]:
                    parent = q
                break
        if p is not None:
            last_numbered = i
        out.append(parent)
    return out
