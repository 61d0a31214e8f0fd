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
from collections import defaultdict
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
from core.vietnamese import LOW_QUALITY, nfc, syllable_score
from extractors.errors import ExtractionError
from extractors.font_repair import UNREADABLE, GlyphMap, GlyphWord, apply_maps, glyph_id, rebuild_maps, unmapped_words
from extractors.legacy_fonts import decode_legacy_chars
from extractors.ocr import ScanPage, ocr_pdf_pages
from extractors.page_image import scan_dpi
from extractors.pdf_tables import page_tables, page_text
from extractors.sources import MAX_PAGES

# pdfplumber's stock ruled-table finder: the baseline benchmarks/run.py measures; tables are read by pdf_tables.
SCAN_TEXT_COVERAGE = 0.02  # below this share of the page in text, with a large image: a scan
SCAN_IMAGE_COVERAGE = 0.5
UNUSABLE_SHARE = 0.05  # of a page's letters still unreadable after font repair: OCR the page instead
_CID = re.compile(r"\(cid:\d+\)")
_UNKNOWN_LETTER = "\u0294"  # stands for an unmapped glyph when scoring: a word holding one is not well-formed


def extract_pdf(path: str | Path, glyph_maps: dict[str, GlyphMap] | None = None, *,
                max_pages: int = MAX_PAGES) -> Document:
    """Read every page's text and ruled tables, from the text layer or, for scans, by OCR.

    A page is a scan when images cover most of it and text almost none (a scan may carry
    a text layer holding only its digital-signature box).  Pages whose fonts left glyphs
    unmapped wait until every such page has been seen: the glyph maps are rebuilt once per font from a few OCR'd words (`font_repair`), then
    those pages are read with them.  Maps saved from an earlier run (`Document.glyph_maps`)
    can be passed in to skip the OCR for their fonts.  A file of more than `max_pages`
    pages is refused before pdfplumber opens it: even closing a pdfplumber PDF lists every page.
    """
    count = page_count(path)
    if count is not None and count > max_pages:
        raise ExtractionError(f"PDF has {count} pages, more than the limit of {max_pages} (--max-pages)")
    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfminer raises many types for damaged files, wrapped by pdfplumber
        raise ExtractionError(open_error(exc)) from exc
    with pdf:
        read: dict[int, tuple[Page, list[Table]]] = {}
        glyph_words: list[GlyphWord] = []
        known: dict[str, set[str]] = defaultdict(set)
        deferred: dict[int, float | None] = {}
        scans: list[ScanPage] = []
        try:
            for plumber_page in pdf.pages:
                number = plumber_page.page_number
                if (scan := _scan(plumber_page)) is not None:
                    scans.append(scan)
                    plumber_page.close()
                    continue
                raw_quality = _raw_quality(plumber_page)
                repairs = decode_legacy_chars(plumber_page.chars)
                words = _glyph_words(plumber_page, known)
                if words:
                    glyph_words += words
                    deferred[number] = raw_quality
                else:
                    read[number] = _read(plumber_page, repairs, raw_quality)
                plumber_page.close()
            maps = dict(glyph_maps or {})
            missing = [w for w in glyph_words if w.font not in maps]
            if missing:
                maps.update(rebuild_maps(path, missing, known))
            if glyph_words:
                for number, raw_quality in deferred.items():
                    plumber_page = pdf.pages[number - 1]
                    repairs = decode_legacy_chars(plumber_page.chars)
                    repairs += _glyph_repairs(apply_maps(plumber_page.chars, maps), maps)
                    read[number] = _read(plumber_page, repairs, raw_quality)
                    plumber_page.close()
            unusable = [pdf.pages[n - 1] for n, (page, _) in read.items() if _unusable(page)]
            scans += [_as_scan(p, p.images) for p in unusable]
            read.update(ocr_pdf_pages(path, scans))
        except ExtractionError:
            raise
        except Exception as exc:
            raise ExtractionError(f"damaged PDF, failed on page {len(read) + 1} ({type(exc).__name__}: {exc})") from exc
    if not read:
        raise ExtractionError("PDF has no pages")
    pages = [read[n][0] for n in sorted(read)]
    tables = [t for n in sorted(read) for t in read[n][1]]
    for i, table in enumerate(tables):
        table.table_id = i
    used = {w.font for w in glyph_words}
    return Document(source_path=str(path), kind="pdf", pages=pages, tables=tables,
                    glyph_maps={font: maps[font].as_dict() for font in sorted(used)})


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


def _unusable(page: Page) -> bool:
    """A text layer still mostly unreadable after repair: read the page's image instead.

    >>> _unusable(Page(1, "Tr\ufffd\ufffdng h\ufffdp", "font_repair"))
    True
    >>> _unusable(Page(1, "Trường hợp khảo sát đã được thực hiện \ufffd", "font_repair"))
    False
    """
    letters = sum(ch.isalpha() or ch == UNREADABLE for ch in page.text)
    return letters > 0 and (page.text.count(UNREADABLE) + 4 * len(_CID.findall(page.text))) > UNUSABLE_SHARE * letters


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


def _glyph_words(page: PlumberPage, known: dict[str, set[str]]) -> list[GlyphWord]:
    """Note each font's mapped characters; return the words with glyphs it left unmapped."""
    unmapped = False
    for ch in page.chars:
        if glyph_id(ch["text"]) is None:
            known[ch.get("fontname", "")].add(ch["text"])
        else:
            unmapped = True
    if not unmapped:
        return []
    return unmapped_words(page.extract_words(return_chars=True, extra_attrs=["fontname"]), page.page_number)


def _glyph_repairs(decoded: dict[str, int], maps: dict[str, GlyphMap]) -> list[str]:
    out = []
    for font, count in sorted(decoded.items()):
        glyphs = maps[font]
        mean = sum(glyphs.confidence.values()) / len(glyphs.confidence) if glyphs.confidence else 0.0
        label = (f"font_repair({font.split('+', 1)[-1]}: {len(glyphs.chars)} glyphs rebuilt, "
                 f"{count} characters decoded here, mean confidence {mean:.2f}")
        if glyphs.unresolved:
            label += f", {len(glyphs.unresolved)} unresolved"
        out.append(label + ")")
    return out


def _read(page: PlumberPage, repairs: list[str], raw_quality: float | None) -> tuple[Page, list[Table]]:
    method = METHOD_FONT_REPAIR if any(r.startswith("font_repair") for r in repairs) else METHOD_TEXT
    return _page(page, method, repairs, raw_quality), page_tables(page, method)


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
