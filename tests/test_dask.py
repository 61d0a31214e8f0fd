"""The Dask executor runs the same per-document function and gives the same outputs."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.convert.executors import DaskExecutor, LocalExecutor
from pipeline.convert.runner import file_options
from pipeline.dataset.writers import TABLES
from pipeline.ingest.run import ingest
from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_SOME_FAILED

distributed = pytest.importorskip("distributed")

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
VOLATILE = ["seconds", "processed_at"]


def _frames(out: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for name in TABLES:
        frame = pd.read_parquet(out / "current" / name).drop(columns=VOLATILE, errors="ignore")
        frames[name] = frame.sort_values(list(frame.columns[:6]), kind="stable").reset_index(drop=True)
    return frames


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster


def test_local_cluster_of_two_workers_matches_the_local_pool(tmp_path: Path, cluster) -> None:
    """The sample corpus: born-digital, repaired fonts, legacy encoding, a scan, tables."""
    options = file_options(None, "keep")
    local = ingest(RAW, tmp_path / "local", options, executor=LocalExecutor(2))
    with distributed.Client(cluster) as client:
        dask = ingest(RAW, tmp_path / "dask", options, executor=DaskExecutor(client))
        assert len(client.scheduler_info()["workers"]) == 2
    samples = [path for path in RAW.iterdir() if path.suffix in (".pdf", ".docx")]  # every one, processed once
    assert len(dask.processed) == len(local.processed) == len(samples) and not dask.failed
    ours, theirs = _frames(tmp_path / "dask"), _frames(tmp_path / "local")
    for name in TABLES:
        pd.testing.assert_frame_equal(ours[name], theirs[name], obj=name)
    assert sorted(p.name for p in (tmp_path / "dask" / "current" / "indicators").iterdir()) == \
        sorted(p.name for p in (tmp_path / "local" / "current" / "indicators").iterdir())


def test_cli_scheduler_address(tmp_path: Path, cluster) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.docx").write_bytes((RAW / "phuluc1_000.docx").read_bytes())
    (src / "empty.pdf").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["ingest", str(src), "--out", str(out), "--scheduler", cluster.scheduler_address]) == EXIT_SOME_FAILED
    docs = pd.read_parquet(out / "current" / "documents").set_index("source_file")
    assert docs.loc["a.docx", "status"] == "ok" and "empty file" in docs.loc["empty.pdf", "error"]


def test_cli_unreachable_scheduler_cannot_run(tmp_path: Path) -> None:
    assert main(["ingest", str(RAW), "--out", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9"]) == EXIT_CANNOT_RUN
    assert not (tmp_path / "out").exists()
