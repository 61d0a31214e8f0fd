"""`cchc convert` on a folder mixing good reports and bad input: nothing stops the batch."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

from pipeline.cli import main
from pipeline.dataset.schema import SCHEMAS
from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK, EXIT_SOME_FAILED

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _encrypted_pdf(path: Path) -> None:
    c = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret"))
    c.drawString(100, 700, "mật khẩu")
    c.save()


@pytest.fixture()
def batch_dir(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    shutil.copy(RAW / "phuluc1_000.pdf", src / "phuluc1_000.pdf")
    shutil.copy(RAW / "appendix_001.docx", src / "sub" / "appendix_001.docx")
    (src / "empty.pdf").write_bytes(b"")
    (src / "page.pdf").write_text("<!DOCTYPE html><html><body>404</body></html>")
    (src / "notzip.docx").write_text("plain text, not a Word file")
    (src / "truncated.pdf").write_bytes((RAW / "phuluc1_000.pdf").read_bytes()[:30000])
    (src / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (src / "notes.txt").write_text("ignored")
    _encrypted_pdf(src / "locked.pdf")
    return src


def test_convert_records_every_failure_and_keeps_going(batch_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["convert", str(batch_dir), "--out", str(out)]) == EXIT_SOME_FAILED
    docs = pd.read_parquet(out / "documents.parquet").set_index("source_file")
    assert docs.loc["phuluc1_000.pdf", "status"] == "ok"
    assert docs.loc["appendix_001.docx", "status"] == "ok"
    reasons = {
        "empty.pdf": "empty file",
        "page.pdf": "HTML page",
        "notzip.docx": "not a PDF or DOCX",
        "truncated.pdf": "truncated PDF",
        "locked.pdf": "encrypted PDF",
        "old.doc": ".doc",
    }
    for name, reason in reasons.items():
        assert docs.loc[name, "status"] in ("failed", "skipped"), name
        assert reason in docs.loc[name, "error"], (name, docs.loc[name, "error"])
    assert "notes.txt" not in docs.index
    ind = pd.read_parquet(out / "indicators.parquet")
    assert set(ind.source_file) == {"phuluc1_000.pdf", "appendix_001.docx"}
    assert len(ind[ind.source_file == "phuluc1_000.pdf"]) == 102


def test_outputs_follow_the_contract(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["convert", str(RAW), "--out", str(out), "--workers", "2"]) == EXIT_OK
    for name, columns in SCHEMAS.items():
        if name == "checks":
            continue
        frame = pd.read_parquet(out / f"{name}.parquet")
        assert list(frame.columns) == [c for c, _, _ in columns]
        assert ds.dataset(out / f"{name}.parquet").count_rows() == len(frame)
    docs = pd.read_parquet(out / "documents.parquet")
    assert (docs.status == "ok").all() and docs.doc_id.str.len().eq(64).all()
    text = pd.read_parquet(out / "text.parquet")
    assert text.page.min() == 1 and text.text.str.contains("Số nhiệm vụ đề ra trong kế hoạch").any()
    assert not list(out.glob(".*.tmp")), "no temporary files left behind"


def test_rerun_gives_the_same_rows(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    main(["convert", str(RAW), "--out", str(first)])
    main(["convert", str(RAW), "--out", str(second)])
    for name in ("indicators", "tables", "text"):
        pd.testing.assert_frame_equal(pd.read_parquet(first / f"{name}.parquet"), pd.read_parquet(second / f"{name}.parquet"))


def test_missing_input_cannot_run(tmp_path: Path) -> None:
    assert main(["convert", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == EXIT_CANNOT_RUN


def _dies_on_crash_pdf(path, **kwargs):
    """Stands in for a parser that kills its process (a segfault, the OOM killer)."""
    import os

    from pipeline.convert.process import process_file

    if Path(path).name == "b_crash.pdf":
        os._exit(1)
    return process_file(path, **kwargs)


def test_a_worker_that_dies_fails_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.convert.guard
    import pipeline.convert.runner

    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.pdf", "b_crash.pdf", "c.pdf"):
        shutil.copy(RAW / "phuluc1_000.pdf", src / name)
    monkeypatch.setattr(pipeline.convert.guard, "process_file", _dies_on_crash_pdf)
    batch = pipeline.convert.runner.run_batch(src, workers=1)
    status = {r.document["source_file"]: (r.document["status"], r.document.get("error")) for r in batch.results}
    assert status["a.pdf"][0] == status["c.pdf"][0] == "ok"
    assert status["b_crash.pdf"][0] == "failed" and "worker process died (exit code 1)" in status["b_crash.pdf"][1]


def test_tone_style_rewrites_output_text_only_when_asked(tmp_path: Path) -> None:
    """appendix_001.docx types "ủy" (old style) four times; matching never depends on it."""
    def words(style: str) -> list[str]:
        out = tmp_path / style
        assert main(["convert", str(RAW / "appendix_001.docx"), "--out", str(out), "--tone-style", style]) == EXIT_OK
        text = pd.read_parquet(out / "text.parquet").text.iloc[0].lower()
        return re.findall(r"[^\W\d_]+", text)

    assert words("keep").count("ủy") == 4 and words("new").count("uỷ") == 4 and words("new").count("ủy") == 0
    assert pd.read_parquet(tmp_path / "new" / "text.parquet").repairs.iloc[0] == "place_tones_new"
    pd.testing.assert_series_equal(pd.read_parquet(tmp_path / "keep" / "indicators.parquet").code,
                                   pd.read_parquet(tmp_path / "new" / "indicators.parquet").code)
