"""Read the outputs back, whichever command wrote them, typed by the output contract.

    load("out")                          # indicators, from `cchc convert` or `cchc ingest` output
    load("out", "dossiers", documents=True)   # with each row's document metadata (issuer, year, …)
    duckdb_views("out").sql("select code, avg(value) from indicators group by code")

`convert` writes `out/<table>.parquet`; `ingest` writes `out/current/<table>/*.parquet` (one
part per document). Callers should not have to know which, nor that an ingest folder's
`current` may flip to a new generation while they read: a call resolves `current` once, so
every table it reads comes from the same generation.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from pipeline.dataset.schema import SCHEMAS, arrow_schema

if TYPE_CHECKING:
    import duckdb

JOIN_KEY = ["doc_id", "source_file"]
# to_pandas would turn an int column with a null into float64 and a bool one into object
_NULLABLE = {
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def tables(path: str | Path) -> list[str]:
    """The tables present under `path`, in contract order."""
    return list(_locate(Path(path))[0])


def load(path: str | Path, table: str | None = None, *, documents: bool | str | list[str] = False) -> pd.DataFrame:
    """One output table as a DataFrame with exactly the contract's columns and types.

    `path` is a `convert` output folder, an `ingest` output folder, or one table's file or part
    folder. `table` defaults to indicators for an output folder and to the table `path` names
    otherwise. Files written before a column joined the contract read it as nulls.

    Integer and boolean columns use pandas' nullable dtypes (Int32, Int64, boolean), so a column's
    dtype is the contract's whether or not a null happens to be in it, and an empty table has the
    same dtypes as a full one.

    `documents=True` adds every documents column the table lacks (issuer, year, status, …); a
    list adds only those. The join is on doc_id *and* source_file: doc_id hashes the bytes, so
    copies of one file under different names share it, and only the name tells their rows
    apart. Copies under the same name in different folders leave rows that are identical anyway;
    they take the documents row whose source_path sorts first, so no row is duplicated.
    """
    path = Path(path)
    sources, named = _locate(path, table)
    table = table or named or "indicators"
    if table not in SCHEMAS:
        raise ValueError(f"unknown table {table!r}; the tables are {', '.join(SCHEMAS)}")
    if table not in sources:
        raise FileNotFoundError(f"no {table} table in {path} (found: {', '.join(sources)})")
    frame = _read(sources[table], table)
    wanted = _document_columns(table, documents)
    if not wanted:
        return frame
    if "documents" not in sources:
        raise FileNotFoundError(f"no documents table in {path} to join on {' + '.join(JOIN_KEY)}")
    docs = _read(sources["documents"], "documents")
    docs = docs.sort_values("source_path", kind="stable").drop_duplicates(JOIN_KEY)[JOIN_KEY + wanted]
    return frame.merge(docs, how="left", on=JOIN_KEY, validate="many_to_one")


def duckdb_views(path: str | Path, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (`con`, or a new in-memory one) with one view per table present.

    The views read the Parquet in place, so nothing is loaded until a query runs; their columns
    are the files' (union_by_name), not cast to the contract as `load` does. They are bound to
    the generation `current` points at now, so all views agree; call again to follow a newer ingest.
    """
    import duckdb

    con = con or duckdb.connect()
    for table, source in _locate(Path(path))[0].items():
        glob = str(source / "*.parquet") if source.is_dir() else str(source)
        literal = "'" + glob.replace("'", "''") + "'"
        con.execute(f'create or replace view "{table}" as select * from read_parquet({literal}, union_by_name = true)')
    return con


def _locate(path: Path, table: str | None = None) -> tuple[dict[str, Path], str | None]:
    """Table name → its Parquet file or part folder, for whichever layout `path` is; and the
    table `path` itself is, when it is one table rather than an output folder.

    Looked for in order: `path/current/<table>/` (ingest), `path/<table>.parquet` (convert),
    `path/<table>/` (an ingest generation), then `path` itself as one table's file or folder,
    named by its file name, its folder name or `table`.
    """
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    root = (path / "current").resolve() if (path / "current").is_dir() else path
    if root.is_dir():
        files = {t: root / f"{t}.parquet" for t in SCHEMAS if (root / f"{t}.parquet").is_file()}
        folders = {t: root / t for t in SCHEMAS if (root / t).is_dir()}
        if files or folders:
            return files or folders, None
    if path.is_file() and path.suffix == ".parquet" or path.is_dir() and any(path.glob("*.parquet")):
        name = _names_table(path) or table
        if not name:
            raise ValueError(f"cannot tell which table {path} holds from its name: pass table= (one of {', '.join(SCHEMAS)})")
        return {name: path.resolve()}, name
    raise FileNotFoundError(
        f"no cchc outputs in {path}: looked for current/<table>/ (cchc ingest), <table>.parquet (cchc convert), "
        f"<table>/ folders, or a table's own .parquet file or folder, for tables {', '.join(SCHEMAS)}")


def _names_table(path: Path) -> str | None:
    """The table a file or part folder belongs to, by name: indicators.parquet,
    current/indicators/, current/indicators/<part>.parquet."""
    names = (path.stem, path.parent.name) if path.suffix == ".parquet" else (path.name,)
    return next((name for name in names if name in SCHEMAS), None)


def _read(source: Path, table: str) -> pd.DataFrame:
    """Read with the contract's schema: missing columns come back null, extra ones are dropped."""
    files = sorted(source.glob("*.parquet")) if source.is_dir() else [source]
    data = ds.dataset(files, schema=arrow_schema(table), format="parquet").to_table()
    return data.to_pandas(types_mapper=_NULLABLE.get)


def _document_columns(table: str, documents: bool | str | list[str]) -> list[str]:
    """The documents columns to join onto `table`: those asked for that it does not have."""
    if not documents:
        return []
    available = [name for name, _, _ in SCHEMAS["documents"]]
    asked = available if documents is True else [documents] if isinstance(documents, str) else list(documents)
    unknown = [c for c in asked if c not in available]
    if unknown:
        raise ValueError(f"not documents columns: {', '.join(unknown)}; they are {', '.join(available)}")
    present = {name for name, _, _ in SCHEMAS[table]}
    return [c for c in asked if c not in present]
