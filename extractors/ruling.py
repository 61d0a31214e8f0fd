"""Ruled tables in a page image: the grid from its lines, merged cells from missing ones.

Why our own OpenCV morphology rather than img2table or camelot on an OCR'd sandwich
(measured in benchmarks/ocr.py): both find the same lines the same way, but img2table
needs the non-headless opencv-contrib build and runs its own OCR pass, and camelot would
render a PDF we first had to write; here the lines are found once on the image tesseract
reads anyway, and they are also wiped from that image so tesseract never reads a rule as
``|`` or ``_``.

A line is a run of ink much longer than any letter: a morphological opening with a long
thin kernel keeps lines and drops text.  The grid is every distinct line position; a
boundary between two neighbouring grid cells that has no ink on it means they are one
merged cell, and a position whose boundary is open along its whole length (a tall letter
stroke that survived the opening) is no line at all.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MIN_LINE_INCH = 0.12  # shortest ruling segment looked for: under one table row
MERGE_INCH = 0.04  # line positions closer than this are one line
MIN_PRESENT = 0.6  # share of a boundary that must be inked for it to separate two cells
MIN_RULE = 0.85  # share of a row's height a vertical rule covers; a tall letter stays well below


@dataclass(frozen=True)
class GridCell:
    """A cell in grid units and its box in pixels (inside the lines)."""

    row: int
    col: int
    rowspan: int
    colspan: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Grid:
    """One ruled table: line positions in pixels and its cells, merged ones once."""

    xs: tuple[int, ...]
    ys: tuple[int, ...]
    cells: tuple[GridCell, ...]

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def scaled(self, factor: float) -> Grid:
        """The same grid on an image ``factor`` times as large."""

        def up(values: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(round(v * factor) for v in values)

        cells = tuple(GridCell(c.row, c.col, c.rowspan, c.colspan, up(c.box)) for c in self.cells)
        return Grid(up(self.xs), up(self.ys), cells)


def line_masks(binary: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling ink (255) from an ink-on-black image."""
    length = max(int(MIN_LINE_INCH * dpi), 10)
    bridge = max(int(0.01 * dpi), 1)  # then close the small breaks noise and JPEG leave in thin lines
    # Open first: closing first would weld a word's letters into a run as long as a rule.
    horizontal = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length * 3, 1)))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge * 2 + 1, 1)))
    vertical = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge * 2 + 1)))
    return horizontal, vertical


