"""What every `cchc` command shares on the terminal: its exit codes, its progress bar, and
printing text taken from files as plain text.

Exit codes: 0 every file converted (for ingest: every file this run processed, which may
be none); 1 the run finished but some files failed (they are listed, with reasons, and
recorded in documents.parquet and the ledger); 2 the run could not proceed (bad
arguments, missing input, unreadable ledger, unreachable Dask scheduler); 3 another ingest
holds the output folder's lock (nothing was done; try again later or pass --wait).
"""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

EXIT_OK, EXIT_SOME_FAILED, EXIT_CANNOT_RUN, EXIT_BUSY = 0, 1, 2, 3
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}


def plain(value: object) -> str:
    """Text from a file or a user (a reason, a file name, a label, a path) as plain text in
    rich markup: brackets escaped, so "[/'PDF', /'Text']" prints as itself instead of raising
    MarkupError, and control characters shown as escapes, so a name cannot break a table
    row or move the cursor.  Every command passes such text through here.

    >>> print(plain("[/'PDF', /'Text'] in [bold]a.pdf"))
    \\[/'PDF', /'Text'] in \\[bold]a.pdf
    >>> print(plain("tab\\tthere"))
    tab\\x09there
    """
    return escape(str(value).translate(_CONTROLS))


def file_progress(console: Console) -> Progress:
    """A bar counting files, with the last file's name and status beside it."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"), console=console, transient=False,
    )
