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
        ("source_path", pa.string(), "path as given to the run"),
        ("kind", pa.string(), "pdf or docx (from the file's content, not its name)"),
        ("pages", pa.int32(), "pages in the file (DOCX: 1)"),
        ("pages_ocr", pa.int32(), "pages whose text came from OCR"),
        ("pages_repaired", pa.int32(), "pages whose text layer was repaired"),
        ("status", pa.string(), "ok, failed or skipped"),
        ("error", pa.string(), "why the file failed, for a person"),
        ("warnings", pa.string(), "what looked wrong but did not stop the file, '; '-separated"),
        ("issuer", pa.string(), "issuing body from the title block, e.g. UBND HUYỆN TUẦN GIÁO"),
        ("period_start", pa.date32(), "reporting period start ('Từ ngày …')"),
        ("period_end", pa.date32(), "reporting period end ('Đến ngày …')"),
        ("year", pa.int32(), "reporting year"),
        ("n_tables", pa.int32(), "tables found (a table continued over pages counts once)"),
        ("n_indicators", pa.int32(), "indicator rows found"),
        ("n_unmapped", pa.int32(), "indicator rows left without a canonical code"),
        ("seconds", pa.float64(), "processing time of this file"),
        ("pipeline_version", pa.string(), "cchc-extract version that produced the row"),
        ("processed_at", pa.timestamp("s", tz="UTC"), "when the file was processed"),
    ],
    "indicators": _PROVENANCE
    + [
        ("code", pa.string(), "canonical indicator code, null when no code was certain enough"),
        ("code_printed", pa.string(), "the STT printed in the source row (unreliable)"),
        ("label", pa.string(), "row label as printed (repaired, NFC)"),
        ("unit", pa.string(), "unit as printed"),
        ("value", pa.float64(), "the number, resolved (16.688 → 16688, 99,1 → 99.1, 100% → 100)"),
        ("value_text", pa.string(), "the value cell's text, whitespace-normalised"),
        ("value_kind", pa.string(), "number, percent, fraction, code, reference, text or blank"),
        ("value_label", pa.string(), "for coded answers, what the code stands for"),
        ("numerator", pa.float64(), "for 'a/b' values, a"),
        ("denominator", pa.float64(), "for 'a/b' values, b"),
        ("flags", pa.string(), "value warnings, e.g. unit_mismatch, '; '-separated"),
        ("note", pa.string(), "the row's note column"),
        ("match_score", pa.float64(), "0–100 confidence of the code (best candidate's when unmapped)"),
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
        ("row", pa.int32(), "0-based row in the (stitched) table"),
        ("col", pa.int32(), "0-based grid column"),
        ("text", pa.string(), "cell text (NFC); a merged cell appears once, at its top-left"),
        ("is_header", pa.bool_(), "whether the row is a header row"),
        ("rowspan", pa.int32(), "rows the cell spans"),
        ("colspan", pa.int32(), "columns the cell spans"),
        ("page", pa.int32(), "1-based page the cell is on"),
        ("method", pa.string(), "how the text was read: text, font_repair, docx, ocr"),
        ("confidence", pa.float64(), "0–1 confidence in the cell's text: the lowest of its repaired or OCR'd characters"),
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
        ("issues", pa.string(), "what still looks wrong with the page's text, '; '-separated"),
        ("repairs", pa.string(), "fixes applied, in order, '; '-separated: fix_mojibake, decode_tcvn3(.VnTime), "
         "font_repair(Font: N glyphs rebuilt …), ocr(tesseract …, dpi, deskew, tables, words), place_tones_old …"),
    ],
}


def arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(name, dtype) for name, dtype, _ in SCHEMAS[table]])
