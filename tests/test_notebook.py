"""notebooks/overview.ipynb, executed headless on a fresh conversion so it cannot rot unnoticed.

The notebook runs in a python3 kernel of this interpreter, with CCHC_OUT pointing at a conversion
of five sample reports (an indicator table as PDF and Word, the same district's next year,
another province's appendix, the dossier table with a broken total) and one truncated PDF that
fails. The outputs must show what that conversion implies: the files and the failure, the dossier
units, the failed checks, a chart that is a real picture with its Vietnamese unit names drawn,
and the district's two years side by side.
"""
from __future__ import annotations

import base64
import io
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from PIL import Image

from pipeline.cli import main
from pipeline.terminal import EXIT_SOME_FAILED

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
NOTEBOOK = REPO / "notebooks" / "overview.ipynb"
SOURCES = ["dossier_000_bad_total.pdf", "phuluc1_000.pdf", "phuluc1_000.docx", "appendix_001.docx", "phuluc1_000_2022.docx"]
BROKEN = "truncated.pdf"
UNIT = "UBND Xã Phình Sáng"  # a commune of the dossier table, and the row a check cites
PROBE = "import sys; print('kernel prefix:', sys.prefix)"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("notebook")
    src = root / "in"
    src.mkdir()
    for name in SOURCES:
        shutil.copy(RAW / name, src / name)
    (src / BROKEN).write_bytes((RAW / "phuluc1_000.pdf").read_bytes()[:30000])
    assert main(["convert", str(src), "--out", str(root / "out"), "--workers", "1"]) == EXIT_SOME_FAILED
    return root / "out"


@pytest.fixture(scope="module")
def executed(out: Path, tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    """The notebook after a run, plus one last cell that reports which Python the kernel is.

    Connection files and the IPython profile go to a temporary folder, so a read-only home or
    someone's IPython startup scripts cannot change the run."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE, id="test-probe"))
    home = tmp_path_factory.mktemp("jupyter")
    private = {"JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython")}
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    with pytest.MonkeyPatch.context() as env:
        for name, value in private.items():
            env.setenv(name, value)
        client.execute(env={**os.environ, "CCHC_OUT": str(out)})
    return nb


def _cell(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    found = [c for c in nb.cells if c.get("id") == cell_id]
    assert found, f"no cell with id {cell_id!r} in {NOTEBOOK.name}; the test finds its outputs by cell id"
    return found[0]


def _text(cell: nbformat.NotebookNode) -> str:
    """Everything a reader sees as text in a cell's outputs: streams, plain and HTML reprs."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        for mime in ("text/plain", "text/html"):
            parts.append(output.get("data", {}).get(mime, ""))
    return "\n".join(parts)


def test_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(c.outputs == [] and c.execution_count is None and "execution" not in c.metadata for c in code), (
        "clear the notebook's outputs and execution timings before committing (notebooks/README.md)")


def test_every_cell_runs(executed: nbformat.NotebookNode) -> None:
    errors = [
        f"cell {c.get('id')}: {o.ename}: {o.evalue}\n" + "\n".join(o.traceback)
        for c in executed.cells if c.cell_type == "code"
        for o in c.outputs if o.output_type == "error"
    ]
    assert not errors, "\n\n".join(errors)


def test_kernel_is_this_interpreter(executed: nbformat.NotebookNode) -> None:
    assert f"kernel prefix: {sys.prefix}" in _text(_cell(executed, "test-probe"))


def test_chart_is_a_drawn_png(executed: nbformat.NotebookNode) -> None:
    pngs = [o.data["image/png"] for o in _cell(executed, "dossier-chart").outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 1, "the dossier chart should be displayed inline, once"
    image = Image.open(io.BytesIO(base64.b64decode(pngs[0])))
    assert image.format == "PNG"
    assert image.width >= 400 and image.height >= 300, image.size
    pixels = image.convert("L")
    colours = pixels.convert("RGB").getcolors(maxcolors=1 << 24)
    assert len(colours) >= 50, f"{len(colours)} distinct colours: a blank or nearly blank figure"
    inked = sum(pixels.histogram()[:200]) / (image.width * image.height)
    assert inked > 0.05, f"only {inked:.1%} of the chart is drawn on"


def test_no_missing_glyphs(executed: nbformat.NotebookNode) -> None:
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                assert "missing from font" not in output.text, (cell.get("id"), output.text)


def test_outputs_show_the_data(executed: nbformat.NotebookNode, out: Path) -> None:
    docs = pd.read_parquet(out / "documents.parquet")
    dossiers = pd.read_parquet(out / "dossiers.parquet")
    checks = pd.read_parquet(out / "checks.parquet")
    indicators = pd.read_parquet(out / "indicators.parquet")
    units = dossiers.loc[~dossiers["is_total"].astype(bool), "unit"]
    assert len(docs) == len(SOURCES) + 1 and UNIT in set(units) and len(checks) > 0  # what the run must give

    documents = _text(_cell(executed, "documents"))
    assert f"{len(SOURCES) + 1} files: {len(SOURCES)} ok, 1 failed" in documents
    assert BROKEN in _text(_cell(executed, "failures"))
    table = _text(_cell(executed, "dossier-table"))
    assert all(unit in table for unit in units), [u for u in units if u not in table]
    checked = _text(_cell(executed, "checks"))
    assert f"{len(checks)} failed checks" in checked and UNIT in checked
    unmapped = int(indicators["code"].isna().sum())
    assert f"{unmapped} of {len(indicators)} indicator rows have no code" in _text(_cell(executed, "unmapped"))


def test_unit_over_two_years(executed: nbformat.NotebookNode) -> None:
    """Tuần Giáo's 2021 report (as PDF and Word, which agree) beside its 2022 one, which changed three values."""
    shown = _text(_cell(executed, "unit-years"))
    assert "Huyện Tuần Giáo (GSO 099): 2021 and 2022; 3 of 71 codes changed, 0 disagreeing values" in shown
    assert "Số văn bản chỉ đạo CCHC đã ban hành" in shown
