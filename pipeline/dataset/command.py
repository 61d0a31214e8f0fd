"""`cchc export`: a convert or ingest output folder as an Excel workbook."""
from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from rich.console import Console

from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK, plain


def add_parser(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("export", help="write a convert or ingest output folder to an Excel workbook, one sheet per table")
    cmd.add_argument("out", type=Path, help="output folder of `cchc convert` or `cchc ingest`")
    cmd.add_argument("--xlsx", type=Path, help="workbook of the tables to write (replaced atomically)")
    cmd.add_argument("--tables", type=_names, default=None,
                     metavar="T1,T2", help="tables to export, comma-separated (default: every table present)")
    cmd.add_argument("--documents", action="store_true", help="add each row's document metadata columns")
    cmd.add_argument("--panel", type=Path, help="workbook of the panel to write: one row per unit and period, one "
                     "column per code (sheet panel), each value's source (values), disagreeing documents (conflicts)")
    cmd.add_argument("--codes", type=_names, default=None, metavar="C1,C2",
                     help="codes of the panel, comma-separated (default: every code found)")


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def run(args: argparse.Namespace, console: Console) -> int:
    """Exit 2, with the reason, when neither workbook is asked for, the folder has no outputs, a
    table or code is unknown or missing, or a table does not fit in a sheet; nothing is written then."""
    from pipeline.dataset.export import export_panel, export_xlsx  # pandas and openpyxl only for this command
    from pipeline.dataset.panel import PanelWarning

    if not args.xlsx and not args.panel:
        console.print("[red]cannot export:[/] say which workbook to write: --xlsx FILE (the tables), --panel FILE, or both")
        return EXIT_CANNOT_RUN
    jobs = [lambda: export_xlsx(args.out, args.xlsx, args.tables, args.documents)] if args.xlsx else []
    jobs += [lambda: export_panel(args.out, args.panel, args.codes)] if args.panel else []
    for job in jobs:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", PanelWarning)
                result = job()
        except (OSError, ValueError) as exc:
            console.print(f"[red]cannot export:[/] {plain(exc)}")
            return EXIT_CANNOT_RUN
        for warning in [*result.warnings, *(str(w.message) for w in caught if w.category is PanelWarning)]:
            console.print(f"[yellow]warning:[/] {plain(warning)}")
        sheets = ", ".join(f"{plain(table)} ({rows:,} rows)" for table, rows in result.rows.items())
        console.print(f"wrote {plain(result.path)}: {sheets}")
    return EXIT_OK
