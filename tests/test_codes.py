"""The label → code mapper on hand-made rows: structure, one-to-one, thresholds."""
from __future__ import annotations

from normalizers.codebook import load_codebook
from normalizers.codes import LabelRow, map_rows
from normalizers.numbering import row_parents

CB = load_codebook()


def codes(rows: list[LabelRow]) -> list[str | None]:
    return [m.code for m in map_rows(rows, CB)]


def test_parents_follow_position_not_printed_numbers() -> None:
    rows = [LabelRow("1.", "a"), LabelRow("1.2.", "b"), LabelRow("1.1.1.", "c"), LabelRow(None, "d"), LabelRow("1.3", "e")]
    assert row_parents(rows) == [None, 0, 1, 2, 0]


def test_misnumbered_children_take_their_section_codes() -> None:
    rows = [
        LabelRow("1.", "Công tác chỉ đạo điều hành CCHC"),
        LabelRow("1.2.", "Kiểm tra CCHC", "Đơn vị"),
        LabelRow("1.1.3.", "Số vấn đề phát hiện qua kiểm tra", "Vấn đề"),
    ]
    assert codes(rows) == ["1", "1.2", "1.2.3"]


def test_child_of_unmapped_section_stays_unmapped() -> None:
    rows = [
        LabelRow("1.", "Công tác chỉ đạo điều hành CCHC"),
        LabelRow("1.7", "Kế hoạch tuyên truyền cải cách hành chính năm nay"),
        LabelRow("1.7.1", "Số nhiệm vụ đề ra trong kế hoạch", "Nhiệm vụ"),
    ]
    result = map_rows(rows, CB)
    assert [m.code for m in result] == ["1", None, None]
    assert result[2].candidates[0][0] == "1.1.1"


def test_one_code_per_document() -> None:
    rows = [
        LabelRow("1.", "Công tác chỉ đạo điều hành CCHC"),
        LabelRow("1.1.", "Kế hoạch CCHC"),
        LabelRow("1.1.1.", "Số nhiệm vụ đề ra trong kế hoạch"),
        LabelRow("1.1.2.", "Số nhiệm vụ đề ra trong kế hoạch"),
    ]
    assert codes(rows) == ["1", "1.1", "1.1.1", None]


def test_contrasting_level_is_not_matched() -> None:
    rows = [
        LabelRow("3.", "Cải cách thủ tục hành chính"),
        LabelRow("3.1.", "Thống kê TTHC"),
        LabelRow("3.1.3.", "Tổng số TTHC đang có hiệu lực", "Thủ tục"),
        LabelRow("Trong đó", "Số TTHC cấp tỉnh:", "Thủ tục"),
    ]
    assert codes(rows) == ["3", "3.1", "3.1.3", None]


def test_abbreviation_and_tone_placement_do_not_matter() -> None:
    rows = [
        LabelRow("3.", "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"),
        LabelRow("3.3.", "Thực hiện cơ chế một cửa, một cửa liên thông"),
        LabelRow("3.3.4.", "Tỷ lệ quy trình nội bộ giải quyết thủ tục hành chính đã được điện tử hoá", "%"),
    ]
    assert codes(rows) == ["3", "3.3", "3.3.4"]


def test_shorter_label_is_not_the_longer_indicator() -> None:
    rows = [LabelRow("7.", "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số"), LabelRow("7.8.", "Dịch vụ công trực tuyến")]
    assert codes(rows) == ["7", None]


def test_percent_row_does_not_take_a_count_code() -> None:
    rows = [
        LabelRow("4.", "Cải cách tổ chức bộ máy hành chính nhà nước"),
        LabelRow("4.3.", "Số người làm việc hưởng lương từ NSNN tại các đơn vị sự nghiệp công lập"),
        LabelRow("4.3.3.", "Tỷ lệ người đã tinh giản trong kỳ báo cáo", "%"),
    ]
    assert codes(rows)[2] is None


# --------------------------------------------------------------------------- one assignment per table


def _section(printed: list[str | None], labels: list[str]) -> list[LabelRow]:
    return [LabelRow(p, label) for p, label in zip(printed, labels)]


SECTION_1_3 = ["Công tác chỉ đạo điều hành CCHC", "Kiểm tra CCHC", "Số vấn đề phát hiện đã xử lý xong",
               "Thực hiện nhiệm vụ UBND tỉnh giao", "Tổng số nhiệm vụ được giao", "Số nhiệm vụ đã hoàn thành đúng hạn",
               "Số nhiệm vụ đã hoàn thành nhưng quá hạn"]


