"""Born-digital PDF: the text layer and ruled tables, read with pdfplumber.

pdfplumber was chosen over camelot lattice for these reports (see benchmarks/): the
tables are ruled with real vector lines, which pdfplumber reads directly from the PDF,
while camelot renders every page to an image to find the same lines — several times
slower for the same cells.  Each page also records how much of it the text layer
covers and what looks wrong with it, so scans and broken fonts are reported, not
silently passed on as empty or garbled text.
"""
from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSEOF
from pdfplumber.page import Page as PlumberPage
from pdfplumber.table import Table as PlumberTable
from pdfplumber.utils.exceptions import PdfminerException

from extractors.errors import ExtractionError
from extractors.model import METHOD_TEXT, Cell, Document, Page, Table
from normalizers.vietnamese import LOW_QUALITY, nfc, syllable_score

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
SCAN_TEXT_COVERAGE = 0.02  # below this share of the page in text, with a large image: a scan
SCAN_IMAGE_COVERAGE = 0.5
LEGACY_FONT = re.compile(r"\.Vn|VNI[-_ ]|^VN[A-Z]", re.IGNORECASE)
_CID = re.compile(r"\(cid:\d+\)")
_EDGE = 1.0  # points: boundaries closer than this are the same grid line


def extract_pdf(path: str | Path) -> Document:
    """Read every page's text and ruled tables from a PDF's text layer."""
    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfminer raises many types for damaged files, wrapped by pdfplumber
        raise ExtractionError(open_error(exc)) from exc
    with pdf:
        pages: list[Page] = []
        tables: list[Table] = []
        try:
            for plumber_page in pdf.pages:
                pages.append(_page(plumber_page))
                for found in plumber_page.find_tables(TABLE_SETTINGS):
                    table = _table(found, plumber_page.page_number, len(tables))
                    if table is not None:
                        tables.append(table)
        except ExtractionError:
            raise
        except Exception as exc:
            raise ExtractionError(f"damaged PDF, failed on page {len(pages) + 1} ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise ExtractionError("PDF has no pages")
    return Document(source_path=str(path), kind="pdf", pages=pages, tables=tables)


def open_error(exc: Exception) -> str:
    """A reason a person can act on, from whatever pdfminer raised (pdfplumber wraps it)."""
    cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], Exception) else exc
    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return "encrypted PDF: a password is needed to read it"
    if isinstance(cause, PSEOF):
        return "truncated PDF: the file ends before its content does (incomplete download or copy?)"
    if isinstance(cause, PDFSyntaxError):
        return f"damaged PDF: {cause or 'no readable structure'}"
    return f"not a readable PDF ({type(cause).__name__}: {cause})"


def _page(page: PlumberPage) -> Page:
    """A page's text with the measurements that tell whether it can be trusted."""
    text = nfc(page.extract_text() or "")
    area = float(page.width * page.height) or 1.0
    words = page.extract_words()
    text_area = sum((w["x1"] - w["x0"]) * (w["bottom"] - w["top"]) for w in words)
    image_area = sum(abs((im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in page.images)
    coverage = min(text_area / area, 1.0)
    quality = syllable_score(_CID.sub(" ", text))
    issues = page_issues(text, coverage, min(image_area / area, 1.0), quality, {c.get("fontname", "") for c in page.chars})
    return Page(
        number=page.page_number,
        text=text,
        method=METHOD_TEXT,
        width=float(page.width),
        height=float(page.height),
        quality=quality,
        text_coverage=round(coverage, 4),
        issues=issues,
    )


def page_issues(text: str, coverage: float, image_coverage: float, quality: float | None, fonts: set[str]) -> list[str]:
    """What is wrong with a page's text layer, in words a person can act on.

    >>> page_issues("", 0.0, 0.95, None, set())
    ['scan: no usable text layer (needs OCR)']
    >>> page_issues("C¶i c¸ch", 0.1, 0.0, 0.3, {"ABCDEF+.VnTime"})
    ['legacy font encoding (.VnTime)', 'low Vietnamese text quality (0.30)']
    """
    issues = []
    if coverage < SCAN_TEXT_COVERAGE and image_coverage >= SCAN_IMAGE_COVERAGE:
        issues.append("scan: no usable text layer (needs OCR)")
    elif not text.strip():
        issues.append("empty page")
    cids = len(_CID.findall(text))
    if cids:
        issues.append(f"unmapped glyphs: {cids} (cid:N) characters")
    legacy = sorted({f.split("+")[-1] for f in fonts if LEGACY_FONT.search(f.split("+")[-1])})
    if legacy:
        issues.append(f"legacy font encoding ({', '.join(legacy)})")
    if quality is not None and quality < LOW_QUALITY:
        issues.append(f"low Vietnamese text quality ({quality:.2f})")
    return issues


def _boundaries(values: list[float]) -> list[float]:
    """Distinct grid lines from cell edges, merging those within _EDGE of each other."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _EDGE:
            out.append(v)
    return out


def _index(lines: list[float], v: float) -> int:
    return min(range(len(lines)), key=lambda i: abs(lines[i] - v))


def _table(found: PlumberTable, page_number: int, table_id: int) -> Table | None:
    """A pdfplumber table as grid cells, spans measured from each cell's box."""
    boxes = found.cells
    if not boxes:
        return None
    xs = _boundaries([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _boundaries([b[1] for b in boxes] + [b[3] for b in boxes])
    texts = found.extract()
    cells = []
    for r, row in enumerate(found.rows):
        for c, box in enumerate(row.cells):
            if box is None:
                continue
            col, top = _index(xs, box[0]), _index(ys, box[1])
            text = texts[r][c] if r < len(texts) and c < len(texts[r]) else ""
            cells.append(
                Cell(
                    row=top,
                    col=col,
                    text=nfc(text or "").strip(),
                    rowspan=max(_index(ys, box[3]) - top, 1),
                    colspan=max(_index(xs, box[2]) - col, 1),
                    page=page_number,
                )
            )
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 1 or n_cols < 2:
        return None
    return Table(
        table_id=table_id,
        page=page_number,
        n_rows=n_rows,
        n_cols=n_cols,
        cells=cells,
        method=METHOD_TEXT,
        bbox=tuple(float(v) for v in found.bbox),
    )
