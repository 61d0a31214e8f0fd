"""The `cchc` command: `convert` a folder once, or `ingest` it incrementally.

Exit codes: 0 every file converted (for ingest: every file this run processed, which may
be none); 1 the run finished but some files failed (they are listed, with reasons, and
recorded in documents.parquet and the ledger); 2 the run could not proceed (bad
arguments, missing input, unreadable ledger, unreachable Dask scheduler); 3 another ingest
holds the output folder's lock (nothing was done; try again later or pass --wait).
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from normalizers.repair import TONE_STYLES
from pipeline import __version__
from pipeline.executors import DaskExecutor, Executor, LocalExecutor
from pipeline.guard import Limits
from pipeline.ingest import Report, ingest
from pipeline.lock import Busy
from pipeline.overrides import OVERRIDES_FILE, REVIEW_BELOW, Overrides, load_overrides, save_overrides
from pipeline.runner import Batch, discover, file_options, run_batch
from pipeline.writers import write_outputs

EXIT_OK, EXIT_SOME_FAILED, EXIT_CANNOT_RUN, EXIT_BUSY = 0, 1, 2, 3
MAX_CHECKS_SHOWN = 10


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cchc", description="Vietnamese CCHC reports (PDF, DOCX) to tidy Parquet.")
    parser.add_argument("--version", action="version", version=f"cchc-extract {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("input", type=Path, help="directory (searched recursively) or a single file")
    common.add_argument("--out", type=Path, required=True, help="output directory")
    common.add_argument("--workers", type=int, default=None, help="documents processed at once (default: all cores)")
    common.add_argument("--codebook", default=None, help="codebook name (default: cchc-2021)")
    common.add_argument("--tone-style", choices=TONE_STYLES, default="keep",
                        help="tone-mark placement in the output text: keep as typed (default), "
                             "old 'hòa, thủy' or new 'hoà, thuỷ'")
    common.add_argument("--time-limit", type=float, default=Limits.seconds, metavar="SECONDS",
                        help="stop a document after this long and record it as failed (default: %(default)s)")
    common.add_argument("--memory-limit", type=int, default=Limits.memory_mb, metavar="MB",
                        help="resident memory a document may use, its OCR processes included (default: %(default)s)")
    common.add_argument("--max-pages", type=int, default=None,
                        help="fail PDFs with more pages than this, unread (default: 1000)")
    common.add_argument("--overrides", type=Path, default=None, metavar="CSV",
                        help="an analyst's code decisions to apply (default: <out>/overrides.csv, if any; see `cchc review`)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("convert", parents=[common], help="convert every report under a directory into <out>/*.parquet")
    ingest_cmd = sub.add_parser(
        "ingest", parents=[common],
        help="process only new or changed files into <out>/current/<table>/, keeping a ledger (for scheduled runs)")
    ingest_cmd.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                            help="run documents on a Dask distributed cluster (workers must see the input paths)")
    ingest_cmd.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                            help="if another ingest holds the output folder, wait this long for it (default: exit 3 at once)")
    ingest_cmd.add_argument("--retry-failed", action="store_true", help="process again files that failed before, unchanged")
    ingest_cmd.add_argument("--rehash", action="store_true",
                            help="hash every file, even those whose size and modification time match the ledger")
    ingest_cmd.add_argument("--prune", action="store_true", help="drop the rows of files no longer in the input folder")
    ingest_cmd.add_argument("--log-json", action="store_true", help="log one JSON object per event on stderr, no progress bar")
    export_cmd = sub.add_parser("export", help="write a convert or ingest output folder to an Excel workbook, one sheet per table")
    export_cmd.add_argument("out", type=Path, help="output folder of `cchc convert` or `cchc ingest`")
    export_cmd.add_argument("--xlsx", type=Path, required=True, help="workbook to write (replaced atomically)")
    export_cmd.add_argument("--tables", type=lambda s: [t.strip() for t in s.split(",") if t.strip()], default=None,
                            metavar="T1,T2", help="tables to export, comma-separated (default: every table present)")
    export_cmd.add_argument("--documents", action="store_true", help="add each row's document metadata columns")
    review_cmd = sub.add_parser(
        "review", help="write the indicator rows the mapper was unsure of to a spreadsheet for an analyst, "
                       "or record the analyst's decisions from it (applied by every later run)")
    review_cmd.add_argument("out", type=Path, help="output folder of `cchc convert` or `cchc ingest`")
    action = review_cmd.add_mutually_exclusive_group(required=True)
    action.add_argument("--xlsx", type=Path, help="write the rows to review to this Excel workbook")
    action.add_argument("--csv", type=Path, help="write them to this CSV (UTF-8 with BOM, for Excel)")
    action.add_argument("--apply", type=Path, metavar="FILE",
                        help="record the decisions filled in a review workbook or CSV into the overrides file")
    review_cmd.add_argument("--below", type=float, default=REVIEW_BELOW, metavar="SCORE",
                            help="also list rows coded with a match score below this (default: %(default)s)")
    review_cmd.add_argument("--decided", action="store_true", help="also list rows an analyst already decided")
    review_cmd.add_argument("--overrides", type=Path, default=None, metavar="CSV",
                            help="overrides file to record into (default: <out>/overrides.csv)")
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
    try:
        overrides, overrides_path = _overrides(args)
    except ValueError as exc:
        console.print(f"[red]cannot run:[/] {exc}")
        return EXIT_CANNOT_RUN
    total = len(discover(args.input)[0])
    limits = Limits(args.time_limit, args.memory_limit)
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"), console=console, transient=False,
    ) as progress:
        task = progress.add_task("converting", total=total, last="")
        batch = run_batch(
            args.input, args.workers, args.codebook,
            on_done=lambda r: progress.update(task, advance=1, last=f"{r.document['source_file']}: {r.document['status']}"),
            tone_style=args.tone_style, limits=limits, max_pages=args.max_pages, overrides=overrides,
        )
    write_outputs(batch.records(), args.out)
    _summary(console, batch, args.out, time.perf_counter() - started)
    if len(overrides):
        applied = sum(int(r.document.get("n_overrides") or 0) for r in batch.results)
        console.print(f"overrides: {applied} rows coded as decided in {overrides_path} ({len(overrides)} decisions)")
    return EXIT_OK if all(r.ok for r in batch.results) else EXIT_SOME_FAILED


class JsonLog:
    """One JSON object per line: what a scheduler's log collector wants."""

    def __call__(self, event: str, **fields: object) -> None:
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        sys.stderr.write(json.dumps({"ts": stamp, "event": event, **fields}, ensure_ascii=False, default=str) + "\n")
        sys.stderr.flush()


