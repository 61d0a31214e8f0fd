"""Born-digital PDF: the text layer and ruled tables (`extractors.pdf_tables`), read with pdfplumber.

pdfplumber was chosen over camelot lattice for these reports (see benchmarks/): the
tables are ruled with real vector lines, which pdfplumber reads directly from the PDF,
while camelot renders every page to an image to find the same lines — several times
slower for the same cells.  Each page also records how much of it the text layer
covers and what looks wrong with it, so scans and broken fonts are reported, not
silently passed on as empty or garbled text.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psexceptions import PSEOF
from pdfplumber.page import Page as PlumberPage
from pdfplumber.utils.exceptions import PdfminerException

from core.legacy import encoding_for_font
from core.model import METHOD_FONT_REPAIR, METHOD_TEXT, Document, Page, Table
from core.vietnamese import LOW_QUALITY, TONE_MARKS, nfc, syllable_score
from extractors.errors import ExtractionError, raised_here
from extractors.font_repair import UNREADABLE, GlyphMap
from extractors.glyph_audit import AuditingResourceManager, GlyphAudit
from extractors.glyph_repair import GlyphRepair
from extractors.legacy_fonts import decode_legacy_chars
from extractors.ocr import ScanPage, ocr_pdf_pages
from extractors.page_image import scan_dpi
from extractors.pdf_tables import page_tables, page_text
from extractors.sources import MAX_PAGES

# pdfplumber's stock ruled-table finder: the baseline benchmarks/run.py measures; tables are read by pdf_tables.
SCAN_TEXT_COVERAGE = 0.02  # below this share of the page in text, with a large image: a scan
SCAN_IMAGE_COVERAGE = 0.5
OCR_MARGIN = 0.1  # how much better a low page must read by OCR to take OCR's text over its text layer
KEEP_CHARS = 200_000  # characters of pages awaiting glyph decisions kept parsed; later ones are parsed again
_CID = re.compile(r"\(cid:\d+\)")
_VIETNAMESE_LETTERS = set("ăâđêôơư")
_UNKNOWN_LETTER = "\u0294"  # stands for an unmapped glyph when scoring: a word holding one is not well-formed


def extract_pdf(path: str | Path, glyph_maps: dict[str, GlyphMap] | None = None, *,
                max_pages: int = MAX_PAGES, pages: range | None = None) -> Document:
    """Read every page's text and ruled tables, from the text layer or, for scans, by OCR.

    A page is a scan when images cover most of it and text almost none (a scan may carry
    a text layer holding only its digital-signature box).  Every font is audited as pdfminer
    creates it (`glyph_audit`): pages drawing glyphs whose Unicode is missing or false wait
    until every page has been seen, the suspect glyphs are decided once for the document
    (`glyph_repair`), then those pages are read with the decisions.  Maps saved from an
    earlier run (`Document.glyph_maps`, or `font_repair.maps_from_repairs` of a page's
    `repairs`) can be passed in to skip the voting for their fonts.  A page left with glyphs
    no voter could read, or whose text layer reads below the quality floor with no repair
    to show for it, is read by OCR instead.  A file of more than `max_pages` pages is refused
    before pdfplumber opens it: even closing a pdfplumber PDF lists every page.  `pages`
    (1-based page numbers) reads only those, for a worker given part of a long file; the
    result says whether a decision drew on several pages (`Document.cross_page`).
    """
    count = page_count(path)
    if count is not None and count > max_pages:
        raise ExtractionError(f"PDF has {count} pages, more than the limit of {max_pages} (--max-pages)")
    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfminer raises many types for damaged files, wrapped by pdfplumber
        raise UnreadablePdf(open_error(exc)) from exc
    audit = GlyphAudit()
    pdf.rsrcmgr = AuditingResourceManager(audit)
    repair = GlyphRepair(path, audit, dict(glyph_maps or {}))
    with pdf:
        read: dict[int, tuple[Page, list[Table]]] = {}
        deferred: dict[int, float | None] = {}  # page → its quality as printed
        kept: dict[int, PlumberPage] = {}
        scans: list[ScanPage] = []
        at: int | None = None  # the page being read, for the reason when it fails
        try:
            for plumber_page in _selected(pdf.pages, pages):
                at = plumber_page.page_number
                if (scan := _scan(plumber_page)) is not None:
                    scans.append(scan)
                elif audit.restore(plumber_page.chars, plumber_page.page_number):
                    _defer(plumber_page, audit, repair, deferred, kept)
                    continue
                else:
                    read[plumber_page.page_number] = _read_text_layer(plumber_page)
                plumber_page.close()
            for at in sorted(audit.late & set(read)):  # read before a later font made its codes suspect
                plumber_page = pdf.pages[at - 1]
                audit.restore(plumber_page.chars, at)
                _defer(plumber_page, audit, repair, deferred, kept)
            at = None
            for number in audit.late & set(kept):  # kept with those codes' characters already given their claim
                kept.pop(number).close()
            maps = repair.decide() if deferred else {}
            for at in sorted(deferred):
                plumber_page = kept.pop(at, None)
                if plumber_page is None:
                    plumber_page = pdf.pages[at - 1]
                    audit.restore(plumber_page.chars, at)
                read[at] = _read_repaired(plumber_page, audit, repair, deferred[at])
                plumber_page.close()
            at = None  # OCR reads pages together
            read.update(_ocr_fallback(path, pdf, read, scans))
        except ExtractionError:
            raise
        except Exception as exc:
            if raised_here(exc):  # a bug of ours, not damage: reported as an internal error
                raise
            raise UnreadablePdf(page_error(exc, at), at) from exc
    if not read:
        raise ExtractionError("PDF has no pages")
    read_pages = [read[n][0] for n in sorted(read)]
    tables = [t for n in sorted(read) for t in read[n][1]]
    for i, table in enumerate(tables):
        table.table_id = i
    return Document(source_path=str(path), kind="pdf", pages=read_pages, tables=tables,
                    glyph_maps={font: maps[font].as_dict() for font in sorted(maps)}, cross_page=bool(deferred))


def _selected(pages: list[PlumberPage], numbers: range | None) -> list[PlumberPage]:
    """The pages asked for (all when None); pdfplumber's page list is indexed from 0."""
    return pages if numbers is None else pages[max(numbers.start - 1, 0):max(numbers.stop - 1, 0)]


