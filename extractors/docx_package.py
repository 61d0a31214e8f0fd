"""A Word file's zip package, read for the two parts the extractor needs: the main document
and its styles.

They are found through the package's relationships and read straight from the zip, each
checked against its CRC, so damage anywhere else (a thumbnail, the theme, a picture) does
not stop a file whose text is whole, and damage to a part that is read is named for what
it is.  When the zip directory at the end of the file is gone (a truncated download) or
damaged, the parts are found by their local headers instead, as `zip -FF` does, and kept
only when their data is complete and their CRC matches.  The zip-bomb limits hold either way.
"""
from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from extractors.errors import ExtractionError, shown

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
# Deflate tops out near 1032:1; real Word XML compresses 10-30:1, so anything past this is a bomb.
MAX_COMPRESSION_RATIO = 500
_RATIO_MIN_BYTES = 1024 * 1024  # tiny members can have any ratio without harm

MAIN = "word/document.xml"
REPAIRED = "damaged Word file repaired"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_OFFICE_DOCUMENT, _STYLES = _RELS + "officeDocument", _RELS + "styles"
_PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# As python-docx parses Word XML: no entities resolved, nothing fetched, blank text between tags dropped.
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
_LOCAL = b"PK\x03\x04"
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_END = b"PK\x05\x06"
_DESCRIPTOR = b"PK\x07\x08"
_CHUNK = 1 << 16  # compressed bytes inflated at a time when reading past a lost directory


@dataclass
class Package:
    """The parts the extractor reads, and what was mended to get them."""

    document: etree._Element
    styles: etree._Element | None
    repairs: list[str] = field(default_factory=list)


Reader = Callable[[str], bytes]


def read_package(path: Path, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES) -> Package:
    """The main document and styles of a .docx; ExtractionError says why when they cannot be had."""
    head = _head(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError,
            struct.error) as exc:
        if not head.startswith(_LOCAL):
            raise ExtractionError(f"not a Word .docx file (not a zip archive{_not_zip_hint(head)})") from exc
        return _salvaged(path.read_bytes(), max_unzipped_bytes, exc)
    with zf:
        repairs: list[str] = []
        local: list[tuple[str, bytes]] | None = None
        expanded = 0

        def read(name: str) -> bytes:
            """A part, within the zip-bomb limits; one whose local header is damaged or
            misplaced is looked for by its content: an entry elsewhere in the file with the
            directory's CRC and size."""
            nonlocal local, expanded
            info = zf.getinfo(name) if name in names else None
            if info is not None:
                expanded += info.file_size
                _check_size(info, expanded, max_unzipped_bytes)
            try:
                return _member(zf, name)
            except _DamagedEntry:
                if local is None:
                    local = _scan_local_headers(path.read_bytes(), max_unzipped_bytes)[0]
                for _, body in local:
                    if info is not None and len(body) == info.file_size and zlib.crc32(body) == info.CRC:
                        repairs.append(f"{REPAIRED}: the zip entry of {shown(name)} is damaged or misplaced; "
                                       "its data was found intact by its CRC")
                        return body
                raise

        names = set(zf.namelist())
        try:
            return _assemble(names, read, repairs)
        except _NoMainDocument:
            data = path.read_bytes()
            if MAIN not in _scan_local_headers(data, max_unzipped_bytes)[1]:
                raise
    return _salvaged(data, max_unzipped_bytes, None)  # a directory that lost entries: read past it


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise ExtractionError(f"cannot read file: {exc.strerror or exc}") from exc
    if not head:
        raise ExtractionError("empty file")
    return head


def _not_zip_hint(head: bytes) -> str:
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "; an OLE2 file: a legacy Word .doc or a password-protected document"
    if b"<html" in head.lower() or b"<!doctype html" in head.lower():
        return "; it is HTML"
    if head.startswith(b"{\\rtf"):
        return "; it is RTF"
    return ""


