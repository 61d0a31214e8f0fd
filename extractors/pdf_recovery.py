"""Damaged PDFs: what qpdf finds wrong with a file, a rebuilt copy to read when it repaired
the structure, and the pages whose data is corrupt.

pdfminer reads past a lot of damage without a word: a wrong xref offset gives an empty
page, and a corrupt compressed stream is decoded as far as it goes
(`pdfminer.pdftypes.decompress_corrupted`), so a page's text can come out cut short or,
past the damage, wrong.  So every PDF is first opened by qpdf (pikepdf), which rebuilds a
broken cross-reference table, recovers stream lengths and skips junk before ``%PDF``, and
says what it rebuilt; then every stream a page's text or image is drawn from (contents,
forms, fonts and their ToUnicode maps, images) is decoded once, so a corrupt one is known
and its pages marked (`Page.damaged`, rows flagged `damaged_page`).  When qpdf had to repair
the structure, or pdfminer cannot read the original, the pipeline reads qpdf's rewrite of
the file instead (a temporary copy, deleted after) and the file converts with a warning.
A file cut short converts only when the cut took nothing but its end (the xref table):
when it took pages' content, it fails as truncated.
"""
from __future__ import annotations

import base64
import binascii
import bisect
import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pikepdf

from core.model import METHOD_TEXT, Document
from extractors.errors import ExtractionError, out_of_memory, raised_here
from extractors.pdf import TRUNCATED, UnreadablePdf, extract_pdf
from extractors.sources import MAX_PAGES

_CHUNK = 1 << 20
_OBJECT_START = re.compile(rb"(\d+) \d+ obj\b")
_REFERENCE = re.compile(rb"(\d+) (\d+) R\b")
MAX_IMAGE_CHECK = 1 << 30  # decoded bytes of one image checked at most (a bigger one is a bomb in itself)
# qpdf's warnings while decoding a stream that say its data is corrupt or lost.
_CORRUPT = ("error decoding stream data", "output may still be valid", "unable to recover stream data")
_HARMLESS = ("extraneous whitespace", "stream will be re-processed")  # leniency, or said by another warning
# What qpdf's other warnings mean, in a person's words: the first matching key names the repair.
_REPAIRS = (
    (("reconstruct", "xref", "file is damaged"), "cross-reference table rebuilt"),
    (("header",), "damaged %PDF header passed over"),
    (("stream length", "endstream"), "stream lengths recovered"),
    (("nested",), "overly nested data dropped"),
    (("loop",), "a loop in the page tree cut"),
)


@dataclass(frozen=True)
class Damage:
    """Corrupt or missing data behind a page; `text` when its text layer is read from it,
    not only its rendering (which OCR and font repair read)."""

    what: str
    text: bool = True


@dataclass
class Health:
    """What qpdf found: repairs that call for its rewrite, and corrupt data behind pages."""

    repairs: list[str] = field(default_factory=list)
    page_damage: dict[int, list[Damage]] = field(default_factory=dict)  # 1-based page → its damage
    pages_missing: int = 0
    empty_pages: list[int] = field(default_factory=list)  # pages with no content stream at all
    cut_short: bool = False  # no %%EOF at the end: the file was cut

    @property
    def rebuilt(self) -> bool:
        return bool(self.repairs)

    @property
    def lost_content(self) -> bool:
        """A cut file that took pages' content with it, not only its cross-reference table."""
        return self.cut_short and bool(self.pages_missing or self.empty_pages or self.page_damage)

    def warnings(self) -> list[str]:
        out = [f"damaged PDF repaired (qpdf): {'; '.join(self.repairs)}"] if self.repairs else []
        if self.pages_missing:
            out.append(f"damaged PDF: {self.pages_missing} of its pages are missing")
        return out


def read_pdf(path: str | Path, *, max_pages: int = MAX_PAGES, pages: range | None = None) -> Document:
    """`extract_pdf` (of `pages`, or all) on the file as qpdf found it: on its rebuilt copy when
    qpdf had to repair the structure, or when pdfminer gives up on the original; pages on
    corrupt data marked."""
    health = inspect(path)
    if health.lost_content if health is not None else _cut_short(path):
        raise ExtractionError(TRUNCATED)  # pdfminer might read the pages left, and say nothing
    if health is None or not health.rebuilt:
        try:
            return _marked(_extract(path, max_pages, pages), health)
        except UnreadablePdf as exc:
            if health is None or out_of_memory(exc):
                raise
            health.repairs.append("rewritten for pdfminer, which could not read the original")
    try:
        with rebuilt_copy(path) as copy:
            doc = _extract(copy, max_pages, pages)
    except UnreadablePdf as exc:
        damage = health.page_damage.get(exc.page or 0, [])
        text = [d.what for d in damage if d.text] or [d.what for d in damage]
        if text:
            raise UnreadablePdf(f"{exc} ({damage_list(text)})", exc.page) from exc.__cause__
        raise
    return _marked(replace(doc, source_path=str(path)), health)