def _defer(page: PlumberPage, audit: GlyphAudit, repair: GlyphRepair, deferred: dict[int, float | None],
           kept: dict[int, PlumberPage]) -> None:
    """Hold a page with suspect glyphs until they are decided: its quality as printed, its words."""
    deferred[page.page_number] = _score(pdfplumber.utils.extract_text(audit.printed(page.chars)))
    repair.add_page(page)
    if sum(len(p.chars) for p in kept.values()) + len(page.chars) <= KEEP_CHARS:
        kept[page.page_number] = page
    else:
        page.close()


def _read_text_layer(page: PlumberPage) -> tuple[Page, list[Table]]:
    raw_quality = _raw_quality(page)
    return _read(page, decode_legacy_chars(page.chars), raw_quality)


def _read_repaired(page: PlumberPage, audit: GlyphAudit, repair: GlyphRepair,
                   raw_quality: float | None) -> tuple[Page, list[Table]]:
    """A deferred page read with the glyph decisions; each decoding font is named in `repairs`
    with its whole map, so the repair can be re-applied."""
    decoded = audit.decode(page.chars)
    labels = [repair.maps[repair.keys[font]].repair_label(n) for font, n in sorted(decoded.items())]
    repairs = decode_legacy_chars(page.chars) + labels
    page.get_textmap.cache_clear()
    return _read(page, repairs, raw_quality)


def _ocr_fallback(path: str | Path, pdf: pdfplumber.PDF, read: dict[int, tuple[Page, list[Table]]],
                  scans: list[ScanPage]) -> dict[int, tuple[Page, list[Table]]]:
    """Scans, pages holding glyphs no voter could read, and Vietnamese pages whose text layer
    reads below the quality floor with no repair run on it (neither a glyph decision nor a
    legacy decoding), read by OCR.  A low-quality page keeps its text layer unless OCR reads
    it clearly better: syllable quality does not see numbers, which OCR may misread on a page
    that was only short of well-formed words (a table of figures, foreign terms)."""
    unsettled = [n for n, (page, _) in read.items() if UNREADABLE in page.text]
    low = [n for n, (page, _) in read.items() if n not in unsettled and page.method == METHOD_TEXT and not page.repairs
           and page.quality is not None and page.quality < LOW_QUALITY and _vietnamese(page.text)]
    ocred = ocr_pdf_pages(path, scans)
    fallback = []
    for n in unsettled + low:
        page = pdf.pages[n - 1]
        fallback.append(_as_scan(page, page.images))
        page.close()
    ocred.update(_ocr_if_possible(path, fallback, read))
    for n in unsettled:
        if n in ocred:
            ocred[n][0].issues.append("glyphs no repair could read: page read by OCR")
    for n in low:
        if n not in ocred:
            continue
        text_page, ocr_page = read[n][0], ocred[n][0]
        ocr_quality = ocr_page.quality or 0.0
        if ocr_quality < LOW_QUALITY or ocr_quality < (text_page.quality or 0.0) + OCR_MARGIN:
            text_page.issues.append(f"page OCR read no better ({ocr_quality:.2f})")
            del ocred[n]
        else:
            ocr_page.issues.append(f"text layer below the quality floor ({text_page.quality:.2f}): page read by OCR")
    return ocred


