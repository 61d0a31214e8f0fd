"""The review loop: unsure rows → a spreadsheet → an analyst's decisions → overrides every
later run applies (convert and ingest), reported, and undone when withdrawn."""
from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from normalizers.codebook import load_codebook
from normalizers.codes import LabelRow, map_rows
from pipeline import load
from pipeline.cli import main
from pipeline.convert.overrides import ALL, DOCUMENT, Override, Overrides, load_overrides, save_overrides
from pipeline.convert.process import process_file
from pipeline.convert.recode import recode
from pipeline.convert.runner import file_options
from pipeline.ingest.ledger import Ledger
from pipeline.ingest.run import ingest
from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
APPENDIX = "appendix_001.docx"  # a commune's appendix whose sections 1.4–1.7 are not in the codebook
# (table_id, row) → label, read from the document: rows the mapper leaves without a code
PLAN_CHECK = (0, 8, "Ban hành Kế hoạch tự kiểm tra việc thực hiện công tác CCHC")
SURVEY = (0, 16, "Khảo sát sự hài lòng của người dân, tổ chức")
BALLOTS = (0, 17, "Số lượng phiếu khảo sát")
UNSURE_ROWS = 49  # without a canonical code (read against its province's template, no coded row scores below 90)


@pytest.fixture(scope="module")
def appendix() -> object:
    return process_file(RAW / APPENDIX)


def _row(frame: pd.DataFrame, table_id: int, row: int) -> pd.Series:
    hit = frame[(frame["source_file"] == APPENDIX) & (frame["table_id"] == table_id) & (frame["row"] == row)]
    assert len(hit) == 1
    return hit.iloc[0]


def _reports(folder: Path) -> Path:
    """A folder with the appendix and a report the mapper codes fully."""
    folder.mkdir()
    for name in (APPENDIX, "phuluc1_000.docx"):
        shutil.copy(RAW / name, folder / name)
    return folder


def _fill(xlsx: Path, decisions: dict[int, tuple[object, str]]) -> None:
    """Play the analyst: type a decision (and scope) on the rows with these row numbers."""
    book = load_workbook(xlsx)
    sheet = book["review"]
    columns = {cell.value: cell.column for cell in sheet[1]}
    for r in range(2, sheet.max_row + 1):
        row = sheet.cell(r, columns["row"]).value
        if row in decisions:
            sheet.cell(r, columns["decision"]).value, sheet.cell(r, columns["scope"]).value = decisions[row]
    book.save(xlsx)


# --------------------------------------------------------------------------- the mapper


def test_a_decided_parent_has_its_rows_mapped_under_it() -> None:
    codebook = load_codebook()
    rows = [LabelRow("1.", "Công tác chỉ đạo điều hành CCHC"), LabelRow("1.1.", "Công tác kế hoạch năm của xã"),
            LabelRow("1.1.1.", "Số nhiệm vụ đề ra trong kế hoạch"), LabelRow("1.1.2.", "Số nhiệm vụ đã hoàn thành")]
    alone = map_rows(rows, codebook)
    assert [m.code for m in alone] == ["1", None, None, None]  # the unknown parent keeps its rows out
    decided = map_rows(rows, codebook, {1: "1.1"})
    assert [m.code for m in decided] == ["1", "1.1", "1.1.1", "1.1.2"]
    assert [m.decided for m in decided] == [False, True, False, False]
    assert decided[1].score == 100.0


def test_a_decided_code_is_no_other_rows_and_no_code_keeps_the_rows_under_it_out() -> None:
    codebook = load_codebook()
    rows = [LabelRow("1.", "Công tác chỉ đạo điều hành CCHC"), LabelRow("1.1.", "Kế hoạch CCHC"),
            LabelRow("1.1.1.", "Số nhiệm vụ đề ra trong kế hoạch"), LabelRow("1.2.", "Kiểm tra CCHC")]
    assert [m.code for m in map_rows(rows, codebook)] == ["1", "1.1", "1.1.1", "1.2"]
    moved = map_rows(rows, codebook, {3: "1.1"})  # the analyst says the last row is 1.1
    assert [m.code for m in moved] == ["1", None, None, "1.1"]
    assert [m.code for m in map_rows(rows, codebook, {1: None})] == ["1", None, None, "1.2"]


