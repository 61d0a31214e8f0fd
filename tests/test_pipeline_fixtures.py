"""End to end on generated documents whose truth is known: every row, code and value."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pipeline.convert.process import process_file

GOLD = Path(__file__).parent / "gold"


def _gold(name: str) -> list[dict[str, str]]:
    with (GOLD / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(text: str) -> float | None:
    return float(text) if text else None


@pytest.mark.parametrize("name, method", [("phuluc1_000.pdf", "text"), ("phuluc1_000.docx", "docx")])
def test_seed000_every_row_has_its_code_and_value(built: dict[str, Path], name: str, method: str) -> None:
    result = process_file(built[name])
    assert result.ok, result.document["error"]
    gold = _gold("phuluc1_000.csv")
    got = [(r["code"], r["code_printed"] or "", r["value_text"] or "", r["value"], r["value_kind"]) for r in result.indicators]
    want = [(g["code"], g["code_printed"], g["value_text"], _num(g["value"]), g["value_kind"]) for g in gold]
    assert got == want
    assert {r["method"] for r in result.indicators} == {method}
    assert result.document["n_unmapped"] == 0


def test_seed000_misnumbered_and_subrows(built: dict[str, Path]) -> None:
    rows = {r["code"]: r for r in process_file(built["phuluc1_000.pdf"]).indicators}
    assert rows["1.2.1"]["code_printed"] == "1.1.1." and rows["1.2.1"]["value"] == 6
    assert rows["1.2.4"]["label"] == "Số vấn đề phát hiện đã xử lý xong"
    assert rows["3.1.3.a"]["value"] == 297 and rows["3.1.3.b"]["value"] == 155
    assert rows["7.1.1.a"]["code_printed"] == "Trong đó" and rows["7.1.1.a"]["value"] == 29325
    assert [rows[c]["value"] for c in ("7.2.a", "7.2.b", "7.2.c")] == [12609, 12609, 12609]
    assert rows["4.1.3.a"]["value_kind"] == "percent" and rows["4.1.3.a"]["value"] == 10


def test_seed000_table_spans_pages_as_one_table(built: dict[str, Path]) -> None:
    result = process_file(built["phuluc1_000.pdf"])
    pages = {r["page"] for r in result.indicators}
    assert len(pages) >= 3
    assert {r["table_id"] for r in result.indicators} == {0}
    header_rows = {r["row"] for r in result.tables if r["is_header"]}
    assert header_rows == {0, 1}
    assert sum(r["text"] == "Chỉ tiêu thống kê" for r in result.tables) == 1


@pytest.mark.parametrize("name", ["appendix_001.docx", "appendix_001.pdf"])
def test_seed001_other_template_maps_without_wrong_codes(built: dict[str, Path], name: str) -> None:
    result = process_file(built[name])
    assert result.ok, result.document["error"]
    gold = _gold("appendix_001.csv")
    assert [r["code_printed"] or "" for r in result.indicators] == [g["code_printed"] for g in gold]
    wrong = [
        (g["code_printed"], g["label"], r["code"])
        for r, g in zip(result.indicators, gold)
        if (r["code"] or "") not in g["accepted_codes"].split("|")
    ]
    assert wrong == []
    extra = [r for r in result.indicators if (r["code_printed"] or "").startswith(("1.4", "7.3", "7.5", "7.6", "7.7", "7.8"))]
    assert extra and all(r["code"] is None for r in extra)
    assert all(r["candidates"] for r in result.indicators if r["code"] is None)


@pytest.mark.parametrize("name", ["appendix_001.docx", "appendix_001.pdf"])
def test_seed001_values(built: dict[str, Path], name: str) -> None:
    gold = _gold("appendix_001.csv")
    result = process_file(built[name])
    got = [(r["value_text"] or "", r["value"], r["value_kind"]) for r in result.indicators]
    assert got == [(g["value_text"], _num(g["value"]), g["value_kind"]) for g in gold]
    by_code = {r["code"]: r for r in result.indicators if r["code"]}
    assert (by_code["3.4.3"]["numerator"], by_code["3.4.3"]["denominator"]) == (877, 877)
    assert by_code["6.1"]["value"] is None and "unit_mismatch" in by_code["6.1"]["flags"]


def test_metadata_from_title_block(built: dict[str, Path]) -> None:
    doc = process_file(built["phuluc1_000.pdf"]).document
    assert doc["issuer"] == "UBND HUYỆN TUẦN GIÁO"
    assert (doc["period_start"].isoformat(), doc["period_end"].isoformat(), doc["year"]) == ("2021-01-01", "2021-12-14", 2021)
