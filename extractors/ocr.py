"""A scanned page read by OCR into the same Page and Table model as a text layer.

One tesseract pass per page reads every word with its box; ruled tables are found in the
same image (`ruling`) and each word goes to the cell its centre falls in.  The ruling
lines are wiped from the image before tesseract sees it: left in, they come back as
``|``, ``l`` and ``_`` glued to the numbers beside them.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from extractors.model import METHOD_OCR, Cell, Page, Table
from extractors.page_image import PageImage, despeckle, ink, render, upright_page
from extractors.ruling import Grid, GridCell, find_grids, line_masks, rules_mask
from extractors.tesseract import OcrWord, cores, mosaic, mosaic_lines, ocr_words
from normalizers.vietnamese import LOW_QUALITY, nfc, syllable_score

PSM_TEXT = 3  # a page of prose: tesseract's layout analysis keeps side-by-side blocks apart
PSM_TABLE = 6  # a page with ruled tables: one block, because layout analysis drops narrow columns of numbers
LOW_CONFIDENCE = 0.6  # mean word confidence below which a page is flagged for review
NUMBER_CHARS = "0123456789.,%/()-"
NUMBER_HEIGHT = 40  # px: digits are enlarged to this height for the second reading
MAX_NUMBER_CHARS = 16  # longer cells are text, or a value written with words, read in the first pass
_JUNK = re.compile(r"^[|_\-—–~'`\".,:;!/\\\[\](){}<>=+*^°]+$")  # what noise and line remnants read as


@dataclass(frozen=True)
class ScanPage:
    """A PDF page to read by OCR: its number, the resolution of its scan, its size in points."""

    number: int
    dpi: float
    size: tuple[float, float]


def ocr_pdf_pages(path: str | Path, pages: list[ScanPage]) -> dict[int, tuple[Page, list[Table]]]:
    """OCR the given pages of a PDF, one single-threaded tesseract per core.

    pdfium is not thread-safe, so pages are rendered one at a time under a lock, each just
    before it is read: memory holds one page image per core, however long the scan.
    """
    if not pages:
        return {}
    lock = threading.Lock()
    pdf = pdfium.PdfDocument(str(path))

    def read(scan: ScanPage) -> tuple[Page, list[Table]]:
        with lock:
            gray = render(pdf, scan.number - 1, scan.dpi)
        return ocr_page(gray, scan.dpi, scan.number, scan.size)

    try:
        with ThreadPoolExecutor(max_workers=min(cores(), len(pages))) as pool:
            return dict(zip((p.number for p in pages), pool.map(read, pages)))
    finally:
        pdf.close()


def ocr_page(gray: np.ndarray, dpi: float, number: int, size: tuple[float, float]) -> tuple[Page, list[Table]]:
    """OCR one scanned page (greyscale at ``dpi``) into its Page and ruled Tables.

    ``size`` is the page's width and height in PDF points, kept so text and tables carry
    the same geometry as a text-layer page.
    """
    page = upright_page(gray, dpi)
    binary = ink(page.gray)
    horizontal, vertical = line_masks(binary, page.dpi)
    grids = find_grids(horizontal, vertical, page.dpi)
    clean = _wipe(despeckle(page.gray), rules_mask(horizontal, vertical, grids, page.dpi))
    psm = PSM_TABLE if grids else PSM_TEXT
    words = [w for w in ocr_words(Image.fromarray(clean), psm) if not _junk(w)]
    tables = [_table(grid, words, number, page) for grid in grids]
    tables = _reread_numbers(tables, grids, clean)
    return _page(words, number, size, page, psm, len(tables)), [t for t in tables if t is not None]


def _wipe(gray: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """The page with its ruling lines (and their anti-aliased edges) painted white."""
    lines = cv2.dilate(rules, np.ones((3, 3), np.uint8), iterations=1)
    out = gray.copy()
    out[lines > 0] = 255
    return out


def _junk(word: OcrWord) -> bool:
    """Specks and line remnants: punctuation alone, read with low confidence."""
    return bool(_JUNK.match(word.text)) and (word.confidence < 0.5 or set(word.text) <= set("|_"))


def lines_of(words: Iterable[OcrWord]) -> list[list[OcrWord]]:
    """Words grouped into text lines by vertical overlap, top to bottom, each left to right."""
    lines: list[list[OcrWord]] = []
    for w in sorted(words, key=lambda w: (w.top + w.height / 2, w.left)):
        centre = w.top + w.height / 2
        for line in lines:
            top = min(x.top for x in line)
            bottom = max(x.top + x.height for x in line)
            if top <= centre <= bottom:
                line.append(w)
                break
        else:
            lines.append([w])
    lines.sort(key=lambda ln: min(w.top for w in ln))
    return [sorted(ln, key=lambda w: w.left) for ln in lines]


def cell_text(words: Iterable[OcrWord]) -> str:
    """A cell's words as lines of text, the way a text layer gives a wrapped cell."""
    return "\n".join(" ".join(w.text for w in line) for line in lines_of(words))


def _inside(word: OcrWord, box: tuple[int, int, int, int]) -> bool:
    cx, cy = word.left + word.width / 2, word.top + word.height / 2
    return box[0] <= cx < box[2] and box[1] <= cy < box[3]


