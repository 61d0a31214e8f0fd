"""Run a batch: find the files, process them on every core, gather the records.

The per-file work is `process_file`, a pure function run by `guard.run_guarded` in a
limited child process, so one hostile file fails alone; an executor decides where
those children run (this machine, or a Dask cluster), and a long PDF is read in page
ranges across them (`split`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extractors import SUFFIXES
from pipeline.convert.executors import Executor, LocalExecutor
from pipeline.convert.guard import DEFAULT_LIMITS, Limits
from pipeline.convert.overrides import NO_OVERRIDES, Overrides
from pipeline.convert.process import FileResult, unconverted
from pipeline.convert.recode import recode
from pipeline.convert.split import process_files

OLD_FORMATS = {".doc": "old binary Word .doc: save it as .docx", ".xls": "Excel file: not a report format"}


@dataclass
class Batch:
    """The results of a run, in input order, plus the files passed over."""

    results: list[FileResult] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)


def discover(root: Path) -> tuple[list[Path], list[Path]]:
    """Report files under `root` (recursively, in a stable order) and the other files seen."""
    files, other = [], []
    candidates = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for p in candidates:
        if any(part.startswith(".") for part in p.relative_to(root.parent if root.is_file() else root).parts):
            continue
        (files if p.suffix.lower() in SUFFIXES or p.suffix.lower() in OLD_FORMATS else other).append(p)
    return files, other


def skipped(path: Path) -> FileResult | None:
    """The documents row of a file in a format no extractor reads, or None for a report."""
    reason = OLD_FORMATS.get(path.suffix.lower())
    return unconverted(path, "skipped", reason) if reason else None


def run_batch(root: Path, workers: int | None = None, codebook: str | None = None,
              on_done: Callable[[FileResult], None] | None = None, tone_style: str = "keep",
              limits: Limits = DEFAULT_LIMITS, executor: Executor | None = None, max_pages: int | None = None,
              overrides: Overrides = NO_OVERRIDES) -> Batch:
    """Process every report under `root`, applying an analyst's `overrides`, and keep every
    result; `on_done` is called as each file finishes. For a small run or a test: a large
    one streams `convert_files` instead."""
    files, ignored = discover(root)
    results: dict[int, FileResult] = {}
    options = file_options(codebook, tone_style, max_pages)
    for position, result in convert_files(files, options, limits, executor or LocalExecutor(workers), overrides):
        results[position] = result
        if on_done:
            on_done(result)
    return Batch([results[i] for i in range(len(files))], ignored)


def convert_files(files: list[Path], options: dict[str, object], limits: Limits, executor: Executor,
                  overrides: Overrides = NO_OVERRIDES) -> Iterator[tuple[int, FileResult]]:
    """Each file's result with its position in `files`, as it finishes: files in a format no
    extractor reads first, then the others as the executor completes them."""
    position = {p: i for i, p in enumerate(files)}
    todo = []
    for path in files:
        if (result := skipped(path)) is not None:
            yield position[path], result
        else:
            todo.append(path)
    for processed in process_files(todo, options, limits, executor):
        yield position[Path(processed.path)], recode(processed.result, overrides)[0]


def file_options(codebook: str | None, tone_style: str, max_pages: int | None = None) -> dict[str, object]:
    """`process_file`'s keyword arguments for a run's settings (defaults left out)."""
    options: dict[str, object] = {"tone_style": tone_style}
    if codebook:
        options["codebook_name"] = codebook
    if max_pages:
        options["max_pages"] = max_pages
    return options