def _ocr_if_possible(path: str | Path, pages: list[ScanPage],
                     read: dict[int, tuple[Page, list[Table]]]) -> dict[int, tuple[Page, list[Table]]]:
    """OCR of pages that have a text layer to fall back on: a page tesseract cannot read keeps
    its text layer, with the reason among its issues."""
    try:
        return ocr_pdf_pages(path, pages)
    except Exception:  # one page too large or unreadable for tesseract: read the others one by one
        out = {}
        for page in pages:
            try:
                out.update(ocr_pdf_pages(path, [page]))
            except Exception as exc:
                read[page.number][0].issues.append(f"page OCR failed ({type(exc).__name__}): text layer kept")
        return out


def _vietnamese(text: str) -> bool:
    """Whether a page reads as Vietnamese at all (letters with Vietnamese marks or ă â đ ê ô ơ ư
    are at least 2 % of its letters): syllable quality says nothing of a page in English.

    >>> _vietnamese("Trên địa bàn huyện: Hướ g dẫn"), _vietnamese("Source: Data Warehouse, 12/14/15")
    (True, False)
    """
    letters = [ch for ch in text if ch.isalpha()]
    marked = sum(ch.lower() in _VIETNAMESE_LETTERS or any(m in TONE_MARKS for m in unicodedata.normalize("NFD", ch)) for ch in letters)
    return bool(letters) and marked >= 0.02 * len(letters)


def page_count(path: str | Path) -> int | None:
    """The page tree's size without parsing a page; None when pdfium cannot open the file
    (pdfplumber then says what is wrong with it).

    pdfium reads /Count, or walks the tree when it is missing, in C: 2 ms on a 5000-page
    file, where pdfminer takes 70 ms to parse the root's /Kids and 0.5 s to list the pages.
    """
    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError:
        return None
    try:
        return len(doc)
    finally:
        doc.close()


def _scan(page: PlumberPage) -> ScanPage | None:
    """The page as a scan to OCR, or None when its text layer is the page's real text."""
    area = float(page.width * page.height) or 1.0
    images = page.images
    image_area = sum(abs((im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in images)
    if image_area / area < SCAN_IMAGE_COVERAGE:
        return None
    text_area = sum((c["x1"] - c["x0"]) * (c["bottom"] - c["top"]) for c in page.chars)
    if text_area / area >= SCAN_TEXT_COVERAGE:
        return None
    return _as_scan(page, images, keep_text_layer=True)


def _as_scan(page: PlumberPage, images: list[dict], keep_text_layer: bool = False) -> ScanPage:
    """The page to OCR; a scan's own text layer (its signature box) is kept, an unreadable one is not."""
    return ScanPage(page.page_number, scan_dpi(images, float(page.width)), (float(page.width), float(page.height)),
                    keep_text_layer)


def _raw_quality(page: PlumberPage) -> float | None:
    """Text quality as the PDF gives it, measured only on pages some repair will change."""
    fonts = {c.get("fontname", "") for c in page.chars}
    if not any(_CID.search(c["text"]) for c in page.chars) and not any(map(encoding_for_font, fonts)):
        return None
    quality = _score(page.extract_text() or "")
    page.get_textmap.cache_clear()  # the chars are about to change under the cached text map
    return quality


def _score(text: str) -> float | None:
    """Syllable quality, with every unreadable glyph spoiling the word it is in."""
    return syllable_score(_CID.sub(_UNKNOWN_LETTER, text).replace(UNREADABLE, _UNKNOWN_LETTER))


def _read(page: PlumberPage, repairs: list[str], raw_quality: float | None) -> tuple[Page, list[Table]]:
    method = METHOD_FONT_REPAIR if any(r.startswith("font_repair") for r in repairs) else METHOD_TEXT
    return _page(page, method, repairs, raw_quality), page_tables(page, method)


TRUNCATED = "truncated PDF: the file ends before its content does (incomplete download or copy?)"


class UnreadablePdf(ExtractionError):
    """pdfminer gave up on the file, at opening or on `page`: a rebuilt copy may still read."""

    def __init__(self, reason: str, page: int | None = None) -> None:
        super().__init__(reason)
        self.page = page


def _cause(exc: BaseException) -> BaseException:
    """What pdfminer raised, from under pdfplumber's wrapper."""
    return exc.args[0] if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], BaseException) else exc


