"""`cchc ingest`: the scheduled form, with a progress bar for people or JSON lines for a log collector."""
from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.table import Table as RichTable

from pipeline import __version__
from pipeline.convert import command as convert_command
from pipeline.convert.executors import DaskExecutor, Executor, LocalExecutor
from pipeline.convert.guard import Limits
from pipeline.convert.overrides import run_overrides
from pipeline.convert.runner import file_options
from pipeline.ingest.lock import Busy
from pipeline.ingest.run import Report, ingest
from pipeline.terminal import EXIT_BUSY, EXIT_CANNOT_RUN, EXIT_OK, EXIT_SOME_FAILED, file_progress, plain


def add_parser(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "ingest", parents=[convert_command.options()],
        help="process only new or changed files into <out>/current/<table>/, keeping a ledger (for scheduled runs)")
    cmd.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                     help="run documents on a Dask distributed cluster (workers must see the input paths)")
    cmd.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                     help="if another ingest holds the output folder, wait this long for it (default: exit 3 at once)")
    cmd.add_argument("--retry-failed", action="store_true", help="process again files that failed before, unchanged")
    cmd.add_argument("--rehash", action="store_true",
                     help="hash every file, even those whose size and modification time match the ledger")
    cmd.add_argument("--prune", action="store_true", help="drop the rows of files no longer in the input folder")
    cmd.add_argument("--log-json", action="store_true", help="log one JSON object per event on stderr, no progress bar")


class JsonLog:
    """One JSON object per line: what a scheduler's log collector wants."""

    def __call__(self, event: str, **fields: object) -> None:
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        sys.stderr.write(json.dumps({"ts": stamp, "event": event, **fields}, ensure_ascii=False, default=str) + "\n")
        sys.stderr.flush()

    def capture_logging(self) -> None:
        """Route the libraries' log records into this log as `log` events: Dask writes plain
        text to stderr (\"Couldn't gather 1 keys, rescheduling\" when it loses a worker),
        which would break a collector reading one JSON object per line."""
        handler = _LogEvents(self)
        root = logging.getLogger()
        loggers = [root, *(lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger))]
        for logger in loggers:
            streams = [h for h in logger.handlers if type(h) is logging.StreamHandler]
            for h in streams:
                logger.removeHandler(h)
            if logger is root or (streams and not logger.propagate):  # a propagating one reaches root's
                logger.addHandler(handler)


class _LogEvents(logging.Handler):
    def __init__(self, log: JsonLog) -> None:
        super().__init__()
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log("log", level=record.levelname.lower(), logger=record.name, message=record.getMessage())


def _executor(args: argparse.Namespace) -> Executor:
    return DaskExecutor(args.scheduler) if args.scheduler else LocalExecutor(args.workers)


def run(args: argparse.Namespace, console: Console) -> int:
    log = JsonLog() if args.log_json else None
    started = time.perf_counter()

    def cannot_run(why: str) -> int:
        if log:
            log("error", message=why, exit_code=EXIT_CANNOT_RUN)
        else:
            console.print(f"[red]cannot run:[/] {plain(why)}")
        return EXIT_CANNOT_RUN

    if not args.input.exists():
        return cannot_run(f"input not found: {args.input}")
    try:
        overrides = run_overrides(args.out, args.overrides)[0]
    except ValueError as exc:
        return cannot_run(str(exc))
    try:
        executor = _executor(args)
    except (OSError, TimeoutError, ImportError) as exc:
        return cannot_run(f"no Dask scheduler at {args.scheduler} ({type(exc).__name__}: {exc})")
    if log:
        log.capture_logging()
    progress = None if log else file_progress(console)
    task = None

    def on_event(event: str, **fields: object) -> None:
        nonlocal task
        if log:
            log(event, **fields)
        elif progress is not None and event == "plan":
            console.print(f"{fields['files']} files: {fields['to_process']} to process, {fields['unchanged']} unchanged")
            task = progress.add_task("ingesting", total=fields["to_process"], last="")
        elif progress is not None and event == "file" and task is not None:
            progress.update(task, advance=1, last=plain(f"{fields['path']}: {fields['status']}"))

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
            console.print(f"[yellow]not run:[/] {plain(exc)}")
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
        f"{report.unchanged} unchanged of {report.seen} files in {seconds:.1f} s; {published}: {plain(out / 'current')}"
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
            table.add_row(plain(p.path), plain(p.status), plain(p.error))
        console.print(table)
