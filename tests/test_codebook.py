"""The canonical codebook as shipped: complete, consistent, with the design's corrections."""
from __future__ import annotations

from normalizers.codebook import load_codebook

CB = load_codebook()


def test_codes_unique_and_parents_exist() -> None:
    codes = [i.code for i in CB.indicators]
    assert len(codes) == len(set(codes)) == 102
    assert all(i.parent is None or CB.get(i.parent) for i in CB.indicators)
    assert codes[0] == "1" and codes[-1] == "7.2.7"


def test_corrections_and_lettered_subrows() -> None:
    assert [i.label for i in CB.children("1.2")] == [
        "Số phòng, ban, đơn vị trực thuộc đã kiểm tra",
        "Số UBND cấp xã đã kiểm tra (Sử dụng cho UBND cấp huyện)",
        "Số vấn đề phát hiện qua kiểm tra",
        "Số vấn đề phát hiện đã xử lý xong",
    ]
    lettered = [i.code for i in CB.indicators if i.is_lettered]
    assert lettered == ["3.1.3.a", "3.1.3.b", "4.1.3.a", "7.1.1.a", "7.1.1.b", "7.2.a", "7.2.b", "7.2.c"]


def test_kinds_and_units() -> None:
    assert {i.kind for i in CB.indicators} <= {"group", "count", "percent", "text", "code"}
    assert all(i.unit == "%" for i in CB.indicators if i.kind == "percent")
    assert CB.get("3.4.2").kind == "percent" and CB.get("7.1.1").kind == "count"
    assert "Vận hành Công dịch vụ công" in CB.get("3.2").aliases
