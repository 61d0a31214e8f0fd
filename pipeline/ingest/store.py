"""The ingest output folder: per-document parts, published as whole generations.

    out/current -> generations/000012     the dataset; switched by one atomic rename
    out/generations/000012/<table>/*.parquet
    out/ledger.sqlite                     see pipeline.ingest.ledger
    out/.cchc/parts/<table>/<part>.parquet  every document's rows, written as it finishes
    out/.cchc/lock

Each document's rows are one part file per table, so a changed file's rows are replaced by
swapping its parts, never appended. A generation is a directory of hard links to the
parts the ledger lists, built aside and renamed into place; `current` then flips to it
with a symlink rename. A reader therefore sees one run's outputs whole or not at all, and
a crash at any point leaves the previous generation current. Parts written before a crash
are in the ledger, so the next run publishes them without extracting again.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.convert.process import FileResult
from pipeline.dataset.writers import TABLES, to_arrow, write_atomic

KEEP_GENERATIONS = 2  # the current one and the one before, for readers still listing it
EMPTY = "empty.parquet"  # zero rows, the table's columns: every table folder reads, even with no rows


class Store:
    """Parts and generations under one output folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.parts_dir = root / ".cchc" / "parts"
        self.generations = root / "generations"
        self.current = root / "current"

    def put(self, part: str, result: FileResult) -> None:
        """Write a document's rows, one atomic file per table that has any."""
        write_atomic(to_arrow("documents", [result.document]), self._part("documents", part), durable=True)
        for table in TABLES[1:]:
            rows = getattr(result, table)
            path = self._part(table, part)
            if rows:
                write_atomic(to_arrow(table, rows), path, durable=True)
            else:
                path.unlink(missing_ok=True)

    def get(self, part: str) -> FileResult:
        """A document's rows as `put` wrote them."""
        rows = {table: pq.read_table(path).to_pylist() if (path := self._part(table, part)).is_file() else []
                for table in TABLES}
        return FileResult(rows["documents"][0], **{table: rows[table] for table in TABLES[1:]})

    def has(self, part: str) -> bool:
        return self._part("documents", part).is_file()

    def publish(self, parts: list[str], generation: int) -> Path:
        """Build generation `generation` from `parts` and rename it into place (not yet current)."""
        staging = self.root / ".cchc" / f"staging-{generation:06d}"
        shutil.rmtree(staging, ignore_errors=True)
        for table in TABLES:
            folder = staging / table
            folder.mkdir(parents=True)
            write_atomic(to_arrow(table, []), folder / EMPTY)
            for part in parts:
                source = self._part(table, part)
                if source.is_file():
                    os.link(source, folder / source.name)
            _fsync_dir(folder)
        _fsync_dir(staging)
        target = self.generations / f"{generation:06d}"
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, target)
        _fsync_dir(target.parent)
        return target

    def switch(self, generation: int) -> None:
        """Point `current` at a generation: a symlink renamed over the old one."""
        link = self.root / f".current-{os.getpid()}"
        link.unlink(missing_ok=True)
        os.symlink(Path("generations") / f"{generation:06d}", link)
        os.replace(link, self.current)
        _fsync_dir(self.root)

    def current_generation(self) -> int:
        return int(os.readlink(self.current).rsplit("/", 1)[-1]) if self.current.is_symlink() else 0

    def recover(self, committed: int, parts: list[str]) -> None:
        """Undo what a killed run left: staging folders, a generation the ledger never
        committed, `current` pointing elsewhere than the ledger says, unreferenced parts."""
        for staging in (self.root / ".cchc").glob("staging-*"):
            shutil.rmtree(staging, ignore_errors=True)
        for link in self.root.glob(".current-*"):
            link.unlink(missing_ok=True)
        if self.generations.is_dir():
            for folder in self.generations.iterdir():
                if folder.name.isdigit() and int(folder.name) > committed:
                    shutil.rmtree(folder)
        if committed and self.current_generation() != committed:
            self.switch(committed)
        self.collect(committed, parts)

    def collect(self, current: int, parts: list[str]) -> None:
        """Delete old generations and parts the ledger no longer lists."""
        if self.generations.is_dir():
            kept = {f"{g:06d}" for g in range(current - KEEP_GENERATIONS + 1, current + 1)}
            for folder in self.generations.iterdir():
                if folder.name not in kept:
                    shutil.rmtree(folder, ignore_errors=True)
        wanted = {f"{p}.parquet" for p in parts}
        for table in TABLES:
            folder = self.parts_dir / table
            if folder.is_dir():
                for path in folder.iterdir():
                    if path.name not in wanted:
                        path.unlink(missing_ok=True)

    def _part(self, table: str, part: str) -> Path:
        return self.parts_dir / table / f"{part}.parquet"


def _fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