def _overrides_path(args: argparse.Namespace) -> Path:
    return args.overrides or args.out / OVERRIDES_FILE


def _overrides(args: argparse.Namespace) -> tuple[Overrides, Path]:
    """The decisions this run applies; ValueError names a malformed line."""
    path = _overrides_path(args)
    if args.overrides and not path.is_file():
        raise ValueError(f"overrides file not found: {path}")
    return load_overrides(path), path


def _executor(args: argparse.Namespace) -> Executor:
    return DaskExecutor(args.scheduler) if args.scheduler else LocalExecutor(args.workers)


def ingest_command(args: argparse.Namespace, console: Console) -> int:
    log = JsonLog() if args.log_json else None
    started = time.perf_counter()

    def cannot_run(why: str) -> int:
        if log:
            log("error", message=why, exit_code=EXIT_CANNOT_RUN)
        else:
            console.print(f"[red]cannot run:[/] {why}")
        return EXIT_CANNOT_RUN

    if not args.input.exists():
        return cannot_run(f"input not found: {args.input}")
    try:
        overrides = _overrides(args)[0]
    except ValueError as exc:
        return cannot_run(str(exc))
    try:
        executor = _executor(args)
    except (OSError, TimeoutError, ImportError) as exc:
        return cannot_run(f"no Dask scheduler at {args.scheduler} ({type(exc).__name__}: {exc})")
    progress = None if log else Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"), console=console, transient=False,
    )
    task = None

    def on_event(event: str, **fields: object) -> None:
        nonlocal task
        if log:
            log(event, **fields)
        elif progress is not None and event == "plan":
            console.print(f"{fields['files']} files: {fields['to_process']} to process, {fields['unchanged']} unchanged")
            task = progress.add_task("ingesting", total=fields["to_process"], last="")
        elif progress is not None and event == "file" and task is not None:
            progress.update(task, advance=1, last=f"{fields['path']}: {fields['status']}")

    if log:
        log("start", input=str(args.input), out=str(args.out), version=__version__)
    try:
        if progress is not None:
            progress.start()
        report = ingest(args.input, args.out, file_options(args.codebook, args.tone_style, args.max_pages),
                        Limits(args.time_limit, args.memory_limit), executor, wait=args.wait,
                        retry_failed=args.retry_failed, rehash=args.rehash, prune=args.prune, overrides=overrides,
                        on_event=on_event)
    except Busy as exc:
        if log:
            log("busy", message=str(exc), exit_code=EXIT_BUSY)
        else:
            console.print(f"[yellow]not run:[/] {exc}")
        return EXIT_BUSY
    except (OSError, sqlite3.Error) as exc:
        return cannot_run(f"{type(exc).__name__}: {exc}")
    finally:
        if progress is not None:
            progress.stop()
        if isinstance(executor, DaskExecutor):
            executor.close()
    code = EXIT_SOME_FAILED if report.failed else EXIT_OK
    seconds = round(time.perf_counter() - started, 2)
    if log:
        log("end", processed=len(report.processed), failed=len(report.failed), unchanged=report.unchanged,
            missing=report.missing, removed=report.removed, overrides_applied=report.overrides_applied,
            recoded=report.recoded, generation=report.generation,
            published=report.published, seconds=seconds, exit_code=code)
    else:
        _ingest_summary(console, report, args.out, seconds)
    return code


