"""pipeline.dataset.loading: one reading API over `convert` and `ingest` outputs, typed by the contract."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import duckdb_views, load, tables
from pipeline.cli import main
from pipeline.dataset.schema import SCHEMAS
from pipeline.dataset.writers import TABLES
from pipeline.terminal import EXIT_OK

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
DIFFERS = ["seconds", "processed_at", "source_path"]  # by design between two runs and the two layouts
ISSUER = "UBND HUYỆN TUẦN GIÁO"  # phuluc1_000.docx's title block


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both layouts from the same four files: two reports, and two copies of phuluc1_000.docx,
    one renamed and one under the same name in a subfolder (same bytes, so the same doc_id)."""
    root = tmp_path_factory.mktemp("load")
    src = root / "in"
    (src / "copy").mkdir(parents=True)
    for name in ("phuluc1_000.docx", "appendix_001.docx"):
        shutil.copy(RAW / name, src / name)
    shutil.copy(RAW / "phuluc1_000.docx", src / "copy" / "renamed.docx")
    shutil.copy(RAW / "phuluc1_000.docx", src / "copy" / "phuluc1_000.docx")
    layouts = {"convert": root / "convert", "ingest": root / "ingest"}
    for command, out in layouts.items():
        assert main([command, str(src), "--out", str(out), "--workers", "1"]) == EXIT_OK
    return layouts


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in DIFFERS if c in frame.columns])
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("table", TABLES)
def test_both_layouts_load_the_same_rows(outputs: dict[str, Path], table: str) -> None:
    converted, ingested = (load(out, table) for out in outputs.values())
    assert list(converted.columns) == [name for name, _, _ in SCHEMAS[table]]
    pd.testing.assert_frame_equal(_comparable(converted), _comparable(ingested))


def test_tables_lists_every_table(outputs: dict[str, Path]) -> None:
    for out in outputs.values():
        assert sorted(tables(out)) == sorted(TABLES)


@pytest.mark.parametrize("layout", ["convert", "ingest"])
def test_documents_join_adds_each_rows_document(outputs: dict[str, Path], layout: str) -> None:
    out = outputs[layout]
    plain, joined = load(out), load(out, documents=True)
    own = [name for name, _, _ in SCHEMAS["indicators"]]
    added = [name for name, _, _ in SCHEMAS["documents"] if name not in own]
    assert list(joined.columns) == own + added
    assert len(joined) == len(plain)  # same-name copies in two folders do not duplicate rows
    pd.testing.assert_frame_equal(joined[own], plain)

    docs = load(out, "documents").drop_duplicates(["doc_id", "source_file"]).set_index(["doc_id", "source_file"])
    for key, rows in joined.groupby(["doc_id", "source_file"]):
        for column in ("issuer", "year", "period_end"):
            value = docs.loc[key, column]
            assert rows[column].isna().all() if pd.isna(value) else (rows[column] == value).all(), (key, column)
    phuluc = joined[joined.source_file.isin(["phuluc1_000.docx", "renamed.docx"])]
    assert set(phuluc.issuer) == {ISSUER} and set(phuluc.year) == {2021}
    # the copy's rows carry its own documents row (its path), not the original's: the key is doc_id + source_file
    renamed = joined[joined.source_file == "renamed.docx"]
    assert len(renamed) and renamed.source_path.str.endswith("renamed.docx").all()
    assert len(set(renamed.doc_id)) == 1 and renamed.doc_id.iloc[0] in set(phuluc[phuluc.source_file != "renamed.docx"].doc_id)

    chosen = load(out, "dossiers", documents=["issuer", "year", "doc_id"])
    assert list(chosen.columns) == [name for name, _, _ in SCHEMAS["dossiers"]] + ["issuer", "year"]


