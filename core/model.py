"""The Document model every extractor returns and every later stage reads.

One small object model for all source kinds (born-digital PDF, DOCX, later OCR), so
normalizers and writers never need to know where a page or a cell came from.  Pages
and rows are 1-based and 0-based respectively, as in the output contract.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# How a piece of text was obtained; written to the `method` columns.
METHOD_TEXT = "text"  # PDF text layer
METHOD_DOCX = "docx"  # Word XML
METHOD_OCR = "ocr"  # tesseract on a rendered page
METHOD_FONT_REPAIR = "font_repair"  # PDF text layer with glyphs its fonts left unmapped rebuilt by OCR


@dataclass(frozen=True)
class Cell:
    """One grid cell; a merged cell appears once, at its top-left position."""

    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    page: int = 1
    confidence: float = 1.0  # lowest confidence of any repaired or OCR'd character in the cell


@dataclass
class Table:
    """A ruled table: cells on a row/col grid, possibly spanning several pages."""

    table_id: int
    page: int
    n_rows: int
    n_cols: int
    cells: list[Cell]
    method: str
    bbox: tuple[float, float, float, float] | None = None
    page_end: int | None = None
    rotation: int = 0  # degrees clockwise (as PDF /Rotate counts) the table was turned to read upright
    header_rows: int | None = None  # known header depth (repeated on each page); None: not yet known

    def grid(self) -> list[list[str]]:
        """Text by position; positions covered by a span (not its origin) are empty."""
        out = [["" for _ in range(self.n_cols)] for _ in range(self.n_rows)]
        for c in self.cells:
            out[c.row][c.col] = c.text
        return out

    def row_confidence(self) -> dict[int, float]:
        """Lowest cell confidence of each row (rows whose cells were all read cleanly are absent)."""
        out: dict[int, float] = {}
        for c in self.cells:
            out[c.row] = min(out.get(c.row, 1.0), c.confidence)
        return out

    def row_pages(self) -> list[int]:
        """Page on which each row starts (a stitched table spans several)."""
        pages = [self.page] * self.n_rows
        for c in self.cells:
            pages[c.row] = c.page
        return pages


@dataclass
class Page:
    """A page's text in reading order and how trustworthy it is."""

    number: int
    text: str
    method: str
    width: float = 0.0
    height: float = 0.0
    quality: float | None = None
    text_coverage: float | None = None
    issues: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)  # named fixes applied, e.g. "decode_tcvn3(.VnTime)"
    quality_raw: float | None = None  # `quality` before any repair
    confidence: float | None = None  # mean OCR word confidence (0–1) on OCR'd pages; None for a text layer
    damaged: bool = False  # data the page is read from is corrupt in the file: its text may be incomplete or wrong
    text_layer: str | None = None  # an OCR'd scan's own text layer (a signature box stamped over it), kept apart


@dataclass
class Document:
    """Everything one extractor found in one file."""

    source_path: str
    kind: str
    pages: list[Page]
    tables: list[Table]
    warnings: list[str] = field(default_factory=list)
    glyph_maps: dict[str, dict] = field(default_factory=dict)  # font → rebuilt glyph map (GlyphMap.as_dict)
    # A decision drew on evidence from several pages (suspect glyphs voted on over the whole
    # file): a page range read alone might decide otherwise, so parts of this file are not joined.
    cross_page: bool = False
