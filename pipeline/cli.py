"""The `cchc` command.

Exit codes: 0 every file converted; 1 the run finished but some files failed (they are
listed, with reasons, and recorded in documents.parquet); 2 the run could not start
(bad arguments, missing input directory).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from normalizers.repair import TONE_STYLES
from pipeline import __version__
from pipeline.runner import Batch, discover, run_batch
from pipeline.writers import write_outputs

EXIT_OK, EXIT_SOME_FAILED, EXIT_CANNOT_RUN = 0, 1, 2
MAX_CHECKS_SHOWN = 10


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cchc", description="Vietnamese CCHC reports (PDF, DOCX) to tidy Parquet.")
    parser.add_argument("--version", action="version", version=f"cchc-extract {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    convert = sub.add_parser("convert", help="convert every report under a directory")
    convert.add_argument("input", type=Path, help="directory (searched recursively) or a single file")
    convert.add_argument("--out", type=Path, required=True, help="output directory for the Parquet files")
    convert.add_argument("--workers", type=int, default=None, help="parallel processes (default: all cores)")
    convert.add_argument("--codebook", default=None, help="codebook name (default: cchc-2021)")
    convert.add_argument("--tone-style", choices=TONE_STYLES, default="keep",
                         help="tone-mark placement in the output text: keep as typed (default), "
                              "old 'hòa, thủy' or new 'hoà, thuỷ'")
    return parser


def _summary(console: Console, batch: Batch, out: Path, seconds: float) -> None:
    docs = [r.document for r in batch.results]
    ok = [d for d in docs if d["status"] == "ok"]
    failed = [d for d in docs if d["status"] != "ok"]
    rows = sum(int(d.get("n_indicators") or 0) for d in ok)
    unmapped = sum(int(d.get("n_unmapped") or 0) for d in ok)
    ocr = sum(int(d.get("pages_ocr") or 0) for d in ok)
    repaired = sum(int(d.get("pages_repaired") or 0) for d in ok)
    checks = [c for r in batch.results for c in r.checks]
    criteria = sum(len(r.criteria) for r in batch.results)
    units = sum(not d["is_total"] for r in batch.results for d in r.dossiers)
    console.print(
        f"[bold]{len(ok)} ok[/], [bold red]{len(failed)} failed or skipped[/] of {len(docs)} files "
        f"in {seconds:.1f} s — {rows} indicator rows, {unmapped} unmapped; {criteria} PAR criteria, "
        f"{units} dossier units; {ocr} scanned pages OCR'd, {repaired} pages repaired; "
        f"[bold]{len(checks)} checks failed[/]; output in {out}"
    )
    if failed:
        table = RichTable("file", "status", "reason", title="Not converted", title_justify="left")
        for d in failed:
            table.add_row(str(d["source_path"]), str(d["status"]), str(d.get("error")))
        console.print(table)
    warned = [d for d in ok if d.get("warnings")]
    if warned:
        table = RichTable("file", "warnings", title="Converted with warnings", title_justify="left")
        for d in warned:
            warnings = str(d["warnings"]).split("; ")
            shown = "; ".join(warnings[:3]) + (f" (+{len(warnings) - 3} more)" if len(warnings) > 3 else "")
            table.add_row(str(d["source_file"]), shown)
        console.print(table)
    if checks:
        table = RichTable("file", "rule", "what disagrees", title="Checks failed (all in checks.parquet)", title_justify="left")
        for c in checks[:MAX_CHECKS_SHOWN]:
            table.add_row(str(c["source_file"]), str(c["rule"]), str(c["message"]))
        if len(checks) > MAX_CHECKS_SHOWN:
            table.add_row("…", "", f"{len(checks) - MAX_CHECKS_SHOWN} more")
        console.print(table)
    if batch.ignored:
        console.print(f"{len(batch.ignored)} other files ignored (not .pdf/.docx), e.g. {batch.ignored[0]}")


def convert(args: argparse.Namespace, console: Console) -> int:
    if not args.input.exists():
        console.print(f"[red]input not found:[/] {args.input}")
        return EXIT_CANNOT_RUN
    total = len(discover(args.input)[0])
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"), console=console, transient=False,
    ) as progress:
        task = progress.add_task("converting", total=total, last="")
        batch = run_batch(
            args.input, args.workers, args.codebook,
            on_done=lambda r: progress.update(task, advance=1, last=f"{r.document['source_file']}: {r.document['status']}"),
            tone_style=args.tone_style,
        )
    write_outputs(batch.records(), args.out)
    _summary(console, batch, args.out, time.perf_counter() - started)
    return EXIT_OK if all(r.ok for r in batch.results) else EXIT_SOME_FAILED


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=True)
    return convert(args, console)


if __name__ == "__main__":
    sys.exit(main())
