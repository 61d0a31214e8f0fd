"""What every `cchc` command shares on the terminal: its exit codes and its progress bar.

Exit codes: 0 every file converted (for ingest: every file this run processed, which may
be none); 1 the run finished but some files failed (they are listed, with reasons, and
recorded in documents.parquet and the ledger); 2 the run could not proceed (bad
arguments, missing input, unreadable ledger, unreachable Dask scheduler); 3 another ingest
holds the output folder's lock (nothing was done; try again later or pass --wait).
"""
from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

EXIT_OK, EXIT_SOME_FAILED, EXIT_CANNOT_RUN, EXIT_BUSY = 0, 1, 2, 3


def file_progress(console: Console) -> Progress:
    """A bar counting files, with the last file's name and status beside it."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"), console=console, transient=False,
    )
