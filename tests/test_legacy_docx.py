"""Word files typed in legacy fonts read back exactly as their Unicode twins, through the pipeline."""
from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from core.vietnamese import syllable_score
from extractors import extract
from extractors.docx import extract_docx
from pipeline.convert.process import process_file
from tests.fixtures.build import build_docx_phuluc1
from tests.fixtures.legacy_docx import LEGACY_BUILDERS, mixed_text
from tests.fixtures.seeds import phuluc1_000

PHULUC1 = ["phuluc1_000_tcvn3.docx", "phuluc1_000_vni.docx"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("legacy_docx")
    built = {name: build(out / name) for name, build in LEGACY_BUILDERS.items()}
    return {**built, "unicode": build_docx_phuluc1(out / "phuluc1_000.docx")}


def _indicators(path: Path) -> list[tuple[object, ...]]:
    result = process_file(path)
    assert result.ok, result.document["error"]
    return [(r["code"], r["value"], r["value_text"]) for r in result.indicators]


def test_fixtures_really_are_legacy(files):
    tcvn3 = zipfile.ZipFile(files["phuluc1_000_tcvn3.docx"]).read("word/document.xml").decode()
    vni = zipfile.ZipFile(files["phuluc1_000_vni.docx"]).read("word/document.xml").decode()
    assert "c¶i c¸ch hµnh chÝnh" in tcvn3 and 'w:ascii=".VnTimeH"' in tcvn3 and "<w:softHyphen/>" in tcvn3
    assert "CAÛI CAÙCH HAØNH CHÍNH" in vni and 'w:ascii="VNI-Times"' in vni
    for name in [*PHULUC1, "narrative_001_mixed.docx"]:
        assert syllable_score(extract_docx(files[name]).pages[0].text) < 0.5, name


@pytest.mark.parametrize("name, repairs", [
    ("phuluc1_000_tcvn3.docx", ["decode_tcvn3(.VnTime)", "decode_tcvn3h(.VnTimeH)"]),
    ("phuluc1_000_vni.docx", ["decode_vni(VNI-Times)"]),
])
def test_legacy_phuluc1_reads_as_the_unicode_fixture(files, name, repairs):
    unicode_doc, doc = extract(files["unicode"]), extract(files[name])
    assert doc.pages[0].text == unicode_doc.pages[0].text
    assert [t.cells for t in doc.tables] == [t.cells for t in unicode_doc.tables]
    grid = doc.tables[0].grid()
    assert [tuple(row) for row in grid[2:]] == phuluc1_000().body()
    page = doc.pages[0]
    assert page.repairs == repairs
    assert page.quality == unicode_doc.pages[0].quality and page.quality_raw < 0.5
    assert page.issues == []


@pytest.mark.parametrize("name", PHULUC1)
def test_legacy_phuluc1_gives_the_same_indicators(files, name):
    assert _indicators(files[name]) == _indicators(files["unicode"])


def test_mixed_runs_each_decoded_by_font_or_guess(files):
    page = extract(files["narrative_001_mixed.docx"]).pages[0]
    assert page.text == mixed_text()
    assert page.repairs == ["decode_tcvn3(.VnTime)", "decode_tcvn3(Arial)", "decode_tcvn3h(.VnTimeH)",
                            "decode_vni(Times)", "decode_vni(VNI-Times)"]
    assert page.quality is not None and page.quality > 0.95


def test_unicode_docx_is_not_repaired(files):
    page = extract(files["unicode"]).pages[0]
    assert page.repairs == [] and page.quality == page.quality_raw == syllable_score(page.text)


def _docx_with_runs(tmp_path: Path, runs: list[tuple[str, str]]) -> Path:
    document = docx.Document()
    paragraph = document.add_paragraph()
    for text, font in runs:
        paragraph.add_run(text).font.name = font
    path = tmp_path / "runs.docx"
    document.save(str(path))
    return path


def test_vni_letter_split_over_two_runs_is_read_whole(tmp_path):
    """Word splits runs anywhere; VNI's mark byte may open the next run ("chie" + "àu")."""
    runs = [("Caûi caùch chie", "VNI-Times"), ("àu", "VNI-Times"), (" chính", "VNI-Times")]
    assert extract(_docx_with_runs(tmp_path, runs)).pages[0].text == "Cải cách chiều chính"


def test_low_quality_left_after_decoding_is_an_issue(tmp_path):
    page = extract(_docx_with_runs(tmp_path, [("C¶i c¸ch", "Arial")])).pages[0]  # too little to guess from
    assert page.repairs == [] and page.issues == ["low Vietnamese text quality (0.33)"]