# --------------------------------------------------------------------------- the overrides file


def test_overrides_file_round_trip_keeps_vietnamese_and_a_bom(tmp_path: Path) -> None:
    items = (Override(DOCUMENT, "1.2.1", PLAN_CHECK[2], APPENDIX, "abc", 0, 8, "cchc-2021", "2026-11-24T00:00:00Z"),
             Override(ALL, None, "Hình thức khảo sát", codebook="cchc-2021", note="không phải chỉ tiêu"))
    path = tmp_path / "overrides.csv"
    save_overrides(path, Overrides(items))
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "document,1.2.1,Ban hành Kế hoạch tự kiểm tra" in path.read_text(encoding="utf-8-sig")
    assert ",none,Hình thức khảo sát," in path.read_text(encoding="utf-8-sig")
    assert load_overrides(path).items == items
    assert load_overrides(tmp_path / "absent.csv").items == ()


@pytest.mark.parametrize("line, message", [
    ("document,,Nhãn,a.docx,abc,0,1,,,", "line 2: no code"),
    ("somewhere,1.1,Nhãn,a.docx,abc,0,1,,,", "line 2: scope must be 'document' or 'all'"),
    ("document,1.1,Nhãn,a.docx,abc,,1,,,", "line 2: table_id must be a row number"),
    ("document,1.1,Nhãn,a.docx,,0,1,,,", "line 2: no doc_id"),
])
def test_a_malformed_overrides_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text("scope,code,label,source_file,doc_id,table_id,row,codebook,decided_at,note\n" + line + "\n")
    with pytest.raises(ValueError, match=message):
        load_overrides(path)


def test_a_later_decision_on_a_row_replaces_the_earlier_one() -> None:
    first = Override(DOCUMENT, "1.2.1", PLAN_CHECK[2], doc_id="abc", table_id=0, row=8)
    merged, added, changed = Overrides((first,)).merge([Override(DOCUMENT, "1.2.2", PLAN_CHECK[2], doc_id="abc", table_id=0, row=8),
                                                        Override(ALL, None, "Hình thức khảo sát")])
    assert (added, changed) == (1, 1)
    assert [o.code for o in merged.items] == ["1.2.2", None]


def test_decisions_follow_their_label_and_never_land_on_another_row() -> None:
    rows = [{"table_id": 0, "row": 8, "label": PLAN_CHECK[2], "codebook": "cchc-2021"},
            {"table_id": 0, "row": 9, "label": "Số lượng phiếu khảo sát", "codebook": "cchc-2021"},
            {"table_id": 1, "row": 3, "label": "Hình thức khảo sát", "codebook": "cchc-2021"}]
    at_place = Override(DOCUMENT, "1.2.1", PLAN_CHECK[2].upper(), doc_id="d", table_id=0, row=8)
    moved = Override(DOCUMENT, None, "Số lượng phiếu khảo sát", doc_id="d", table_id=0, row=17)  # renumbered since
    gone = Override(DOCUMENT, "1.3", "Tổ chức đối thoại", doc_id="d", table_id=0, row=9)  # row 9 says something else now
    other_doc = Override(DOCUMENT, "1.3", PLAN_CHECK[2], doc_id="e", table_id=0, row=8)
    everywhere = Override(ALL, "3.1.2", "HÌNH THỨC KHẢO SÁT", codebook="cchc-2021")
    decisions = Overrides((at_place, moved, gone, other_doc, everywhere)).decide("d", rows)
    assert decisions.codes == {0: "1.2.1", 1: None, 2: "3.1.2"}
    assert decisions.missed == (gone,)
    assert Overrides((Override(ALL, "3.1.2", "Hình thức khảo sát", codebook="par-2022"),)).decide("d", rows).codes == {}


