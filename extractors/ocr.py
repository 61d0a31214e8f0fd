"""A scanned page read by OCR into the same Page and Table model as a text layer.

The page is stood upright (a quarter-turn when its lines run up or down the page, as a
wide table printed sideways does), straightened and despeckled (`page_image`), its ruled
tables found in the image (`ruling`), and the rules wiped: left in, they come back as
``|``, ``l`` and ``_`` glued to the numbers beside them.  A page of prose is one
tesseract run with its own layout analysis; a page with tables is one run over a mosaic
of its cells (see `_table_page`), then one more over its number cells alone.  Pages run
in parallel, one single-threaded tesseract per core.
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
import pypdfium2.raw as pdfium_c
from PIL import Image

from core.model import METHOD_OCR, Cell, Page, Table
from core.vietnamese import LOW_QUALITY, is_syllable, nfc, syllable_score
from extractors.page_image import PageImage, despeckle, ink, render, upright_page
from extractors.ruling import Grid, GridCell, page_rules
from extractors.tesseract import OcrWord, cores, mosaic, mosaic_lines, mosaic_words, ocr_words

PSM_TEXT = 3  # a page of prose: tesseract's layout analysis keeps side-by-side blocks apart
PSM_TABLE = 6  # the mosaic of a table page's cells: one uniform block of short lines
LOW_CONFIDENCE = 0.6  # mean word confidence below which a page is flagged for review
NUMBER_CHARS = "0123456789.,%/()-"
NUMBER_HEIGHT = 40  # px: digits are enlarged to this height for the second reading
MOSAIC_GAP = 30  # px of white between stacked cells: tesseract never joins two of them into one line
MIN_INK = 12  # px: fewer inked pixels than this in a cell is a speck, not text
SURE = 0.9  # word confidence above which a number's first reading is kept without a second look
MAX_NUMBER_CHARS = 16  # longer cells are text, or a value written with words, read in the first pass
NOISE_CONFIDENCE = 0.5  # below this, a word that is no syllable is noise (outside table cells)
_LETTERS = re.compile(r"[^\W\d_]+")
_LIST_ITEM = re.compile(r"^\(?[^\W\d_][).]$")
_JUNK = re.compile(r"^[|_\-—–~'`\".,:;!/\\\[\](){}<>=+*^°]+$")  # what noise and line remnants read as


@dataclass(frozen=True)
class ScanPage:
    """A PDF page to read by OCR: its number, the resolution of its scan, its size in points,
    and whether the text layer over it (a scan's signature box) is kept beside the OCR text."""

    number: int
    dpi: float
    size: tuple[float, float]
    keep_text_layer: bool = False


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
            layer = text_layer(pdf, scan.number - 1) if scan.keep_text_layer else None
        page, tables = ocr_page(gray, scan.dpi, scan.number, scan.size)
        return replace(page, text_layer=layer), tables

    try:
        with ThreadPoolExecutor(max_workers=min(cores(), len(pages))) as pool:
            return dict(zip((p.number for p in pages), pool.map(read, pages)))
    finally:
        pdf.close()


def text_layer(pdf: pdfium.PdfDocument, index: int) -> str | None:
    """The text a scanned page's PDF text layer holds, NFC, or None when it holds none.

    Signing software stamps a box of text over the scan: as page content (our signed
    fixture) or as the appearance of a signature form field (r06, r07), which neither
    pdfplumber nor pdfium's text reads, nor pdfium renders without a form environment.
    So the page's annotations are flattened into its content first, in this document
    only, after its image was rendered.
    """
    page = pdf[index]
    try:
        if pdfium_c.FPDFPage_GetAnnotCount(page.raw) > 0 and \
                pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY) == pdfium_c.FLATTEN_SUCCESS:
            page.close()
            page = pdf[index]
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
    finally:
        page.close()
    lines = [" ".join(line.split()) for line in nfc(text).replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line) or None


