"""`cchc export`: a convert or ingest output folder as an Excel workbook."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK, plain


def add_parser(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("export", help="write a convert or ingest output folder to an Excel workbook, one sheet per table")
    cmd.add_argument("out", type=Path, help="output folder of `cchc convert` or `cchc ingest`")
    cmd.add_argument("--xlsx", type=Path, required=True, help="workbook to write (replaced atomically)")
    cmd.add_argument("--tables", type=lambda s: [t.strip() for t in s.split(",") if t.strip()], default=None,
                     metavar="T1,T2", help="tables to export, comma-separated (default: every table present)")
    cmd.add_argument("--documents", action="store_true", help="add each row's document metadata columns")


def run(args: argparse.Namespace, console: Console) -> int:
    """Exit 2, with the reason, when the folder has no outputs, a table is unknown or missing,
    or one does not fit in a sheet; nothing is written then."""
    from pipeline.dataset.export import export_xlsx  # pandas and openpyxl only for this command

    try:
        result = export_xlsx(args.out, args.xlsx, args.tables, args.documents)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot export:[/] {plain(exc)}")
        return EXIT_CANNOT_RUN
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {plain(warning)}")
    sheets = ", ".join(f"{plain(table)} ({rows:,} rows)" for table, rows in result.rows.items())
    console.print(f"wrote {plain(result.path)}: {sheets}")
    return EXIT_OK
