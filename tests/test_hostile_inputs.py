"""Hostile inputs fail fast with a reason a person can act on, never a traceback or a stalled worker."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pdfplumber
import pytest
from pdfminer.pdfpage import PDFPage

import extractors.pdf
import pipeline.convert.process
from extractors import MAX_PAGES, extract
from extractors.errors import ExtractionError
from pipeline.convert.process import OUT_OF_MEMORY, process_file
from tests.fixtures.hostile import MANY_PAGES, build_hostile

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
HOSTILE = ("empty.pdf", "truncated.pdf", "encrypted.pdf", "html.pdf", "notzip.docx", "bomb.docx", "thousand_pages.pdf")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp("hostile")
    return out, build_hostile(out)


def test_builder_writes_every_kind_reproducibly(hostile: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    out, reasons = hostile
    assert tuple(reasons) == HOSTILE
    again = build_hostile(tmp_path)
    for name in HOSTILE:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
    assert (out / "thousand_pages.pdf").stat().st_size < 1_000_000
    with zipfile.ZipFile(out / "bomb.docx") as zf:
        assert zf.getinfo("word/document.xml").file_size > 500 * zf.getinfo("word/document.xml").compress_size
    assert again == reasons


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_fails_with_its_reason(hostile: tuple[Path, dict[str, str]], name: str) -> None:
    out, reasons = hostile
    document = process_file(out / name).document
    assert document["status"] == "failed"
    assert reasons[name] in document["error"], document["error"]
    assert document["seconds"] < 5


def test_page_limit_is_checked_without_reading_a_page(hostile: tuple[Path, dict[str, str]],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing 5000 pages alone takes pdfminer about a second: the count must come from the page tree."""
    def no_pages(*args: object) -> None:
        raise AssertionError("a page was read")

    monkeypatch.setattr(PDFPage, "create_pages", classmethod(no_pages))
    monkeypatch.setattr(pdfplumber, "open", no_pages)
    out, _ = hostile
    with pytest.raises(ExtractionError, match=f"PDF has {MANY_PAGES} pages, more than the limit of {MAX_PAGES} "
                                              r"\(--max-pages\)"):
        extract(out / "thousand_pages.pdf")


def test_custom_page_limit_on_a_real_report() -> None:
    report = RAW / "criteria_003.pdf"
    document = process_file(report, max_pages=10).document
    assert document["status"] == "failed"
    assert document["error"] == "PDF has 19 pages, more than the limit of 10 (--max-pages)"
    assert len(extract(report, max_pages=19).pages) == 19


def test_docx_ignores_the_page_limit() -> None:
    assert extract(RAW / "appendix_001.docx", max_pages=0).pages


def test_out_of_memory_outside_the_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr(pipeline.convert.process, "repair_document", exhausted)
    document = process_file(RAW / "appendix_001.docx").document
    assert (document["status"], document["error"]) == ("failed", OUT_OF_MEMORY)


@pytest.mark.parametrize("where", ["open", "page"])
def test_out_of_memory_inside_the_pdf_extractor(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """The extractor wraps what pdfminer raises; a MemoryError under it is still the memory limit, not damage."""
    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    if where == "open":
        monkeypatch.setattr(pdfplumber.pdf, "PDFDocument", exhausted)  # pdfplumber wraps it in PdfminerException
    else:
        monkeypatch.setattr(extractors.pdf, "_scan", exhausted)  # inside the page loop's damaged-PDF handler
    document = process_file(RAW / "phuluc1_000.pdf").document
    assert (document["status"], document["error"]) == ("failed", OUT_OF_MEMORY)
