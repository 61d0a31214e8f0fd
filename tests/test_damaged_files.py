"""Damaged reports: what can be recovered converts with a warning and the original's values,
what cannot fails with one short true line, and only a bug of ours is an internal error."""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pdfplumber.page
import pytest
from pdfminer.pdfparser import PDFSyntaxError

import extractors.pdf
from extractors.errors import raised_here, shown
from pipeline.cli import main
from pipeline.convert.process import DAMAGED_PAGE, MAX_REASON, FileResult, process_file
from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_SOME_FAILED

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
PDF, DOCX = RAW / "phuluc1_000.pdf", RAW / "appendix_001.docx"


def _values(result: FileResult) -> dict[str, float | None]:
    return {str(r["code"]): r["value"] for r in result.indicators if r["code"]}


@pytest.fixture(scope="module")
def original() -> dict[str, dict[str, float | None]]:
    return {path.name: _values(process_file(path)) for path in (PDF, DOCX)}


def _converted(tmp_path: Path, name: str, data: bytes) -> FileResult:
    path = tmp_path / name
    path.write_bytes(data)
    return process_file(path)


def _failed(tmp_path: Path, name: str, data: bytes) -> str:
    document = _converted(tmp_path, name, data).document
    assert document["status"] == "failed"
    reason = str(document["error"])
    assert len(reason) <= MAX_REASON and "internal error" not in reason and "\n" not in reason
    return reason


# --- PDF ------------------------------------------------------------------------------------


def _xref_entry(data: bytes, number: int, offset: int) -> bytes:
    """The PDF with object `number`'s xref entry pointing at `offset`."""
    table = data.index(b"xref\n0 ")
    entry = data.index(b"\n", table + 5) + 1 + 20 * number
    return data[:entry] + b"%010d" % offset + data[entry + 10:]


def test_a_broken_xref_is_rebuilt_and_the_file_converts(tmp_path: Path, original: dict) -> None:
    """Page 2's content stream (object 22) pointed elsewhere: pdfminer alone read page 2 as empty."""
    result = _converted(tmp_path, "xref.pdf", _xref_entry(PDF.read_bytes(), 22, 66807))
    assert result.ok, result.document["error"]
    assert "damaged PDF repaired (qpdf): cross-reference table rebuilt" in result.document["warnings"]
    assert _values(result) == original[PDF.name] and len(result.indicators) == 102
    assert result.document["source_path"] == str(tmp_path / "xref.pdf")


def test_junk_before_the_pdf_header_is_skipped(tmp_path: Path, original: dict) -> None:
    junk = b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n\r\n"
    result = _converted(tmp_path, "junk.pdf", junk + PDF.read_bytes())
    assert result.ok and f"{len(junk)} bytes before %PDF ignored" in result.document["warnings"]
    assert _values(result) == original[PDF.name]


def test_a_file_cut_in_its_xref_table_converts_one_cut_in_its_pages_is_truncated(tmp_path: Path, original: dict) -> None:
    data = PDF.read_bytes()
    result = _converted(tmp_path, "cut_end.pdf", data[: data.index(b"\nxref\n") + 60])
    assert result.ok and "cross-reference table rebuilt" in result.document["warnings"]
    assert _values(result) == original[PDF.name]
    assert _failed(tmp_path, "cut_pages.pdf", data[: data.index(b"21 0 obj") + 100]).startswith("truncated PDF:")


def test_rows_read_through_a_corrupt_tounicode_map_are_flagged(tmp_path: Path) -> None:
    """pdfminer decodes a corrupt stream as far as it goes, silently: the rows it gives may be wrong."""
    data = bytearray(PDF.read_bytes())
    stream = data.index(b"stream", data.index(b"6 0 obj")) + 7  # F1's ToUnicode map, deflated
    data[stream + 300] ^= 0xFF
    result = _converted(tmp_path, "cmap.pdf", bytes(data))
    assert result.ok
    assert all(DAMAGED_PAGE in (r["flags"] or "") for r in result.indicators)
    assert all("damaged: font F1+0's ToUnicode map corrupt" in (t["issues"] or "") for t in result.text)