def _extract(path: str | Path, max_pages: int, pages: range | None) -> Document:
    """`extract_pdf`, with what pdfplumber or pdfium raise outside a page (closing the file
    lists every page) taken as the file's damage, as on a page; a bug of ours stays one."""
    try:
        return extract_pdf(path, max_pages=max_pages, pages=pages)
    except ExtractionError:
        raise
    except Exception as exc:
        if raised_here(exc):
            raise
        raise UnreadablePdf("damaged PDF: its pages cannot be read") from exc


def _marked(doc: Document, health: Health | None) -> Document:
    """The document with qpdf's repairs among its warnings and its damaged pages marked."""
    if health is None:
        return doc
    for page in doc.pages:
        damage = [d.what for d in health.page_damage.get(page.number, []) if d.text or page.method != METHOD_TEXT]
        if damage:
            page.issues.append(f"damaged: {damage_list(damage)} (text may be incomplete or wrong)")
            page.damaged = True
    doc.warnings[:0] = health.warnings()
    return doc


def inspect(path: str | Path) -> Health | None:
    """The damage qpdf finds in `path`; None when qpdf cannot open it at all (the PDF
    reader's own error then says why: truncated, encrypted, not a PDF)."""
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, RecursionError):
        return None
    with pdf:
        noted = pdf.get_warnings()  # qpdf's warnings so far; reading them clears them
        try:
            count = pdf.Root.Pages.get("/Count")
            pages = list(pdf.pages)
        except (pikepdf.PdfError, AttributeError, RecursionError) as exc:
            raise ExtractionError("damaged PDF: its page tree cannot be read") from exc
        health = Health(pages_missing=max(0, min(count, 100_000) - len(pages)) if isinstance(count, int) else 0)
        decoded: dict[tuple[int, int], bool] = {}
        uses: dict[int, set[int]] = {}  # page → the objects its text is drawn from
        for number, page in enumerate(pages, 1):
            uses[number] = set()
            try:
                found = [d for d, stream in _page_data(page.obj, uses[number])
                         if stream is None or _corrupt(pdf, stream, decoded, noted)]
            except (pikepdf.PdfError, RecursionError):  # qpdf gave up on an object the page refers to
                found = [Damage("page objects")]
            if found:
                health.page_damage[number] = list(dict.fromkeys(found))
            if not isinstance(page.obj.get("/Contents"), (pikepdf.Stream, pikepdf.Array)):
                health.empty_pages.append(number)
        mended = [w for w in noted + pdf.get_warnings() if not any(h in w for h in _HARMLESS)]
        if mended:  # objects may be lost
            _lost_objects(pdf, path, uses, health)
    with open(path, "rb") as fh:
        junk = fh.read(1024).find(b"%PDF-")
    health.cut_short = _cut_short(path)
    if junk > 0:
        health.repairs.append(f"{junk} bytes before %PDF ignored")
    health.repairs += list(dict.fromkeys(_repair(w) for w in mended))
    return health


def _lost_objects(pdf: pikepdf.Pdf, path: str | Path, uses: dict[int, set[int]], health: Health) -> None:
    """Pages that refer to objects the file no longer holds.  qpdf reads such a reference as
    null and drops it (a font loses its ToUnicode map without a trace), so the references
    are read from the file's bytes, with the object each stands in; a lost object that a
    page's objects refer to is damage to that page."""
    data = Path(path).read_bytes()
    starts = [m.start() for m in _OBJECT_START.finditer(data)]
    numbers = [int(m[1]) for m in _OBJECT_START.finditer(data)]
    found: dict[tuple[int, int], bool] = {}
    referrers: dict[int, set[int]] = {}
    for ref in _REFERENCE.finditer(data):
        key = (int(ref[1]), int(ref[2]))
        if key not in found:
            try:
                found[key] = pdf.get_object(key) is not None
            except (pikepdf.PdfError, ValueError, OverflowError):
                found[key] = False
        at = bisect.bisect(starts, ref.start()) - 1
        if not found[key] and at >= 0 and data.find(b"endobj", starts[at], ref.start()) == -1:
            referrers.setdefault(key[0], set()).add(numbers[at])
    for number, used in uses.items():
        for lost in sorted(n for n, by in referrers.items() if by & used):
            health.page_damage.setdefault(number, []).append(Damage(f"object {lost} missing"))


