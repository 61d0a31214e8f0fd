"""Parquet writers: typed by the output contract, replaced atomically.

Each file is written under a temporary name in the output directory and renamed over
the old one, so a reader never sees a half-written file and a crash leaves the previous
output intact.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
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


def write_outputs(records: dict[str, list[dict[str, object]]], out_dir: Path) -> dict[str, Path]:
    """Write every output table as `<name>.parquet` in `out_dir`."""
    written = {}
    for name in TABLES:
        path = out_dir / f"{name}.parquet"
        write_atomic(to_arrow(name, records.get(name, [])), path)
        written[name] = path
    return written