def test_an_intact_pdf_has_no_repair_and_no_flag() -> None:
    result = process_file(PDF)
    assert not result.document["warnings"] and not any(DAMAGED_PAGE in (r["flags"] or "") for r in result.indicators)


def test_a_library_giving_up_on_a_page_is_damage_a_bug_of_ours_is_internal(monkeypatch: pytest.MonkeyPatch) -> None:
    def parser_gives_up(*args: object, **kwargs: object) -> None:
        raise PDFSyntaxError("Invalid dictionary construct: [/'PDF', /'Text', [/b'\\xf5']]")

    monkeypatch.setattr(pdfplumber.page.Page, "extract_words", parser_gives_up)
    document = process_file(PDF).document
    assert document["error"] == "damaged PDF: page 1 could not be read"
    assert document["error_detail"] == "PDFSyntaxError: Invalid dictionary construct: [/'PDF', /'Text', [/b'\\xf5']]"
    monkeypatch.undo()

    monkeypatch.setattr(extractors.pdf, "page_text", lambda page: None)  # our own code then fails on None
    document = process_file(PDF).document
    assert document["error"].startswith("internal error (TypeError): a bug in cchc-extract")
    assert re.search(r"^TypeError: .* \(at .*pdf\.py:\d+ _page; vietnamese\.py:\d+ nfc\)$", document["error_detail"])


def test_raised_here_tells_our_code_from_a_library() -> None:
    with pytest.raises(ValueError) as library:
        zipfile.ZipFile(io.BytesIO(b"PK"), mode="q")  # type: ignore[call-overload]
    with pytest.raises(TypeError) as ours:
        shown(None)  # type: ignore[arg-type]
    assert not raised_here(library.value) and raised_here(ours.value)


# --- DOCX -----------------------------------------------------------------------------------


def _entry(data: bytes, name: str) -> zipfile.ZipInfo:
    return zipfile.ZipFile(io.BytesIO(data)).getinfo(name)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


def test_a_truncated_docx_whose_text_survives_converts(tmp_path: Path, original: dict) -> None:
    data = DOCX.read_bytes()
    result = _converted(tmp_path, "cut_late.docx", data[:-3000])
    assert result.ok, result.document["error"]
    assert "damaged Word file repaired: the end of the file is missing" in result.document["warnings"]
    assert _values(result) == original[DOCX.name]


def test_a_docx_cut_before_its_styles_is_truncated(tmp_path: Path) -> None:
    data = DOCX.read_bytes()
    styles = _entry(data, "word/styles.xml").header_offset
    assert _failed(tmp_path, "cut.docx", data[: styles + 500]) == \
        "truncated Word file: the end of the file is missing, and word/styles.xml with it"


def test_corrupt_compressed_text_is_the_files_damage(tmp_path: Path) -> None:
    """zlib's "invalid distance too far back" in the main text was reported as an internal error."""
    data = bytearray(DOCX.read_bytes())
    info = _entry(bytes(data), "word/document.xml")
    data[info.header_offset + 30 + len(info.filename) + 40: info.header_offset + 30 + len(info.filename) + 56] = b"\0" * 16
    assert _failed(tmp_path, "zlib.docx", bytes(data)) == "damaged Word file: the compressed data of word/document.xml is corrupt"


def test_damage_in_a_part_the_text_does_not_need_is_ignored(tmp_path: Path, original: dict) -> None:
    data = bytearray(DOCX.read_bytes())
    thumbnail = _entry(bytes(data), "docProps/thumbnail.jpeg")
    data[thumbnail.header_offset + 100] ^= 0xFF
    result = _converted(tmp_path, "thumb.docx", bytes(data))
    assert result.ok and not result.document["warnings"] and _values(result) == original[DOCX.name]


def test_a_misplaced_zip_entry_is_found_by_its_crc(tmp_path: Path, original: dict) -> None:
    """Bytes inserted before a part move its local header away from where the directory says."""
    data = DOCX.read_bytes()
    at = _entry(data, "word/document.xml").header_offset
    result = _converted(tmp_path, "moved.docx", data[:at] + b"\0" * 64 + data[at:])
    assert result.ok, result.document["error"]
    assert "is damaged or misplaced; its data was found intact by its CRC" in result.document["warnings"]
    assert _values(result) == original[DOCX.name]


