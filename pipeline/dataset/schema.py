"""The output contract: every Parquet table's columns, types and meaning, in one place.

Writers build their Arrow schemas from here (so an empty table still has its columns
and types) and the data dictionary is generated from the same descriptions.
"""
from __future__ import annotations

import pyarrow as pa

Column = tuple[str, pa.DataType, str]

_PROVENANCE: list[Column] = [
    ("doc_id", pa.string(), "SHA-256 of the source file's bytes"),
    ("source_file", pa.string(), "file name with extension"),
]

SCHEMAS: dict[str, list[Column]] = {
    "documents": _PROVENANCE
    + [
        ("source_path", pa.string(), "path as given to `convert`; for `ingest`, relative to the input folder"),
        ("kind", pa.string(), "pdf or docx (from the file's content, not its name)"),
        ("pages", pa.int32(), "pages in the file (DOCX: 1)"),
        ("pages_ocr", pa.int32(), "pages whose text came from OCR"),
        ("pages_repaired", pa.int32(), "pages whose text layer was repaired"),
        ("status", pa.string(), "ok, failed or skipped"),
        ("error", pa.string(), "why the file failed, for a person: one line, at most 300 characters"),
        ("error_detail", pa.string(), "what the library that gave up on the file said (exception type and message), "
         "or where an internal error was raised, for a bug report; at most 2,000 characters"),
        ("warnings", pa.string(), "what looked wrong but did not stop the file, '; '-separated"),
        ("issuer", pa.string(), "issuing body as printed top left of the title block, lines joined: UBND HUYỆN TUẦN GIÁO"),
        ("level", pa.string(), "issuer's level: tỉnh, huyện, xã or trung ương (a Sở is tỉnh; a city in a province, huyện)"),
        ("province", pa.string(), "province the issuer names, else the one UBND tỉnh a local body's page 1 cites"),
        ("doc_number", pa.string(), "'Số:' number, e.g. 135/KH-UBND; an appendix's is its parent's ('Kèm theo … số')"),
        ("doc_date", pa.date32(), "date of signing ('Đức Cơ, ngày 27 tháng 9 năm 2021'); an appendix's is its parent's"),
        ("doc_type", pa.string(), "báo cáo, kế hoạch, thông báo, phụ lục, quyết định, công văn …: heading, else code"),
        ("period_start", pa.date32(), "'Từ ngày …', else start of the period the title names (6 tháng đầu năm, quý I, năm)"),
        ("period_end", pa.date32(), "'Đến ngày …', else end of the period the title names"),
        ("year", pa.int32(), "year reported on: the period's end year, else the first year the title names"),
        ("unit_code", pa.string(), "GSO code of the administrative unit the issuer belongs to, in the list valid on the "
         "date of signing (before or from 1 July 2025; normalizers/units.py): 099 (huyện Tuần Giáo); null when no list "
         "names it unambiguously (see warnings) or for a central body"),
        ("unit_name", pa.string(), "the unit's official name with its type, as that list gives it: Huyện Tuần Giáo"),
        ("unit_level", pa.string(), "the unit's level: tỉnh, huyện or xã; trung ương for a central body (which has no code); "
         "null with unit_code"),
        ("province_code", pa.string(), "GSO code of the unit's province in the same list: 11 (Điện Biên)"),
        ("successor_code", pa.string(), "for a unit of before 1 July 2025, the codes of the units its territory went to "
         "then, '; '-separated (a district's: the new communes; a province's: the merged province)"),
        ("successor_name", pa.string(), "the successors' names, in the order of successor_code"),
        ("n_tables", pa.int32(), "tables found (a table continued over pages counts once)"),
        ("n_indicators", pa.int32(), "indicator rows found"),
        ("n_unmapped", pa.int32(), "indicator rows left without a canonical code"),
        ("template", pa.string(), "the province template the indicator table follows (a codebook crossing to the canonical "
         "one, e.g. thua-thien-hue-2021), null for the canonical numbering"),
        ("n_overrides", pa.int32(), "indicator rows whose code an analyst decided (overrides.csv, see `cchc review`)"),
        ("n_checks_failed", pa.int32(), "consistency checks that failed (rows in checks.parquet)"),
        ("seconds", pa.float64(), "processing time of this file"),
        ("pipeline_version", pa.string(), "cchc-extract version that produced the row"),
        ("processed_at", pa.timestamp("s", tz="UTC"), "when the file was processed"),
    ],
    "indicators": _PROVENANCE
    + [
        ("code", pa.string(), "canonical indicator code, null when no code was certain enough"),
        ("code_template", pa.string(), "the row's code in the template the document follows (documents.template), "
         "also where it has no canonical equivalent; null for the canonical numbering"),
        ("code_method", pa.string(), "who chose the code: match (the label mapper) or override (an analyst's decision "
         "in overrides.csv, which may also be 'no code')"),
        ("code_printed", pa.string(), "the STT printed in the source row (unreliable)"),
        ("label", pa.string(), "row label as printed (repaired, NFC)"),
        ("unit", pa.string(), "unit as printed"),
        ("value", pa.float64(), "the number, resolved (16.688 → 16688, 99,1 → 99.1, 100% → 100)"),
        ("value_text", pa.string(), "the value cell's text, whitespace-normalised"),
        ("value_kind", pa.string(), "number, percent, fraction, code, reference, text or blank"),
        ("value_label", pa.string(), "for coded answers, what the code stands for"),
        ("numerator", pa.float64(), "for 'a/b' values, a"),
        ("denominator", pa.float64(), "for 'a/b' values, b"),
        ("flags", pa.string(), "value warnings, e.g. unit_mismatch, '; '-separated; damaged_page: read from a page whose "
         "data is corrupt in the file (see text.issues), so the value may be wrong"),
        ("note", pa.string(), "the row's note column"),
        ("match_score", pa.float64(), "0–100 confidence of the code (of code_template where only that is set; the best "
         "candidate's when unmapped; 100 when an analyst decided)"),
        ("candidates", pa.string(), "best codes with scores, 'code:score' '; '-separated, for review"),
        ("codebook", pa.string(), "codebook the code belongs to"),
        ("page", pa.int32(), "1-based page of the row"),
        ("table_id", pa.int32(), "table within the document (0-based, document order)"),
        ("row", pa.int32(), "row within the table (0-based, header rows included)"),
        ("method", pa.string(), "how the text was read: text (PDF text layer), font_repair (text layer with "
         "glyphs rebuilt by OCR), docx, ocr"),
        ("confidence", pa.float64(), "0–1 confidence in the row's text: the lowest of its repaired or OCR'd characters"),
    ],
    "tables": _PROVENANCE
    + [
        ("table_id", pa.int32(), "table within the document (0-based); a table continued over pages is one id"),
        ("table_kind", pa.string(), "indicator, par_criteria, plan_execution, dossier or other"),
        ("row", pa.int32(), "0-based row in the (stitched) table; a row cut by a page break is joined back into one"),
        ("col", pa.int32(), "0-based grid column"),
        ("column_name", pa.string(), "the column's header cells top to bottom, ' / '-joined "
         "(e.g. 'Kết quả giải quyết / Số hồ sơ đã giải quyết / Tổng số')"),
        ("text", pa.string(), "cell text (NFC); a merged cell appears once, at its top-left"),
        ("is_header", pa.bool_(), "whether the row is a header row (header rows repeated on later pages are dropped)"),
        ("rowspan", pa.int32(), "rows the cell spans"),
        ("colspan", pa.int32(), "columns the cell spans"),
        ("page", pa.int32(), "1-based page the cell is on"),
        ("method", pa.string(), "how the text was read: text, font_repair, docx, ocr"),
        ("confidence", pa.float64(), "0–1 confidence in the cell's text: the lowest of its repaired or OCR'd characters"),
        ("rotation", pa.int32(), "degrees (clockwise) the table was turned to read upright: 0, 90 or 270 for a landscape "
         "table printed sideways"),
    ],
    "criteria": _PROVENANCE
    + [
        ("code", pa.string(), "PAR Index criterion code confirmed by the PAR codebook (e.g. 1.3.1), null when unknown"),
        ("code_type", pa.string(), "TC (criterion) or TCTP (sub-criterion); inferred from the codebook when not printed"),
        ("code_printed", pa.string(), "the code as printed, e.g. 'TCTP 1.3.1'"),
        ("name", pa.string(), "criterion name as printed"),
        ("target", pa.string(), "target or requirement (Mục tiêu, yêu cầu)"),
        ("lead_agency", pa.string(), "agency in charge (Cơ quan chủ trì)"),
        ("partners", pa.string(), "agencies that take part (Cơ quan phối hợp/thực hiện)"),
        ("deadline", pa.string(), "when it is to be done (Thời gian thực hiện/hoàn thành), as printed"),
        ("section", pa.string(), "the section row above it, e.g. 'III CẢI CÁCH THỦ TỤC HÀNH CHÍNH'"),
        ("stt", pa.string(), "the row number printed in the TT column"),
        ("match_score", pa.float64(), "0–100 similarity of the printed name to the codebook's"),
        ("flags", pa.string(), "type_inferred, type_mismatch, name_differs, unknown_criterion, duplicate_criterion; "
         "damaged_page (read from a page whose data is corrupt in the file)"),
        ("codebook", pa.string(), "codebook the code belongs to"),
        ("page", pa.int32(), "1-based page of the row"),
        ("table_id", pa.int32(), "table within the document"),
        ("row", pa.int32(), "row within the table"),
        ("method", pa.string(), "how the text was read: text, font_repair, docx, ocr"),
        ("confidence", pa.float64(), "0–1 confidence in the row's text"),
    ],
    "dossiers": _PROVENANCE
    + [
        ("table_id", pa.int32(), "table within the document"),
        ("row", pa.int32(), "row within the table"),
        ("page", pa.int32(), "1-based page of the row"),
        ("stt", pa.string(), "the row number as printed"),
        ("unit", pa.string(), "commune or agency (Cơ quan), or the total row's label"),
        ("is_total", pa.bool_(), "whether this is the table's total row (Tổng, Tổng cộng)"),
        ("received_total", pa.int64(), "dossiers received (Tổng hồ sơ)"),
        ("received_online", pa.int64(), "received online (Trực tuyến)"),
        ("online_rate", pa.float64(), "percentage received online, as printed (30,45 → 30.45)"),
        ("carried_over", pa.int64(), "carried over from the previous period (Kỳ trước chuyển)"),
        ("received_direct", pa.int64(), "received in person (Trực tiếp)"),
        ("resolved_total", pa.int64(), "resolved (Số hồ sơ đã giải quyết / Tổng số)"),
        ("resolved_early", pa.int64(), "resolved before the deadline (Sớm hạn)"),
        ("resolved_on_time", pa.int64(), "resolved on time (Đúng hạn)"),
        ("resolved_late", pa.int64(), "resolved late (Trễ hạn)"),
        ("pending_total", pa.int64(), "still being processed (Số hồ sơ đang giải quyết / Tổng số)"),
        ("pending_on_time", pa.int64(), "pending, within the deadline (Trong hạn)"),
        ("pending_overdue", pa.int64(), "pending, past the deadline (Quá hạn)"),
        ("withdrawn", pa.int64(), "withdrawn (Hồ sơ rút)"),
        ("returned", pa.int64(), "returned (Hồ sơ trả lại)"),
        ("flags", pa.string(), "cells that were not the expected number, e.g. received_total_not_integer; "
         "damaged_page (read from a page whose data is corrupt in the file)"),
        ("method", pa.string(), "how the text was read: text, font_repair, docx, ocr"),
        ("confidence", pa.float64(), "0–1 confidence in the row's text"),
    ],
    "checks": _PROVENANCE
    + [
        ("rule", pa.string(), "total_equals_sum, row_parts_sum, parts_sum_to_parent, done_le_planned, part_le_whole, "
         "percent_range or percent_vs_ratio"),
        ("severity", pa.string(), "error (the numbers cannot all be right) or warning (may be rounding)"),
        ("code", pa.string(), "indicator code or dossier field the check is about"),
        ("message", pa.string(), "what disagrees, with the values and where they are printed"),
        ("expected", pa.float64(), "the value the rule implies (a sum, a bound, a ratio)"),
        ("found", pa.float64(), "the value printed"),
        ("values", pa.string(), "every value the rule used, 'name=value' '; '-separated"),
        ("page", pa.int32(), "1-based page of the value found"),
        ("table_id", pa.int32(), "table within the document"),
        ("row", pa.int32(), "row within the table"),
    ],
    "text": _PROVENANCE
    + [
        ("page", pa.int32(), "1-based page (DOCX: 1)"),
        ("text", pa.string(), "page text in reading order, NFC; DOCX tables row by row"),
        ("method", pa.string(), "text (PDF text layer), font_repair, docx, ocr"),
        ("quality", pa.float64(), "share of words that are well-formed Vietnamese syllables, after repair"),
        ("quality_raw", pa.float64(), "the same share before any repair"),
        ("text_coverage", pa.float64(), "share of the page area covered by its text layer (PDF; empty for OCR'd scans)"),
        ("confidence", pa.float64(), "mean 0–1 word confidence of the OCR on an OCR'd page; empty for a text layer"),
        ("text_layer", pa.string(), "on an OCR'd scan, the text its PDF text layer holds (the digital-signature box "
         "signing software stamps over the image, its form fields included), NFC, kept beside the OCR text; empty "
         "otherwise"),
        ("issues", pa.string(), "what still looks wrong with the page's text, '; '-separated"),
        ("repairs", pa.string(), "fixes applied, in order, '; '-separated: fix_mojibake, decode_tcvn3(.VnTime), "
         "font_repair(Font: N glyphs rebuilt …, map {…}: the font's glyph map as JSON, re-appliable), "
         "ocr(tesseract …, dpi, turn, deskew, lines straightened, tables, words), place_tones_old …"),
    ],
}


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(name, dtype) for name, dtype, _ in SCHEMAS[table]])
