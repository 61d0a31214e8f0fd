"""`cchc ingest`: incremental, idempotent, crash-safe, one run at a time."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.convert.guard import Limits
from pipeline.convert.runner import file_options
from pipeline.dataset.writers import TABLES
from pipeline.ingest.lock import Busy, RunLock
from pipeline.ingest.run import ingest, plan
from pipeline.ingest.store import Store
from pipeline.terminal import EXIT_BUSY, EXIT_OK, EXIT_SOME_FAILED
from tests.fixtures.hostile import build_hostile

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
CORPUS = ("phuluc1_000.pdf", "appendix_001.docx", "phuluc1_000.docx", "dossier_000_bad_total.pdf")
VOLATILE = ["seconds", "processed_at"]  # when and how fast: differ between any two processings


def _corpus(folder: Path, names: tuple[str, ...] = CORPUS) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(RAW / name, folder / name)
    return folder


def _run(src: Path, out: Path, **kwargs):
    return ingest(src, out, file_options(None, "keep"), **kwargs)


def _snapshot(out: Path) -> dict[str, bytes]:
    """Every byte a reader of `current` can see, and where `current` points."""
    current = out / "current"
    files = {str(p.relative_to(current)): p.read_bytes() for p in sorted(current.rglob("*")) if p.is_file()}
    return {"->": os.readlink(current).encode(), **files}


def _table(out: Path, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(out / "current" / name)
    frame = frame.drop(columns=[c for c in VOLATILE if c in frame.columns])
    keys = [c for c in ("source_file", "page", "table_id", "row", "col", "code", "rule") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True) if keys else frame


def _ledger(out: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(out / "ledger.sqlite") as db:
        return db.execute(sql).fetchall()


def _recorded(out: Path) -> int:
    """Files in the ledger; 0 while a run killed early has not yet created its tables."""
    try:
        return _ledger(out, "SELECT count(*) FROM files")[0][0]
    except sqlite3.OperationalError:
        return 0


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus ingested once, undisturbed: what every other run must end up with."""
    root = tmp_path_factory.mktemp("reference")
    out = root / "out"
    report = _run(_corpus(root / "in"), out)
    assert len(report.processed) == len(CORPUS) and not report.failed
    return out


def test_second_run_processes_nothing_and_changes_no_byte(tmp_path: Path, reference: Path) -> None:
    src, out = _corpus(tmp_path / "in"), tmp_path / "out"
    _run(src, out)
    before = _snapshot(out)
    report = _run(src, out)
    assert report.processed == [] and report.unchanged == len(CORPUS) and not report.published
    assert _snapshot(out) == before
    assert _ledger(out, "SELECT count(*) FROM attempts") == [(len(CORPUS),)]
    assert _ledger(out, "SELECT status, n_processed FROM runs ORDER BY run_id") == [("done", 4), ("done", 0)]
    for name in TABLES:
        pd.testing.assert_frame_equal(_table(out, name), _table(reference, name))


def test_touched_but_unchanged_file_is_hashed_not_processed(tmp_path: Path) -> None:
    src, out = _corpus(tmp_path / "in"), tmp_path / "out"
    _run(src, out)
    os.utime(src / "phuluc1_000.pdf", (1, 1))
    report = _run(src, out)
    assert report.processed == [] and not report.published
    assert _ledger(out, "SELECT mtime_ns FROM files WHERE path = 'phuluc1_000.pdf'") == [(1_000_000_000,)]


def test_changed_file_replaces_only_its_rows(tmp_path: Path, reference: Path) -> None:
    src, out = _corpus(tmp_path / "in"), tmp_path / "out"
    _run(src, out)
    before = _snapshot(out)
    shutil.copy(RAW / "criteria_003.pdf", src / "dossier_000_bad_total.pdf")
    report = _run(src, out)
    assert [p.path for p in report.processed] == ["dossier_000_bad_total.pdf"]
    after = _snapshot(out)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    old_part, new_part = (_ledger(o, "SELECT part FROM files WHERE path = 'dossier_000_bad_total.pdf'")[0][0]
                          for o in (reference, out))
    assert changed - {"->"} == {k for k in changed if old_part in k or new_part in k}, "other documents' parts untouched"
    docs = pd.read_parquet(out / "current" / "documents")
    assert docs.source_file.value_counts().max() == 1 and len(docs) == len(CORPUS)
    criteria = pd.read_parquet(out / "current" / "criteria")
    assert len(criteria) == 93 and set(criteria.source_file) == {"dossier_000_bad_total.pdf"}
    assert pd.read_parquet(out / "current" / "dossiers").empty, "the old dossier rows are gone"
    for name in ("indicators", "text"):
        kept = _table(out, name).query("source_file != 'dossier_000_bad_total.pdf'").reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, _table(reference, name).query(
            "source_file != 'dossier_000_bad_total.pdf'").reset_index(drop=True))


