"""cchc-extract: Vietnamese CCHC reports (PDF, DOCX) to tidy Parquet."""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

# The reading API (pipeline.dataset), imported on first use: `import pipeline`, which the CLI
# does for __version__, must not pay for pandas and DuckDB.
_LAZY = {"load": "loading", "tables": "loading", "duckdb_views": "loading", "panel": "panel"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"pipeline.dataset.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