def test_recode_applies_decisions_and_withdrawing_them_restores_the_mappers_rows(appendix) -> None:
    doc_id = appendix.document["doc_id"]
    overrides = Overrides((Override(DOCUMENT, "1.2.1", PLAN_CHECK[2], APPENDIX, doc_id, 0, 8),
                           Override(DOCUMENT, "9.9", "Không có; dòng này", APPENDIX, doc_id, 0, 99)))
    decided, decisions = recode(appendix, overrides)
    row = next(r for r in decided.indicators if (r["table_id"], r["row"]) == PLAN_CHECK[:2])
    assert (row["code"], row["code_method"], row["match_score"]) == ("1.2.1", "override", 100.0)
    assert decided.document["n_overrides"] == 1
    assert decided.document["n_unmapped"] == appendix.document["n_unmapped"] - 1
    assert "override not applied, its row is gone: table 0 row 99 'Không có, dòng này'" in decided.document["warnings"]
    assert len(decisions.digest) == 8
    untouched = [(a, b) for a, b in zip(appendix.indicators, decided.indicators) if a["row"] != 8]
    assert all(a["code"] == b["code"] and a["value"] == b["value"] for a, b in untouched)
    again, _ = recode(decided, overrides)
    assert again.document["warnings"] == decided.document["warnings"]  # applied twice, noted once
    restored, none = recode(decided, Overrides())
    assert none.codes == {} and none.digest == ""
    assert restored.indicators == appendix.indicators
    assert restored.checks == appendix.checks
    assert restored.document == appendix.document


# --------------------------------------------------------------------------- the round trip, through the CLI


def test_review_round_trip_with_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = _reports(tmp_path / "in"), tmp_path / "out"
    assert main(["convert", str(src), "--out", str(out)]) == EXIT_OK
    before = load(out)
    assert pd.isna(_row(before, *PLAN_CHECK[:2])["code"])

    xlsx = tmp_path / "review.xlsx"
    assert main(["review", str(out), "--xlsx", str(xlsx)]) == EXIT_OK
    assert f"{UNSURE_ROWS} rows to review in 1 document(s)" in " ".join(capsys.readouterr().err.split())
    sheet = pd.read_excel(xlsx, sheet_name="review", dtype=str)
    assert len(sheet) == UNSURE_ROWS and set(sheet["source_file"]) == {APPENDIX}
    listed = sheet[sheet["row"] == "8"].iloc[0]
    assert (listed["label"], listed["under"]) == (PLAN_CHECK[2], "1.2. Kiểm tra CCHC")  # the section it is read in
    assert listed["code_template"] == "1.2.1"  # the template's own row, with no canonical equivalent
    assert (listed["candidate_1"], listed["candidate_1_label"]) == ("1.2.2", "Số UBND cấp xã đã kiểm tra (Sử dụng cho UBND cấp huyện)")
    book = load_workbook(xlsx)
    assert book["review"].data_validations.dataValidation[0].formula1 == "=codebook!$A$2:$A$104"
    assert [c.value for c in book["codebook"]["A"][1:4]] == ["none", "1", "1.1"]

    _fill(xlsx, {PLAN_CHECK[1]: ("1.2.1", DOCUMENT), SURVEY[1]: ("none", DOCUMENT), BALLOTS[1]: (None, DOCUMENT)})
    assert main(["review", str(out), "--apply", str(xlsx)]) == EXIT_OK
    assert "recorded 2 decisions" in " ".join(capsys.readouterr().err.split())
    assert [(o.table_id, o.row, o.code) for o in load_overrides(out / "overrides.csv").items] == [(0, 8, "1.2.1"), (0, 16, None)]

    assert main(["convert", str(src), "--out", str(out)]) == EXIT_OK
    assert "overrides: 2 rows coded as decided" in " ".join(capsys.readouterr().err.split())
    after = load(out)
    decided = _row(after, *PLAN_CHECK[:2])
    assert (decided["code"], decided["code_method"], decided["match_score"]) == ("1.2.1", "override", 100.0)
    survey = _row(after, *SURVEY[:2])
    assert pd.isna(survey["code"]) and survey["code_method"] == "override"
    assert (after["code_method"] == "override").sum() == 2
    documents = load(out, "documents").set_index("source_file")
    assert documents.loc[APPENDIX, "n_overrides"] == 2 and documents.loc["phuluc1_000.docx", "n_overrides"] == 0
    assert documents.loc[APPENDIX, "n_unmapped"] == 48
    others = after[after["code_method"] == "match"].reset_index(drop=True)
    unchanged = before[~before["row"].isin([8, 16]) | (before["source_file"] != APPENDIX)].reset_index(drop=True)
    assert others["code"].equals(unchanged["code"])

    again = tmp_path / "again.csv"
    assert main(["review", str(out), "--csv", str(again)]) == EXIT_OK
    assert again.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(again.open(encoding="utf-8-sig")))
    assert len(rows) == UNSURE_ROWS - 2  # decided rows are settled
    assert {r["label"] for r in rows} >= {BALLOTS[2]}