def test_missing_files_are_kept_unless_pruned(tmp_path: Path) -> None:
    src, out = _corpus(tmp_path / "in"), tmp_path / "out"
    _run(src, out)
    (src / "phuluc1_000.docx").unlink()
    report = _run(src, out)
    assert report.missing == 1 and not report.published
    assert "phuluc1_000.docx" in set(pd.read_parquet(out / "current" / "documents").source_file)
    report = _run(src, out, prune=True)
    assert report.removed == 1 and report.published
    assert "phuluc1_000.docx" not in set(pd.read_parquet(out / "current" / "indicators").source_file)
    assert len(list((out / ".cchc" / "parts" / "documents").glob("*.parquet"))) == len(CORPUS) - 1


def test_new_settings_reprocess_every_file(tmp_path: Path) -> None:
    src, out = _corpus(tmp_path / "in"), tmp_path / "out"
    _run(src, out)
    report = ingest(src, out, file_options(None, "new"))
    assert len(report.processed) == len(CORPUS) and report.published
    assert set(r[0] for r in _ledger(out, "SELECT reason FROM attempts WHERE run_id = 2")) == {"settings changed"}


def test_failed_file_is_retried_only_when_asked(tmp_path: Path) -> None:
    src, out = _corpus(tmp_path / "in", ("phuluc1_000.docx",)), tmp_path / "out"
    (src / "broken.pdf").write_bytes(b"%PDF-1.4 nothing else")
    assert len(_run(src, out).failed) == 1
    assert _run(src, out).processed == []
    report = _run(src, out, retry_failed=True)
    assert [(p.path, p.reason) for p in report.failed] == [("broken.pdf", "retry")]


def test_recover_undoes_a_run_killed_while_publishing(tmp_path: Path) -> None:
    """Killed after building generation 2 but before the ledger committed it."""
    src, out = _corpus(tmp_path / "in", ("phuluc1_000.docx",)), tmp_path / "out"
    _run(src, out)
    before = _snapshot(out)
    store = Store(out)
    store.publish([], 2)
    store.switch(2)
    (out / ".cchc" / "staging-000003" / "documents").mkdir(parents=True)
    (out / ".cchc" / "parts" / "documents" / "orphan.parquet").write_bytes(b"half")
    report = _run(src, out)
    assert report.processed == [] and not report.published
    assert _snapshot(out) == before
    assert sorted(p.name for p in (out / "generations").iterdir()) == ["000001"]
    assert not list((out / ".cchc").glob("staging-*"))
    assert not (out / ".cchc" / "parts" / "documents" / "orphan.parquet").exists()


def _cli(src: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "ingest", str(src), "--out", str(out), "--log-json", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def _events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("recorded_before_kill", [0, 2])
def test_kill_9_then_ingest_again_holds_every_document_once(tmp_path: Path, reference: Path,
                                                           recorded_before_kill: int) -> None:
    src, out = _corpus(tmp_path / "in"), tmp_path / "out"
    shutil.copy(RAW / "phuluc1_000_200dpi_bilevel_signed.pdf", src / "zz_scan.pdf")  # seconds of OCR, last in order
    proc = _cli(src, out, "--workers", "1")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        ledger = out / "ledger.sqlite"
        if ledger.exists() and (recorded_before_kill == 0 or _recorded(out) >= recorded_before_kill):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    recorded = _recorded(out)
    assert recorded >= recorded_before_kill
    report = _run(src, out)
    assert len(report.processed) == len(CORPUS) + 1 - recorded, "files recorded before the kill are not extracted again"
    statuses = [s for (s,) in _ledger(out, "SELECT status FROM runs ORDER BY run_id")]
    assert statuses[-1] == "done" and set(statuses[:-1]) <= {"interrupted"}
    docs = pd.read_parquet(out / "current" / "documents")
    assert sorted(docs.source_file) == sorted([*CORPUS, "zz_scan.pdf"])
    for name in TABLES:
        ours = _table(out, name).query("source_file != 'zz_scan.pdf'").reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, _table(reference, name))


def test_two_concurrent_runs_one_waits_and_finds_nothing_to_do(tmp_path: Path, reference: Path) -> None:
    src, out = _corpus(tmp_path / "in"), tmp_path / "out"
    runs = [_cli(src, out, "--wait", "300") for _ in range(2)]
    results = [(p.wait(), _events(p.communicate()[1])) for p in runs]
    assert [code for code, _ in results] == [EXIT_OK, EXIT_OK]
    processed = sorted(events[-1]["processed"] for _, events in results)
    assert processed == [0, len(CORPUS)]
    for name in TABLES:
        pd.testing.assert_frame_equal(_table(out, name), _table(reference, name))