def _positions(profile: np.ndarray, min_ink: float, gap: int, span: int) -> list[int]:
    """Centres of runs where ``profile`` reaches ``min_ink``, runs closer than ``gap`` joined.

    A run wider than two gaps is not one thin line: it is several with ink between them
    (what is left of a crease's bends beside straightened rules), whose peaks are the
    lines; or one line drifting across (a rule left leaning), when it holds ink along half
    the table's ``span``; or neither (letters of a heading centred over a merged cell).

    >>> _positions(np.array([0, 20, 20, 0, 0, 0, 0, 0, 0, 30, 0]), 10, 2, 40)
    [1, 9]
    >>> _positions(np.array([0, 40, 12, 12, 12, 12, 12, 12, 50, 12, 0]), 10, 2, 40)
    [1, 8]
    >>> _positions(np.array([0] + [30] * 9 + [0]), 10, 2, 600), _positions(np.array([0] + [30] * 9 + [0]), 10, 2, 200)
    ([], [5])
    """
    idx = np.flatnonzero(profile >= min_ink)
    if not len(idx):
        return []
    runs, start, last = [], idx[0], idx[0]
    for i in idx[1:]:
        if i - last > gap:
            runs.append((start, last))
            start = i
        last = i
    runs.append((start, last))
    out = []
    for start, last in runs:
        if last - start <= 2 * gap:
            out.append((start + last) // 2)
        elif peaks := _peaks(profile[start : last + 1], gap):
            out += [start + p for p in peaks]
        elif profile[start : last + 1].sum() >= span / 2:
            out.append((start + last) // 2)
    return [int(v) for v in out]


def _peaks(profile: np.ndarray, gap: int) -> list[int]:
    """Positions holding the most ink within ``gap`` either side, and at least twice the run's median.

    >>> _peaks(np.array([30] * 9), 2), _peaks(np.array([10, 40, 10, 10, 10, 10, 10]), 2)
    ([], [1])
    """
    wide = np.pad(profile, gap, mode="edge")
    window = np.lib.stride_tricks.sliding_window_view(wide, 2 * gap + 1).max(axis=1)
    tall = (profile == window) & (profile >= 2 * np.median(profile))
    peaks: list[int] = []
    for i in np.flatnonzero(tall):
        if not peaks or i - peaks[-1] > gap:
            peaks.append(int(i))
    return peaks


def _track(mask: np.ndarray, fixed: int, lo: int, hi: int, horizontal: bool, tol: int) -> np.ndarray:
    """Whether each pixel of the boundary from ``lo`` to ``hi`` (at ``fixed``) has line ink, on
    the one track within ``tol`` of it (three pixels wide) that has the most."""
    if hi <= lo:
        return np.zeros(0, bool)
    band = mask[fixed - tol : fixed + tol + 1, lo:hi] if horizontal else mask[lo:hi, fixed - tol : fixed + tol + 1].T
    if not band.size:
        return np.zeros(0, bool)
    track = int(np.argmax((band > 0).sum(axis=1)))
    return band[max(track - 1, 0) : track + 2].max(axis=0) > 0


def _inked(mask: np.ndarray, fixed: int, lo: int, hi: int, horizontal: bool, tol: int) -> float:
    """Share of the boundary from ``lo`` to ``hi`` (at ``fixed``) that has line ink on its best track.

    A rule is a straight track; the strokes of a heading centred over a merged cell, which
    fall within ``tol`` of the hidden boundary, are scattered across it.

    >>> rule, strokes = np.zeros((20, 9), np.uint8), np.zeros((20, 9), np.uint8)
    >>> rule[:, 5] = 255
    >>> strokes[0:7, 1] = strokes[7:14, 4] = strokes[14:20, 7] = 255
    >>> _inked(rule, 4, 0, 20, False, 4), _inked(strokes, 4, 0, 20, False, 4)
    (1.0, 0.35)
    """
    along = _track(mask, fixed, lo, hi, horizontal, tol)
    return float(along.mean()) if along.size else 0.0


def _divides(mask: np.ndarray, fixed: int, lo: int, hi: int, horizontal: bool, tol: int) -> bool:
    """Whether a rule runs along the boundary between two grid cells: inked over `MIN_PRESENT`
    of it, from near one end to near the other.  A letter's stem under a heading centred
    over a merged cell can be as long and as straight, but stops short of the rules at
    the cell's edges.

    >>> stem = np.zeros((20, 9), np.uint8)
    >>> stem[6:20, 4] = 255
    >>> _inked(stem, 4, 0, 20, False, 4) >= MIN_PRESENT, _divides(stem, 4, 0, 20, False, 4)
    (True, False)
    """
    along = _track(mask, fixed, lo, hi, horizontal, tol)
    end = max(len(along) // 5, 1)
    return bool(along.size and along.mean() >= MIN_PRESENT and along[:end].any() and along[-end:].any())


def _real_lines(mask: np.ndarray, lines: list[int], across: list[int], horizontal: bool, tol: int) -> list[int]:
    """Line positions that run the full height (or width) of at least one row (or column).

    Measured from line to line with no margin: a rule touches the lines at both its ends,
    while a tall letter (Vietnamese stacks two marks on a vowel) stops short of them.
    """
    return [
        v for v in lines
        if any(_inked(mask, v, a, b, horizontal, tol) >= MIN_RULE for a, b in zip(across, across[1:]))
    ]


def _grid(horizontal: np.ndarray, vertical: np.ndarray, region: tuple[int, int, int, int], dpi: float) -> Grid | None:
    x0, y0, x1, y1 = region
    gap = max(int(MERGE_INCH * dpi), 2)
    tol = gap
    h_part, v_part = horizontal[y0:y1, x0:x1], vertical[y0:y1, x0:x1]
    min_len = max(int(MIN_LINE_INCH * dpi), 10)
    ys = [y0 + y for y in _positions((h_part > 0).sum(axis=1), min_len, gap, x1 - x0)]
    xs = [x0 + x for x in _positions((v_part > 0).sum(axis=0), min_len, gap, y1 - y0)]
    ys = _real_lines(horizontal, ys, xs, True, tol)  # rows first: a stray y splits rows small enough for letters to fill
    xs = _real_lines(vertical, xs, ys, False, tol)
    ys = _real_lines(horizontal, ys, xs, True, tol)
    if len(xs) < 3 or len(ys) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    margin = gap
    right_open = [[not _divides(vertical, xs[c + 1], ys[r] + margin, ys[r + 1] - margin, False, tol)
                   for c in range(n_cols - 1)] for r in range(n_rows)]
    down_open = [[not _divides(horizontal, ys[r + 1], xs[c] + margin, xs[c + 1] - margin, True, tol)
                  for c in range(n_cols)] for r in range(n_rows - 1)]
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        for c in range(n_cols):
            if c < n_cols - 1 and right_open[r][c]:
                parent[find(r * n_cols + c + 1)] = find(r * n_cols + c)
            if r < n_rows - 1 and down_open[r][c]:
                parent[find((r + 1) * n_cols + c)] = find(r * n_cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            groups.setdefault(find(r * n_cols + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, r1 = min(m[0] for m in members), max(m[0] for m in members)
        c0, c1 = min(m[1] for m in members), max(m[1] for m in members)
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])))
    cells.sort(key=lambda g: (g.row, g.col))
    return Grid(tuple(xs), tuple(ys), tuple(cells))


def rules_mask(horizontal: np.ndarray, vertical: np.ndarray, grids: list[Grid], dpi: float) -> np.ndarray:
    """The ink to wipe before OCR: every horizontal rule, and vertical ones only on grid lines.

    The vertical mask also holds the tallest letters; wiping those would cut the marks off
    ``ệ`` and ``ậ``.
    """
    tol = max(int(MERGE_INCH * dpi), 2)
    keep = np.zeros_like(vertical)
    for grid in grids:
        for x in grid.xs:
            keep[grid.ys[0] - tol : grid.ys[-1] + tol + 1, max(x - tol, 0) : x + tol + 1] = 255
    return cv2.bitwise_or(horizontal, cv2.bitwise_and(vertical, keep))


def find_grids(horizontal: np.ndarray, vertical: np.ndarray, dpi: float) -> list[Grid]:
    """Every ruled table on the page, top to bottom: lines that touch form one table."""
    joined = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((5, 5), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    min_side = int(0.3 * dpi)
    grids = []
    for i in range(1, n):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if w < min_side or h < min_side // 3:
            continue
        grid = _grid(horizontal, vertical, (x, y, x + w, y + h), dpi)
        if grid is not None:
            grids.append(grid)
    return sorted(grids, key=lambda g: g.ys[0])


def page_rules(binary: np.ndarray, dpi: float) -> tuple[list[Grid], np.ndarray]:
    """The page's ruled tables and the rule ink to wipe, found at about 100–150 DPI.

    Rules are long and thick enough to survive halving the image, and the morphology
    costs a quarter as much: 0.13 s of a 300 DPI page's time otherwise went here.
    """
    factor = 2 if dpi >= 200 else 1
    small = binary
    if factor > 1:
        small = cv2.resize(binary, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
        small = np.where(small > 0, 255, 0).astype(np.uint8)
    horizontal, vertical = line_masks(small, dpi / factor)
    grids = find_grids(horizontal, vertical, dpi / factor)
    rules = rules_mask(horizontal, vertical, grids, dpi / factor)
    if factor == 1:
        return grids, rules
    rules = cv2.resize(rules, (binary.shape[1], binary.shape[0]), interpolation=cv2.INTER_NEAREST)
    return [g.scaled(factor) for g in grids], rules
