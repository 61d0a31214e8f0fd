"""guard.run_guarded from several threads: one document's result never waits for another's."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import pipeline.convert.guard
from pipeline.convert.executors import LocalExecutor
from pipeline.convert.guard import Limits
from pipeline.convert.process import unconverted

_fork = os.fork


def _slow_fork() -> int:
    """os.fork as on a big parent, where copying the page tables takes a while."""
    time.sleep(0.2)
    return _fork()


def _sleepy(path, **kwargs):
    """Stands in for process_file: 'slow' files take a second, the others no time."""
    if Path(path).name.startswith("slow"):
        time.sleep(1.0)
    return unconverted(Path(path), "ok", "")


def test_a_fast_document_is_not_held_by_a_slow_sibling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A child forked by one thread while another thread's result pipe is open would keep
    that pipe's write end, and the fast document would wait until the slow child exits."""
    monkeypatch.setattr(pipeline.convert.guard, "process_file", _sleepy)
    monkeypatch.setattr(os, "fork", _slow_fork)
    for name in ("slow.pdf", "fast.pdf"):
        (tmp_path / name).write_bytes(b"%PDF-1.4")
    done = list(LocalExecutor(2).map([tmp_path / "slow.pdf", tmp_path / "fast.pdf"], {}, Limits(seconds=30)))
    seconds = {Path(p.path).name: p.seconds for p in done}
    assert seconds["slow.pdf"] > 1.0 and seconds["fast.pdf"] < 0.8, seconds
