"""Ingest through a real Dask cluster started from the command line, one worker killed mid-run.

The README's commands (`dask scheduler`, `dask worker`) on localhost, as separate processes:
what a deployment does, unlike `LocalCluster` in test_dask.py.  Killing a worker while it
holds documents must lose none and duplicate none: Dask resubmits its tasks to the other
worker, and the ingest process alone writes each result once.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pipeline.terminal import EXIT_OK

distributed = pytest.importorskip("distributed")

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
BIN = Path(sys.executable).parent
SCAN, WORD = RAW / "phuluc1_000_200dpi_bilevel_signed.pdf", RAW / "phuluc1_000.pdf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(BIN / "dask"), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


@pytest.fixture
def cluster() -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    address = f"tcp://127.0.0.1:{_free_port()}"
    scheduler = _start("scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard")
    workers = [_start("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}")
               for i in range(2)]
    try:
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, workers
    finally:
        for p in (*workers, scheduler):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def _copies(src: Path, n_scans: int, n_pdfs: int) -> dict[str, int]:
    """Distinct files (a trailing comment changes the bytes, not the document): name → copy of."""
    src.mkdir()
    names = {}
    for i in range(n_scans + n_pdfs):
        base = SCAN if i < n_scans else WORD
        name = f"{i:02d}_{base.name}"
        (src / name).write_bytes(base.read_bytes() + f"\n% copy {i}\n".encode())
        names[name] = i < n_scans
    return names


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path: Path, cluster) -> None:
    address, workers = cluster
    names = _copies(tmp_path / "in", n_scans=4, n_pdfs=4)
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ingest", str(tmp_path / "in"), "--out", str(out),
                            "--scheduler", address, "--log-json"], stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    events, done_before_kill = [], None
    for line in run.stderr:
        event = json.loads(line)
        events.append(event)
        if event["event"] == "file" and done_before_kill is None:
            os.killpg(workers[0].pid, signal.SIGKILL)  # the worker and the document children it forked
            done_before_kill = sum(e["event"] == "file" for e in events)
    assert run.wait(timeout=600) == EXIT_OK, events[-1]
    assert workers[0].poll() is not None and workers[1].poll() is None

    end = events[-1]
    assert end["event"] == "end" and end["processed"] == len(names) and end["failed"] == 0
    assert sorted(e["path"] for e in events if e["event"] == "file") == sorted(names)
    assert done_before_kill == 1  # the kill came with most documents still to run
    docs = pd.read_parquet(out / "current" / "documents")
    assert sorted(docs["source_file"]) == sorted(names) and (docs["status"] == "ok").all()
    indicators = pd.read_parquet(out / "current" / "indicators")
    per_doc = indicators.groupby("source_file").size()
    expected = docs.set_index("source_file")["n_indicators"]
    assert (per_doc.reindex(expected.index).fillna(0) == expected).all()  # each document's rows once, no more
    assert not indicators.duplicated(["doc_id", "table_id", "row"]).any()
    # every copy of one original gives that original's rows
    for scan in (True, False):
        frames = [indicators[indicators.source_file == n].drop(columns=["doc_id", "source_file"]).reset_index(drop=True)
                  for n, is_scan in sorted(names.items()) if is_scan == scan]
        for frame in frames[1:]:
            pd.testing.assert_frame_equal(frame, frames[0])


def test_library_warnings_come_out_as_json_lines(capsys) -> None:
    """Dask's own warnings (as when it loses a worker) must not break `--log-json`'s one object per line."""
    import logging

    from pipeline.ingest.command import JsonLog

    logger = logging.getLogger("distributed.client")
    saved = logger.handlers[:], logging.getLogger().handlers[:]
    logger.addHandler(logging.StreamHandler())
    try:
        JsonLog().capture_logging()
        logger.warning("Couldn't gather %d keys, rescheduling", 1)
        logging.getLogger("some.library").warning("plain")
    finally:
        logger.handlers[:], logging.getLogger().handlers[:] = saved
    lines = capsys.readouterr().err.splitlines()
    events = [json.loads(line) for line in lines]
    assert [(e["event"], e["logger"], e["message"]) for e in events] == [
        ("log", "distributed.client", "Couldn't gather 1 keys, rescheduling"), ("log", "some.library", "plain")]
