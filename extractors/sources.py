"""What a source file is, judged by its first bytes rather than its name, and how big a
PDF may be before it is refused unread.

Kept apart from `extractors.__init__` (which dispatches to the PDF and Word extractors) so
that those extractors can read the limits without importing their own dispatcher.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from extractors.errors import ExtractionError

SUFFIXES = {".pdf": "pdf", ".docx": "docx"}
# A PDF with more pages is refused before any page is read: a report runs to tens of pages,
# thousands mean a wrong file or a hostile one.  Defined here, not in `extractors.pdf`,
# so `import extractors` stays free of the PDF stack.
MAX_PAGES = 1000
_OLE = b"\xd0\xcf\x11\xe0"
_PDF_OBJECT = re.compile(rb"\n\d+ \d+ obj\s*<<")


def sniff_kind(path: Path) -> str:
    """'pdf' or 'docx' from the content; raises ExtractionError naming what the file is."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        raise ExtractionError("empty file (0 bytes)")
    if b"%PDF-" in head or _PDF_OBJECT.search(head):
        return "pdf"  # a damaged header, but PDF objects: qpdf may mend it
    if head.startswith(b"PK\x03\x04") or (head.startswith(b"PK") and zipfile.is_zipfile(path)):
        return "docx"  # a zip, whole or not: the Word reader says what is wrong with a damaged one
    if head.startswith(_OLE):
        raise ExtractionError("old binary Word/OLE file (.doc): save it as .docx")
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise ExtractionError(f"an HTML page, not a {path.suffix or 'document'} file")
    raise ExtractionError(f"not a PDF or DOCX file (starts with {head[:8]!r})")
