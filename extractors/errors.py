"""Errors an extractor raises for input it cannot read; the pipeline records them as failures.

A failure's reason is one short line a person reads (`documents.error`); what the library
that gave up said goes to `documents.error_detail`, through the exception's ``__cause__``.
Whether an exception is the file's damage or a bug here is told by where it was raised: in
a parser (pdfminer, qpdf, zipfile, lxml …) it is the file's, in this project's own code it
is ours, and is reported as an internal error to fix.
"""
from __future__ import annotations

import traceback
from pathlib import Path

_OURS = tuple(str(Path(__file__).resolve().parents[1] / package) + "/" for package in
              ("core", "extractors", "normalizers", "pipeline"))


class ExtractionError(Exception):
    """The file cannot be read as the kind it claims to be; the message says why, for a person."""


def raised_here(exc: BaseException) -> bool:
    """Whether the innermost frame of `exc`'s traceback is in this project's code (a bug),
    rather than in a library that gave up on the file."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(_OURS)


def out_of_memory(exc: BaseException | None) -> bool:
    """Whether a MemoryError lies under `exc`: a reader that wraps what its library raised
    would otherwise report the worker's memory limit as damage in the file."""
    while exc is not None:
        if isinstance(exc, MemoryError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def shown(name: str, limit: int = 60) -> str:
    """A name taken from a file (a zip member, a font), printable and short, for a reason.

    >>> shown("word/document.xml")
    'word/document.xml'
    >>> shown("Báo cáo\\n" + "x" * 100, 14)
    'Báo cáo\\\\nxxxx…'
    """
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in name)
    return text if len(text) <= limit else text[: limit - 1] + "…"