def ocr_page(gray: np.ndarray, dpi: float, number: int, size: tuple[float, float]) -> tuple[Page, list[Table]]:
    """OCR one scanned page (greyscale at ``dpi``) into its Page and ruled Tables.

    ``size`` is the page's width and height in PDF points, kept so text and tables carry
    the same geometry as a text-layer page: a page turned by a quarter is as wide as the
    paper is high, and its tables' boxes are in that upright frame.
    """
    page = upright_page(gray, dpi)
    if page.turn % 180:
        size = (size[1], size[0])
    grids, rules = page_rules(ink(page.gray, faint=True), page.dpi)
    clean = _wipe(despeckle(page.gray), rules)
    if not grids:
        words = [w for w in ocr_words(Image.fromarray(clean), PSM_TEXT) if not _junk(w) and not _noise(w)]
        text = "\n".join(" ".join(w.text for w in line) for line in _reading_lines(words))
        return _page(text, words, number, size, page, PSM_TEXT, 0), []
    return _table_page(clean, grids, number, size, page)


def _table_page(clean: np.ndarray, grids: list[Grid], number: int, size: tuple[float, float],
                page: PageImage) -> tuple[Page, list[Table]]:
    """A page with ruled tables, read as a mosaic of its cells and the text between tables.

    Read whole, even with its rules wiped, a table defeats tesseract's layout analysis:
    automatic layout drops narrow columns of numbers, and one uniform block runs a code
    centred beside a two-line label into both lines.  Each cell cut out and stacked on
    its own is read as the short block of text it is, still in one tesseract run.
    """
    regions: list[tuple[int, int, int, int]] = []  # bands of text between tables, then cells
    bounds = [0] + [v for g in grids for v in (g.ys[0], g.ys[-1])] + [clean.shape[0]]
    bands = [(0, bounds[i], clean.shape[1], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    regions += bands
    for grid in grids:
        regions += [g.box for g in grid.cells]
    crops = [_ink_crop(clean, box) for box in regions]
    kept = [i for i, crop in enumerate(crops) if crop is not None]
    found: list[list[OcrWord]] = [[] for _ in regions]
    if kept:
        sheet, spans = mosaic([crops[i] for i in kept], MOSAIC_GAP)
        words = [w for w in ocr_words(sheet, PSM_TABLE) if not _junk(w)]
        for i, ws in zip(kept, mosaic_words(words, spans, MOSAIC_GAP / 2)):
            found[i] = ws
    band_words = [[w for w in ws if not _noise(w)] for ws in found[: len(bands)]]
    cell_words = iter(found[len(bands):])
    tables = [_table(grid, [next(cell_words) for _ in grid.cells], number, page) for grid in grids]
    tables = _reread_numbers(tables, grids, clean)
    parts = []
    for i, ws in enumerate(band_words):
        parts.append(cell_text(ws))
        if i < len(tables):
            parts.append("\n".join(" ".join(" ".join(t.split()) for t in row if t) for row in tables[i].grid()))
    all_words = [w for ws in band_words + found[len(bands):] for w in ws]
    page_out = _page("\n".join(p for p in parts if p), all_words, number, size, page, PSM_TABLE, len(tables))
    return page_out, tables


def _ink_crop(clean: np.ndarray, box: tuple[int, int, int, int], pad: int = 3) -> Image.Image | None:
    """The inked part of a region (inside its rules), or None when it is blank."""
    x0, y0, x1, y1 = box
    region = clean[y0 + pad : y1 - pad, x0 + pad : x1 - pad]
    ys, xs = np.nonzero(region < 128)
    if len(ys) < MIN_INK:
        return None
    return Image.fromarray(region[max(ys.min() - pad, 0) : ys.max() + pad + 1, max(xs.min() - pad, 0) : xs.max() + pad + 1])


def _wipe(gray: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """The page with its ruling lines (and their anti-aliased edges) painted white."""
    lines = cv2.dilate(rules, np.ones((3, 3), np.uint8), iterations=1)
    out = gray.copy()
    out[lines > 0] = 255
    return out


def _junk(word: OcrWord) -> bool:
    """Specks and line remnants: punctuation alone, read with low confidence."""
    return bool(_JUNK.match(word.text)) and (word.confidence < 0.5 or set(word.text) <= set("|_"))


def _noise(word: OcrWord) -> bool:
    """A word tesseract is less than half sure of, that spells no Vietnamese syllable and
    holds no digit: what rule debris, specks, stamps, handwriting and lines cut off by a
    crease read as (r05's form: ``nìỤìỰ``, ``vưncArrợc``, ``mm``; on the clean real scans
    such words are misreads, 6 in 3,900).  A list item's letter (``c)``) is kept.  Not
    applied in table cells, where a misread number still needs its cell kept for the
    second, digits-only reading.

    >>> _noise(OcrWord("vưncArrợc,", 0, 0, 9, 9, 0.0, (1, 1, 1))), _noise(OcrWord("trách:", 0, 0, 9, 9, 0.28, (1, 1, 1)))
    (True, False)
    >>> _noise(OcrWord("n0", 0, 0, 9, 9, 0.21, (1, 1, 1))), _noise(OcrWord("UBND", 0, 0, 9, 9, 0.1, (1, 1, 1)))
    (False, False)
    >>> _noise(OcrWord("c)", 0, 0, 9, 9, 0.47, (1, 1, 1)))
    False
    """
    if word.confidence >= NOISE_CONFIDENCE or any(ch.isdigit() for ch in word.text) or _LIST_ITEM.match(word.text):
        return False
    return any(not is_syllable(t) for t in _LETTERS.findall(word.text) if not t.isupper())


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


def _table(grid: Grid, cell_words: list[list[OcrWord]], number: int, page: PageImage) -> Table:
    to_points = 72 / page.dpi
    return Table(
        table_id=0,
        page=number,
        n_rows=len(grid.ys) - 1,
        n_cols=len(grid.xs) - 1,
        cells=[_cell(g, ws, number) for g, ws in zip(grid.cells, cell_words)],
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
    if not text or len(text) > MAX_NUMBER_CHARS or any(sum(ch.isalpha() for ch in t) >= 2 for t in text.split()):
        return False  # a word ("9.436 tỷ") must survive: the digits-only reading would drop it
    digits = sum(ch.isdigit() or ch in NUMBER_CHARS for ch in text)
    return digits >= max(1, len(text.replace(" ", "")) * 2 // 3) or (len(text) <= 2 and cell.confidence < 0.9)


def _doubtful(cell: Cell) -> bool:
    """A number or code cell the first reading may have got wrong: low confidence or a stray letter."""
    return _numeric(cell) and (cell.confidence < SURE or not _numeric_only(cell.text))


def _crop(clean: np.ndarray, box: tuple[int, int, int, int]) -> Image.Image | None:
    """A cell's ink (`_ink_crop`) scaled to the height tesseract reads digits best at."""
    crop = _ink_crop(clean, box)
    if crop is None or crop.height > 2 * NUMBER_HEIGHT:  # several lines: keep the size, tesseract splits them
        return crop
    factor = NUMBER_HEIGHT / crop.height
    return crop.resize((max(round(crop.width * factor), 1), NUMBER_HEIGHT), Image.Resampling.BICUBIC)


def _reread_numbers(tables: list[Table], grids: list[Grid], clean: np.ndarray) -> list[Table]:
    """Read doubtful number and code cells again, all at once, with tesseract told to expect digits.

    On a whole page, a lone ``0`` or ``4`` in a cell has no context to be read by and comes
    out as ``9`` or ``Ạ``; cropped, enlarged and read with only digits and their marks
    allowed, it comes out right.  One mosaic per page keeps this to one tesseract run.
    """
    jobs: list[tuple[int, int, Image.Image]] = []
    for t_index, (table, grid) in enumerate(zip(tables, grids)):
        boxes = {(g.row, g.col): g.box for g in grid.cells}
        for c_index, cell in enumerate(table.cells):
            if _doubtful(cell) and (crop := _crop(clean, boxes[(cell.row, cell.col)])) is not None:
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


def _page(text: str, words: list[OcrWord], number: int, size: tuple[float, float], page: PageImage, psm: int,
          n_tables: int) -> Page:
    text = nfc(text)
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
    if page.turn:
        repair += f", rotated {page.turn} deg"
    if page.scale != 1.0:
        repair += f", enlarged {page.scale:.2f}x"
    repair += f", deskewed {page.skew:+.2f} deg"
    if page.warp:
        repair += f", lines straightened (up to {page.warp:.2f} in)"
    repair += f", {n_tables} ruled tables, {len(words)} words)"
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
