"""One ingest at a time per output folder.

A POSIX record lock (`lockf`) on `.cchc/lock`: the kernel drops it when the holder dies,
even by `kill -9`, so a crashed run never leaves a stale lock for a person to clear; and
unlike `flock` it is not shared with forked children, so a worker still finishing after
its run was killed does not keep the next run out. The holder writes its pid and
start time into the file, for the message the next run prints.
"""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from pipeline.ingest.ledger import now


class Busy(Exception):
    """Another run holds the lock."""


_HELD: set[Path] = set()  # record locks do not exclude the process holding them: this does


class RunLock:
    """`with RunLock(path, wait=seconds):` — waits up to `wait` seconds, then raises Busy."""

    def __init__(self, path: Path, wait: float = 0.0, poll: float = 0.2) -> None:
        self.path, self.wait, self.poll = path, wait, poll
        self.fd: int | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key = self.path.resolve()
        if key in _HELD:
            raise Busy(f"this process is already ingesting into {self.path.parent.parent}")
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    holder = self.holder()
                    os.close(fd)
                    raise Busy(f"another ingest ({holder or 'unknown process'}) is writing to {self.path.parent.parent}") from None
                time.sleep(self.poll)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()}, started {now()}".encode())
        self.fd = fd
        _HELD.add(key)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.lockf(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
            _HELD.discard(self.path.resolve())

    def holder(self) -> str:
        try:
            return self.path.read_text().strip()
        except OSError:
            return ""
