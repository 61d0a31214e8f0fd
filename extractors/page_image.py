"""A scanned page as a clean, upright image ready for line finding and OCR.

Scans come slightly rotated, noisy, JPEG-compressed and at 150–300 DPI, and a wide table
is often printed sideways, its lines of text running up or down the page.  Each step here
is a small function on a numpy array so it can be measured alone: render at the scan's
own resolution (re-sampling a 200 DPI scan to 300 only adds pixels for tesseract to
read), stand a sideways page upright (`quarter_turn`), enlarge only when the text is too
small for tesseract, find and undo the skew, and binarise for the ruling-line search.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from core.vietnamese import syllable_score
from extractors.tesseract import OcrWord, mosaic, mosaic_words, ocr_words

MIN_DPI, MAX_DPI = 100, 400
DEFAULT_DPI = 300  # when the page has no image to take the resolution from
MIN_TEXT_HEIGHT = 20  # px: tesseract misreads Vietnamese marks on smaller letters than this
MAX_SKEW = 3.0  # degrees searched either way; beyond that a page is turned by a quarter, or warped
TURN_DPI = 75  # resolution of the sideways test: lines of text still apart, ~10 ms a page
RULE_INCH = 0.5  # ink runs this long are ruling lines, left out of the sideways test
SIDEWAYS = 1.0  # column/row profile sharpness above which lines run vertically (measured: upright <= 0.47, sideways >= 2.1)
BAND_INCH = 0.6  # the strip of text read both ways to tell 90 from 270 degrees: three or four lines
MIN_READING = 1.0  # mean word confidence + share of good syllables that a right-way-up reading exceeds
BAND_GAP = 20  # px of white between the two readings of the strip in their one tesseract run


@dataclass(frozen=True)
class PageImage:
    """An upright greyscale page, how it was obtained, and how to map pixels back to PDF points."""

    gray: np.ndarray
    dpi: float  # pixels per inch of `gray`
    turn: int  # degrees (0, 90 or 270, counter-clockwise) the scan was turned by before deskewing
    skew: float  # degrees the scan was rotated by (undone in `gray`)
    scale: float  # how much the scan was enlarged (1.0: not at all)


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


def ink(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0, by Otsu's threshold after a light blur: keeps hairline rules whole."""
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    _, out = cv2.threshold(smooth, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
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


def text_height(binary: np.ndarray) -> float:
    """Median height of letter-sized blobs: how big the text is, whatever the DPI claims.

    Counted on the image's top half: plenty of letters, half the cost.
    """
    top = binary[: max(binary.shape[0] // 2, 1)]
    _, _, stats, _ = cv2.connectedComponentsWithStats(top, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    letters = heights[(heights >= 4) & (heights <= 120) & (widths <= 2 * heights) & (widths >= 2)]
    return float(np.median(letters)) if len(letters) >= 20 else 0.0


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
    in quarter degrees on a quarter-size image, then in twentieths around the best on a
    half-size one: 0.02–0.06 s a page at 300 DPI.
    """
    coarse_image = cv2.resize(binary, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    fine_image = cv2.resize(binary, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    coarse = max(np.arange(-limit, limit + 1e-9, 0.25), key=lambda a: row_sharpness(coarse_image, a))
    fine = max(np.arange(coarse - 0.25, coarse + 0.25 + 1e-9, 0.05), key=lambda a: row_sharpness(fine_image, a))
    return round(float(fine), 2)


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
    whichever way they run.  Each profile takes its best of the whole-degree skews up to
    `MAX_SKEW`, so a skewed page's lines are not smeared into each other.
    """
    angles = range(-int(MAX_SKEW), int(MAX_SKEW) + 1)
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
    180 degrees is not looked for: that would cost a tesseract run on every page.
    """
    text = text_ink(binary, dpi)
    return reading_turn(gray, text, dpi) if sideways_ratio(text) > SIDEWAYS else 0


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """``gray`` turned by ``angle`` degrees about its centre, same size, white where it came in."""
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def upright_page(gray: np.ndarray, dpi: float) -> PageImage:
    """Stand a sideways page upright, enlarge small text, then undo the skew: the page every later step reads."""
    binary = ink(gray)
    turn = quarter_turn(gray, binary, dpi)
    gray, binary = turned(gray, turn), turned(binary, turn)
    height = text_height(binary)
    scale = 1.0
    if 0 < height < MIN_TEXT_HEIGHT:
        scale = MIN_TEXT_HEIGHT / height
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        binary = ink(gray)
    angle = skew_angle(binary)
    return PageImage(gray=rotate(gray, angle), dpi=dpi * scale, turn=turn, skew=angle, scale=scale)
