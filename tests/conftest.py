"""Shared fixtures: documents generated from the seeds, and where the real files are."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import broken_fonts, scans, tables
from tests.fixtures.build import build_all

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every generated fixture document, built once per test session."""
    return build_all(tmp_path_factory.mktemp("fixtures"))


@pytest.fixture(scope="session")
def broken_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PDFs whose body font lost part or all of its ToUnicode map, with their clean twins."""
    return broken_fonts.build_all(tmp_path_factory.mktemp("broken_fonts"))


@pytest.fixture(scope="session")
def scanned_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Image-only scans of the born-digital table PDFs (tests.fixtures.scans.SCANS), by name."""
    return scans.build_all(tmp_path_factory.mktemp("scans"))


@pytest.fixture(scope="session")
def table_docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Table-stage documents with known truth (tests.fixtures.tables), clean and altered, by name."""
    return tables.build_all(tmp_path_factory.mktemp("tables"))


@pytest.fixture(scope="session")
def real_dir() -> Path:
    path = SHARED / "real"
    if not path.is_dir():
        pytest.skip("../shared/real is not available")
    return path


@pytest.fixture(scope="session")
def real_batch(real_dir: Path) -> dict[str, object]:
    """Every real document's result, by file name, converted once as `cchc convert` does
    (long PDFs in page ranges on both cores)."""
    from pipeline.convert.runner import run_batch

    return {r.document["source_file"]: r for r in run_batch(real_dir).results}
