"""The table stage end to end on generated documents whose truth is the seed.

Seed 003's criteria table typeset over 19 pages (header repeated, 10 rows cut by page
breaks) and as one Word table; seed 000's Phụ lục 02 (merged groups, a cell one word per
line) and its dossier table (three-level header, total row, printed sideways on a
portrait page); and copies with one number altered, which must make exactly the right
check fire while the clean documents fire none.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.convert.process import FileResult, process_file
from tests.fixtures.seeds import DOSSIER_VALUES, criteria_003, dossier_000, plan_000
from tests.fixtures.tables import ALTERATIONS

CLEAN_TABLE_DOCS = ("criteria_003.pdf", "criteria_003.docx", "appendices_000.pdf", "appendices_000.docx", "dossier_000_cw.pdf")
# Seed column names (typos as printed) → the dossier fields they are read into.
DOSSIER_FIELDS = dict(zip(DOSSIER_VALUES, (
    "received_total", "received_online", "online_rate", "carried_over", "received_direct", "resolved_total",
    "resolved_early", "resolved_on_time", "resolved_late", "pending_total", "pending_on_time", "pending_overdue",
    "withdrawn", "returned",
)))


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def results(table_docs: dict[str, Path]) -> dict[str, FileResult]:
    return {name: process_file(path) for name, path in table_docs.items()}


def grid(result: FileResult, kind: str) -> tuple[list[list[str]], list[dict]]:
    """The one table of `kind` as rows of whitespace-squashed text, and its cell records."""
    [table_id] = {c["table_id"] for c in result.tables if c["table_kind"] == kind}
    cells = [c for c in result.tables if c["table_id"] == table_id]
    n_rows, n_cols = max(c["row"] for c in cells) + 1, max(c["col"] + c["colspan"] for c in cells)
    out = [[""] * n_cols for _ in range(n_rows)]
    for c in cells:
        out[c["row"]][c["col"]] = squash(c["text"])
    return out, cells


@pytest.mark.parametrize("name", ["criteria_003.pdf", "criteria_003.docx"])
def test_the_criteria_table_is_exactly_its_rows(results, name):
    truth = criteria_003()
    rows, cells = grid(results[name], "par_criteria")
    header = [r for r in range(len(rows)) if any(c["is_header"] for c in cells if c["row"] == r)]
    body = [tuple(row) for r, row in enumerate(rows) if r not in header and row != list(truth.numbering)]
    assert [squash(t) for t in rows[0]] == list(truth.header) and header == [0, 1]  # the header and its 1..6 row
    assert body == [tuple(squash(t) for t in row) for row in truth.rows]  # no repeated header, no row cut in two


@pytest.mark.parametrize("name", ["criteria_003.pdf", "criteria_003.docx"])
def test_every_criterion_comes_out_once_with_its_columns(results, name):
    truth = criteria_003()
    got = results[name].criteria
    assert [(r["code_type"], r["code"]) for r in got] == [(t or "TCTP", c) for t, c in truth.codes()]
    assert len({r["code"] for r in got}) == len(got) == 93
    by_code = {r["code"]: r for r in got}
    cut = truth.rows[truth.cut_rows()[0]]  # TC 1.5, its target cut across pages 2 and 3
    assert by_code["1.5"]["target"] and squash(by_code["1.5"]["target"]) == squash(cut[2])
    assert by_code["1.5"]["lead_agency"] == "Phòng Nội vụ" and by_code["1.5"]["deadline"] == "Thường xuyên trong năm"
    assert by_code["4.1.3"]["flags"] == "type_inferred"
    assert by_code["7.1.1"]["section"].startswith("VII XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH PHỦ ĐIỆN TỬ, CHÍNH PHỦ SỐ")
    assert all(r["match_score"] >= 90 for r in got)


@pytest.mark.parametrize("name", ["appendices_000.pdf", "appendices_000.docx"])
def test_the_plan_table_keeps_its_merged_groups(results, name):
    truth = plan_000()
    rows, cells = grid(results[name], "plan_execution")
    skip = len(truth.header) + 1  # the header rows and the 1..8 row
    assert [squash(t) for t in rows[skip - 1]] == list(truth.numbering)
    assert rows[skip:] == [[squash(t) for t in row] for row in truth.rows]
    spans = {(c["row"] - skip, c["col"], c["rowspan"], c["colspan"]) for c in cells if c["row"] >= skip}
    assert set(truth.spans) <= spans  # the 27-row group runs on over three page breaks
    assert {c["column_name"] for c in cells if c["col"] == 6} == {"Kết quả thực hiện KH CCHC năm 2021 / Thời gian hoàn thành"}


@pytest.mark.parametrize("name", ["appendices_000.pdf", "appendices_000.docx", "dossier_000_cw.pdf"])
def test_the_dossier_table_gives_twenty_units_and_the_total(results, name):
    truth = dossier_000()
    got = results[name].dossiers
    units, totals = [r for r in got if not r["is_total"]], [r for r in got if r["is_total"]]
    assert [r["unit"] for r in units] == [u.name for u in truth.units()] and len(units) == 20
    assert [r["unit"] for r in totals] == ["Tổng"]
    for row, expected in zip(units + totals, truth.units() + [truth.total()]):
        assert {f: row[f] for f in DOSSIER_FIELDS.values()} == {DOSSIER_FIELDS[k]: v for k, v in zip(DOSSIER_VALUES, expected.values)}
        assert all(isinstance(row[f], int) for f in DOSSIER_FIELDS.values() if f != "online_rate")
    assert results[name].checks == []  # the total row is the sum of the units, every rate its ratio
    if name.endswith(".pdf"):  # printed sideways: turned upright, either way
        [turned] = {c["rotation"] for c in results[name].tables if c["table_kind"] == "dossier"}
        assert turned == (270 if name == "dossier_000_cw.pdf" else 90)  # degrees clockwise that set it upright
        page = results[name].text[-1]  # the page's text is read turned upright too
        assert page["text"].startswith("BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT HỒ SƠ") and page["quality"] > 0.95


@pytest.mark.parametrize("name", CLEAN_TABLE_DOCS)
def test_clean_documents_fire_no_check(results, name):
    assert results[name].checks == [] and results[name].document["n_checks_failed"] == 0


def test_the_seed_fixtures_fire_no_check(built):
    for path in built.values():
        assert process_file(path).checks == [], path.name


@pytest.mark.parametrize("name", sorted(ALTERATIONS))
def test_an_altered_number_fires_its_check(results, name):
    alteration = ALTERATIONS[name]
    fired = results[name].checks
    assert {c["rule"] for c in fired} == {alteration.rule, *alteration.also}
    [main] = [c for c in fired if c["rule"] == alteration.rule]
    subject = alteration.subject.rstrip(".")
    assert subject in (main["code"], *main["message"].split(": ")[:1]) or DOSSIER_FIELDS.get(subject) == main["code"]
    if alteration.rule == "total_equals_sum":  # the total cannot tell which unit is off: the sum is off by the change
        assert main["expected"] - main["found"] == float(alteration.new) - float(alteration.old)
    else:
        assert alteration.new.replace(",", ".") in main["values"] or alteration.new in main["message"]
    assert main["page"] >= 1 and main["table_id"] == 0 and main["row"] > 0
    assert results[name].document["n_checks_failed"] == len(fired)
