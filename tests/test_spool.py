"""convert's spool: documents' rows on disk as they finish, written out in document order."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.dataset import writers
from pipeline.dataset.writers import TABLES, Spool


def _doc(i: int, cells: int) -> dict[str, list[dict[str, object]]]:
    base = {"doc_id": f"d{i}", "source_file": f"{i}.pdf"}
    return {"documents": [{**base, "status": "ok"}],
            "tables": [{**base, "table_id": 0, "row": r, "col": 0, "text": f"{i}:{r}"} for r in range(cells)]}


def test_rows_come_out_in_document_order_whatever_order_they_finished_in(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(writers, "ROW_GROUP", 7)
    with Spool(tmp_path) as spool:
        for i in (3, 0, 4, 1, 2):  # completion order
            spool.add(i, _doc(i, cells=i + 2))
        written = spool.write()
    assert sorted(written) == sorted(TABLES) and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    cells = pd.read_parquet(written["tables"])
    assert list(cells.text) == [f"{i}:{r}" for i in range(5) for r in range(i + 2)]
    assert pq.ParquetFile(written["tables"]).metadata.num_row_groups > 1
    assert list(pd.read_parquet(written["documents"]).doc_id) == ["d0", "d1", "d2", "d3", "d4"]
    assert pd.read_parquet(written["checks"]).empty and "rule" in pd.read_parquet(written["checks"]).columns


def test_a_run_that_dies_before_writing_keeps_the_old_outputs(tmp_path: Path) -> None:
    with Spool(tmp_path) as spool:
        spool.add(0, _doc(0, 3))
        spool.write()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(KeyboardInterrupt), Spool(tmp_path) as spool:
        spool.add(0, _doc(1, 5))
        raise KeyboardInterrupt
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no spool folder left either
