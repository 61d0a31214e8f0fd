"""Extractors: one module per source kind, each returning the same Document model.

The kind is decided by the file's first bytes, not its name: a `.pdf` that is really
an HTML page, or a `.docx` that is an old binary `.doc`, gets a clear error instead of
a parser's traceback.
"""
from __future__ import annotations

from pathlib import Path

from core.model import Document
from extractors.sources import MAX_PAGES, SUFFIXES, sniff_kind

__all__ = ["MAX_PAGES", "SUFFIXES", "extract", "sniff_kind"]

def extract(path: str | Path, *, max_pages: int = MAX_PAGES, pages: range | None = None) -> Document:
    """Read any supported file into the Document model; a PDF over `max_pages` pages is refused.

    DOCX has no pages to count, so `max_pages` applies to PDFs only, and so does `pages` (the
    1-based page numbers to read, for a worker given part of a long PDF).
    """
    path = Path(path)
    kind = sniff_kind(path)
    if kind == "pdf":
        from extractors.pdf_recovery import read_pdf

        return read_pdf(path, max_pages=max_pages, pages=pages)
    from extractors.docx import extract_docx_decoded

    return extract_docx_decoded(path)