def _table(grid: Grid, words: list[OcrWord], number: int, page: PageImage) -> Table | None:
    inside = [w for w in words if _inside(w, grid.bbox)]
    cells = [_cell(g, [w for w in inside if _inside(w, g.box)], number) for g in grid.cells]
    n_rows, n_cols = len(grid.ys) - 1, len(grid.xs) - 1
    if n_cols < 2:
        return None
    to_points = 72 / page.dpi
    return Table(
        table_id=0,
        page=number,
        n_rows=n_rows,
        n_cols=n_cols,
        cells=cells,
        method=METHOD_OCR,
        bbox=tuple(round(v * to_points, 1) for v in grid.bbox),
    )


def _cell(g: GridCell, words: list[OcrWord], number: int) -> Cell:
    return Cell(
        row=g.row,
        col=g.col,
        text=nfc(cell_text(words)),
        rowspan=g.rowspan,
        colspan=g.colspan,
        page=number,
        confidence=round(min((w.confidence for w in words), default=1.0), 3),
    )


def _numeric(cell: Cell) -> bool:
    """A cell read as a number or a code, or as a short scrap that may be one misread."""
    text = cell.text.strip()
    if not text or len(text) > MAX_NUMBER_CHARS:
        return False
    digits = sum(ch.isdigit() for ch in text)
    return digits >= max(1, len(text.replace(" ", "")) // 2) or (len(text) <= 2 and cell.confidence < 0.9)


def _crop(clean: np.ndarray, box: tuple[int, int, int, int]) -> Image.Image | None:
    """A cell's ink, trimmed and scaled to the height tesseract reads digits best at."""
    x0, y0, x1, y1 = box
    pad = 4
    region = clean[y0 + pad : y1 - pad, x0 + pad : x1 - pad]
    ys, xs = np.nonzero(region < 128)
    if not len(ys):
        return None
    region = region[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    factor = NUMBER_HEIGHT / max(region.shape[0], 1)
    if region.shape[0] > 2 * NUMBER_HEIGHT:  # several lines: keep the size, tesseract splits them
        factor = 1.0
    return Image.fromarray(cv2.resize(region, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC))


def _reread_numbers(tables: list[Table | None], grids: list[Grid], clean: np.ndarray) -> list[Table | None]:
    """Read the number and code cells again, all at once, with tesseract told to expect digits.

    On a whole page, a lone ``0`` or ``4`` in a cell has no context to be read by and comes
    out as ``9`` or ``Ạ``; cropped, enlarged and read with only digits and their marks
    allowed, it comes out right.  One mosaic per page keeps this to one tesseract run.
    """
    jobs: list[tuple[int, int, Image.Image]] = []
    for t_index, (table, grid) in enumerate(zip(tables, grids)):
        if table is None:
            continue
        boxes = {(g.row, g.col): g.box for g in grid.cells}
        for c_index, cell in enumerate(table.cells):
            if _numeric(cell) and (crop := _crop(clean, boxes[(cell.row, cell.col)])) is not None:
                jobs.append((t_index, c_index, crop))
    if not jobs:
        return tables
    sheet, spans = mosaic([crop for _, _, crop in jobs], NUMBER_HEIGHT)
    words = ocr_words(sheet, 6, f"-c tessedit_char_whitelist={NUMBER_CHARS}")
    for (t_index, c_index, _), (text, confidence) in zip(jobs, mosaic_lines(words, spans, NUMBER_HEIGHT / 2)):
        table = tables[t_index]
        cell = table.cells[c_index]
        if text and (confidence >= cell.confidence or not _numeric_only(cell.text)):
            table.cells[c_index] = replace(cell, text=text, confidence=round(confidence, 3))
    return tables


def _numeric_only(text: str) -> bool:
    return all(ch in NUMBER_CHARS or ch.isspace() for ch in text)


def _page(words: list[OcrWord], number: int, size: tuple[float, float], page: PageImage, psm: int, n_tables: int) -> Page:
    text = nfc("\n".join(" ".join(w.text for w in line) for line in _reading_lines(words)))
    quality = syllable_score(text)
    confidence = round(float(np.mean([w.confidence for w in words])), 3) if words else 0.0
    issues = []
    if not words:
        issues.append("scan: OCR found no text")
    elif confidence < LOW_CONFIDENCE:
        issues.append(f"low OCR confidence ({confidence:.2f})")
    if quality is not None and quality < LOW_QUALITY:
        issues.append(f"low Vietnamese text quality ({quality:.2f})")
    repair = f"ocr(tesseract psm {psm}, {page.dpi:.0f} dpi"
    if page.scale != 1.0:
        repair += f", enlarged {page.scale:.2f}x"
    repair += f", deskewed {page.skew:+.2f} deg, {n_tables} ruled tables, {len(words)} words)"
    return Page(
        number=number,
        text=text,
        method=METHOD_OCR,
        width=size[0],
        height=size[1],
        quality=quality,
        text_coverage=None,
        issues=issues,
        repairs=[repair],
        quality_raw=None,
        confidence=confidence,
    )


def _reading_lines(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Tesseract's own lines in its reading order (blocks, paragraphs, lines)."""
    lines: dict[tuple[int, int, int], list[OcrWord]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    return list(lines.values())