def test_review_csv_decisions_and_typos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["convert", str(RAW / APPENDIX), "--out", str(out)]) == EXIT_OK
    sheet = tmp_path / "review.csv"
    assert main(["review", str(out), "--csv", str(sheet)]) == EXIT_OK
    rows = list(csv.DictReader(sheet.open(encoding="utf-8-sig")))
    fields = list(rows[0])

    def write(decisions: dict[str, tuple[str, str]]) -> None:
        for r in rows:
            r["decision"], r["scope"] = decisions.get(r["row"], ("", "document"))
        with sheet.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fields)
            writer.writeheader()
            writer.writerows(rows)

    write({"8": ("1.2.9", "document"), "16": ("none", "everywhere")})
    capsys.readouterr()
    assert main(["review", str(out), "--apply", str(sheet)]) == EXIT_CANNOT_RUN
    err = " ".join(capsys.readouterr().err.split())
    assert "nothing recorded, 2 rows to correct" in err
    assert "'1.2.9' is not a code of cchc-2021" in err and "scope must be 'document' or 'all', not 'everywhere'" in err
    assert not (out / "overrides.csv").exists()

    write({"17": ("none", "all")})
    assert main(["review", str(out), "--apply", str(sheet)]) == EXIT_OK
    [everywhere] = load_overrides(out / "overrides.csv").items
    assert (everywhere.scope, everywhere.code, everywhere.label) == (ALL, None, BALLOTS[2])
    assert main(["convert", str(RAW / APPENDIX), "--out", str(out)]) == EXIT_OK
    assert _row(load(out), *BALLOTS[:2])["code_method"] == "override"

    (out / "overrides.csv").write_text("scope,code\n", encoding="utf-8")
    assert main(["convert", str(RAW / APPENDIX), "--out", str(out)]) == EXIT_CANNOT_RUN
    assert "not an overrides file" in capsys.readouterr().err


