"""Run a batch: find the files, process them on every core, gather the records.

The per-file work is `process_file`, a pure function, so any executor can run it; here a
process pool sized to the machine's cores (PDF parsing is CPU-bound Python).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from extractors import SUFFIXES
from pipeline.process import FileResult, process_file
from pipeline.writers import TABLES

CRASHED = "the worker process died on this file (out of memory or a crash in a parser)"
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


def _not_converted(path: Path, status: str, reason: str) -> FileResult:
    return FileResult({"doc_id": "", "source_file": path.name, "source_path": str(path),
                       "kind": path.suffix.lower().lstrip("."), "status": status, "error": reason})


def run_batch(root: Path, workers: int | None = None, codebook: str | None = None,
              on_done: Callable[[FileResult], None] | None = None, tone_style: str = "keep") -> Batch:
    """Process every report under `root`; `on_done` is called as each file finishes."""
    files, ignored = discover(root)
    order = {p: i for i, p in enumerate(files)}
    results: list[FileResult | None] = [None] * len(files)
    options = {"tone_style": tone_style, **({"codebook_name": codebook} if codebook else {})}
    for i, r in _run(files, workers or os.cpu_count() or 1, options, order):
        results[i] = r
        if on_done:
            on_done(r)
    return Batch([r for r in results if r is not None], ignored)


def _pool(files: list[Path], workers: int, kwargs: dict[str, str]) -> Iterator[tuple[Path, FileResult]]:
    """Run files in one pool; stop at the first dead worker, leaving the rest unreported."""
    with ProcessPoolExecutor(max_workers=min(workers, len(files))) as pool:
        futures = {pool.submit(process_file, p, **kwargs): p for p in files}
        try:
            for fut in as_completed(futures):
                yield futures[fut], fut.result()
        except BrokenProcessPool:
            return


def _run(files: list[Path], workers: int, kwargs: dict[str, str], order: dict[Path, int]) -> Iterator[tuple[int, FileResult]]:
    """Results as files finish.  A worker that dies takes its pool down with it, so the
    files left over are then run one per pool: only the file that kills its own worker
    is marked failed, and the batch goes on."""
    todo = []
    for p in files:
        if p.suffix.lower() in OLD_FORMATS:
            yield order[p], _not_converted(p, "skipped", OLD_FORMATS[p.suffix.lower()])
        else:
            todo.append(p)
    done: set[Path] = set()
    if todo:
        for p, result in _pool(todo, workers, kwargs):
            done.add(p)
            yield order[p], result
    for p in todo:
        if p not in done:
            result = next((r for _, r in _pool([p], 1, kwargs)), None)
            yield order[p], result if result is not None else _not_converted(p, "failed", CRASHED)
