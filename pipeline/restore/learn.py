"""More training text for the restorer: the clean pages of reports already converted.

An analyst's own reports share their issuers' wording, place names and abbreviations, so
their text makes the language model better on the next damaged copy from the same source.
Only text read as characters (a PDF text layer, Word, a repaired font) is learnt from, and
only its lines that read as intact Vietnamese (`restore_model.learnable_lines`): OCR'd pages
can hold misreadings that still look like words.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from normalizers.restore_model import learnable_lines
from normalizers.syllable_lm import Counts
from pipeline.dataset.loading import load

LEARN_METHODS = ("text", "docx", "font_repair")


def learned_counts(out_dirs: Iterable[Path]) -> tuple[Counts, int]:
    """Counts from the learnable lines of every `text` table under `out_dirs`, and how many lines."""
    counts = Counts()
    n = 0
    for out in out_dirs:
        pages = load(out, "text")
        for text in pages.loc[pages["method"].isin(LEARN_METHODS), "text"].dropna():
            lines = learnable_lines(text)
            counts.add_lines(lines)
            n += len(lines)
    return counts, n
