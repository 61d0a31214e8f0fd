"""A scanned page as a clean, upright image ready for line finding and OCR.

Scans come slightly rotated, noisy, JPEG-compressed and at 150–300 DPI.  Each step here
is a small function on a numpy array so it can be measured alone: render at the scan's
own resolution (re-sampling a 200 DPI scan to 300 only adds pixels for tesseract to
read), enlarge only when the text is too small for tesseract, find and undo the skew,
and binarise for the ruling-line search.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium

MIN_DPI, MAX_DPI = 100, 400
DEFAULT_DPI = 300  # when the page has no image to take the resolution from
MIN_TEXT_HEIGHT = 20  # px: tesseract misreads Vietnamese marks on smaller letters than this
MAX_SKEW = 3.0  # degrees searched either way; scans beyond that are a different problem (rotated pages)


@dataclass(frozen=True)
class PageImage:
    """An upright greyscale page, how it was obtained, and how to map pixels back to PDF points."""

    gray: np.ndarray
    dpi: float  # pixels per inch of `gray`
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


def skew_angle(binary: np.ndarray, limit: float = MAX_SKEW) -> float:
    """The rotation (degrees, counter-clockwise positive) that makes text lines horizontal.

    Projection profile: the angle at which the ink's row sums are most uneven is the one
    where lines of text and ruling lines each fall into as few rows as possible.  Searched
    in quarter degrees on a quarter-size image, then in twentieths around the best on a
    half-size one: 0.07 s a page at 300 DPI.
    """
    coarse_image = cv2.resize(binary, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    fine_image = cv2.resize(binary, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)

    def sharpness(image: np.ndarray, angle: float) -> float:
        h, w = image.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        rotated = cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_NEAREST)
        rows = rotated.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    coarse = max(np.arange(-limit, limit + 1e-9, 0.25), key=lambda a: sharpness(coarse_image, a))
    fine = max(np.arange(coarse - 0.25, coarse + 0.25 + 1e-9, 0.05), key=lambda a: sharpness(fine_image, a))
    return round(float(fine), 2)


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """``gray`` turned by ``angle`` degrees about its centre, same size, white where it came in."""
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def upright_page(gray: np.ndarray, dpi: float) -> PageImage:
    """Enlarge small text, then undo the skew: the page every later step reads."""
    binary = ink(gray)
    height = text_height(binary)
    scale = 1.0
    if 0 < height < MIN_TEXT_HEIGHT:
        scale = MIN_TEXT_HEIGHT / height
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        binary = ink(gray)
    angle = skew_angle(binary)
    return PageImage(gray=rotate(gray, angle), dpi=dpi * scale, skew=angle, scale=scale)