def _ingest_summary(console: Console, report: Report, out: Path, seconds: float) -> None:
    published = f"generation {report.generation} published" if report.published else "outputs unchanged"
    console.print(
        f"[bold]{len(report.processed) - len(report.failed)} processed[/], [bold red]{len(report.failed)} failed[/], "
        f"{report.unchanged} unchanged of {report.seen} files in {seconds:.1f} s; {published}: {out / 'current'}"
    )
    if report.overrides_applied or report.recoded:
        console.print(f"overrides: {report.overrides_applied} rows coded as decided in the documents processed or "
                      f"re-coded; {report.recoded} unchanged documents re-coded without extraction")
    if report.missing:
        action = "their rows dropped (--prune)" if report.removed else "their rows kept (--prune drops them)"
        console.print(f"{report.missing} files in the ledger are no longer in the input folder; {action}")
    if report.failed:
        table = RichTable("file", "status", "reason", title="Not converted (also in ledger.sqlite)", title_justify="left")
        for p in report.failed:
            table.add_row(p.path, p.status, str(p.error))
        console.print(table)


def export_command(args: argparse.Namespace, console: Console) -> int:
    """Exit 2, with the reason, when the folder has no outputs, a table is unknown or missing,
    or one does not fit in a sheet; nothing is written then."""
    from pipeline.export import export_xlsx  # pandas and openpyxl only for this command

    try:
        result = export_xlsx(args.out, args.xlsx, args.tables, args.documents)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot export:[/] {exc}")
        return EXIT_CANNOT_RUN
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    sheets = ", ".join(f"{table} ({rows:,} rows)" for table, rows in result.rows.items())
    console.print(f"wrote {result.path}: {sheets}")
    return EXIT_OK


def review_command(args: argparse.Namespace, console: Console) -> int:
    """Write the sheet to review, or record a filled one's decisions; exit 2 with the reason
    (nothing written) when the folder has no outputs or a decision is not a code."""
    from pipeline.review import read_decisions, review_table, write_review

    path = _overrides_path(args)
    try:
        if args.apply is None:
            table = review_table(args.out, args.below, args.decided)
            written = write_review(table, args.xlsx or args.csv)
            if table.empty:
                console.print(f"wrote {written}: nothing to review, no indicator row is without a code or scored below {args.below:g}")
                return EXIT_OK
            files = table["source_file"].nunique()
            console.print(f"wrote {written}: {len(table)} rows to review in {files} document(s). Fill in 'decision', "
                          f"then: cchc review {args.out} --apply {written}")
            return EXIT_OK
        decisions = read_decisions(args.apply)
        merged, added, changed = load_overrides(path).merge(decisions)
        save_overrides(path, merged)
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot review:[/] {exc}")
        return EXIT_CANNOT_RUN
    console.print(f"recorded {len(decisions)} decisions in {path} ({added} new, {changed} changed; {len(merged)} in all); "
                  f"the next convert or ingest into {args.out} applies them")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=True)
    if args.command == "export":
        return export_command(args, console)
    if args.command == "review":
        return review_command(args, console)
    return ingest_command(args, console) if args.command == "ingest" else convert(args, console)


if __name__ == "__main__":
    sys.exit(main())
