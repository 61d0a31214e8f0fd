"""`cchc repair-text FILE... --out PATH`: text whose glyphs were lost, restored from the text alone."""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table as RichTable

from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK, EXIT_SOME_FAILED

if TYPE_CHECKING:
    from normalizers.restore import Restored
    from normalizers.syllable_lm import SyllableLM

EXPLAIN_WORDS = 15
EXPLAIN_LINES = 20


def add_parser(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "repair-text", help="restore the glyphs lost from text copied out of a PDF whose fonts lack a ToUnicode map "
                            "(\"huy n\" → \"huyện\"), from the text alone")
    cmd.add_argument("files", nargs="+", type=Path, metavar="FILE", help="UTF-8 text files")
    cmd.add_argument("--out", type=Path, required=True,
                     help="output file (one input) or folder (several inputs, or an existing folder): one line per input line")
    cmd.add_argument("--explain", action="store_true", help="print the glyph map inferred for each file, and its unsure lines")
    cmd.add_argument("--learn", type=Path, action="append", default=[], metavar="OUT_DIR",
                     help="also learn from the clean text of reports converted into OUT_DIR (`cchc convert`/`ingest`); repeatable")


@dataclass(frozen=True)
class FileReport:
    """One input's outcome: where it went, or why it could not be restored."""

    source: Path
    target: Path | None = None
    error: str | None = None
    lines: int = 0
    changed: int = 0
    glyphs: int = 0
    before: float | None = None
    after: float | None = None
    unsure: tuple[int, ...] = ()


def run(args: argparse.Namespace, console: Console) -> int:
    """Exit 0 when every file was restored, 1 when some could not be read (listed with the
    reason; the others are written), 2 when the run cannot start (a missing input, two inputs
    of one name, an output that would replace its input, an unreadable --learn folder)."""
    from normalizers.restore import restore_text
    from normalizers.restore_model import default_lm
    from pipeline.restore.files import BadText, read_text, targets, write_text

    missing = [str(p) for p in args.files if not p.is_file()]
    if missing:
        console.print(f"[red]input not found (or not a file):[/] {', '.join(missing)}")
        return EXIT_CANNOT_RUN
    try:
        mapping = targets(args.files, args.out)
        lm = _model(args.learn, console) if args.learn else default_lm()
    except (OSError, ValueError) as exc:
        console.print(f"[red]cannot run:[/] {exc}")
        return EXIT_CANNOT_RUN
    reports = []
    for source, target in mapping.items():
        try:
            text = read_text(source)
        except (BadText, OSError) as exc:
            reports.append(FileReport(source, error=str(exc)))
            continue
        restored = restore_text(text, lm)
        try:
            write_text(target, restored.text)
        except OSError as exc:
            reports.append(FileReport(source, error=f"cannot write {target}: {exc}"))
            continue
        reports.append(_report(source, target, text, restored))
        if args.explain:
            _explain(console, source, restored)
    _summary(console, reports)
    return EXIT_OK if all(r.error is None for r in reports) else EXIT_SOME_FAILED


def _model(out_dirs: list[Path], console: Console) -> SyllableLM:
    """The shipped model with the learnable lines of the converted reports added."""
    from normalizers.restore_model import default_lm
    from normalizers.syllable_lm import SyllableLM
    from pipeline.restore.learn import learned_counts

    counts, lines = learned_counts(out_dirs)
    console.print(f"learnt {lines:,} clean lines from {', '.join(map(str, out_dirs))}")
    return SyllableLM(default_lm().counts.merged(counts))


def _report(source: Path, target: Path, text: str, restored: Restored) -> FileReport:
    from core.vietnamese import nfc, syllable_score

    before, after = nfc(text).split("\n"), restored.text.split("\n")
    lines = text.count("\n") + (not text.endswith("\n"))
    return FileReport(source, target, lines=lines, changed=sum(a != b for a, b in zip(before, after)),
                      glyphs=restored.glyphs, before=syllable_score(text), after=syllable_score(restored.text),
                      unsure=restored.unsure)


def _explain(console: Console, source: Path, restored: Restored) -> None:
    """The glyph map: each lost glyph with its estimated share lost and how often it was filled
    in, the most frequent restored words, and the unsure lines."""
    gmap = restored.glyph_map
    console.print(f"[bold]{source.name}[/]: glyphs the text lost")
    table = RichTable("glyph", "share lost", "filled in")
    for ch, times in gmap.filled.items():
        table.add_row(ch, f"{gmap.lost.get(ch, 0.0):.2f}", f"{times:,}")
    console.print(table)
    console.print(f"[bold]{source.name}[/]: words restored (the first {EXPLAIN_WORDS} of {len(gmap.words):,})")
    words = RichTable("damaged", "restored")
    for damaged, word in list(gmap.words.items())[:EXPLAIN_WORDS]:
        words.add_row(repr(damaged), word)
    console.print(words)
    if restored.unsure:
        shown = ", ".join(str(i + 1) for i in restored.unsure[:EXPLAIN_LINES])
        more = f" (+{len(restored.unsure) - EXPLAIN_LINES} more)" if len(restored.unsure) > EXPLAIN_LINES else ""
        console.print(f"[bold]{source.name}[/]: unsure lines {shown}{more}")


def _summary(console: Console, reports: list[FileReport]) -> None:
    done = [r for r in reports if r.error is None]
    if done:
        table = RichTable("file", "→", "lines", "changed", "glyphs inferred", "well-formed syllables", "unsure lines",
                          title="Restored", title_justify="left")
        for r in done:
            table.add_row(str(r.source), str(r.target), f"{r.lines:,}", f"{r.changed:,}", f"{r.glyphs:,}",
                          f"{_share(r.before)} → {_share(r.after)}", f"{len(r.unsure):,}")
        console.print(table)
    failed = [r for r in reports if r.error is not None]
    if failed:
        table = RichTable("file", "reason", title="Not restored", title_justify="left")
        for r in failed:
            table.add_row(str(r.source), r.error)
        console.print(table)
    console.print(f"[bold]{len(done)} restored[/], [bold red]{len(failed)} failed[/] of {len(reports)} files; "
                  f"{sum(r.changed for r in done):,} lines changed, {sum(r.glyphs for r in done):,} glyphs inferred")


def _share(score: float | None) -> str:
    return "-" if score is None else f"{score:.3f}"