def open_error(exc: Exception) -> str:
    """A reason a person can act on, from whatever pdfminer raised (pdfplumber wraps it); what
    it said is kept as the exception's cause, for `documents.error_detail`."""
    cause = _cause(exc)
    if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
        return "encrypted PDF: a password is needed to read it"
    if isinstance(cause, PSEOF):
        return TRUNCATED
    if isinstance(cause, PDFSyntaxError):
        return "damaged PDF: its structure cannot be read"
    return "not a readable PDF: its structure cannot be read"


def page_error(exc: Exception, number: int | None) -> str:
    """Why a page of an opened PDF could not be read, in a person's words.

    >>> page_error(RecursionError(), 3)
    'damaged PDF: page 3 could not be read (its objects nest without end)'
    """
    cause = _cause(exc)
    page = f"page {number}" if number else "a page"
    if isinstance(cause, RecursionError):
        return f"damaged PDF: {page} could not be read (its objects nest without end)"
    if isinstance(cause, PSEOF):
        return f"damaged PDF: {page} could not be read (its data ends early)"
    if type(cause).__module__.startswith(("pytesseract", "pypdfium2")):
        return f"damaged PDF: {page} could not be rendered or read by OCR"
    return f"damaged PDF: {page} could not be read"


def _page(page: PlumberPage, method: str, repairs: list[str], raw_quality: float | None) -> Page:
    """A page's text with the measurements that tell whether it can be trusted."""
    text = nfc(page_text(page))
    area = float(page.width * page.height) or 1.0
    words = page.extract_words()
    text_area = sum((w["x1"] - w["x0"]) * (w["bottom"] - w["top"]) for w in words)
    image_area = sum(abs((im["x1"] - im["x0"]) * (im["bottom"] - im["top"])) for im in page.images)
    coverage = min(text_area / area, 1.0)
    quality = _score(text)
    issues = page_issues(text, coverage, min(image_area / area, 1.0), quality)
    return Page(
        number=page.page_number,
        text=text,
        method=method,
        width=float(page.width),
        height=float(page.height),
        quality=quality,
        text_coverage=round(coverage, 4),
        issues=issues,
        repairs=repairs,
        quality_raw=raw_quality if repairs else quality,
    )


def page_issues(text: str, coverage: float, image_coverage: float, quality: float | None) -> list[str]:
    """What is still wrong with a page's text layer after repair, in words a person can act on.

    What was wrong and got mended is in the page's `repairs` instead.

    >>> page_issues("", 0.0, 0.95, None)
    ['scan: no usable text layer (needs OCR)']
    >>> page_issues("C¶i c¸ch (cid:12)", 0.1, 0.0, 0.3)
    ['unmapped glyphs: 1 (cid:N) characters', 'low Vietnamese text quality (0.30)']
    """
    issues = []
    if coverage < SCAN_TEXT_COVERAGE and image_coverage >= SCAN_IMAGE_COVERAGE:
        issues.append("scan: no usable text layer (needs OCR)")
    elif not text.strip():
        issues.append("empty page")
    cids = len(_CID.findall(text))
    if cids:
        issues.append(f"unmapped glyphs: {cids} (cid:N) characters")
    unreadable = text.count(UNREADABLE)
    if unreadable:
        issues.append(f"unreadable glyphs: {unreadable} characters OCR could not settle (shown as U+FFFD)")
    if quality is not None and quality < LOW_QUALITY:
        issues.append(f"low Vietnamese text quality ({quality:.2f})")
    return issues
