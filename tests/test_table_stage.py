"""The table stage on hand-made tables: stitching cut rows, header paths, kinds, checks.

Each test builds the smallest table that shows one behaviour; the generated documents
(tests/test_table_documents.py) then show the whole stage on real PDF and DOCX files.
"""
from __future__ import annotations

import pytest

from core.model import Cell, Table
from normalizers.codebook import load_codebook
from normalizers.criteria import PAR_CODEBOOK, criterion_rows
from normalizers.dossiers import column_field, dossier_rows
from normalizers.headers import column_names, header_depth
from normalizers.table_kinds import DOSSIER, OTHER, PAR_CRITERIA, PLAN_EXECUTION, classify
from normalizers.tables import stitch
from pipeline.convert.checks import dossier_checks, indicator_checks


def table(rows: list[list[str]], page: int = 1, spans: dict[tuple[int, int], tuple[int, int]] | None = None,
          table_id: int = 0) -> Table:
    """A table from rows of text; `spans` maps (row, col) → (rowspan, colspan), covered cells left out."""
    spans = spans or {}
    covered = {(r + i, c + j) for (r, c), (rs, cs) in spans.items() for i in range(rs) for j in range(cs)} - set(spans)
    cells = [
        Cell(r, c, text, *spans.get((r, c), (1, 1)), page=page)
        for r, row in enumerate(rows)
        for c, text in enumerate(row)
        if (r, c) not in covered
    ]
    return Table(table_id, page, len(rows), len(rows[0]), cells, "text", bbox=(10.0, 10.0, 500.0, 800.0))


HEADER = ["TT", "Tiêu chí", "Mục tiêu", "Cơ quan chủ trì"]


def test_a_row_cut_by_the_page_break_is_joined_back():
    first = table([HEADER, ["1", "TC 1.1 - Thực hiện kế hoạch CCHC", "Hoàn thành", "Phòng Nội vụ"],
                   ["2", "TC 1.5 - Sáng kiến", "Có từ 03 sáng kiến (mỗi đơn vị, địa", "Phòng Nội vụ"]], page=1)
    second = table([HEADER, ["", "", "phương triển khai 01 sáng kiến)", ""],
                    ["3", "TC 1.6 - Thực hiện nhiệm vụ", "Đầy đủ", "Văn phòng"]], page=2)
    [joined] = stitch([first, second])
    assert joined.n_rows == 4 and joined.header_rows == 1 and joined.page_end == 2
    assert joined.grid()[2] == ["2", "TC 1.5 - Sáng kiến", "Có từ 03 sáng kiến (mỗi đơn vị, địa\nphương triển khai 01 sáng kiến)",
                                "Phòng Nội vụ"]
    assert joined.grid()[3][0] == "3"


def test_an_unnumbered_row_after_the_break_stays_a_row():
    head = ["STT", "Chỉ tiêu", "Đơn vị tính", "Số liệu"]
    first = table([head, ["3.1.3.", "Tổng số TTHC", "Thủ tục", "452"], ["", "Số TTHC cấp huyện:", "Thủ tục", "297"]])
    second = table([head, ["", "Số TTHC cấp xã:", "Thủ tục", "155"]], page=2)
    [joined] = stitch([first, second])
    assert [row[1] for row in joined.grid()[1:]] == ["Tổng số TTHC", "Số TTHC cấp huyện:", "Số TTHC cấp xã:"]


def test_a_cut_row_continues_a_cell_merged_over_rows():
    first = table([HEADER, ["1", "Nhiệm vụ A", "Mục tiêu", "Phòng Tài"], ["", "Nhiệm vụ B", "", ""]], page=1,
                  spans={(1, 3): (2, 1), (1, 2): (2, 1)})
    second = table([HEADER, ["", "của huyện", "", "chính"]], page=2)
    [joined] = stitch([first, second])
    assert joined.n_rows == 3
    assert joined.grid()[1][3] == "Phòng Tài\nchính" and joined.grid()[2][1] == "Nhiệm vụ B\ncủa huyện"
    assert {(c.row, c.col): c.rowspan for c in joined.cells}[(1, 3)] == 2