def test_review_round_trip_with_ingest_recodes_without_extracting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = _reports(tmp_path / "drop"), tmp_path / "data"
    assert main(["ingest", str(src), "--out", str(out)]) == EXIT_OK
    first = load(out)
    xlsx = tmp_path / "review.xlsx"
    assert main(["review", str(out), "--xlsx", str(xlsx)]) == EXIT_OK
    _fill(xlsx, {PLAN_CHECK[1]: (1.3, DOCUMENT)})  # a number, as Excel stores a typed 1.3
    assert main(["review", str(out), "--apply", str(xlsx)]) == EXIT_OK
    capsys.readouterr()

    assert main(["ingest", str(src), "--out", str(out)]) == EXIT_OK
    err = " ".join(capsys.readouterr().err.split())
    assert "0 processed" in err and "1 unchanged documents re-coded without extraction" in err
    with sqlite3.connect(out / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM attempts").fetchone() == (2,)  # nothing extracted again
    decided = _row(load(out), *PLAN_CHECK[:2])
    assert (decided["code"], decided["code_method"]) == ("1.3", "override")
    assert pd.isna(_row(load(out), 0, 12)["code"])  # 1.3 was this row's, and a code is one row's
    assert load(out, "documents").set_index("source_file").loc[APPENDIX, "n_overrides"] == 1

    assert main(["ingest", str(src), "--out", str(out)]) == EXIT_OK  # settled: nothing to do
    assert "outputs unchanged" in " ".join(capsys.readouterr().err.split())

    stale = Override(DOCUMENT, "1.1", "Dòng đã bị xoá", APPENDIX, str(decided["doc_id"]), 0, 99)
    kept = load_overrides(out / "overrides.csv").items
    save_overrides(out / "overrides.csv", Overrides((*kept, stale)))  # one more, for a row that is gone
    assert main(["ingest", str(src), "--out", str(out)]) == EXIT_OK
    documents = load(out, "documents").set_index("source_file")
    assert "override not applied, its row is gone: table 0 row 99 'Dòng đã bị xoá'" in documents.loc[APPENDIX, "warnings"]
    assert _row(load(out), *PLAN_CHECK[:2])["code_method"] == "override"

    save_overrides(out / "overrides.csv", Overrides())  # every decision withdrawn
    assert main(["ingest", str(src), "--out", str(out)]) == EXIT_OK
    restored = load(out)
    volatile = ["processed_at", "seconds"]
    assert restored.drop(columns=volatile, errors="ignore").equals(first.drop(columns=volatile, errors="ignore"))
    assert load(out, "documents")["n_overrides"].tolist() == [0, 0]


def test_review_of_a_fully_coded_folder_says_so_and_of_no_folder_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["convert", str(RAW / "phuluc1_000.docx"), "--out", str(out)]) == EXIT_OK
    capsys.readouterr()
    assert main(["review", str(out), "--xlsx", str(tmp_path / "r.xlsx")]) == EXIT_OK
    assert "nothing to review" in capsys.readouterr().err
    assert pd.read_excel(tmp_path / "r.xlsx", sheet_name="review").empty
    assert main(["review", str(tmp_path / "absent"), "--xlsx", str(tmp_path / "s.xlsx")]) == EXIT_CANNOT_RUN
    assert "does not exist" in " ".join(capsys.readouterr().err.split()) and not (tmp_path / "s.xlsx").exists()


def test_a_run_that_dies_while_recoding_leaves_the_last_generation_and_the_next_run_finishes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src, out = _reports(tmp_path / "drop"), tmp_path / "data"
    options = file_options(None, "keep")
    ingest(src, out, options)
    first = load(out)
    doc_id = load(out, "documents").set_index("source_file").loc[APPENDIX, "doc_id"]
    overrides = Overrides((Override(DOCUMENT, "1.2.1", PLAN_CHECK[2], APPENDIX, doc_id, 0, 8),))

    def dies(self: Ledger, parts: dict[str, str]) -> None:
        raise RuntimeError("killed between writing the re-coded part and recording it")

    monkeypatch.setattr(Ledger, "set_parts", dies)
    with pytest.raises(RuntimeError):
        ingest(src, out, options, overrides=overrides)
    monkeypatch.undo()
    assert load(out).equals(first)  # readers still see the last published run
    report = ingest(src, out, options, overrides=overrides)
    assert (report.recoded, report.overrides_applied, len(report.processed)) == (1, 1, 0)
    assert _row(load(out), *PLAN_CHECK[:2])["code_method"] == "override"
    with sqlite3.connect(out / "ledger.sqlite") as db:
        recorded = {f"{part}.parquet" for (part,) in db.execute("SELECT part FROM files")}
    assert {p.name for p in (out / ".cchc" / "parts" / "indicators").iterdir()} == recorded  # the orphan is gone