def test_a_run_that_finds_the_lock_taken_exits_3_and_writes_nothing(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src, out = _corpus(tmp_path / "in", ("phuluc1_000.docx",)), tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from pipeline.ingest.lock import Busy, RunLock\n"
         f"with RunLock(Path({str(out / '.cchc' / 'lock')!r})):\n    print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert main(["ingest", str(src), "--out", str(out), "--log-json"]) == EXIT_BUSY
    finally:
        holder.communicate("")
    event = _events(capsys.readouterr().err)[-1]
    assert event["event"] == "busy" and f"pid {holder.pid}" in event["message"]
    assert not (out / "ledger.sqlite").exists() and not (out / "current").exists()


def test_the_lock_also_excludes_a_second_run_in_the_same_process(tmp_path: Path) -> None:
    with RunLock(tmp_path / "lock"), pytest.raises(Busy, match="already ingesting"), RunLock(tmp_path / "lock"):
        pass
    with RunLock(tmp_path / "lock"):
        pass


def test_slow_and_greedy_documents_fail_alone(tmp_path: Path) -> None:
    """A scanned page takes seconds of OCR (tesseract alone needs 2.7 s) and ~200 MB, more with
    tesseract: past the limits it fails, the rest goes on. The Word file needs ~0.3 s, ~100 MB."""
    src, out = _corpus(tmp_path / "in", ("phuluc1_000.docx", "phuluc1_000_200dpi_bilevel_signed.pdf")), tmp_path / "out"
    report = _run(src, out, limits=Limits(seconds=2.0))
    reasons = {p.path: p.error for p in report.processed}
    assert reasons["phuluc1_000.docx"] is None
    assert "took longer than the limit of 2 s" in reasons["phuluc1_000_200dpi_bilevel_signed.pdf"]
    report = _run(src, out, limits=Limits(memory_mb=150), retry_failed=True)
    assert "used more than the memory limit of 150 MB" in report.failed[0].error
    failed = _ledger(out, "SELECT path, error FROM files WHERE status = 'failed'")
    assert failed == [("phuluc1_000_200dpi_bilevel_signed.pdf", report.failed[0].error)]


def test_cli_exit_code_and_json_lines(tmp_path: Path) -> None:
    src, out = _corpus(tmp_path / "in", ("phuluc1_000.docx",)), tmp_path / "out"
    (src / "empty.pdf").write_bytes(b"")
    proc = _cli(src, out)
    _, err = proc.communicate()
    assert proc.returncode == EXIT_SOME_FAILED
    events = _events(err)
    assert [e["event"] for e in events] == ["start", "plan", "file", "file", "publish", "end"]
    failed = next(e for e in events if e["event"] == "file" and e["status"] == "failed")
    assert failed["path"] == "empty.pdf" and "empty file" in failed["error"]
    assert events[-1]["exit_code"] == EXIT_SOME_FAILED and events[-1]["generation"] == 1


def test_every_hostile_input_is_a_failed_ledger_row_and_the_rest_completes(tmp_path: Path, reference: Path) -> None:
    src, out = _corpus(tmp_path / "in"), tmp_path / "out"
    expected = build_hostile(src / "hostile")
    (src / "hostile" / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    expected["old.doc"] = "save it as .docx"
    assert main(["ingest", str(src), "--out", str(out), "--log-json"]) == EXIT_SOME_FAILED
    rows = {Path(path).name: (status, error) for path, status, error in
            _ledger(out, "SELECT path, status, error FROM files WHERE path LIKE 'hostile/%'")}
    assert rows.keys() == expected.keys()
    for name, reason in expected.items():
        status, error = rows[name]
        assert status in ("failed", "skipped") and reason in error, (name, error)
    assert all(os.path.exists(src / "hostile" / name) for name in expected), "bad input is left in place"
    docs = pd.read_parquet(out / "current" / "documents").set_index("source_file")
    assert (docs.loc[list(CORPUS), "status"] == "ok").all()
    assert docs.loc[list(expected), "error"].notna().all()
    for name in TABLES[1:]:
        pd.testing.assert_frame_equal(_table(out, name), _table(reference, name))
    assert main(["ingest", str(src), "--out", str(out), "--log-json"]) == EXIT_OK, "failures are not retried unasked"


def test_a_file_removed_while_the_run_plans_is_passed_over(tmp_path: Path) -> None:
    src = _corpus(tmp_path / "in", ("phuluc1_000.docx",))
    todo = plan(src, [src / "phuluc1_000.docx", src / "gone.pdf"], {}, "settings", Store(tmp_path / "out"))
    assert [(w.rel, w.reason) for w in todo.work] == [("phuluc1_000.docx", "new")] and todo.missing == []
