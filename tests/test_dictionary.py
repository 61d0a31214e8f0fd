"""docs/data-dictionary.md is generated from the contract and kept in step with it."""
from __future__ import annotations

import pyarrow as pa

from pipeline.dataset.dictionary import COMMAND, DOC, EXAMPLES, ROWS, main, render, type_name
from pipeline.dataset.schema import SCHEMAS


def test_committed_dictionary_is_current() -> None:
    assert DOC.is_file(), f"{DOC} is missing: run `{COMMAND}`"
    assert DOC.read_text(encoding="utf-8") == render(), f"{DOC.name} is stale (the contract changed): run `{COMMAND}`"


def test_every_table_says_what_a_row_is() -> None:
    assert set(ROWS) == set(SCHEMAS)


def test_every_column_is_listed_with_its_type() -> None:
    text = render()
    for table, columns in SCHEMAS.items():
        section = text.split(f"\n## {table}\n", 1)[1].split("\n## ", 1)[0]
        for name, dtype, _ in columns:
            assert f"| `{name}` | {type_name(dtype)} |" in section, (table, name)


def test_examples_name_real_columns() -> None:
    columns = {(table, name) for table, cols in SCHEMAS.items() for name, _, _ in cols}
    assert set(EXAMPLES) <= columns, set(EXAMPLES) - columns


def test_types_read_like_words() -> None:
    assert [type_name(t) for t in (pa.string(), pa.int32(), pa.bool_(), pa.timestamp("s"))] == [
        "string", "int32", "bool", "timestamp"]


def test_prints_without_write(capsys) -> None:
    assert main([]) == 0
    assert capsys.readouterr().out == render()
