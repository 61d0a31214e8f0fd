"""The scanned-PDF fixtures: image-only, the source's pages, and degraded as declared.

The OCR path is scored on these files, so a scan whose pages differ in number or size
from its born-digital source, that still carries a text layer, whose pixels do not match
its declared resolution and skew, or that builds differently twice, would make every
score built on them meaningless.
"""
from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from tests.fixtures import scans
from tests.fixtures.scans import SCANS, ScanSpec

NAMES = sorted(SCANS)
INK = 160  # grey levels below this are ink when locating the table's rules
MM = 72 / 25.4  # points per millimetre


def _render(path: Path, dpi: int, pages: int | None = None) -> list[np.ndarray]:
    """Every page (or the first ``pages``) of ``path`` as pdfium draws it in grey at ``dpi``."""
    doc = pdfium.PdfDocument(str(path))
    try:
        return [np.asarray(doc[i].render(scale=dpi / 72, grayscale=True).to_pil())
                for i in range(len(doc) if pages is None else pages)]
    finally:
        doc.close()


def _skew(page: np.ndarray) -> float:
    """The skew of the table on ``page`` in degrees, counter-clockwise positive.

    The ruled grid is the page's widest connected stretch of ink, and its highest ink in
    every column is the upper edge of the table's top rule (the column rules hang from
    it).  A line fitted through those edges over the middle 80% of the table, refitted
    without the points more than 2 px off the first fit, gives the angle.
    """
    ink = (page < INK).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    grid = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_WIDTH]))
    left, top, width, height = (int(stats[grid, k]) for k in
                                (cv2.CC_STAT_LEFT, cv2.CC_STAT_TOP, cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT))
    x = np.arange(left + width // 10, left + width - width // 10)
    window = labels[top:top + height, x] == grid
    y = window.argmax(axis=0).astype(float)
    slope, offset = np.polyfit(x, y, 1)
    keep = np.abs(y - (slope * x + offset)) <= 2
    slope, _ = np.polyfit(x[keep], y[keep], 1)
    return -math.degrees(math.atan(slope))  # image rows grow downwards


def _source(built: dict[str, Path], spec: ScanSpec) -> Path:
    return built[spec.source]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The whole catalogue built a second time, from freshly built sources."""
    return scans.build_all(tmp_path_factory.mktemp("scans_again"))


def test_catalogue(scanned_pdfs: dict[str, Path]) -> None:
    assert set(scanned_pdfs) == set(SCANS)
    for name, path in scanned_pdfs.items():
        assert path.name == f"{name}.pdf" and path.stat().st_size > 0


@pytest.mark.parametrize("name", NAMES)
def test_pages_are_the_sources_pages(name: str, scanned_pdfs: dict[str, Path], built: dict[str, Path]) -> None:
    with pdfplumber.open(_source(built, SCANS[name])) as src, pdfplumber.open(scanned_pdfs[name]) as scan:
        assert len(scan.pages) == len(src.pages)
        for ours, theirs in zip(scan.pages, src.pages):
            assert ours.width == pytest.approx(theirs.width, abs=0.5)
            assert ours.height == pytest.approx(theirs.height, abs=0.5)


@pytest.mark.parametrize("name", NAMES)
def test_no_text_layer_but_the_signature(name: str, scanned_pdfs: dict[str, Path]) -> None:
    spec = SCANS[name]
    with pdfplumber.open(scanned_pdfs[name]) as pdf:
        *body, last = pdf.pages
        for page in body:
            assert page.chars == [], f"page {page.page_number} has text"
        if not spec.signature:
            assert last.chars == []
            return
        assert last.extract_text().splitlines() == list(scans.SIGNATURE_LINES)
        words = last.extract_words()
        covered = sum((w["x1"] - w["x0"]) * (w["bottom"] - w["top"]) for w in words)
        assert 0 < covered / (last.width * last.height) < 0.02
        # Where signing software puts it: the bottom right quarter of the page.
        assert min(w["x0"] for w in words) > last.width / 2
        assert min(w["top"] for w in words) > last.height * 3 / 4


@pytest.mark.parametrize("name", NAMES)
def test_one_full_page_image_at_the_declared_dpi(name: str, scanned_pdfs: dict[str, Path]) -> None:
    spec = SCANS[name]
    with pdfplumber.open(scanned_pdfs[name]) as pdf:
        for page in pdf.pages:
            (image,) = page.images
            assert (image["x0"], image["top"]) == pytest.approx((0, 0), abs=0.01)
            assert (image["x1"], image["bottom"]) == pytest.approx((page.width, page.height), abs=0.01)
            px_w, px_h = image["srcsize"]
            # pdfium rounds the page up to whole pixels: ceil(points * dpi / 72).
            assert 0 <= px_w - page.width * spec.dpi / 72 < 1
            assert 0 <= px_h - page.height * spec.dpi / 72 < 1
            assert image["bits"] == (1 if spec.bilevel else 8)


@pytest.mark.parametrize("name", NAMES)
def test_image_encoding(name: str, scanned_pdfs: dict[str, Path]) -> None:
    spec = SCANS[name]
    with pikepdf.open(scanned_pdfs[name]) as pdf:
        for page in pdf.pages:
            (xobject,) = page.get_images().values()
            assert xobject.ColorSpace == pikepdf.Name.DeviceGray
            if not spec.bilevel:
                assert xobject.Filter == pikepdf.Name.DCTDecode
                assert xobject.BitsPerComponent == 8
                continue
            assert xobject.Filter == pikepdf.Name.CCITTFaxDecode
            assert xobject.DecodeParms.K == -1  # Group 4
            assert xobject.BitsPerComponent == 1
            # Decoded on its own (no renderer), the page is white paper with some ink.
            pixels = np.asarray(pikepdf.PdfImage(xobject).as_pil_image().convert("L"))
            assert 0.01 < (pixels < 128).mean() < 0.2


@pytest.mark.parametrize("name", NAMES)
def test_skew_matches_the_spec(name: str, scanned_pdfs: dict[str, Path]) -> None:
    spec = SCANS[name]
    for number, page in enumerate(_render(scanned_pdfs[name], spec.dpi), 1):
        assert _skew(page) == pytest.approx(spec.angle, abs=0.25), f"page {number}"


@pytest.mark.parametrize("name", NAMES)
def test_content_is_the_source_page(name: str, scanned_pdfs: dict[str, Path], built: dict[str, Path]) -> None:
    """Turned back by the skew, each scanned page's ink lies where the source's does."""
    spec = SCANS[name]
    sources = _render(_source(built, spec), spec.dpi)
    for number, (page, source) in enumerate(zip(_render(scanned_pdfs[name], spec.dpi), sources), 1):
        assert page.shape == source.shape
        h, w = page.shape
        back = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), -spec.angle, 1.0)
        page = cv2.warpAffine(page, back, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
        near = np.ones((3, 3), np.uint8)
        ours, theirs = page < INK, source < INK
        # Most of the scan's ink is near source ink and most source ink survived nearby.
        assert (ours & cv2.dilate(theirs.astype(np.uint8), near).astype(bool)).sum() > 0.9 * ours.sum(), number
        assert (theirs & cv2.dilate(ours.astype(np.uint8), near).astype(bool)).sum() > 0.8 * theirs.sum(), number


@pytest.mark.parametrize("name", NAMES)
def test_paper_is_noisy(name: str, scanned_pdfs: dict[str, Path]) -> None:
    """The blank top margin carries sensor noise on grey pages; 1-bit pages are pure black and white."""
    spec = SCANS[name]
    (page,) = _render(scanned_pdfs[name], spec.dpi, pages=1)
    px = spec.dpi / 72 * MM
    margin = page[int(4 * px):int(11 * px), page.shape[1] // 5:page.shape[1] * 4 // 5].astype(float)
    assert margin.mean() > 240  # still paper, not content
    if spec.bilevel:
        assert set(np.unique(margin)) <= {0.0, 255.0}
    else:
        assert margin.std() > 1.0


@pytest.mark.parametrize("name", NAMES)
def test_byte_reproducible(name: str, scanned_pdfs: dict[str, Path], rebuilt: dict[str, Path]) -> None:
    assert scanned_pdfs[name].read_bytes() == rebuilt[name].read_bytes()


# --- the building blocks -------------------------------------------------------------


def _sheet() -> Image.Image:
    """A small white page with a black bar, in grey."""
    sheet = np.full((120, 90), 255, np.uint8)
    sheet[40:44, 10:80] = 0
    return Image.fromarray(sheet)


def test_degrade_is_seeded() -> None:
    spec = ScanSpec("phuluc1_000.pdf", 100, 1.0, 10, 0.5, 75)
    first, again, other = (np.asarray(scans.degrade(_sheet(), spec, seed)) for seed in (7, 7, 8))
    assert first.shape == (120, 90)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_degrade_bilevel_and_clean() -> None:
    clean = ScanSpec("phuluc1_000.pdf", 100, 0.0, 0, 0, 75)
    assert np.array_equal(np.asarray(scans.degrade(_sheet(), clean, 1)), np.asarray(_sheet()))
    bilevel = scans.degrade(_sheet(), ScanSpec("phuluc1_000.pdf", 100, 0.0, 8, 0.5, 0, bilevel=True), 1)
    assert bilevel.mode == "1"
    pixels = np.asarray(bilevel)
    assert not pixels[42, 20:70].any() and pixels[:30].all()  # the bar is ink, the paper is white


def test_spec_validation() -> None:
    with pytest.raises(ValueError):
        ScanSpec("phuluc1_000.docx", 200, 0, 0, 0, 75)
    with pytest.raises(ValueError):
        ScanSpec("phuluc1_000.pdf", 200, 0, 0, 0, 0)


def test_image_pdf_defaults_to_the_images_size(tmp_path: Path) -> None:
    """Without page sizes, a page is the image at ``dpi``: 850 px at 100 dpi is 612 pt."""
    path = scans.image_pdf([Image.new("L", (850, 1100), 255)], tmp_path / "letter.pdf", 100, 80)
    with pdfplumber.open(path) as pdf:
        (page,) = pdf.pages
        assert (page.width, page.height) == pytest.approx((612, 792))
        assert page.images[0]["srcsize"] == (850, 1100)