def _check_size(info: zipfile.ZipInfo, expanded: int, max_unzipped_bytes: int) -> None:
    """Refuse a part that inflates past reason, before it is inflated (parts never read are
    never inflated, so they are not checked)."""
    if expanded > max_unzipped_bytes:
        raise ExtractionError(f"zip expands to {_mb(expanded)} MB, over the {_mb(max_unzipped_bytes)} MB limit "
                              "(possible zip bomb)")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size >= _RATIO_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
        raise ExtractionError(f"zip member {shown(info.filename)} compresses {ratio:.0f}:1 (possible zip bomb)")


class _DamagedEntry(ExtractionError):
    """A part's local zip header is damaged or not where the directory says; its data may be whole."""


class _NoMainDocument(ExtractionError):
    """The zip directory lists no main document; its local header may still be in the file."""


def _member(zf: zipfile.ZipFile, name: str) -> bytes:
    """One part's bytes, CRC checked; a damaged one named as compressed data or zip entry."""
    try:
        return zf.read(name)
    except KeyError as exc:
        raise ExtractionError(f"damaged Word file: its part {shown(name)} is missing") from exc
    except (zlib.error, EOFError) as exc:
        raise ExtractionError(f"damaged Word file: the compressed data of {shown(name)} is corrupt") from exc
    except zipfile.BadZipFile as exc:
        if "CRC" in str(exc):
            raise ExtractionError(f"damaged Word file: the compressed data of {shown(name)} is corrupt") from exc
        raise _DamagedEntry(f"damaged Word file: the zip entry of {shown(name)} is damaged") from exc
    except (NotImplementedError, RuntimeError, ValueError, OSError, struct.error) as exc:
        raise _DamagedEntry(f"damaged Word file: the zip entry of {shown(name)} is damaged") from exc


def _assemble(names: set[str], read: Reader, repairs: list[str], styles_expected: bool = False) -> Package:
    """Main document by the package's relationships (or its usual name), then its styles; a
    package rebuilt from a cut file `styles_expected` them, since the cut may have taken the
    relationship that names them."""
    main = _target(names, read, "_rels/.rels", _OFFICE_DOCUMENT, "", repairs) or MAIN
    if main not in names:
        if any(n.startswith("word/") for n in names):
            raise _NoMainDocument(f"damaged Word file: its main document {shown(main)} is missing")
        raise _NoMainDocument(f"zip has no {shown(main)} (not a Word document)")
    document = _parse(main, read(main))
    if document.find(f"{{{_W}}}body") is None:
        raise ExtractionError(f"damaged Word file: {shown(main)} has no body")
    folder = posixpath.dirname(main)
    rels = posixpath.join(folder, "_rels", posixpath.basename(main) + ".rels")
    styles_name = _target(names, read, rels, _STYLES, folder, repairs)
    usual = posixpath.join(folder, "styles.xml")
    if styles_name is None and (usual in names or styles_expected):
        styles_name = usual
    return Package(document, _parse(styles_name, read(styles_name)) if styles_name else None, repairs)


def _target(names: set[str], read: Reader, rels: str, kind: str, base: str, repairs: list[str]) -> str | None:
    """The part a relationship of `kind` points at; None when there is none.  Relationships
    that are missing or unreadable are noted, and the usual part name is used."""
    if rels not in names:
        repairs.append(f"{REPAIRED}: package relationships {rels} missing; parts read by their usual names")
        return None
    try:
        root = etree.fromstring(read(rels), _PARSER)
    except (ExtractionError, etree.XMLSyntaxError):
        repairs.append(f"{REPAIRED}: package relationships {rels} unreadable; parts read by their usual names")
        return None
    for rel in root.iter(_PKG_RELS):
        target = rel.get("Target")
        if rel.get("Type") == kind and rel.get("TargetMode") != "External" and target:
            return posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(base, target))
    return None


def _parse(name: str, data: bytes) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise ExtractionError(f"Word file nested too deeply to read: {shown(name)} has over 256 levels of XML "
                                  "(tables within tables?)") from exc
        where = f" at line {exc.lineno}, column {exc.offset}" if exc.lineno else ""
        raise ExtractionError(f"damaged Word file: {shown(name)} is cut short or corrupt (not well-formed XML{where})") from exc