def _cut_short(path: str | Path) -> bool:
    """No %%EOF in the file's last kilobyte: its end was cut off."""
    with open(path, "rb") as fh:
        fh.seek(max(0, fh.seek(0, 2) - 1024))
        return b"%%EOF" not in fh.read()


@contextmanager
def rebuilt_copy(path: str | Path) -> Iterator[Path]:
    """qpdf's rewrite of `path` as a temporary file, removed when the block ends."""
    with tempfile.TemporaryDirectory(prefix="cchc-pdf-") as tmp:
        copy = Path(tmp) / "rebuilt.pdf"
        try:
            with pikepdf.open(path) as pdf:
                pdf.save(copy, fix_metadata_version=False, deterministic_id=True)
        except (pikepdf.PdfError, ValueError, RecursionError, OSError) as exc:
            raise ExtractionError("damaged PDF: qpdf could not rebuild it") from exc
        yield copy


def _repair(warning: str) -> str:
    """One of qpdf's warnings as the repair it stands for.

    >>> _repair("/tmp/x.pdf: Attempting to reconstruct cross-reference table")
    'cross-reference table rebuilt'
    >>> _repair("/tmp/x.pdf (object 21 0, offset 71222): recovered stream length: 3277")
    'stream lengths recovered'
    """
    text = warning.lower()
    return next((phrase for keys, phrase in _REPAIRS if any(k in text for k in keys)), "damaged objects read as far as they go")


def damage_list(damage: Iterable[str]) -> str:
    """What is wrong behind a page, in one phrase.

    >>> damage_list(["content stream", "font F1's ToUnicode map", "font F2 missing"])
    "content stream, font F1's ToUnicode map corrupt; font F2 missing"
    """
    items = list(damage)
    corrupt = [d for d in items if not d.endswith("missing")]
    return "; ".join(([", ".join(corrupt) + " corrupt"] if corrupt else []) + [d for d in items if d.endswith("missing")])


def _page_data(page: pikepdf.Dictionary, uses: set[int]) -> Iterator[tuple[Damage, pikepdf.Stream | None]]:
    """(the damage it would be, stream) for every stream the page's text or image is drawn
    from; the stream is None for one the page refers to that the file no longer holds.
    Every object passed on the way is noted in `uses`."""
    _note(page, uses)
    if "/Contents" in page:
        contents = page.get("/Contents")
        for stream in contents if isinstance(contents, pikepdf.Array) else [contents]:
            yield _stream("content stream", stream)
    yield from _resource_data(_resources(page), set(), uses)


def _note(obj: object, uses: set[int]) -> None:
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        uses.add(obj.objgen[0])


def _stream(what: str, value: object, text: bool = True) -> tuple[Damage, pikepdf.Stream | None]:
    if isinstance(value, pikepdf.Stream):
        return Damage(what, text), value
    return Damage(f"{what} missing", text), None


def _resources(page: pikepdf.Dictionary) -> pikepdf.Dictionary | None:
    """The page's /Resources, inherited from its page-tree parents when it has none."""
    node, hops = page, 0
    while isinstance(node, pikepdf.Dictionary) and hops < 64:
        resources = node.get("/Resources")
        if isinstance(resources, pikepdf.Dictionary):
            return resources
        node, hops = node.get("/Parent"), hops + 1
    return None


def _resource_data(resources: object, seen: set[tuple[int, int]], uses: set[int]) -> Iterator[tuple[Damage, pikepdf.Stream | None]]:
    if not isinstance(resources, pikepdf.Dictionary):
        return
    _note(resources, uses)
    fonts = resources.get("/Font")
    _note(fonts, uses)
    for name, font in fonts.items() if isinstance(fonts, pikepdf.Dictionary) else []:
        yield from _font_data(str(name).lstrip("/"), font, uses)
    xobjects = resources.get("/XObject")
    _note(xobjects, uses)
    for name, xobject in xobjects.items() if isinstance(xobjects, pikepdf.Dictionary) else []:
        _note(xobject, uses)
        label = str(name).lstrip("/")
        if not isinstance(xobject, pikepdf.Stream):
            yield _stream(f"object {label}", xobject)
        elif xobject.objgen not in seen:
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == pikepdf.Name.Form:
                yield _stream(f"form {label}", xobject)
                yield from _resource_data(xobject.get("/Resources"), seen, uses)
            else:
                yield _stream(f"image {label}", xobject, text=False)


