"""The ingest ledger: every file seen, what it held, what became of it — in SQLite.

SQLite gives transactions that survive `kill -9` (WAL, synchronous=FULL) without a server,
and an analyst can open the file in any SQLite browser. One row per input file in
`files` (its current state), one per processing in `attempts` (history), one per run in
`runs`; `state` holds the published generation.
"""
from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,        -- relative to the input folder, '/'-separated
    sha256 TEXT NOT NULL,         -- of the file's bytes (= doc_id in the outputs)
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    settings TEXT NOT NULL,       -- pipeline version and options the outputs depend on
    status TEXT NOT NULL,         -- ok, failed or skipped
    error TEXT,                   -- why it failed, for a person
    part TEXT,                    -- name of its part files in the outputs
    seconds REAL,                 -- processing time
    peak_mb REAL,                 -- peak resident memory while processing
    first_seen TEXT NOT NULL,
    processed_at TEXT NOT NULL,
    run_id INTEGER NOT NULL       -- run that processed it last
);
CREATE TABLE IF NOT EXISTS attempts (
    run_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    reason TEXT NOT NULL,         -- new, changed, settings changed, retry, outputs missing
    status TEXT NOT NULL,
    error TEXT,
    seconds REAL,
    peak_mb REAL,
    pipeline_version TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    pid INTEGER NOT NULL,
    input TEXT NOT NULL,
    pipeline_version TEXT NOT NULL,
    status TEXT NOT NULL,         -- running, done, interrupted
    n_seen INTEGER, n_processed INTEGER, n_failed INTEGER, n_removed INTEGER,
    generation INTEGER            -- generation current when it ended
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Entry:
    """A file's row in the ledger."""

    path: str
    sha256: str
    size: int
    mtime_ns: int
    settings: str
    status: str
    error: str | None
    part: str | None


class Ledger:
    """A connection to `ledger.sqlite`; each method is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def entries(self) -> dict[str, Entry]:
        rows = self.db.execute("SELECT path, sha256, size, mtime_ns, settings, status, error, part FROM files")
        return {r[0]: Entry(*r) for r in rows}

    def start_run(self, input_dir: Path, pid: int, version: str) -> int:
        with self._transaction() as db:
            # A run still marked running holds no lock any more (we hold it now): it was killed.
            db.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            cur = db.execute(
                "INSERT INTO runs (started_at, pid, input, pipeline_version, status) VALUES (?, ?, ?, ?, 'running')",
                (now(), pid, str(input_dir), version),
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, counts: dict[str, int], generation: int) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = 'done', n_seen = ?, n_processed = ?, n_failed = ?, "
                "n_removed = ?, generation = ? WHERE run_id = ?",
                (now(), counts["seen"], counts["processed"], counts["failed"], counts["removed"], generation, run_id),
            )

    def record(self, run_id: int, entry: Entry, reason: str, seconds: float | None, peak_mb: float | None,
               version: str) -> None:
        """A processed file's new state and its attempt, together."""
        stamp = now()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO files (path, sha256, size, mtime_ns, settings, status, error, part, seconds, peak_mb, "
                "first_seen, processed_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, "
                "mtime_ns = excluded.mtime_ns, settings = excluded.settings, status = excluded.status, "
                "error = excluded.error, part = excluded.part, seconds = excluded.seconds, peak_mb = excluded.peak_mb, "
                "processed_at = excluded.processed_at, run_id = excluded.run_id",
                (entry.path, entry.sha256, entry.size, entry.mtime_ns, entry.settings, entry.status, entry.error,
                 entry.part, seconds, peak_mb, stamp, stamp, run_id),
            )
            db.execute(
                "INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, entry.path, entry.sha256, reason, entry.status, entry.error, seconds, peak_mb, version, stamp),
            )

    def touch(self, entries: Iterable[Entry]) -> None:
        """Files whose bytes were re-hashed and found the same: remember their new stat."""
        with self._transaction() as db:
            db.executemany("UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?",
                           [(e.size, e.mtime_ns, e.path) for e in entries])

    def set_parts(self, parts: dict[str, str]) -> None:
        """Files whose stored rows were re-written without extraction (re-coded): path → new part."""
        with self._transaction() as db:
            db.executemany("UPDATE files SET part = ? WHERE path = ?", [(part, path) for path, part in parts.items()])

    def remove(self, paths: Iterable[str]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])

    def parts(self) -> list[str]:
        """Part names of every file with outputs, in a stable order."""
        return [r[0] for r in self.db.execute("SELECT part FROM files WHERE part IS NOT NULL ORDER BY part")]

    def fingerprint(self) -> str:
        """Changes whenever any file's outputs do: a new part, or a part re-written by a later run."""
        digest = hashlib.sha256()
        for part, run_id in self.db.execute("SELECT part, run_id FROM files WHERE part IS NOT NULL ORDER BY part"):
            digest.update(f"{part}:{run_id}\n".encode())
        return digest.hexdigest()

    def get_state(self, key: str, default: str = "") -> str:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_state(self, values: dict[str, str]) -> None:
        with self._transaction() as db:
            db.executemany("INSERT INTO state VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           list(values.items()))
