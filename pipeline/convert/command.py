"""`cchc convert`: every report under a folder into `<out>/*.parquet`, with a summary."""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table as RichTable

from normalizers.repair import TONE_STYLES
from pipeline.convert.executors import LocalExecutor
from pipeline.convert.guard import Limits
from pipeline.convert.overrides import run_overrides
from pipeline.convert.process import FileResult, Record
from pipeline.convert.runner import convert_files, discover, file_options
from pipeline.dataset.writers import Spool
from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK, EXIT_SOME_FAILED, file_progress, plain

MAX_CHECKS_SHOWN = 10


def options() -> argparse.ArgumentParser:
    """The options of a run over reports, shared with `cchc ingest`."""
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
    return common


def add_parser(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("convert", parents=[options()], help="convert every report under a directory into <out>/*.parquet")


@dataclass
class Tally:
    """What the summary needs of a run, gathered as documents finish: their documents rows
    and checks (small), counts of the rest, so the rows themselves need not stay in memory."""

    ignored: list[Path]
    documents: dict[int, Record] = field(default_factory=dict)
    checks: dict[int, list[Record]] = field(default_factory=dict)
    criteria: int = 0
    units: int = 0

    def add(self, position: int, result: FileResult) -> None:
        self.documents[position] = result.document
        self.checks[position] = result.checks
        self.criteria += len(result.criteria)
        self.units += sum(not d["is_total"] for d in result.dossiers)


def run(args: argparse.Namespace, console: Console) -> int:
    if not args.input.exists():
        console.print(f"[red]input not found:[/] {plain(args.input)}")
        return EXIT_CANNOT_RUN
    try:
        overrides, overrides_path = run_overrides(args.out, args.overrides)
    except ValueError as exc:
        console.print(f"[red]cannot run:[/] {plain(exc)}")
        return EXIT_CANNOT_RUN
    files, ignored = discover(args.input)
    options = file_options(args.codebook, args.tone_style, args.max_pages)
    limits = Limits(args.time_limit, args.memory_limit)
    tally = Tally(ignored)
    started = time.perf_counter()
    with Spool(args.out) as spool:
        with file_progress(console) as progress:
            task = progress.add_task("converting", total=len(files), last="")
            for position, result in convert_files(files, options, limits, LocalExecutor(args.workers), overrides):
                spool.add(position, result.rows())
                tally.add(position, result)
                progress.update(task, advance=1, last=plain(f"{result.document['source_file']}: {result.document['status']}"))
        spool.write()
    _summary(console, tally, args.out, time.perf_counter() - started)
    if len(overrides):
        applied = sum(int(d.get("n_overrides") or 0) for d in tally.documents.values())
        console.print(f"overrides: {applied} rows coded as decided in {plain(overrides_path)} ({len(overrides)} decisions)")
    return EXIT_OK if all(d["status"] == "ok" for d in tally.documents.values()) else EXIT_SOME_FAILED


def _summary(console: Console, tally: Tally, out: Path, seconds: float) -> None:
    docs = [tally.documents[i] for i in sorted(tally.documents)]
    ok = [d for d in docs if d["status"] == "ok"]
    failed = [d for d in docs if d["status"] != "ok"]
    rows = sum(int(d.get("n_indicators") or 0) for d in ok)
    unmapped = sum(int(d.get("n_unmapped") or 0) for d in ok)
    ocr = sum(int(d.get("pages_ocr") or 0) for d in ok)
    repaired = sum(int(d.get("pages_repaired") or 0) for d in ok)
    checks = [c for i in sorted(tally.checks) for c in tally.checks[i]]
    criteria, units = tally.criteria, tally.units
    console.print(
        f"[bold]{len(ok)} ok[/], [bold red]{len(failed)} failed or skipped[/] of {len(docs)} files "
        f"in {seconds:.1f} s — {rows} indicator rows, {unmapped} unmapped; {criteria} PAR criteria, "
        f"{units} dossier units; {ocr} scanned pages OCR'd, {repaired} pages repaired; "
        f"[bold]{len(checks)} checks failed[/]; output in {plain(out)}"
    )
    if failed:
        table = RichTable("file", "status", "reason", title="Not converted", title_justify="left")
        for d in failed:
            table.add_row(plain(d["source_path"]), plain(d["status"]), plain(d.get("error")))
        console.print(table)
    warned = [d for d in ok if d.get("warnings")]
    if warned:
        table = RichTable("file", "warnings", title="Converted with warnings", title_justify="left")
        for d in warned:
            warnings = str(d["warnings"]).split("; ")
            shown = "; ".join(warnings[:3]) + (f" (+{len(warnings) - 3} more)" if len(warnings) > 3 else "")
            table.add_row(plain(d["source_file"]), plain(shown))
        console.print(table)
    if checks:
        table = RichTable("file", "rule", "what disagrees", title="Checks failed (all in checks.parquet)", title_justify="left")
        for c in checks[:MAX_CHECKS_SHOWN]:
            table.add_row(plain(c["source_file"]), plain(c["rule"]), plain(c["message"]))
        if len(checks) > MAX_CHECKS_SHOWN:
            table.add_row("…", "", f"{len(checks) - MAX_CHECKS_SHOWN} more")
        console.print(table)
    if tally.ignored:
        console.print(f"{len(tally.ignored)} other files ignored (not .pdf/.docx), e.g. {plain(tally.ignored[0])}")