def _font_data(name: str, font: object, uses: set[int]) -> Iterator[tuple[Damage, pikepdf.Stream | None]]:
    """A font's ToUnicode map and programs; a program is read for text only without the map."""
    if not isinstance(font, pikepdf.Dictionary):
        yield Damage(f"font {name} missing"), None
        return
    _note(font, uses)
    mapped = isinstance(font.get("/ToUnicode"), pikepdf.Stream)
    if "/ToUnicode" in font:
        yield _stream(f"font {name}'s ToUnicode map", font.get("/ToUnicode"))
    descendants = font.get("/DescendantFonts")
    for face in [font] + (list(descendants) if isinstance(descendants, pikepdf.Array) else []):
        if not isinstance(face, pikepdf.Dictionary) or "/FontDescriptor" not in face:
            continue
        _note(face, uses)
        descriptor = face.get("/FontDescriptor")
        _note(descriptor, uses)
        if not isinstance(descriptor, pikepdf.Dictionary):
            yield Damage(f"font {name}'s descriptor missing"), None
            continue
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            if key in descriptor:
                yield _stream(f"font {name}'s program", descriptor.get(key), text=not mapped)


def _corrupt(pdf: pikepdf.Pdf, stream: pikepdf.Stream, decoded: dict[tuple[int, int], bool], noted: list[str]) -> bool:
    """Whether the stream's data is corrupt (each object decoded once per file); qpdf's
    warnings on anything else it mended on the way go to `noted`."""
    key = stream.objgen
    if key in decoded and key != (0, 0):
        return decoded[key]
    noted += pdf.get_warnings()
    failed = _decode_fails(stream)
    own = pdf.get_warnings()
    noted += [w for w in own if not any(c in w for c in _CORRUPT)]
    decoded[key] = failed or any(c in w for w in own for c in _CORRUPT)
    return decoded[key]


def _decode_fails(stream: pikepdf.Stream) -> bool:
    """Whether the stream's data is corrupt.  Deflated data is inflated here, in chunks thrown
    away (a decompression bomb costs time, not memory), because qpdf does not check zlib's
    checksum: a flipped bit that decodes to wrong bytes passes it, and pdfminer keeps those
    bytes.  Other filters are qpdf's to decode, but for images in JPEG, fax or JBIG2, which
    are left to the renderer."""
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)] if filters else []
    try:
        if "/FlateDecode" in names:
            deflated = _undo_ascii(stream.read_raw_bytes(), names[: names.index("/FlateDecode")])
            if deflated is not None:
                return _inflate_fails(deflated)
        if stream.get("/Subtype") != pikepdf.Name.Image:
            stream.read_bytes()
    except (pikepdf.DataDecodingError, ValueError, binascii.Error):
        return True
    except pikepdf.PdfError as exc:
        return "unfilterable" not in str(exc)
    return False


def _undo_ascii(data: bytes, filters: list[str]) -> bytes | None:
    """Data with the ASCII filters before its deflate undone; None for any other filter there."""
    for name in filters:
        if name == "/ASCII85Decode":
            data = base64.a85decode(data.strip(), adobe=data.strip().startswith(b"<~") or data.strip().endswith(b"~>"))
        elif name == "/ASCIIHexDecode":
            digits = bytes(data.split(b">", 1)[0]).translate(None, b" \t\r\n\f\0")
            data = binascii.unhexlify(digits + b"0" * (len(digits) % 2))
        else:
            return None
    return data


def _inflate_fails(raw: bytes) -> bool:
    inflater, data, produced = zlib.decompressobj(), raw, 0
    try:
        while not inflater.eof and produced < MAX_IMAGE_CHECK:
            out = inflater.decompress(data, _CHUNK)
            produced += len(out)
            data = inflater.unconsumed_tail
            if not data and len(out) < _CHUNK:
                break
    except zlib.error:
        return True
    return not inflater.eof and produced < MAX_IMAGE_CHECK
