"""Straighten a bowed or creased page: its text lines and ruling lines made straight again.

One rotation does not flatten a page photocopied off a bound volume or folded before it
was scanned: its lines curve, and part of it can be skewed 6 degrees while the rest is not
(r05's form, page 2, whose lower rows a crease also shifted sideways by 0.6 inch).  This
is line-based dewarping (as Leptonica's dewarp): measure how the lines run and remap the
page so they run straight, in two passes on a copy of the ink at `WORK_DPI`:

* rows (`row_shift`): every text line and horizontal rule is traced along its bottom edge
  and fitted, and its slopes, spread over the page by normalised convolution, are a field
  that each output row follows outwards from the page's middle.  Slopes, not positions:
  where a line belongs is unknown, and a line that stops midway (a cell, a short last
  line) still tells how the paper bends where it is;
* columns (`column_shift`): once rows run straight, the pieces of vertical rules are
  traced, chained across each crease by the sideways shift most of their neighbours
  agree on, and every rule made vertical where the most rules are seen.

Both give the displacement on a coarse grid (`CELL`), composed into one `Warp`; the page
is resampled once, only when its lines move enough to matter (`MIN_SHIFT`), so a flat
page pays for the analysis alone (tens of milliseconds).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np
from numpy.polynomial import Polynomial

WORK_DPI = 100  # the analysis resolution: a line of body text is ~10 px high, rules stay one pixel wide
CELL = 8  # px at WORK_DPI between the nodes of a displacement grid
MIN_SHIFT = 3.0  # px at WORK_DPI (0.03 inch, a third of a letter): a line or rule moved less is left alone
MIN_BEND = 2.0  # px at WORK_DPI: lines this close to straight (`LinePoints.bend`, a cheap, lower MIN_SHIFT) are not even fitted
RULE_THICKNESS = 0.4  # letter heights: a line blob thinner than this on average is a rule
ROW_SIGMA = (0.4, 0.06)  # inches (across, down) over which a line's slope speaks for its neighbourhood
WIDE = 4.0  # times ROW_SIGMA: where no line is near, slopes come from this far, fading to none
CREASE_INCH = 1.0  # largest gap and sideways shift a crease may put between two pieces of one rule
SHIFT_AGREE = 2.0  # px at WORK_DPI: two pieces' shifts within this agree
MIN_AGREEMENT = 0.6  # a join needs another join across the crease to agree, or a shift under 0.1 inch


@dataclass(frozen=True)
class Warp:
    """Where each pixel of the straightened page comes from: displacements (source - output)
    in px at `WORK_DPI`, on nodes `CELL` px apart (node (i, j) at ((j + .5) CELL, (i + .5) CELL))."""

    dx: np.ndarray
    dy: np.ndarray

    @property
    def shift(self) -> float:
        """The largest displacement, in inches."""
        return float(max(np.abs(self.dx).max(), np.abs(self.dy).max())) / WORK_DPI


def work_ink(binary: np.ndarray, dpi: float, angle: float = 0.0) -> np.ndarray:
    """Ink (255 on 0) at `WORK_DPI`, turned by ``angle`` degrees as `page_image.rotate` turns
    the page: a pixel a quarter covered by ink counts, so one-pixel rules survive.  Turned
    before the threshold, on the coverage, which keeps strokes as thin as they are."""
    factor = WORK_DPI / dpi
    small = cv2.resize(binary, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    if abs(angle) >= 0.05:
        h, w = small.shape
        small = cv2.warpAffine(small, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h), flags=cv2.INTER_LINEAR)
    return np.where(small >= 64, 255, 0).astype(np.uint8)


def _kernel(width: int, height: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (max(width, 1), max(height, 1)))


@dataclass
class Blobs:
    """The page's lines as blobs (`line_blobs`): ``connectedComponentsWithStats``' labels and
    stats, and their edges, found once for every use."""

    labels: np.ndarray
    stats: np.ndarray

    @cached_property
    def bottoms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(label, x, y) of every blob's bottom edge pixels: ink with paper just below.  A
        closed line is solid, so that is one pixel per column it covers, bar a few under an
        overhang."""
        ink = self.labels > 0
        edge = ink.copy()
        edge[:-1] &= ~ink[1:]
        ys, xs = np.nonzero(edge)
        return self.labels[ys, xs], xs, ys

    @cached_property
    def tops(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(label, x, y) of every blob's top edge pixels: ink with paper just above."""
        ink = self.labels > 0
        edge = ink.copy()
        edge[1:] &= ~ink[:-1]
        ys, xs = np.nonzero(edge)
        return self.labels[ys, xs], xs, ys


def line_blobs(small: np.ndarray, height: float) -> Blobs:
    """Text lines and horizontal rules as blobs: the letters of a line closed into one bar.

    Vertical strokes longer than two letters (column rules) are taken out first, or they
    would weld the lines of a table into one blob; the closing is opened again by the same
    width so a steep stroke left between two lines does not join them.
    """
    stroke = max(round(2 * height), 3)
    width = max(round(height), 2)
    lines = cv2.subtract(small, cv2.morphologyEx(small, cv2.MORPH_OPEN, _kernel(1, stroke)))
    lines = cv2.morphologyEx(lines, cv2.MORPH_CLOSE, _kernel(width, 1))
    lines = cv2.morphologyEx(lines, cv2.MORPH_OPEN, _kernel(width, 1))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    return Blobs(labels, stats)


def _line_like(stats: np.ndarray, height: float) -> np.ndarray:
    """Blobs long enough to be a line; a bowed line's box is taller than the line is thick."""
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    keep = (w >= 4 * height) & (h <= 3 * height + 0.25 * w)
    keep[0] = False
    return keep


def kept_edges(edges: tuple[np.ndarray, np.ndarray, np.ndarray], keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """``edges`` (`Blobs.bottoms` or `Blobs.tops`) of the kept blobs only, the blobs numbered 0.. in label order."""
    label, xs, ys = edges
    ids = np.cumsum(keep) - 1
    chosen = keep[label]
    return ids[label[chosen]], xs[chosen], ys[chosen]


@dataclass(frozen=True)
class LineSamples:
    """Points along the page's lines (px at `WORK_DPI`): where each runs and its slope there."""

    x: np.ndarray
    y: np.ndarray
    slope: np.ndarray
    weight: np.ndarray  # the length of the sample's line in inches, up to 3: long lines' slopes are the surest

    def __len__(self) -> int:
        return len(self.x)


@dataclass(frozen=True)
class LinePoints:
    """Each line's bottom edge averaged per chunk of columns (px at `WORK_DPI`), line by line."""

    x: np.ndarray
    y: np.ndarray
    line: np.ndarray  # which line each point is on, 0-based and ascending
    rule: np.ndarray  # per line: thin as a rule

    def bend(self, width: int) -> float:
        """How far the lines are from running straight across, in px: nine in ten of their
        points (by their line's length) are nearer than this to the height their line's
        straight fit has at the page's middle, which takes in a line's tilt and its bow as
        the displacement field would.  Vectorised: the check every page pays before any
        fitting."""
        if not len(self.x):
            return 0.0
        count = np.bincount(self.line).astype(float)
        sx, sy = np.bincount(self.line, self.x), np.bincount(self.line, self.y)
        sxx, sxy = np.bincount(self.line, self.x * self.x), np.bincount(self.line, self.x * self.y)
        spread = np.maximum(count * sxx - sx * sx, 1e-9)
        slope = (count * sxy - sx * sy) / spread
        middle = (sy - slope * sx) / count + slope * width / 2
        length = np.maximum(np.sqrt(spread * 12) / count, 1.0) * (count >= 3)  # from the points' spread: even steps
        if not length.any():
            return 0.0
        return _weighted_quantile(np.abs(self.y - middle[self.line]), length[self.line] + 1e-12, 0.9)


def line_points(blobs: Blobs, height: float) -> LinePoints:
    """Each line's bottom edge (text lines and horizontal rules alike), averaged per chunk of
    two letter heights, one for rules, whose edges are exact."""
    labels, stats = blobs.labels, blobs.stats
    keep = _line_like(stats, height)
    if not keep.any():
        return LinePoints(np.zeros(0), np.zeros(0), np.zeros(0, int), np.zeros(0, bool))
    thin = (stats[keep, cv2.CC_STAT_AREA] / stats[keep, cv2.CC_STAT_WIDTH]) <= RULE_THICKNESS * height
    lab, xs, ys = kept_edges(blobs.bottoms, keep)
    chunk = np.where(thin, max(round(height), 3), max(round(2 * height), 4))  # per line
    chunks = -(-labels.shape[1] // 3)  # room for the most chunks a line can have
    key = lab * chunks + xs // chunk[lab]
    count = np.bincount(key)
    used = np.flatnonzero((count > 0) & (count >= chunk[np.arange(len(count)) // chunks] / 3))
    return LinePoints(np.bincount(key, xs)[used] / count[used], np.bincount(key, ys)[used] / count[used],
                      used // chunks, thin)


def line_samples(points: LinePoints, height: float) -> LineSamples:
    """Each line fitted and sampled at its points, with its slope there.

    A line of text's bottom edge is its baseline with descenders: a robust polynomial
    (degree by length, refitted without points off by more than a quarter letter) keeps
    the baseline.  A rule's edge is exact, so it is followed closely (up to degree 7): the
    creases of a folded form bend rules in waves.
    """
    starts = np.flatnonzero(np.diff(points.line, prepend=-1))
    out: list[tuple[np.ndarray, ...]] = []
    for x, y, line in zip(np.split(points.x, starts[1:]), np.split(points.y, starts[1:]), points.line[starts]):
        if len(x) < 3 or (fit := _robust_fit(x, y, height, bool(points.rule[line]))) is None:
            continue
        length = min((x[-1] - x[0]) / WORK_DPI + 0.1, 3.0)
        out.append((x, fit(x), fit.deriv()(x), np.full(len(x), length)))
    if not out:
        return _no_samples()
    return LineSamples(*(np.concatenate(parts) for parts in zip(*out)))


def _no_samples() -> LineSamples:
    return LineSamples(*(np.zeros(0) for _ in range(4)))


def _robust_fit(x: np.ndarray, y: np.ndarray, height: float, rule: bool) -> Polynomial | None:
    span = (x[-1] - x[0]) / WORK_DPI
    if rule:
        degree = min(7, max(1, len(x) // 4))
    else:
        degree = 1 if span < 1.5 or len(x) < 6 else 2 if span < 4 or len(x) < 10 else 3
    fit = Polynomial.fit(x, y, degree)
    near = np.abs(y - fit(x)) <= max(height / 4, 1.0)
    if near.sum() < max(3, len(x) // 2):
        return None
    return Polynomial.fit(x[near], y[near], degree) if not near.all() else fit


def _grid_shape(shape: tuple[int, int]) -> tuple[int, int]:
    return -(-shape[0] // CELL), -(-shape[1] // CELL)


def _spread(sums: np.ndarray, weights: np.ndarray, sigma: tuple[float, float]) -> np.ndarray:
    """Normalised convolution of weighted ``sums``: the weighted mean of nearby values, and where
    nothing is near, the mean over `WIDE` times as far, fading to zero where nothing is even there."""
    sx, sy = (s * WORK_DPI / CELL for s in sigma)

    def blur(a: np.ndarray, k: float) -> np.ndarray:
        return cv2.GaussianBlur(a, (0, 0), sigmaX=k * sx, sigmaY=k * sy, borderType=cv2.BORDER_CONSTANT)

    near_w, near_v = blur(weights, 1), blur(sums, 1)
    far_w, far_v = blur(weights, WIDE), blur(sums, WIDE)
    far = far_v / np.maximum(far_w, 1e-9) * (far_w / (far_w + 0.02 * far_w.max()))
    floor = 0.05 * near_w.max()
    return (near_v + floor * far) / (near_w + floor)


def slope_field(samples: LineSamples, shape: tuple[int, int]) -> np.ndarray:
    """The slope of the page's lines at every node of the grid."""
    gh, gw = _grid_shape(shape)
    weights = np.zeros((gh, gw), np.float32)
    sums = np.zeros((gh, gw), np.float32)
    row, col = _node(samples.y, gh), _node(samples.x, gw)
    np.add.at(weights, (row, col), samples.weight)
    np.add.at(sums, (row, col), samples.slope * samples.weight)
    return _spread(sums, weights, ROW_SIGMA)


def _node(px: np.ndarray, count: int) -> np.ndarray:
    return np.clip((px / CELL).astype(int), 0, count - 1)


def trace_rows(slope: np.ndarray, x_ref: float) -> np.ndarray:
    """Vertical displacement of every node: each output row followed along the slope field
    from the column ``x_ref`` (px at WORK_DPI) to both edges (midpoint steps)."""
    gh, gw = slope.shape
    start = int(np.clip(x_ref / CELL, 0, gw - 1))
    rows = (np.arange(gh) + 0.5) * CELL
    source = np.empty((gh, gw), np.float64)
    source[:, start] = rows

    def at(col: int, y: np.ndarray) -> np.ndarray:
        r = np.clip(y / CELL - 0.5, 0, gh - 1)
        r0 = np.floor(r).astype(int)
        r1 = np.minimum(r0 + 1, gh - 1)
        f = r - r0
        return slope[r0, col] * (1 - f) + slope[r1, col] * f

    for step in (1, -1):
        y = rows.copy()
        for col in range(start + step, gw if step > 0 else -1, step):
            first = at(col - step, y)
            y = y + step * CELL * 0.5 * (first + at(col, y + step * CELL * first))
            source[:, col] = y
    return (source - rows[:, None]).astype(np.float32)


def row_shift(points: LinePoints, shape: tuple[int, int], height: float) -> tuple[np.ndarray, LineSamples]:
    """The vertical displacement that makes the page's lines horizontal, and the lines' samples."""
    samples = line_samples(points, height)
    gh, gw = _grid_shape(shape)
    if len(samples) < 3:
        return np.zeros((gh, gw), np.float32), samples
    return trace_rows(slope_field(samples, shape), float(np.mean(samples.x))), samples


@dataclass(frozen=True)
class Piece:
    """A stretch of vertical rule: its centre x at rows y (px at WORK_DPI), top to bottom."""

    y: np.ndarray
    x: np.ndarray

    def end_x(self, top: bool) -> float:
        return float(np.median(self.x[:4] if top else self.x[-4:]))


def rule_pieces(small: np.ndarray, height: float) -> list[Piece]:
    """Stretches of the page's vertical rules: runs of ink at least a letter high within
    three pixels' width (a rule leaning a few degrees stays whole), thin, much taller than a
    letter, and touching a horizontal rule (a table's; not a stamp's arc or a signature).

    A rule crossing a horizontal one runs on through it; a crease bends it too sharply and
    cuts it into pieces, which `chains` joins again.
    """
    across = cv2.morphologyEx(small, cv2.MORPH_OPEN, _kernel(round(4 * height), 1))
    if not across.any():
        return []
    widened = cv2.dilate(small, _kernel(3, 1))
    runs = cv2.morphologyEx(widened, cv2.MORPH_OPEN, _kernel(1, max(round(height), 3)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
    touching = np.zeros(n, bool)
    touching[labels[cv2.dilate(across, _kernel(3, 3)) > 0]] = True
    step = max(round(height / 2), 2)
    pieces = []
    for i in np.flatnonzero(touching[1:]) + 1:
        x, y, w, h, area = (int(v) for v in stats[i])
        if h < 2.5 * height or w > 0.4 * h + 4 or area > 5 * h:
            continue
        mask = (labels[y : y + h, x : x + w] == i) & (small[y : y + h, x : x + w] > 0)
        bands = mask[: h - h % step].reshape(-1, step, w).sum(axis=1)  # ink per column, per band of rows
        count = bands.sum(axis=1)
        have = count > 0
        if have.sum() < 3:
            continue
        centre = (bands * np.arange(w)).sum(axis=1)[have] / count[have]
        pieces.append(Piece(y + (np.flatnonzero(have) + 0.5) * step, x + centre))
    return pieces


def chains(pieces: list[Piece], height: float) -> list[Piece]:
    """Pieces of one rule joined across creases, top to bottom.

    A piece goes on in the piece below it whose sideways shift most agrees with the shifts
    of the other candidate joins across the same crease: a crease shifts all the rules it
    crosses alike, by as much as a narrow column is wide (0.6 inch on r05), so the nearest
    piece below is often another rule's.  Alone, a join must shift by less than a tenth of an inch.
    """
    n = len(pieces)
    if n < 2:
        return pieces
    reach = CREASE_INCH * WORK_DPI
    bottom_y = np.array([p.y[-1] for p in pieces])
    top_y = np.array([p.y[0] for p in pieces])
    bottom_x = np.array([p.end_x(top=False) for p in pieces])
    top_x = np.array([p.end_x(top=True) for p in pieces])
    above, below = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    gap = top_y[below] - bottom_y[above]
    shift = top_x[below] - bottom_x[above]
    ok = (above != below) & (gap >= -height) & (gap <= reach) & (np.abs(shift) <= reach)
    a, b, s = above[ok], below[ok], shift[ok]
    if not len(a):
        return pieces
    same_crease = ((np.abs(bottom_y[a][:, None] - bottom_y[a][None, :]) <= 2 * height)
                   & (np.abs(top_y[b][:, None] - top_y[b][None, :]) <= 2 * height)
                   & (a[:, None] != a[None, :]) & (b[:, None] != b[None, :]))
    agree = np.exp(-0.5 * ((s[:, None] - s[None, :]) / SHIFT_AGREE) ** 2)
    score = (same_crease * agree).sum(axis=1) + np.exp(-0.5 * (s / (0.1 * reach)) ** 2)
    following: dict[int, int] = {}
    taken: set[int] = set()
    for i in np.argsort(-score, kind="stable"):
        if score[i] >= MIN_AGREEMENT and int(a[i]) not in following and int(b[i]) not in taken:
            following[int(a[i])] = int(b[i])
            taken.add(int(b[i]))
    out = []
    for first in (i for i in range(n) if i not in taken):
        chain, seen = [first], {first}
        while (nxt := following.get(chain[-1])) is not None and nxt not in seen:
            chain.append(nxt)
            seen.add(nxt)
        out.append(Piece(np.concatenate([pieces[i].y for i in chain]), np.concatenate([pieces[i].x for i in chain])))
    return out


def column_shift(rules: list[Piece], shape: tuple[int, int]) -> np.ndarray:
    """Horizontal displacement of every node that makes each rule vertical.

    A rule's output column is where it is on the reference row, the highest row crossed by
    (nearly) the most rules; a rule not crossing it keeps the displacement its neighbours
    have at its nearest end.  Between rules the displacement is interpolated along each row,
    beyond the first and last rule and above and below them it is carried on unchanged: the
    paper beside a crease moved with it.
    """
    gh, gw = _grid_shape(shape)
    if not rules:
        return np.zeros((gh, gw), np.float32)
    cover = np.zeros(gh)
    for r in rules:
        cover[int(r.y[0] // CELL) : int(r.y[-1] // CELL) + 1] += 1
    ref = (int(np.flatnonzero(cover >= 0.9 * cover.max())[0]) + 0.5) * CELL
    column: dict[int, float] = {i: float(np.interp(ref, r.y, r.x)) for i, r in enumerate(rules) if r.y[0] <= ref <= r.y[-1]}
    for i, r in enumerate(rules):
        if i in column:
            continue
        y = r.y[0] if r.y[0] > ref else r.y[-1]
        here = sorted((float(np.interp(y, o.y, o.x)), float(np.interp(y, o.y, o.x)) - column[j])
                      for j, o in enumerate(rules) if j in column and o.y[0] <= y <= o.y[-1])
        moved = float(np.interp(np.interp(y, r.y, r.x), *zip(*here))) if here else 0.0
        column[i] = float(np.interp(y, r.y, r.x)) - moved
    centres = (np.arange(gw) + 0.5) * CELL
    shift = np.full((gh, gw), np.nan, np.float32)
    for row in range(gh):
        y = (row + 0.5) * CELL
        here = sorted((column[i], float(np.interp(y, r.y, r.x)) - column[i])
                      for i, r in enumerate(rules) if r.y[0] <= y <= r.y[-1])
        if here:
            shift[row] = np.interp(centres, *zip(*here))
    known = np.flatnonzero(~np.isnan(shift[:, 0]))
    if not len(known):
        return np.zeros((gh, gw), np.float32)
    shift = shift[known[np.abs(known[None, :] - np.arange(gh)[:, None]).argmin(axis=1)]]
    return cv2.GaussianBlur(shift, (0, 0), sigmaX=1.0, sigmaY=1.0, borderType=cv2.BORDER_REPLICATE)


def _node_maps(shape: tuple[int, int], dx: np.ndarray, dy: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Full-size remap tables for an image of ``shape`` from node displacements (px at WORK_DPI);
    ``scale`` is the image's pixels per WORK_DPI pixel."""
    h, w = shape
    gh, gw = dx.shape
    size = (round(gw * CELL * scale), round(gh * CELL * scale))
    map_x = cv2.resize(dx * np.float32(scale), size, interpolation=cv2.INTER_LINEAR)[:h, :w]
    map_y = cv2.resize(dy * np.float32(scale), size, interpolation=cv2.INTER_LINEAR)[:h, :w]
    map_x += np.arange(w, dtype=np.float32)[None, :]
    map_y += np.arange(h, dtype=np.float32)[:, None]
    return map_x, map_y


def apply_warp(image: np.ndarray, warp: Warp, scale: float, *, binary: bool = False, angle: float = 0.0) -> np.ndarray:
    """``image`` straightened (white where nothing comes from); ``scale``: its px per WORK_DPI px.

    ``angle``: the warp was measured on ``image`` turned by that many degrees about its
    centre (as `page_image.rotate` turns it), and the turn is done in the same resampling:
    one interpolation instead of two keeps a small digit's strokes sharp.  Bilinear: on the
    bowed fixtures bicubic's overshoot cost as many values as it saved (0.84–1.00 against
    0.99–1.00 per fixture).
    """
    map_x, map_y = _node_maps(image.shape, warp.dx, warp.dy, scale)
    if angle:
        h, w = image.shape
        back = cv2.invertAffineTransform(cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)).astype(np.float32)
        map_x, map_y = (back[0, 0] * map_x + back[0, 1] * map_y + back[0, 2],
                        back[1, 0] * map_x + back[1, 1] * map_y + back[1, 2])
    if binary:
        return cv2.remap(image, map_x, map_y, cv2.INTER_NEAREST, borderValue=0)
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderValue=255)


def _compose(dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
    """``dy`` (defined on the row-straightened page) read where ``dx`` sends each node."""
    gh, gw = dy.shape
    cols = np.arange(gw, dtype=np.float32)[None, :] + dx / CELL
    rows = np.broadcast_to(np.arange(gh, dtype=np.float32)[:, None], (gh, gw)).copy()
    return cv2.remap(dy, cols.astype(np.float32), rows, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, q * cumulative[-1])])


def find_warp(small: np.ndarray, height: float, blobs: Blobs) -> Warp | None:
    """How to straighten the page whose ink at `WORK_DPI` is ``small`` (letters ``height`` px
    high, lines ``blobs``); None when its lines run straight: nine in ten of their points (by
    length) move by less than `MIN_SHIFT` (a signature's long stroke is one line among many).
    Its columns are looked at only then: paper that bends or creases across bends its lines
    first.  A page whose lines are straight by `LinePoints.bend` costs no fitting."""
    dy = _bent_rows(blobs, small.shape, height)
    if dy is None:
        return None
    zero = np.zeros_like(dy)
    straight_rows = apply_warp(small, Warp(zero, dy), 1.0, binary=True)
    dx = column_shift(chains(rule_pieces(straight_rows, height), height), small.shape)
    return Warp(zero, dy) if np.abs(dx).max() < MIN_SHIFT else Warp(dx, _compose(dy, dx))


def _bent_rows(blobs: Blobs, shape: tuple[int, int], height: float) -> np.ndarray | None:
    """`row_shift`'s displacement, or None when the page's lines run straight."""
    points = line_points(blobs, height)
    if points.bend(shape[1]) < MIN_BEND:
        return None
    dy, samples = row_shift(points, shape, height)
    moved = np.abs(dy[_node(samples.y, dy.shape[0]), _node(samples.x, dy.shape[1])])
    return dy if len(moved) and _weighted_quantile(moved, samples.weight, 0.9) >= MIN_SHIFT else None