def test_a_long_name_from_the_file_keeps_the_reason_short(tmp_path: Path) -> None:
    """The package names its styles part with a 60,000-character name that is not in the zip."""
    with zipfile.ZipFile(DOCX) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    rels = "word/_rels/document.xml.rels"
    members[rels] = re.sub(rb'Target="styles.xml"', b'Target="' + b"s" * 60_000 + b'.xml"', members[rels])
    reason = _failed(tmp_path, "long.docx", _zip(members))
    assert reason.startswith("damaged Word file: its part word/sss") and reason.endswith("… is missing")


def test_a_docx_nested_past_the_xml_depth_limit_says_so(tmp_path: Path) -> None:
    with zipfile.ZipFile(DOCX) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    nested = b"<w:tbl><w:tr><w:tc>" * 100 + b"<w:p/>" + b"</w:tc></w:tr></w:tbl>" * 100
    members["word/document.xml"] = members["word/document.xml"].replace(b"<w:body>", b"<w:body>" + nested, 1)
    assert "nested too deeply" in _failed(tmp_path, "deep.docx", _zip(members))


def test_a_corrupt_entry_past_a_lost_directory_is_not_kept(tmp_path: Path) -> None:
    """A cut file whose one entry's data is corrupt: nothing is salvaged, and it says truncated."""
    name = b"word/document.xml"
    header = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, 0, 0, len(name), 0)
    corrupt = zlib.compress(b"<w:document/>")[2:5] + b"\xff" * 8
    assert _failed(tmp_path, "stub.docx", header + name + corrupt) == \
        "truncated Word file: the end of the file is missing, and word/document.xml with it"


# --- every command prints what comes from a file as plain text ---------------------------------


@pytest.fixture()
def markup_folder(tmp_path: Path) -> Path:
    """A damaged report at a path holding rich markup: a directory 'a[' with a file 'x].pdf' in it."""
    folder = tmp_path / "in"
    (folder / "a[").mkdir(parents=True)
    (folder / "a[" / "x].pdf").write_bytes(PDF.read_bytes()[:20_000])
    return folder


def test_convert_and_ingest_print_paths_and_reasons_as_plain_text(markup_folder: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """'a[/x].pdf' holds a closing tag: printed as markup, the summary raised MarkupError."""
    monkeypatch.setenv("COLUMNS", "400")  # no path wrapped in the summary table
    assert main(["convert", str(markup_folder), "--out", str(tmp_path / "out")]) == EXIT_SOME_FAILED
    printed = capsys.readouterr().err
    assert "a[/x].pdf" in printed and "truncated PDF" in printed and "Traceback" not in printed
    docs = pd.read_parquet(tmp_path / "out" / "documents.parquet")
    assert docs.error.tolist() == ["truncated PDF: the file ends before its content does (incomplete download or copy?)"]
    assert main(["ingest", str(markup_folder), "--out", str(tmp_path / "ingest")]) == EXIT_SOME_FAILED
    assert "a[/x].pdf" in capsys.readouterr().err


def test_review_and_export_print_paths_as_plain_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "[/y]"
    assert main(["export", str(missing), "--xlsx", str(tmp_path / "x.xlsx")]) == EXIT_CANNOT_RUN
    assert "[/y]" in capsys.readouterr().err
    assert main(["review", str(tmp_path), "--apply", str(tmp_path / "[/z].csv")]) == EXIT_CANNOT_RUN
    assert "[/z].csv" in capsys.readouterr().err


def test_a_zip_directory_that_lost_the_main_document_is_read_past(tmp_path: Path, original: dict) -> None:
    """A damaged directory entry names another part: the main document is found by its local header."""
    data = DOCX.read_bytes()
    at = data.rindex(b"word/document.xml")  # its name in the directory, past its local header
    assert at > _entry(data, "word/document.xml").header_offset + 30
    result = _converted(tmp_path, "dir.docx", data[:at] + b"word/documenX.xml" + data[at + 17:])
    assert result.ok, result.document["error"]
    assert "damaged Word file repaired: its zip directory is damaged; its parts were read from their local zip headers" \
        in result.document["warnings"]
    assert _values(result) == original[DOCX.name]