def test_a_group_merged_over_rows_runs_on_over_the_page_break():
    first = table([HEADER, ["1", "Nhiệm vụ A", "Mục tiêu A", "Phòng Nội vụ"], ["", "Nhiệm vụ B", "Mục tiêu B", "Phòng Nội vụ"]],
                  page=1, spans={(1, 0): (2, 1)})
    second = table([HEADER, ["", "Công bố công khai", "Quyết định", "Phòng Tài chính"], ["", "Nhiệm vụ D", "Mục tiêu D", "VP"]],
                   page=2, spans={(1, 0): (2, 1)})
    [joined] = stitch([first, second])
    assert joined.n_rows == 5
    assert [row[1] for row in joined.grid()[1:]] == ["Nhiệm vụ A", "Nhiệm vụ B", "Công bố công khai", "Nhiệm vụ D"]
    assert {(c.row, c.col): c.rowspan for c in joined.cells}[(1, 0)] == 4


DOSSIER_ROWS = [
    ["STT", "Cơ quan", "Số hồ sơ nhận giải quyết", "", "", "Kết quả giải quyết", "", "", ""],
    ["", "", "Tổng hồ sơ", "Trực tuyến", "Tỷ lệ % trực tuyến", "Số hồ sơ đã giải quyết", "", "Số hồ sơ đang giải quyết", ""],
    ["", "", "", "", "", "Tổng số", "Đúng hạn", "Tổng số", "Quá hạn"],
    ["1", "UBND xã A", "10", "4", "40", "8", "8", "2", "0"],
    ["2", "UBND xã B", "20", "5", "25", "19", "18", "1", "1"],
    ["", "Tổng", "30", "9", "30", "27", "26", "3", "1"],
]
DOSSIER_SPANS = {(0, 0): (3, 1), (0, 1): (3, 1), (0, 2): (1, 3), (0, 5): (1, 4), (1, 2): (2, 1), (1, 3): (2, 1),
                 (1, 4): (2, 1), (1, 5): (1, 2), (1, 7): (1, 2)}


def test_a_three_level_header_names_every_column_by_its_path():
    t = table(DOSSIER_ROWS, spans=DOSSIER_SPANS)
    depth = header_depth(t)
    names = column_names(t, depth)
    assert depth == 3
    assert names[1] == "Cơ quan"
    assert names[5] == "Kết quả giải quyết / Số hồ sơ đã giải quyết / Tổng số"
    assert names[8] == "Kết quả giải quyết / Số hồ sơ đang giải quyết / Quá hạn"
    assert [column_field(n) for n in names[2:]] == ["received_total", "received_online", "online_rate", "resolved_total",
                                                    "resolved_on_time", "pending_total", "pending_overdue"]


def test_a_header_without_spans_is_one_row_and_the_column_numbers_belong_to_it():
    t = table([["TT", "Nội dung", "Kết quả"], ["1", "2", "3"], ["I", "Công tác", ""]])
    assert header_depth(t) == 2
    assert column_names(t, 2) == ["TT", "Nội dung", "Kết quả"]
    assert header_depth(table([["1.", "Kế hoạch", "01"], ["2.", "Kiểm tra", "12"]])) == 0


def test_kinds_are_told_by_header_and_body():
    t = table(DOSSIER_ROWS, spans=DOSSIER_SPANS)
    assert classify(column_names(t, 3), t.grid()[3:], False).kind == DOSSIER
    plan = ["STT", "Nhiệm vụ cụ thể", "Sản phẩm đầu ra", "Thời gian thực hiện", "Kết quả thực hiện"]
    assert classify(plan, [["1", "Kế hoạch CCHC", "Kế hoạch", "Quý I", "Đã ban hành"]], False).kind == PLAN_EXECUTION
    assert classify(["Họ và tên", "Chức vụ"], [["Nguyễn Văn A", "Chủ tịch"]], False).kind == OTHER
    rows = [["1", f"TCTP 1.{i}.1 - Tiêu chí", ""] for i in range(3)]
    assert classify(["TT", "Tiêu chí", "Mục tiêu"], rows, True).kind == PAR_CRITERIA


def test_dossier_rows_are_typed_and_the_total_row_is_known():
    t = table(DOSSIER_ROWS, spans=DOSSIER_SPANS)
    rows = dossier_rows(t, column_names(t, 3), 3)
    assert [(r.unit, r.is_total) for r in rows] == [("UBND xã A", False), ("UBND xã B", False), ("Tổng", True)]
    assert rows[0].values == {"received_total": 10, "received_online": 4, "online_rate": 40.0, "resolved_total": 8,
                              "resolved_on_time": 8, "pending_total": 2, "pending_overdue": 0}