def test_empty_table_has_the_contracts_columns_and_dtypes(outputs: dict[str, Path]) -> None:
    indicators = load(outputs["convert"])
    for out in outputs.values():
        criteria = load(out, "criteria")
        assert criteria.empty
        assert list(criteria.columns) == [name for name, _, _ in SCHEMAS["criteria"]]
        assert criteria.dtypes["page"] == pd.Int32Dtype() and criteria.dtypes["match_score"] == "float64"
        shared = [c for c in criteria.columns if c in indicators.columns]
        assert criteria.dtypes[shared].equals(indicators.dtypes[shared])  # an empty table types like a full one
        joined = load(out, "criteria", documents=True)
        assert joined.empty and joined.dtypes["year"] == pd.Int32Dtype()
        assert pd.api.types.is_string_dtype(joined.dtypes["issuer"])


def test_files_from_before_a_column_was_added_read_it_as_null(outputs: dict[str, Path], tmp_path: Path) -> None:
    old = pq.read_table(outputs["convert"] / "documents.parquet").drop_columns(["issuer", "year"])
    pq.write_table(old, tmp_path / "documents.parquet")
    docs = load(tmp_path, "documents")
    assert list(docs.columns) == [name for name, _, _ in SCHEMAS["documents"]]
    assert docs.issuer.isna().all() and docs.year.isna().all() and docs.dtypes["year"] == pd.Int32Dtype()


@pytest.mark.parametrize("layout", ["convert", "ingest"])
def test_duckdb_views_count_what_load_reads(outputs: dict[str, Path], layout: str) -> None:
    out = outputs[layout]
    con = duckdb_views(out)
    for table in TABLES:
        assert con.sql(f'select count(*) from "{table}"').fetchall()[0][0] == len(load(out, table))
    means = con.sql("select code, avg(value) from indicators group by code").df()
    assert len(means) == load(out).code.nunique(dropna=False)
    assert duckdb_views(out, con) is con


def test_a_path_to_one_table(outputs: dict[str, Path]) -> None:
    current = outputs["ingest"] / "current"
    part = next(p for p in sorted((current / "indicators").glob("*.parquet")) if p.name != "empty.parquet")
    expected = len(load(outputs["convert"]))
    assert len(load(outputs["convert"] / "indicators.parquet")) == expected
    assert len(load(current)) == len(load(current / "indicators")) == expected
    assert 0 < len(load(part)) < expected
    assert len(load(outputs["convert"] / "documents.parquet")) == 4  # the table the path names, not indicators
    assert tables(current / "text") == ["text"]
    with pytest.raises(FileNotFoundError, match="no indicators table"):
        load(current / "documents", "indicators")


def test_a_folder_without_outputs_says_what_was_looked_for(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an output")
    with pytest.raises(FileNotFoundError, match=r"no cchc outputs in .*current/<table>/.*<table>\.parquet"):
        load(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="no cchc outputs"):
        duckdb_views(tmp_path)


def test_a_file_named_after_no_table_needs_table(outputs: dict[str, Path], tmp_path: Path) -> None:
    shutil.copy(outputs["convert"] / "indicators.parquet", tmp_path / "export.parquet")
    with pytest.raises(ValueError, match="pass table="):
        load(tmp_path / "export.parquet")
    assert len(load(tmp_path / "export.parquet", "indicators")) == len(load(outputs["convert"]))


def test_bad_arguments_are_named(outputs: dict[str, Path]) -> None:
    with pytest.raises(ValueError, match="unknown table 'indicator'"):
        load(outputs["convert"], "indicator")
    with pytest.raises(ValueError, match="not documents columns: isuer"):
        load(outputs["convert"], documents=["isuer"])


def test_pipeline_load_is_the_function_and_import_stays_cheap() -> None:
    from pipeline import load as imported

    assert imported is load and imported.__module__ == "pipeline.dataset.loading"
    code = "import sys, pipeline; assert not {'pandas', 'pyarrow', 'duckdb'} & set(sys.modules), sys.modules.keys()"
    subprocess.run([sys.executable, "-c", code], check=True)
