"""A long PDF read in page ranges on several workers gives exactly what reading it whole gives.

Fixtures are cut into one-page parts (every page boundary a part boundary: tables continued
over pages, multi-page headers, rows cut by a page break); the real documents long enough to
be split are read with the default part size. Every column of every output table is compared,
all but the run's own timing.
"""
from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from pdfminer.pdfparser import PDFSyntaxError

from extractors.pdf import page_count
from pipeline.convert.executors import LocalExecutor
from pipeline.convert.guard import DEFAULT_LIMITS, Unit
from pipeline.convert.process import FileResult, finish_parts, process_file, process_part
from pipeline.convert.split import PART_PAGES, plan, process_files, ranges

TIMING = ("seconds", "processed_at")


def _rows(result: FileResult) -> dict[str, list[dict]]:
    rows = result.rows()
    rows["documents"] = [{k: v for k, v in d.items() if k not in TIMING} for d in rows["documents"]]
    return rows


def _split(path: Path, part_pages: int) -> FileResult:
    (processed,) = process_files([path], {}, DEFAULT_LIMITS, LocalExecutor(2), part_pages=part_pages)
    assert isinstance(processed.result, FileResult)
    return processed.result


def _assert_same(path: Path, part_pages: int) -> FileResult:
    whole, split = process_file(path), _split(path, part_pages)
    for table, rows in _rows(whole).items():
        assert _rows(split)[table] == rows, f"{path.name}: {table} differs when read in parts"
    return split


def test_ranges_cover_every_page_once() -> None:
    for pages in range(1, 60):
        for size in (1, 2, 5, PART_PAGES):
            cut = ranges(pages, size)
            assert [n for r in cut for n in r] == list(range(1, pages + 1))
            assert max(map(len, cut)) <= size and max(map(len, cut)) - min(map(len, cut)) <= 1


def test_long_files_are_cut_and_start_first(tmp_path: Path) -> None:
    short, long = tmp_path / "short.pdf", tmp_path / "long.pdf"
    units = plan([short, long, tmp_path / "a.docx"], {short: 3, long: 30}, part_pages=12)
    assert units[:3] == [Unit(long, range(1, 11)), Unit(long, range(11, 21)), Unit(long, range(21, 31))]
    assert units[3:] == [Unit(short), Unit(tmp_path / "a.docx")]


def test_a_files_parts_are_not_interleaved_with_another_files(tmp_path: Path) -> None:
    """The parent keeps a file's parts until the last: parts of many files at once would grow
    its memory with the batch."""
    a, b, c = (tmp_path / f"{name}.pdf" for name in "abc")
    units = plan([a, b, c], {a: 19, b: 19, c: 25}, part_pages=12)
    assert units == [Unit(c, range(1, 9)), Unit(c, range(9, 18)), Unit(c, range(18, 26)), Unit(a, range(1, 11)),
                     Unit(a, range(11, 20)), Unit(b, range(1, 11)), Unit(b, range(11, 20))]


@pytest.mark.parametrize("name", ["phuluc1_000.pdf", "appendix_001.pdf"])
def test_fixtures_read_in_one_page_parts_equal_the_whole(built: dict[str, Path], name: str) -> None:
    assert page_count(built[name]) > 1
    split = _assert_same(built[name], part_pages=1)
    assert split.indicators, "the comparison must cover indicator rows"


@pytest.mark.parametrize("name", ["appendices_000.pdf", "criteria_003.pdf", "dossier_000_cw.pdf", "dossier_000_bad_total.pdf"])
def test_table_fixtures_read_in_parts_equal_the_whole(table_docs: dict[str, Path], name: str) -> None:
    split = _assert_same(table_docs[name], part_pages=1)
    assert split.tables


def test_a_broken_font_decided_over_several_pages_is_read_whole(broken_pdfs: dict[str, Path]) -> None:
    path = broken_pdfs["table_glyphloss.pdf"]
    parts = [process_part(path, r) for r in ranges(page_count(path), 1)]
    assert any(p.document is not None and p.document.cross_page for p in parts)
    assert finish_parts(path, parts) is None
    _assert_same(path, part_pages=1)


def test_a_part_that_fails_makes_the_file_fail_as_it_would_whole(built: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    words = pdfplumber.page.Page.extract_words

    def gives_up_on_page_2(page: pdfplumber.page.Page, *args: object, **kwargs: object) -> object:
        if page.page_number == 2:
            raise PDFSyntaxError("Invalid dictionary construct")
        return words(page, *args, **kwargs)

    monkeypatch.setattr(pdfplumber.page.Page, "extract_words", gives_up_on_page_2)  # forked workers inherit it
    path = built["phuluc1_000.pdf"]
    assert process_part(path, range(1, 2)).document is not None
    assert process_part(path, range(2, 3)).document is None
    split = _assert_same(path, part_pages=1)
    assert split.document["error"] == "damaged PDF: page 2 could not be read"


@pytest.mark.parametrize("prefix", ["r01_", "r03_"])
def test_long_real_documents_read_in_parts_equal_the_whole(real_dir: Path, real_batch: dict[str, FileResult],
                                                          prefix: str) -> None:
    path = next(real_dir.glob(f"{prefix}*.pdf"))
    assert page_count(path) > PART_PAGES
    whole, split = _rows(process_file(path)), _rows(real_batch[path.name])
    for table, rows in whole.items():
        assert split[table] == rows, f"{path.name}: {table} differs when read in parts"