def _dossier_records(rows: list[list[str]]) -> list[dict]:
    t = table(rows, spans=DOSSIER_SPANS)
    return [{"table_id": 0, "row": r.row, "page": r.page, "unit": r.unit, "is_total": r.is_total, **r.values}
            for r in dossier_rows(t, column_names(t, 3), 3)]


def test_dossier_checks_pass_on_consistent_numbers():
    assert dossier_checks(_dossier_records(DOSSIER_ROWS), {}) == []


@pytest.mark.parametrize(
    ("row", "col", "text", "rules", "where"),
    [
        (3, 5, "9", {"total_equals_sum"}, 5),  # the units no longer add up to the total row (reported there)
        (4, 4, "35", {"percent_vs_ratio"}, 4),  # 5 / 20 is 25 %, not 35 %
        (5, 4, "130", {"percent_range", "percent_vs_ratio"}, 5),
    ],
)
def test_dossier_checks_fire_on_the_number_altered(row, col, text, rules, where):
    rows = [list(r) for r in DOSSIER_ROWS]
    rows[row][col] = text
    fired = dossier_checks(_dossier_records(rows), {"doc_id": "d"})
    assert {f["rule"] for f in fired} == rules
    assert all(f["row"] == where and f["page"] == 1 and f["message"] for f in fired)


def _indicator(code: str, value: float | None, **extra) -> dict:
    return {"code": code, "value": value, "value_text": str(value), "page": 2, "table_id": 0, "row": 1, "flags": None,
            **extra}


CLEAN = [_indicator(c, v) for c, v in [("1.1.1", 45), ("1.1.2", 40), ("1.3.1", 27), ("1.3.2", 26), ("1.3.3", 0),
                                       ("3.1.3", 452), ("3.1.3.a", 297), ("3.1.3.b", 155)]]


def test_indicator_checks_pass_on_the_seed_values():
    assert indicator_checks(CLEAN, {}, "cchc-2021") == []


@pytest.mark.parametrize(
    ("code", "value", "rule"),
    [("3.1.3.b", 165, "parts_sum_to_parent"), ("1.1.2", 48, "done_le_planned"), ("1.3.3", 2, "done_le_planned")],
)
def test_indicator_checks_fire_on_the_relation_broken(code, value, rule):
    rows = [dict(r, value=value) if r["code"] == code else r for r in CLEAN]
    [fired] = indicator_checks(rows, {"doc_id": "d"}, "cchc-2021")
    assert fired["rule"] == rule and f"{code}={value}" in fired["values"]


def test_a_blank_operand_skips_the_rule():
    rows = [dict(r, value=None) if r["code"] == "3.1.3.b" else r for r in CLEAN]
    assert indicator_checks(rows, {}, "cchc-2021") == []


def test_percent_flags_become_checks():
    rows = [_indicator("3.4.3", 199.5, flags="percent_out_of_range"),
            _indicator("3.3.3", 218, flags="fraction_percent_mismatch", numerator=218, denominator=230)]
    fired = indicator_checks(rows, {}, "cchc-2021")
    assert [(f["rule"], f["code"]) for f in fired] == [("percent_range", "3.4.3"), ("percent_vs_ratio", "3.3.3")]
    assert fired[1]["expected"] == pytest.approx(94.78)


def test_criteria_rows_carry_their_section_and_confirmed_code():
    rows = [HEADER + ["Cơ quan phối hợp", "Thời gian thực hiện"],
            ["I", "CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH CCHC", "", "", "", ""],
            ["1", "TC 1.1 - Thực hiện kế hoạch CCHC", "Hoàn thành 100% kế hoạch", "Phòng Nội vụ", "UBND các xã", "Thường xuyên"],
            ["3", "4.1.3 - Tỷ lệ giảm số lượng đơn vị sự nghiệp công lập so với năm 2015", "Từ 10%", "Phòng Nội vụ", "", ""],
            ["4", "TCTP 9.9.9 - Không có", "", "", "", ""]]
    t = table(rows)
    got = criterion_rows(t, column_names(t, 1), 1, load_codebook(PAR_CODEBOOK))
    assert [(r.code, r.code_type, r.section, r.flags) for r in got] == [
        ("1.1", "TC", "I CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH CCHC", ()),
        ("4.1.3", "TCTP", "I CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH CCHC", ("type_inferred",)),
        (None, "TCTP", "I CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH CCHC", ("unknown_criterion",)),
    ]
    assert got[0].lead_agency == "Phòng Nội vụ" and got[0].partners == "UBND các xã" and got[0].deadline == "Thường xuyên"
