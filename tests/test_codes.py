"""The label → code mapper on hand-made rows: structure, one-to-one, thresholds."""
from __future__ import annotations

from normalizers.codebook import load_codebook
from normalizers.codes import LabelRow, map_rows, row_parents

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
