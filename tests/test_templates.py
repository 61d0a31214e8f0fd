"""Province templates: the data, recognising a document as one, and its rows crossed to canonical codes."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from normalizers.codebook import load_codebook
from normalizers.codes import LabelRow
from normalizers.templates import load_template, map_document, templates_of
from pipeline.convert.process import process_file
from tests.fixtures.legacy_docx import EXCERPT_001, build_docx_tcvn3_excerpt
from tests.fixtures.seeds import SeedTable, appendix_001, phuluc1_000

CANONICAL = load_codebook()
TEMPLATE = load_template("thua-thien-hue-2021")
GOLD = Path(__file__).parent / "gold"


def _rows(table: SeedTable) -> list[LabelRow]:
    return [LabelRow(r.cells[0] or None, " ".join(r.cells[1].split()), " ".join(r.cells[2].split())) for r in table.rows]


def test_template_data_crosses_to_real_codes_one_to_one() -> None:
    assert templates_of("cchc-2021") == (TEMPLATE,) and TEMPLATE.canonical == "cchc-2021"
    codes = [i.code for i in TEMPLATE.codebook.indicators]
    assert len(codes) == len(set(codes)) == 130 and set(TEMPLATE.crosswalk) == set(codes)
    assert all(i.parent is None or TEMPLATE.codebook.get(i.parent) for i in TEMPLATE.codebook.indicators)
    targets = [c for c in TEMPLATE.crosswalk.values() if c]
    assert len(targets) == len(set(targets)) == 81 and all(CANONICAL.get(c) for c in targets)
    for code, canonical in TEMPLATE.crosswalk.items():  # a percentage crosses to a percentage
        if canonical and "group" not in (TEMPLATE.codebook.get(code).kind, CANONICAL.get(canonical).kind):
            assert (TEMPLATE.codebook.get(code).kind == "percent") == (CANONICAL.get(canonical).kind == "percent"), code
    assert TEMPLATE.crosswalk["3.4.3"] == "3.3.3" and TEMPLATE.crosswalk["1.4"] is None and TEMPLATE.inverse["3.4.3"] == "3.5.3"


def test_seed001_is_recognised_and_every_row_keeps_a_code() -> None:
    coded = map_document(_rows(appendix_001()))
    assert coded.template == "thua-thien-hue-2021"
    with (GOLD / "appendix_001.csv").open(encoding="utf-8") as fh:
        gold = list(csv.DictReader(fh))
    assert all((m.code or "") in g["accepted_codes"].split("|") for m, g in zip(coded.matches, gold))
    assert all(m.code_template for m in coded.matches)  # its extra rows too: 1.4, 3.6.4, 7.3 …
    by_template = {m.code_template: m.code for m in coded.matches}
    assert (by_template["3.4.3"], by_template["1.4"], by_template["7.8.1"]) == ("3.3.3", None, None)


def test_the_canonical_table_is_not_taken_for_a_template() -> None:
    coded = map_document(_rows(phuluc1_000()))
    assert coded.template is None and all(m.code and m.code_template is None for m in coded.matches)


def test_a_decision_in_a_template_document_is_canonical_and_places_the_rows_under_it() -> None:
    rows = _rows(appendix_001())
    survey = next(i for i, r in enumerate(rows) if r.code_printed == "1.4.")
    plan = next(i for i, r in enumerate(rows) if r.code_printed == "3.2.")  # Thống kê TTHC: canonical 3.1
    coded = map_document(rows, decided={survey: None, plan: "3.1"}).matches
    assert (coded[survey].code, coded[survey].decided, coded[survey].code_template) == (None, True, None)
    assert (coded[plan].code, coded[plan].code_template) == ("3.1", "3.2")
    assert coded[plan + 1].code == "3.1.1"
    assert all(m.code is None for m in coded[survey + 1 : survey + 3])  # the rows under "none" stay out


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_docx_tcvn3_excerpt(tmp_path_factory.mktemp("excerpt") / "excerpt_001_tcvn3.docx")


def test_a_tcvn3_excerpt_in_the_templates_numbering(excerpt: Path) -> None:
    # read by its printed numbers, 3.4.3 and 3.5.3 hang under 3.3 (canonical 3.2), where nothing fits
    result = process_file(excerpt)
    assert "decode_tcvn3(.VnTime)" in result.text[0]["repairs"]
    assert result.document["template"] == "thua-thien-hue-2021"
    got = [(r["code_printed"], r["code"], r["code_template"]) for r in result.indicators]
    assert got == [(p, c, p.rstrip(".")) for p, c in zip(EXCERPT_001, ("3.2", "3.2.2", "3.3.3", "3.4.3"))]
    assert result.document["n_unmapped"] == 0