def _salvaged(data: bytes, max_unzipped_bytes: int, directory: BaseException | None) -> Package:
    """The package rebuilt from its local headers, when its zip directory cannot be read."""
    found, names = _scan_local_headers(data, max_unzipped_bytes)
    parts = dict(reversed(found))  # the first entry of a name, as a directory would list it
    truncated = not _has_end(data)
    if not any(n.startswith("word/") for n in names) and not any(b"wordprocessingml" in body for body in parts.values()):
        raise ExtractionError(f"not a Word .docx file (a {'truncated' if truncated else 'damaged'} zip archive)") \
            from directory
    lost = "the end of the file is missing" if truncated else "its zip directory is damaged"
    what = f"{'truncated' if truncated else 'damaged'} Word file: {lost}"

    def read(name: str) -> bytes:
        if name in parts:
            return parts[name]
        if name in names and not truncated:  # its header is there, its data corrupt
            raise ExtractionError(f"{what}, and the data of {shown(name)} is corrupt")
        raise ExtractionError(f"{what}, and {shown(name)} with it")

    if MAIN not in names:
        raise ExtractionError(f"{what}, and {MAIN} with it") from directory
    return _assemble(names, read, [f"{REPAIRED}: {lost}; its parts were read from their local zip headers"],
                     styles_expected=True)


def _has_end(data: bytes) -> bool:
    """Whether the file still ends in a zip directory's end record (even one whose signature is damaged)."""
    tail = data[-(1 << 16) - 22:]
    if _END in tail:
        return True
    if len(data) < 22:
        return False
    size, offset = struct.unpack("<II", data[-10:-2])
    return offset + size + 22 == len(data)


def _scan_local_headers(data: bytes, limit: int) -> tuple[list[tuple[str, bytes]], set[str]]:
    """(name, bytes) of every entry whose data is complete and matches its CRC, and every name seen."""
    view = memoryview(data)
    parts: list[tuple[str, bytes]] = []
    names: set[str] = set()
    total = 0
    at = data.find(_LOCAL)
    while at != -1 and at + _LOCAL_HEADER.size <= len(data):
        _, _, flags, method, _, _, crc, csize, _, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, at)
        start = at + _LOCAL_HEADER.size + name_len + extra_len
        name = bytes(view[at + _LOCAL_HEADER.size:at + _LOCAL_HEADER.size + name_len]).decode(
            "utf-8" if flags & 0x800 else "cp437", "replace")
        names.add(name)
        body, end = _entry_data(view, start, method, flags, crc, csize, limit - total)
        if body is not None and len(body) > limit - total:
            raise ExtractionError(f"zip expands past the {_mb(limit)} MB limit (possible zip bomb)")
        if body is not None:
            parts.append((name, body))
            total += len(body)
        at = data.find(_LOCAL, max(end, at + 4))
    return parts, names


def _mb(size: int) -> str:
    return f"{size / 2**20:.0f}"


def _entry_data(view: memoryview, start: int, method: int, flags: int, crc: int, csize: int,
                room: int) -> tuple[bytes | None, int]:
    """An entry's data when whole and CRC-true (None otherwise), and where the entry ends."""
    if method == zipfile.ZIP_STORED and not flags & 0x08:
        body, end = bytes(view[start:start + csize]), start + csize
        if len(body) < csize:
            return None, end
    elif method == zipfile.ZIP_DEFLATED:
        inflater, pieces, produced, end = zlib.decompressobj(-15), [], 0, start
        try:
            while not inflater.eof and end < len(view) and produced <= room:
                chunk = view[end:end + _CHUNK]
                end += len(chunk)
                pieces.append(inflater.decompress(chunk))
                produced += len(pieces[-1])
        except zlib.error:
            return None, start
        body = b"".join(pieces)
        if produced > room:
            return body, start  # past the limit: the caller refuses the file
        if not inflater.eof:
            return None, start
        end -= len(inflater.unused_data)
    else:
        return None, start
    if flags & 0x08:  # sizes and CRC follow the data, in a descriptor with or without its signature
        skip = 4 if bytes(view[end:end + 4]) == _DESCRIPTOR else 0
        if end + skip + 12 > len(view):
            return None, end
        crc = struct.unpack_from("<I", view, end + skip)[0]
        end += skip + 12
    return (body if zlib.crc32(body) == crc else None), end
