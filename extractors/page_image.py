"""A scanned page as a clean, upright image ready for line finding and OCR.

Scans come rotated (a few degrees, up to ten on a photocopy), noisy, JPEG-compressed, at
150–300 DPI, sometimes shadowed, bowed or creased, and a wide table is often printed
sideways, its lines of text running up or down the page, or a page is fed in upside down.
Each step here is a small function on a numpy array so it can be measured alone: render
at the scan's own resolution (re-sampling a 200 DPI scan to 300 only adds pixels for
tesseract to read), even out a shadowed background, stand a sideways page upright
(`quarter_turn`), enlarge only when the text is too small for tesseract, find and undo
the skew, straighten bent lines (`extractors.dewarp`), turn an upside-down page
(`half_turn`), and binarise for the ruling-line search.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from core.vietnamese import syllable_score
from extractors.dewarp import RULE_THICKNESS, WORK_DPI, Blobs, apply_warp, find_warp, kept_edges, line_blobs, work_ink
from extractors.tesseract import OcrWord, mosaic, mosaic_words, ocr_words

MIN_DPI, MAX_DPI = 100, 400
DEFAULT_DPI = 300  # when the page has no image to take the resolution from
MIN_TEXT_HEIGHT = 20  # px: tesseract misreads Vietnamese marks on smaller letters than this
LETTER_INCH = 0.1  # a letter's height, for a page with too few letters to measure
MAX_SKEW = 10.0  # degrees searched either way; beyond that a page is turned by a quarter
TURN_DPI = 75  # resolution of the sideways test: lines of text still apart, ~10 ms a page
RULE_INCH = 0.5  # ink runs this long are ruling lines, left out of the sideways test
SIDEWAYS = 1.0  # column/row profile sharpness above which lines run vertically (measured: upright <= 0.47, sideways >= 2.1)
BAND_INCH = 0.6  # the strip of text read both ways to tell 90 from 270 degrees: three or four lines
MIN_READING = 1.0  # mean word confidence + share of good syllables that a right-way-up reading exceeds
BAND_GAP = 20  # px of white between the two readings of the strip in their one tesseract run
FAINT = 55  # grey levels under the paper that still count as ink (a faded rule); the paper's noise stays above
SHADOW = 200  # grey level: paper darker than this (a photocopier's shadow, a fold) is evened out first
SHADOW_SHARE = 0.001  # of the page, before `clean_background` spends its ~20 ms evening it out
SOLID_INCH = 0.15  # a dark area this thick all through is no letter (bold text at quarter size is) but a blot or a scan's border
CHECK_LINES = 4  # lines of text read both ways to confirm a page is upside down
UPSIDE_DOWN = 1.0  # ink just above the lines over ink just below: upright 1.4–3.3, upside down 0.3–0.7 (measured)


@dataclass(frozen=True)
class PageImage:
    """An upright greyscale page, how it was obtained, and how to map pixels back to PDF points."""

    gray: np.ndarray
    dpi: float  # pixels per inch of `gray`
    turn: int  # degrees (0, 90, 180 or 270, counter-clockwise) the scan was turned by
    skew: float  # degrees the scan was rotated by (undone in `gray`)
    scale: float  # how much the scan was enlarged (1.0: not at all)
    warp: float = 0.0  # inches: the largest shift that straightened its lines (0: flat)


def scan_dpi(images: list[dict], page_width: float) -> float:
    """The resolution of the page's scan, from its largest image's pixels over its width in points.

    >>> scan_dpi([{"srcsize": (1654, 2339), "x0": 0, "x1": 595.3}], 595.3)
    200.0
    >>> scan_dpi([], 595.3)
    300
    """
    best = max(images, key=lambda im: abs(im["x1"] - im["x0"]), default=None)
    if best is None or abs(best["x1"] - best["x0"]) < page_width / 2:
        return DEFAULT_DPI
    dpi = best["srcsize"][0] / (abs(best["x1"] - best["x0"]) / 72)
    return float(round(min(max(dpi, MIN_DPI), MAX_DPI)))


def render(pdf: pdfium.PdfDocument, index: int, dpi: float) -> np.ndarray:
    """One page as an 8-bit greyscale array at ``dpi``."""
    bitmap = pdf[index].render(scale=dpi / 72, grayscale=True)
    return np.asarray(bitmap.to_pil().convert("L"))


def ink(gray: np.ndarray, faint: bool = False) -> np.ndarray:
    """Ink as 255 on 0, by Otsu's threshold after a light blur: keeps hairline rules whole.

    With ``faint``, for the ruling search, pixels `FAINT` grey levels under the paper count
    too, away from dark ink: Otsu's threshold splits black print from paper, and a
    photocopy's faded rules (r05's form, 140–200 on paper evened to 255) fall on the
    paper's side of it, and its grid with them.  The soft edges of dark letters are as
    faint, but touch them: counted, they thicken a line of text until its letters join into
    runs the ruling search takes for rules.
    """
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    otsu, dark = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if not faint:
        return dark
    level = float(np.percentile(smooth[::8, ::8], 90)) - FAINT
    if level <= otsu:
        return dark
    _, pale = cv2.threshold(smooth, level, 255, cv2.THRESH_BINARY_INV)
    return cv2.bitwise_or(dark, cv2.bitwise_and(pale, cv2.bitwise_not(cv2.dilate(dark, np.ones((3, 3), np.uint8)))))


def clean_background(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The page divided by its paper's brightness, and solid black areas painted white.

    A photocopied fold leaves grey bands across r05's form that Otsu's threshold turns
    into ink, swallowing the line of text under them, and a black tongue that runs into
    the table and hides its left column rules.  The paper's brightness is the brightest
    pixel within 0.15 inch (wider than any stroke) on a quarter-size image, smoothed; a
    solid area is dark throughout a square of `SOLID_INCH`, thicker than any letter's
    stroke.  A page with light paper everywhere and no solid area is returned as is.
    """
    factor = 4
    small = cv2.resize(gray, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    size = int(0.15 * dpi / factor) | 1
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    out = gray
    if (paper < SHADOW).mean() >= SHADOW_SHARE:
        paper = cv2.GaussianBlur(paper, (0, 0), size / 2)
        small = cv2.divide(small, np.maximum(paper, 1), scale=255)
        out = cv2.divide(gray, np.maximum(cv2.resize(paper, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR), 1),
                         scale=255)
    square = max(round(SOLID_INCH * dpi / factor), 3)
    solid = cv2.morphologyEx((small < 128).astype(np.uint8), cv2.MORPH_OPEN, np.ones((square, square), np.uint8))
    if solid.any():
        out = out.copy() if out is gray else out
        solid = cv2.resize(cv2.dilate(solid, np.ones((3, 3), np.uint8)), (gray.shape[1], gray.shape[0]),
                           interpolation=cv2.INTER_NEAREST)
        out[solid > 0] = 255
    return out


def despeckle(gray: np.ndarray) -> np.ndarray:
    """Black text on white for tesseract: Otsu's threshold after a median filter.

    Tesseract binarises too, but without the filter: on a noisy 200 DPI scan it then reads
    ``1.1.1.`` as ``T1:`` and ``1.1.3.`` as ``11,3:``, while the filtered image gives every
    printed code of seed 000's table right.  A 3x3 median costs 4 ms a page (non-local-means
    denoising reads as well but costs 1-5 s, as much as the OCR); it would also erase
    hairline rules, which is why lines are found on `ink` instead.
    """
    _, out = cv2.threshold(cv2.medianBlur(gray, 3), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return out


def text_height(binary: np.ndarray) -> tuple[float, float]:
    """How big the text is, whatever the DPI claims: the median height of letter-sized blobs,
    and that median weighted by each blob's ink (0 for both with fewer than 20 letters).

    The plain median decides whether letters are too small for tesseract.  The weighted
    one is the letters' size when a form's dotted leaders outnumber them (r05's form: 19
    px against 30 at 300 DPI): the line finding of `extractors.dewarp` and `half_turn` go
    by it.  Counted on the image's top half: plenty of letters, half the cost.
    """
    top = binary[: max(binary.shape[0] // 2, 1)]
    _, _, stats, _ = cv2.connectedComponentsWithStats(top, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    letters = (heights >= 4) & (heights <= 120) & (widths <= 2 * heights) & (widths >= 2)
    if letters.sum() < 20:
        return 0.0, 0.0
    order = np.argsort(heights[letters], kind="stable")
    ink_so_far = np.cumsum(stats[1:, cv2.CC_STAT_AREA][letters][order])
    weighted = heights[letters][order][np.searchsorted(ink_so_far, ink_so_far[-1] / 2)]
    return float(np.median(heights[letters])), float(weighted)


def row_sharpness(image: np.ndarray, angle: float = 0.0) -> float:
    """How uneven the ink's row profile is once ``image`` is turned by ``angle`` degrees.

    The mean squared step between the ink shares of neighbouring rows: high when lines
    of ink each fall into a few rows with blank rows between them, low when ink spreads
    evenly.  Taken per row and per pixel of width, so an image's rows and its columns
    (the same measure on its transpose) can be compared.  Row sums by cv2.reduce: exact
    integers, like numpy's, in a twentieth of the time.
    """
    h, w = image.shape
    if angle:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        image = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_NEAREST)
    rows = cv2.reduce(image, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() / (255.0 * w)
    return float(np.square(np.diff(rows)).mean()) if h > 1 else 0.0


def skew_angle(binary: np.ndarray, limit: float = MAX_SKEW) -> float:
    """The rotation (degrees, counter-clockwise positive) that makes text lines horizontal.

    Projection profile: the angle at which the ink's row sums are most uneven is the one
    where lines of text and ruling lines each fall into as few rows as possible.  Searched
    in half degrees on an eighth-size image, then in quarters around the best on a
    quarter-size one, in twentieths on a half-size one: 0.03–0.06 s a page at 300 DPI.
    """
    angle = 0.0
    for factor, step, reach in ((0.125, 0.5, limit), (0.25, 0.25, 0.5), (0.5, 0.05, 0.25)):
        image = cv2.resize(binary, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        angles = np.arange(angle - reach, angle + reach + 1e-9, step)
        angle = float(max(angles, key=lambda a: row_sharpness(image, a)))
    return round(angle, 2)


def _turn_factor(dpi: float) -> float:
    return min(TURN_DPI / dpi, 1.0)


def text_ink(binary: np.ndarray, dpi: float) -> np.ndarray:
    """The page's ink reduced to `TURN_DPI`, without its ruling lines.

    A wide table printed upright has more column rules than row rules: left in, they
    would make its columns look like lines of text.
    """
    factor = _turn_factor(dpi)
    small = cv2.resize(binary, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    length = max(round(RULE_INCH * TURN_DPI), 3)
    across = cv2.morphologyEx(small, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    down = cv2.morphologyEx(small, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return cv2.subtract(small, cv2.max(across, down))


def sideways_ratio(text: np.ndarray) -> float:
    """How much sharper the column profile of ``text`` is than its row profile.

    Lines of text make the profile across them sharp and the one along them smooth,
    whichever way they run.  Each profile takes its best of the skews up to `MAX_SKEW`
    in steps of two degrees, so a skewed page's lines are not smeared into each other.
    """
    angles = range(-int(MAX_SKEW), int(MAX_SKEW) + 1, 2)
    across = max(row_sharpness(text, a) for a in angles)
    down = max(row_sharpness(np.ascontiguousarray(text.T), a) for a in angles)
    return down / across if across > 0 else 0.0


def turned(image: np.ndarray, degrees: int) -> np.ndarray:
    """``image`` turned counter-clockwise by a multiple of 90 degrees: exact, no resampling."""
    return np.ascontiguousarray(np.rot90(image, degrees // 90)) if degrees % 360 else image


def text_band(gray: np.ndarray, text: np.ndarray, dpi: float) -> np.ndarray:
    """The `BAND_INCH` high strip of ``gray`` that holds the most text (``text``: its `text_ink`)."""
    factor = _turn_factor(dpi)
    height = min(max(round(BAND_INCH * dpi * factor), 1), text.shape[0])
    totals = np.convolve(text.sum(axis=1, dtype=np.float64), np.ones(height), mode="valid")
    top = int(np.argmax(totals))
    return gray[round(top / factor) : round((top + height) / factor)]


def reading_score(words: list[OcrWord]) -> float:
    """Mean word confidence plus the share of well-formed syllables: both collapse on upside-down text."""
    if not words:
        return 0.0
    confidence = float(np.mean([w.confidence for w in words]))
    return confidence + (syllable_score(" ".join(w.text for w in words)) or 0.0)


def reading_turn(gray: np.ndarray, text: np.ndarray, dpi: float) -> int:
    """Which quarter-turn (90 or 270 degrees) stands a sideways page's letters upright; 0 if neither.

    Turned either way the lines run across, but one way the letters stand on their heads.
    The page's densest strip of text, turned clockwise and that turned upside down, is
    read in one tesseract run: the right way up reads as Vietnamese with confident words
    (0.7–0.95 mean confidence, 0.7–1.0 good syllables on the fixtures and real scans), the
    other as junk (0.3–0.6 and 0.15–0.45).  A page where neither reading does is left alone.
    """
    band = text_band(turned(gray, 270), turned(text, 270), dpi)
    sheet, spans = mosaic([Image.fromarray(band), Image.fromarray(turned(band, 180))], BAND_GAP)
    clockwise, anticlockwise = (reading_score(ws) for ws in mosaic_words(ocr_words(sheet, 6), spans, BAND_GAP / 2))
    if max(clockwise, anticlockwise) < MIN_READING:
        return 0
    return 270 if clockwise >= anticlockwise else 90


def quarter_turn(gray: np.ndarray, binary: np.ndarray, dpi: float) -> int:
    """Degrees (counter-clockwise: 0, 90 or 270) that stand the page's lines of text upright.

    The profile test (`sideways_ratio`) costs about 10 ms, so every page pays it; only a
    page whose lines run vertically pays for the tesseract run that tells which way.
    """
    text = text_ink(binary, dpi)
    return reading_turn(gray, text, dpi) if sideways_ratio(text) > SIDEWAYS else 0


@dataclass(frozen=True)
class TextLine:
    """A line of text at `WORK_DPI`: its columns, and the rows of its letters' body, from the
    median of its columns' tops to that of their bottoms (mean line and baseline, whichever way up)."""

    left: int
    right: int
    top: int
    bottom: int


def text_lines(blobs: Blobs, height: float) -> list[TextLine]:
    """The lines of text among a page's line blobs at `WORK_DPI` (`dewarp.line_blobs`, letters
    ``height`` high), longest first: at least four letters long and at most three high, and
    not as thin as a rule."""
    stats = blobs.stats
    keep = (stats[:, cv2.CC_STAT_WIDTH] >= 4 * height) & (stats[:, cv2.CC_STAT_HEIGHT] <= 3 * height)
    keep[0] = False
    if not keep.any():
        return []
    top = _median_by(*kept_edges(blobs.tops, keep))
    bottom = _median_by(*kept_edges(blobs.bottoms, keep))
    boxes = stats[keep]
    lines = [TextLine(int(x), int(x + w), int(t), int(b)) for (x, _, w, _, _), t, b in zip(boxes, top, bottom)
             if b - t + 1 >= RULE_THICKNESS * height]
    return sorted(lines, key=lambda line: line.left - line.right)


def _median_by(group: np.ndarray, _: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The (lower) median of ``values`` (px, under 2**20) in each group 0..n-1 (every group present)."""
    order = np.argsort(group.astype(np.int64) << 20 | values)
    starts = np.flatnonzero(np.diff(group[order], prepend=-1))
    ends = np.append(starts[1:], len(order))
    return values[order][(starts + ends - 1) // 2]


def mark_balance(small: np.ndarray, lines: list[TextLine], height: float) -> float | None:
    """Ink in the band just above each line of text over ink in the band just below it.

    Vietnamese stacks its marks above the letters (tone marks, circumflex, breve, the dots
    of i) and ascenders outnumber descenders, while only the dot of the heavy tone goes
    below: upright pages measure 1.4–3.3 here, the same pages upside down 0.3–0.7.  Each
    band is 0.8 of the line's body; ruling lines are left out.  None without text lines.
    """
    stroke = max(round(2 * height), 3)
    rules = cv2.max(cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((stroke, 1), np.uint8)),
                    cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((1, 2 * stroke), np.uint8)))
    letters = cv2.subtract(small, rules) > 0
    above = below = 0
    for line in lines:
        band = max(round(0.8 * (line.bottom - line.top + 1)), 1)
        above += int(letters[max(line.top - band, 0) : line.top, line.left : line.right].sum())
        below += int(letters[line.bottom + 1 : line.bottom + 1 + band, line.left : line.right].sum())
    return above / below if below else None


def _line_crops(gray: np.ndarray, lines: list[TextLine], factor: float) -> list[Image.Image]:
    """The page's longest lines of text (`CHECK_LINES`), cut out whole with their marks, rules painted white."""
    crops = []
    for line in lines[:CHECK_LINES]:
        reach = line.bottom - line.top + 1
        top, bottom = max(line.top - reach, 0), line.bottom + reach
        crop = gray[round(top / factor) : round(bottom / factor), round(line.left / factor) : round(line.right / factor)]
        crops.append(Image.fromarray(_without_rules(crop, 1 / factor * WORK_DPI)))
    return crops


def _without_rules(gray: np.ndarray, dpi: float) -> np.ndarray:
    """``gray`` with its ruling lines (ink runs over `RULE_INCH` across or the whole height down) painted white."""
    binary = ink(gray)
    length = max(round(RULE_INCH * dpi), 3)
    rules = cv2.max(cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((1, length), np.uint8)),
                    cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((min(length, gray.shape[0]), 1), np.uint8)))
    out = gray.copy()
    out[cv2.dilate(rules, np.ones((3, 3), np.uint8)) > 0] = 255
    return out


def half_turn(gray: np.ndarray, dpi: float, letters: float, blobs: Blobs | None = None) -> int:
    """180 if the straightened page (its letters ``letters`` px high) is upside down, else 0.

    `mark_balance` costs a few milliseconds, so every page pays it.  It counts the page's
    ink by Otsu's threshold on a `WORK_DPI` copy: averaging away the sensor's specks keeps
    the bands above and below the lines apart (1.4–3.3 against 0.3–0.7 on the noisy
    fixtures, 1.1–1.3 against 0.8–0.9 at full resolution).  The lines are ``blobs`` when
    the dewarping found them on this very page, else found on that copy.  Only a page it
    finds upside down pays for one tesseract run that confirms it: its longest lines, cut
    out whole, read as they are and turned, must read as Vietnamese (`MIN_READING`) turned,
    and better.
    """
    factor = WORK_DPI / dpi
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    _, small = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    height = letters * factor
    lines = text_lines(blobs if blobs is not None else line_blobs(small, height), height)
    balance = mark_balance(small, lines, height)
    if balance is None or balance >= UPSIDE_DOWN:
        return 0
    crops = _line_crops(gray, lines, factor)
    sheet, spans = mosaic(crops + [im.rotate(180) for im in crops], BAND_GAP)
    found = mosaic_words(ocr_words(sheet, 6), spans, BAND_GAP / 2)
    as_is = reading_score([w for ws in found[: len(crops)] for w in ws])
    turned_over = reading_score([w for ws in found[len(crops):] for w in ws])
    return 180 if turned_over >= MIN_READING and turned_over > as_is else 0


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """``gray`` turned by ``angle`` degrees about its centre, same size, white where it came in."""
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def upright_page(gray: np.ndarray, dpi: float) -> PageImage:
    """Even out shadows, stand a sideways page upright, enlarge small text, undo the skew,
    straighten bent lines and turn an upside-down page: the page every later step reads."""
    gray = clean_background(gray, dpi)
    binary = ink(gray)
    turn = quarter_turn(gray, binary, dpi)
    gray, binary = turned(gray, turn), turned(binary, turn)
    height, letters = text_height(binary)
    scale = 1.0
    if 0 < height < MIN_TEXT_HEIGHT:
        scale = MIN_TEXT_HEIGHT / height
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        binary = ink(gray)
    dpi *= scale
    letters = letters * scale or LETTER_INCH * dpi
    angle = skew_angle(binary)
    small, letter = work_ink(binary, dpi, angle), letters * WORK_DPI / dpi
    blobs = line_blobs(small, letter)
    warp = find_warp(small, letter, blobs)
    gray = rotate(gray, angle) if warp is None else apply_warp(gray, warp, dpi / WORK_DPI, angle=angle)
    flip = half_turn(gray, dpi, letters, blobs if warp is None else None)
    return PageImage(gray=turned(gray, flip), dpi=dpi, turn=(turn + flip) % 360, skew=angle, scale=scale,
                     warp=warp.shift if warp is not None else 0.0)
