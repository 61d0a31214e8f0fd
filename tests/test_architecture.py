"""The layering of pyproject.toml's import-linter contracts, and ruff, hold on the code.

Run here so that a future import breaking the layers fails CI; the contracts are shown to
fail on a copy of the code given a violating import, so they cannot pass vacuously.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "extractors", "normalizers", "pipeline")
BIN = Path(sys.executable).parent


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "lint-imports"), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": str(BIN), "PYTHONPATH": str(cwd)})


def test_import_contracts_are_kept() -> None:
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 kept, 0 broken" in run.stdout


@pytest.mark.parametrize("module, violation, broken", [
    ("normalizers/codes.py", "from extractors.pdf import extract_pdf", "normalizers is not allowed to import extractors"),
    ("core/model.py", "from normalizers.numbers import parse_number", "core is not allowed to import normalizers"),
    ("pipeline/review/sheet.py", "from pipeline.ingest.ledger import Ledger",
     "pipeline.review is not allowed to import pipeline.ingest"),
    ("pipeline/dataset/loading.py", "from pipeline.convert.process import FileResult",
     "pipeline.dataset is not allowed to import pipeline.convert"),
    ("extractors/ruling.py", "from extractors.ocr import ocr_page", "No cycles are allowed in extractors"),
])
def test_a_violating_import_breaks_a_contract(tmp_path: Path, module: str, violation: str, broken: str) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a") as fh:
        fh.write(f"\n{violation}  # noqa: E402\n")
    run = _lint_imports(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert broken in run.stdout


def test_ruff_finds_nothing() -> None:
    run = subprocess.run([str(BIN / "ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
