"""Run a batch: find the files, process them on every core, gather the records.

The per-file work is `process_file`, a pure function run by `guard.run_guarded` in a
limited child process, so one hostile file fails alone; an executor decides where
those children run (this machine, or a Dask cluster).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from extractors import SUFFIXES
from pipeline.convert.executors import Executor, LocalExecutor
from pipeline.convert.guard import DEFAULT_LIMITS, Limits
from pipeline.convert.overrides import NO_OVERRIDES, Overrides
from pipeline.convert.process import FileResult, unconverted
from pipeline.convert.recode import recode
from pipeline.dataset.writers import TABLES

OLD_FORMATS = {".doc": "old binary Word .doc: save it as .docx", ".xls": "Excel file: not a report format"}


@dataclass
class Batch:
    """The results of a run, in input order, plus the files passed over."""

    results: list[FileResult] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)

    def records(self) -> dict[str, list[dict[str, object]]]:
        out: dict[str, list[dict[str, object]]] = {name: [] for name in TABLES}
        for r in self.results:
            out["documents"].append(r.document)
            for name in TABLES[1:]:
                out[name] += getattr(r, name)
        return out


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
    """Process every report under `root`, applying an analyst's `overrides`; `on_done` is
    called as each file finishes."""
    files, ignored = discover(root)
    options = file_options(codebook, tone_style, max_pages)
    results: dict[Path, FileResult] = {}
    for path in files:
        if (result := skipped(path)) is not None:
            results[path] = result
            if on_done:
                on_done(result)
    todo = [p for p in files if p not in results]
    for processed in (executor or LocalExecutor(workers)).map(todo, options, limits):
        result = results[Path(processed.path)] = recode(processed.result, overrides)[0]
        if on_done:
            on_done(result)
    return Batch([results[p] for p in files], ignored)


def file_options(codebook: str | None, tone_style: str, max_pages: int | None = None) -> dict[str, object]:
    """`process_file`'s keyword arguments for a run's settings (defaults left out)."""
    options: dict[str, object] = {"tone_style": tone_style}
    if codebook:
        options["codebook_name"] = codebook
    if max_pages:
        options["max_pages"] = max_pages
    return options
