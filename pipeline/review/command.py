"""`cchc review`: the rows to review written to a sheet, or a filled sheet's decisions recorded."""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from pipeline.convert.overrides import REVIEW_BELOW, load_overrides, overrides_path, save_overrides
from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK, plain


def add_parser(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "review", help="write the indicator rows the mapper was unsure of to a spreadsheet for an analyst, "
                       "or record the analyst's decisions from it (applied by every later run)")
    cmd.add_argument("out", type=Path, help="output folder of `cchc convert` or `cchc ingest`")
    action = cmd.add_mutually_exclusive_group(required=True)
    action.add_argument("--xlsx", type=Path, help="write the rows to review to this Excel workbook")
    action.add_argument("--csv", type=Path, help="write them to this CSV (UTF-8 with BOM, for Excel)")
    action.add_argument("--apply", type=Path, metavar="FILE",
                        help="record the decisions filled in a review workbook or CSV into the overrides file")
    cmd.add_argument("--below", type=float, default=REVIEW_BELOW, metavar="SCORE",
                     help="also list rows coded with a match score below this (default: %(default)s)")
    cmd.add_argument("--decided", action="store_true", help="also list rows an analyst already decided")
    cmd.add_argument("--overrides", type=Path, default=None, metavar="CSV",
                     help="overrides file to record into (default: <out>/overrides.csv)")


def run(args: argparse.Namespace, console: Console) -> int:
    """Write the sheet to review, or record a filled one's decisions; exit 2 with the reason
    (nothing written) when the folder has no outputs or a decision is not a code."""
    from pipeline.review.sheet import read_decisions, review_table, write_review

    path = overrides_path(args.out, args.overrides)
    try:
        if args.apply is None:
            table = review_table(args.out, args.below, args.decided)
            written = write_review(table, args.xlsx or args.csv)
            if table.empty:
                console.print(f"wrote {plain(written)}: nothing to review, no indicator row is without a code "
                              f"or scored below {args.below:g}")
                return EXIT_OK
            files = table["source_file"].nunique()
            console.print(f"wrote {plain(written)}: {len(table)} rows to review in {files} document(s). Fill in 'decision', "
                          f"then: cchc review {plain(args.out)} --apply {plain(written)}")
            return EXIT_OK
        decisions = read_decisions(args.apply)
        merged, added, changed = load_overrides(path).merge(decisions)
        save_overrides(path, merged)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot review:[/] {plain(exc)}")
        return EXIT_CANNOT_RUN
    console.print(f"recorded {len(decisions)} decisions in {plain(path)} ({added} new, {changed} changed; {len(merged)} in all); "
                  f"the next convert or ingest into {plain(args.out)} applies them")
    return EXIT_OK
