"""The real documents in ../shared/real (no gold): nothing crashes, text comes out whole.

Word counts are compared with the manifest's `expected_words` (counted by another tool,
so within a margin); scans are OCR'd; legacy encodings are decoded.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def batch(real_batch: dict[str, object]) -> dict[str, object]:
    return real_batch


@pytest.fixture(scope="module")
def manifest(real_dir: Path) -> dict[str, dict[str, str]]:
    with (real_dir / "manifest.csv").open(encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh)}


def _words(result) -> int:
    return sum(len(str(p["text"]).split()) for p in result.text)


def test_every_real_document_converts(batch, manifest) -> None:
    assert set(batch) == set(manifest)
    assert all(r.document["status"] == "ok" for r in batch.values()), {k: r.document["error"] for k, r in batch.items()}


@pytest.mark.parametrize(
    "name",
    ["r01_nd175_2024_ND-CP_xaydung.pdf", "r02_anle55_2022_AL.pdf", "r08_nd356_2025_ND-CP_dlcn.docx", "r10_kehoach_stttt_phutho_2011.docx"],
)
def test_unicode_documents_give_their_full_text(batch, manifest, name: str) -> None:
    expected = int(manifest[name]["expected_words"])
    assert 0.9 * expected <= _words(batch[name]) <= 1.15 * expected
    assert all(p["quality"] > 0.95 for p in batch[name].text if p["quality"] is not None)


def test_docx_merged_cells_are_not_repeated(batch) -> None:
    result = batch["r08_nd356_2025_ND-CP_dlcn.docx"]
    assert result.document["n_tables"] == 28
    assert _words(result) < 1.15 * 23594


@pytest.mark.parametrize(
    "name",
    ["r04_kstthc_ubnd_phutho_2011_scan.pdf", "r05_cv275_stttt_phutho_2011_scan.pdf", "r06_qd3025_ubnd_phutho_2025_scan.pdf",
     "r07_qd01_2025_TTg_scan.pdf"],
)
def test_scans_come_out_whole(batch, manifest, name: str) -> None:
    """Every page OCR'd (r06/r07 under a signature-box text layer), as many words as plain tesseract reads.

    `expected_words` in the manifest is plain tesseract's count on the same pages.
    """
    result = batch[name]
    assert result.document["pages_ocr"] == result.document["pages"]
    assert {p["method"] for p in result.text} == {"ocr"}
    expected = int(manifest[name]["expected_words"])
    assert 0.9 * expected <= _words(result) <= 1.6 * expected  # r05: plain tesseract 269 at 300 DPI, manifest 205, ours 311
    assert _mean([p["quality"] for p in result.text]) > 0.8  # r05 p.2 is a skewed, rotated form: 0.71


def _mean(values: list[float | None]) -> float:
    present = [v for v in values if v is not None]
    return sum(present) / len(present)


@pytest.mark.parametrize(
    ("name", "repair", "before", "after"),
    [
        ("r03_dethi_ktmt_vntime.pdf", "decode_tcvn3(VnTime)", 0.40, 0.80),  # English IT terms and a/b/c/d answers stay
        ("r11_vatly11_vni_tcvn3_mixed.docx", "decode_vni(VNI-Times)", 0.60, 0.90),
    ],
)
def test_legacy_encodings_are_decoded(batch, name: str, repair: str, before: float, after: float) -> None:
    pages = batch[name].text
    broken = [p for p in pages if p["quality_raw"] is not None and p["quality_raw"] < 0.5]
    assert sum(repair in (p["repairs"] or "") for p in broken) >= 0.9 * len(broken)
    assert _mean([p["quality_raw"] for p in pages]) < before
    assert _mean([p["quality"] for p in pages]) >= after
    assert "legacy font encoding" not in (batch[name].document["warnings"] or "")