def test_a_blank_number_does_not_take_its_rows_down() -> None:
    # printed by position, 1.3 would hang under 1.2.4 and its rows under 1.2, where nothing fits
    rows = _section(["1.", "1.2.", "1.2.4.", None, "1.3.1.", "1.3.2.", "1.3.3."], SECTION_1_3)
    assert codes(rows) == ["1", "1.2", "1.2.4", "1.3", "1.3.1", "1.3.2", "1.3.3"]


def test_misprinted_numbers_are_hints_only() -> None:
    rows = _section(["1.", "1.2.", "1.2.4.", "13.", "1.3.", "1.3.7.", "1.3.3"], SECTION_1_3)
    assert codes(rows) == ["1", "1.2", "1.2.4", "1.3", "1.3.1", "1.3.2", "1.3.3"]


def test_a_synonym_lifts_the_contrast_and_a_contrast_stays() -> None:
    rows = _section(["1.", "1.3.", "1.3.1.", "1.3.2.", "1.3.3."],
                    ["Công tác chỉ đạo điều hành CCHC", "Thực hiện nhiệm vụ UBND tỉnh giao", "Tổng số nhiệm vụ được giao",
                     "Số lượng nhiệm vụ hoàn thành đúng hẹn", "Số nhiệm vụ chưa hoàn thành"])
    assert codes(rows) == ["1", "1.3", "1.3.1", "1.3.2", None]


def test_labels_typed_without_diacritics_and_an_abbreviation_misspelt() -> None:
    rows = [LabelRow("2.", "Cai cach the che"), LabelRow("2.5.", "So VBQPPL co kien nghi xu ly da duoc xu ly xong", "Văn bản"),
            LabelRow("4.", "Cải cách tổ chức bộ máy hành chính nhà nước"), LabelRow("4.2.", "Số liệu về biên chế công chức"),
            LabelRow("4.2.1.", "Tong so bien che duoc giao trong nam", "Người"),
            LabelRow("1.", "Công tác chỉ đạo điều hành CHCC")]
    assert codes(rows) == ["2", "2.5", "4", "4.2", "4.2.1", "1"]


def test_sections_in_another_order_and_look_alike_sections() -> None:
    # 3.2 and 3.5 are both "Vận hành Cổng dịch vụ công": the rows under each say which is which
    rows = [LabelRow("6.", "Cải cách tài chính công"),
            LabelRow("6.5.", "Số lượng đơn vị SNCL đã chuyển đổi thành công ty cổ phần (lũy kế đến thời điểm báo cáo)"),
            LabelRow("3.", "Cải cách thủ tục hành chính"), LabelRow(None, "Vận hành Cổng dịch vụ công"),
            LabelRow("3.5.1.", "Số TTHC được tích hợp lên Cổng DVC", "Thủ tục"),
            LabelRow("3.3.", "Vận hành Cổng dịch vụ công"),
            LabelRow("3.3.1.", "Số TTHC đã cập nhật, công khai trên Cổng DVC quốc gia", "Thủ tục"),
            LabelRow("2.", "Cải cách thể chế"), LabelRow("2.1.", "Số VBQPPL đã ban hành/tham mưu ban hành", "Văn bản")]
    assert codes(rows) == ["6", "6.5", "3", "3.5", "3.5.1", "3.2", "3.2.1", "2", "2.1"]


def test_sub_rows_in_every_style() -> None:
    head = [LabelRow("3.", "Cải cách thủ tục hành chính"), LabelRow("3.1.", "Thống kê TTHC"),
            LabelRow("3.1.3.", "Tổng số TTHC đang có hiệu lực", "Thủ tục")]
    styles = {
        "marker in STT": [LabelRow("Trong đó", "Số TTHC cấp huyện"), LabelRow(None, "Số TTHC cấp xã")],
        "marker in label": [LabelRow(None, "Trong đó: Số TTHC cấp huyện"), LabelRow(None, "Số TTHC cấp xã")],
        "dashes": [LabelRow("-", "Số TTHC cấp huyện"), LabelRow("-", "Số TTHC cấp xã")],
        "letters": [LabelRow("a)", "Số TTHC cấp huyện"), LabelRow("b)", "Số TTHC cấp xã")],
    }
    for rows in styles.values():
        assert codes(head + rows) == ["3", "3.1", "3.1.3", "3.1.3.a", "3.1.3.b"]
    split = head + [LabelRow(None, "Trong đó:"), *styles["dashes"]]
    assert codes(split) == ["3", "3.1", "3.1.3", None, "3.1.3.a", "3.1.3.b"]
    merged = head + [LabelRow(None, "Trong đó: Số TTHC cấp huyện; Số TTHC cấp xã", "Thủ tục")]
    assert codes(merged) == ["3", "3.1", "3.1.3", None]  # two indicators in one row: neither
