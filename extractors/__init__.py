"""Extractors: one module per source kind, each returning the same Document model.

The kind is decided by the file's first bytes, not its name: a `.pdf` that is really
an HTML page, or a `.docx` that is an old binary `.doc`, gets a clear error instead of
a parser's traceback.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from extractors.errors import ExtractionError
from extractors.model import Document

SUFFIXES = {".pdf": "pdf", ".docx": "docx"}
# A PDF with more pages is refused before any page is read: a report runs to tens of pages,
# thousands mean a wrong file or a hostile one.  Defined here, not in `extractors.pdf`
# (which re-exports it), so `import extractors` stays free of the PDF stack.
MAX_PAGES = 1000
_OLE = b"\xd0\xcf\x11\xe0"


def sniff_kind(path: Path) -> str:
    """'pdf' or 'docx' from the content; raises ExtractionError naming what the file is."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        raise ExtractionError("empty file (0 bytes)")
    if b"%PDF-" in head:
        return "pdf"
    if head.startswith(b"PK") and zipfile.is_zipfile(path):
        return "docx"
    if head.startswith(_OLE):
        raise ExtractionError("old binary Word/OLE file (.doc): save it as .docx")
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise ExtractionError(f"an HTML page, not a {path.suffix or 'document'} file")
    raise ExtractionError(f"not a PDF or DOCX file (starts with {head[:8]!r})")


def extract(path: str | Path, *, max_pages: int = MAX_PAGES) -> Document:
    """Read any supported file into the Document model; a PDF over `max_pages` pages is refused.

    DOCX has no pages to count, so `max_pages` applies to PDFs only.
    """
    path = Path(path)
    kind = sniff_kind(path)
    if kind == "pdf":
        from extractors.pdf import extract_pdf

        return extract_pdf(path, max_pages=max_pages)
    from extractors.docx import extract_docx_decoded

    return extract_docx_decoded(path)
