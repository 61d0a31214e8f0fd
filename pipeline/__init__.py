"""cchc-extract: Vietnamese CCHC reports (PDF, DOCX) to tidy Parquet."""
from __future__ import annotations

__version__ = "0.1.0"
