"""Parquet writers: typed by the output contract, replaced atomically.

Each file is written under a temporary name in the output directory and renamed over
the old one, so a reader never sees a half-written file and a crash leaves the previous
output intact.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from pipeline.dataset.schema import SCHEMAS, arrow_schema

TABLES = ("documents", "indicators", "tables", "text", "criteria", "dossiers", "checks")


def to_arrow(table: str, records: Iterable[dict[str, object]]) -> pa.Table:
    """Records → an Arrow table with exactly the contract's columns and types."""
    schema = arrow_schema(table)
    rows = list(records)
    columns = {name: [r.get(name) for r in rows] for name, _, _ in SCHEMAS[table]}
    return pa.table(columns, schema=schema)


@contextmanager
def replacing(path: Path, suffix: str = ".tmp", durable: bool = False) -> Iterator[Path]:
    """A temporary file beside `path` to write the new one to: renamed over `path` when the
    block succeeds, removed when it fails, so `path` holds the old file or the whole new one.
    `durable` flushes it to disk before the rename, for files a ledger will vouch for."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if durable:
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(table: pa.Table, path: Path, durable: bool = False) -> None:
    """Write a Parquet file so that `path` holds either the old or the whole new file."""
    with replacing(path, durable=durable) as tmp:
        pq.write_table(table, tmp, compression="zstd")


ROW_GROUP = 1 << 16  # rows per Parquet row group when a table is written from a spool


class Spool:
    """The output tables of a run over many documents, kept on disk as each document arrives
    and written out in document order when the run is done.

    A run's documents finish in any order and a thousand of them hold millions of table
    cells: collected in memory the parent would grow with the folder. Here each document's
    rows go to one Arrow IPC file per table as they come (a record batch each), and
    `write` reads the batches back in document order into the Parquet files (each renamed
    into place whole), so memory stays that of one row group. Used as a context
    manager: the spool folder goes whatever happens, and the old outputs stay if the run
    does not reach `write`.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix=".spool.", dir=out_dir))
        self._writers: dict[str, ipc.RecordBatchFileWriter] = {}
        self._batches: dict[str, dict[int, int]] = {name: {} for name in TABLES}  # document position → batch

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        shutil.rmtree(self._dir, ignore_errors=True)

    def add(self, position: int, tables: Mapping[str, list[dict[str, object]]]) -> None:
        """One document's rows, by table; `position` orders the document in the outputs."""
        for name in TABLES:
            rows = tables.get(name) or []
            if not rows:
                continue
            batch = to_arrow(name, rows).combine_chunks().to_batches()[0]
            if name not in self._writers:
                self._writers[name] = ipc.new_file(self._dir / f"{name}.arrow", arrow_schema(name))
            self._batches[name][position] = len(self._batches[name])
            self._writers[name].write_batch(batch)

    def write(self) -> dict[str, Path]:
        """Every output table as `<name>.parquet` in the output folder, documents in position order."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        written = {}
        for name in TABLES:
            path = written[name] = self.out_dir / f"{name}.parquet"
            order = [self._batches[name][k] for k in sorted(self._batches[name])]
            if not order:
                write_atomic(to_arrow(name, []), path)
                continue
            with pa.memory_map(str(self._dir / f"{name}.arrow")) as source, replacing(path) as tmp:
                reader = ipc.open_file(source)
                with pq.ParquetWriter(tmp, arrow_schema(name), compression="zstd") as out:
                    group: list[pa.RecordBatch] = []
                    for i in order:
                        group.append(reader.get_batch(i))
                        if sum(b.num_rows for b in group) >= ROW_GROUP:
                            out.write_table(pa.Table.from_batches(group), row_group_size=ROW_GROUP)
                            group = []
                    if group:
                        out.write_table(pa.Table.from_batches(group), row_group_size=ROW_GROUP)
        return written
