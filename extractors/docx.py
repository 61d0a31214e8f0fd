"""DOCX extractor: the body of a Word .docx as one page of text plus its tables.

The Word XML is walked directly with lxml rather than through python-docx's ``cell.text`` /
``row.cells``, which repeat a merged cell once per grid column it spans (a real decree came out
with four times its words) and drop ``<w:softHyphen/>`` (the TCVN3 letter ư).  Text is read run
by run together with the run's font, and assembled through a ``decode`` callback:
`extract_docx_decoded`, the pipeline's reader, uses it to convert runs typed in legacy 8-bit
fonts (TCVN3 .VnTime, VNI-Times; `core.legacy`) with one encoding chosen per font.  The zip
package itself is read by `docx_package`, which takes only the main document and its styles.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree

from core.legacy import font_decoder
from core.model import METHOD_DOCX, Cell, Document, Page, Table
from core.vietnamese import LOW_QUALITY, syllable_score
from extractors.docx_package import MAX_UNZIPPED_BYTES, Package, read_package

Decoder = Callable[[str, str | None], str]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"


def _w(local: str) -> str:
    return f"{{{_W}}}{local}"


_P, _TBL, _TR, _TC, _R = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("r")
_VAL = _w("val")
_MC_ALT, _MC_CHOICE = f"{{{_MC}}}AlternateContent", f"{{{_MC}}}Choice"
_M_MATH, _M_MATHPARA, _M_R, _M_T = (f"{{{_M}}}{n}" for n in ("oMath", "oMathPara", "r", "t"))
# Elements whose children are read as if they stood in the element's place.
_TRANSPARENT = {_w(n) for n in ("hyperlink", "ins", "moveTo", "smartTag", "fldSimple", "dir", "bdo")}
_TEXTBOX = _w("txbxContent")
_RUN_CHARS = {_w("tab"): "\t", _w("ptab"): "\t", _w("br"): "\n", _w("cr"): "\n",
             _w("softHyphen"): "\u00ad", _w("noBreakHyphen"): "-"}


def _identity(text: str, font: str | None) -> str:
    return text


def _children(el: etree._Element) -> Iterator[etree._Element]:
    """Child elements with content-control / custom-XML / alternate-content wrappers opened."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):  # comments, processing instructions
            continue
        if tag == _w("sdt"):
            content = child.find(_w("sdtContent"))
            if content is not None:
                yield from _children(content)
        elif tag == _w("customXml"):
            yield from _children(child)
        elif tag == _MC_ALT:
            choice = child.find(_MC_CHOICE)  # mc:Fallback repeats the Choice's text box text
            if choice is not None:
                yield from _children(choice)
        else:
            yield child


def _top_level_textboxes(el: etree._Element) -> Iterator[etree._Element]:
    """Text-box bodies inside a drawing/picture, not those nested in another box or a Fallback."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == _TEXTBOX:
            yield child
        elif child.tag == _MC_ALT:
            choice = child.find(_MC_CHOICE)
            if choice is not None:
                yield from _top_level_textboxes(choice)
        else:
            yield from _top_level_textboxes(child)


def _font_of(rpr: etree._Element | None) -> tuple[bool, str | None]:
    """(decided, font) from one w:rPr: a theme font decides 'unknown' (None), absence does not."""
    if rpr is None:
        return False, None
    fonts = rpr.find(_w("rFonts"))
    if fonts is None:
        return False, None
    for attr in ("ascii", "hAnsi", "cs"):
        if fonts.get(_w(attr)):
            return True, fonts.get(_w(attr))
        if fonts.get(_w(attr + "Theme")):
            return True, None
    return False, None


class _Fonts:
    """Font of a run: its own w:rFonts, else its character style, paragraph style, doc defaults."""

    def __init__(self, styles: etree._Element | None) -> None:
        self._styles: dict[str, etree._Element] = {}
        self._default_para: str | None = None
        self._default: str | None = None
        self._memo: dict[str | None, str | None] = {}
        if styles is None:
            return
        for style in styles.iter(_w("style")):
            sid = style.get(_w("styleId"))
            if sid:
                self._styles[sid] = style
                if style.get(_w("type")) == "paragraph" and style.get(_w("default")) in ("1", "true", "on"):
                    self._default_para = sid
        defaults = styles.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{_w('rPr')}")
        self._default = _font_of(defaults)[1]

    def _style_font(self, sid: str | None) -> tuple[bool, str | None]:
        seen: set[str] = set()
        while sid and sid not in seen and sid in self._styles:
            seen.add(sid)
            style = self._styles[sid]
            decided, font = _font_of(style.find(_w("rPr")))
            if decided:
                return True, font
            based = style.find(_w("basedOn"))
            sid = based.get(_VAL) if based is not None else None
        return False, None

    def paragraph(self, p: etree._Element) -> str | None:
        """The font a run of this paragraph has when it says nothing itself."""
        pstyle = p.find(f"{_w('pPr')}/{_w('pStyle')}")
        sid = pstyle.get(_VAL) if pstyle is not None else self._default_para
        if sid not in self._memo:
            decided, font = self._style_font(sid)
            self._memo[sid] = font if decided else self._default
        return self._memo[sid]

    def run(self, rpr: etree._Element | None, para_font: str | None) -> str | None:
        decided, font = _font_of(rpr)
        if decided:
            return font
        rstyle = rpr.find(_w("rStyle")) if rpr is not None else None
        if rstyle is not None:
            decided, font = self._style_font(rstyle.get(_VAL))
            if decided:
                return font
        return para_font


def run_pieces(run: etree._Element, font: str | None) -> Iterator[tuple[str, str | None]]:
    """(text, font) for one w:r or m:r: its text in one piece, a w:sym apart in its own font.

    Deleted text (w:delText), field codes (w:instrText) and drawings are not text and are skipped.
    """
    buf: list[str] = []
    for child in _children(run):
        tag = child.tag
        if tag == _M_T:
            buf.append(child.text or "")
        elif tag == _w("t"):
            buf.append(child.text or "")
        elif tag in _RUN_CHARS:
            buf.append(_RUN_CHARS[tag])
        elif tag == _w("sym"):
            try:
                char = chr(int(child.get(_w("char"), ""), 16))
            except ValueError:
                continue
            if buf:
                yield "".join(buf), font
                buf = []
            yield char, child.get(_w("font")) or font
    if buf:
        yield "".join(buf), font


@dataclass
class _Piece:
    """Text of a paragraph in one font; text-box text arrives already decoded."""

    text: str
    font: str | None
    decoded: bool = False


def _join_same_font(pieces: list[_Piece]) -> list[_Piece]:
    """Neighbouring run text in the same font as one piece, decoded together.

    Word splits runs anywhere (editing sessions, proofing), even inside a word: a VNI
    letter's mark byte can open the next run ("chie" + "àu"), and only read together do
    they make "chiều".
    """
    out: list[_Piece] = []
    for piece in pieces:
        if out and not piece.decoded and not out[-1].decoded and out[-1].font == piece.font:
            out[-1] = _Piece(out[-1].text + piece.text, piece.font)
        else:
            out.append(piece)
    return out


@dataclass
class _Slot:
    """A table cell being built; frozen Cells are made once spans are known."""

    row: int
    col: int
    colspan: int
    rowspan: int = 1
    parts: list[str] = field(default_factory=list)


class _Walker:
    """One pass over a document body; collects tables in document order (parents first)."""

    def __init__(self, fonts: _Fonts, decode: Decoder) -> None:
        self.fonts = fonts
        self.decode = decode
        self.tables: list[Table | None] = []
        self.objects = 0
        self.deletions = 0

    def blocks(self, container: etree._Element) -> list[str]:
        """Lines of a body, cell or text box: one per paragraph, one per table row."""
        lines: list[str] = []
        for child in _children(container):
            if child.tag == _P:
                lines.append(self.paragraph(child))
            elif child.tag == _TBL:
                lines.extend(self.table(child))
        return lines

    def paragraph(self, p: etree._Element) -> str:
        para_font = self.fonts.paragraph(p)
        pieces: list[_Piece] = []
        for run in self._runs(p):
            font = self.fonts.run(run.find(_w("rPr")), para_font)
            pieces.extend(_Piece(text, f) for text, f in run_pieces(run, font))
            for holder in _children(run):
                if holder.tag in (_w("drawing"), _w("pict"), _w("object")):
                    if holder.tag == _w("object"):
                        self.objects += 1
                    for box in _top_level_textboxes(holder):
                        pieces.append(_Piece("\n" + "\n".join(self.blocks(box)) + "\n", None, decoded=True))
        return "".join(piece.text if piece.decoded else self.decode(piece.text, piece.font)
                       for piece in _join_same_font(pieces))

    def _runs(self, container: etree._Element) -> Iterator[etree._Element]:
        """w:r and m:r elements of a paragraph in order, through links, fields, insertions."""
        for child in _children(container):
            tag = child.tag
            if tag == _R:
                yield child
            elif tag in _TRANSPARENT:
                yield from self._runs(child)
            elif tag in (_M_MATH, _M_MATHPARA):
                yield from child.iter(_M_R)
            elif tag in (_w("del"), _w("moveFrom")):
                self.deletions += 1

    def table(self, tbl: etree._Element) -> list[str]:
        """Register the table (before any nested one) and return its rows as lines."""
        table_id = len(self.tables)
        self.tables.append(None)
        grid = tbl.find(_w("tblGrid"))
        grid_cols = len(grid.findall(_w("gridCol"))) if grid is not None else 0
        slots: list[_Slot] = []
        open_v: dict[int, _Slot] = {}  # grid column -> cell a bare vMerge below it continues
        width = 0
        rows = [tr for tr in _children(tbl) if tr.tag == _TR and not self._deleted_row(tr)]
        for r, tr in enumerate(rows):
            tr_pr = tr.find(_w("trPr"))
            col = _int_val(tr_pr, "gridBefore", 0)
            row_slots: list[_Slot] = []
            continued: dict[int, _Slot] = {}
            for tc in _children(tr):
                if tc.tag != _TC:
                    continue
                tc_pr = tc.find(_w("tcPr"))
                span = max(1, _int_val(tc_pr, "gridSpan", 1))
                text = "\n".join(line.rstrip() for line in self.blocks(tc)).strip()
                vmerge = tc_pr.find(_w("vMerge")) if tc_pr is not None else None
                hmerge = tc_pr.find(_w("hMerge")) if tc_pr is not None else None
                if hmerge is not None and hmerge.get(_VAL, "continue") == "continue" and row_slots:
                    row_slots[-1].colspan += span
                    if text:
                        row_slots[-1].parts.append(text)
                elif vmerge is not None and vmerge.get(_VAL, "continue") == "continue" and col in open_v:
                    origin = open_v[col]
                    origin.rowspan = r - origin.row + 1
                    if text:
                        origin.parts.append(text)
                    continued[col] = origin
                else:
                    slot = _Slot(r, col, span, parts=[text] if text else [])
                    row_slots.append(slot)
                    if vmerge is not None:
                        continued[col] = slot
                col += span
            width = max(width, col + _int_val(tr_pr, "gridAfter", 0))
            open_v = continued
            slots.extend(row_slots)
        cells = [Cell(s.row, s.col, "\n".join(s.parts), s.rowspan, s.colspan, page=1) for s in slots]
        self.tables[table_id] = Table(table_id=table_id, page=1, n_rows=len(rows),
                                      n_cols=max(grid_cols, width), cells=cells, method=METHOD_DOCX,
                                      header_rows=_repeated_header_rows(rows) or None)
        by_row: list[list[str]] = [[] for _ in rows]
        for c in cells:
            by_row[c.row].append(re.sub(r"[\t\r\n]+", " ", c.text))
        return ["\t".join(texts) for texts in by_row]

    def _deleted_row(self, tr: etree._Element) -> bool:
        if tr.find(f"{_w('trPr')}/{_w('del')}") is None:
            return False
        self.deletions += 1
        return True


def _repeated_header_rows(rows: list[etree._Element]) -> int:
    """Rows at the top flagged to repeat on every page (w:tblHeader): Word's own header mark."""
    count = 0
    for tr in rows:
        mark = tr.find(f"{_w('trPr')}/{_w('tblHeader')}")
        if mark is None or mark.get(_VAL, "true") in ("0", "false"):
            break
        count += 1
    return count


def _int_val(pr: etree._Element | None, local: str, default: int) -> int:
    el = pr.find(_w(local)) if pr is not None else None
    try:
        return int(el.get(_VAL)) if el is not None else default
    except (TypeError, ValueError):
        return default


def _read(path: Path, package: Package, decode: Decoder) -> Document:
    """One walk over the body, each run's text passed through ``decode``."""
    walker = _Walker(_Fonts(package.styles), decode)
    text = "\n".join(walker.blocks(package.document.find(_w("body"))))
    warnings = list(package.repairs)
    if walker.objects:
        warnings.append(f"{walker.objects} embedded OLE objects (equations, charts) have no text extracted")
    if walker.deletions:
        warnings.append(f"{walker.deletions} tracked deletions skipped; tracked insertions kept")
    return Document(source_path=str(path), kind="docx",
                    pages=[Page(number=1, text=text, method=METHOD_DOCX)],
                    tables=[t for t in walker.tables if t is not None], warnings=warnings)


def extract_docx(path: str | Path, decode: Decoder = _identity, *,
                 max_unzipped_bytes: int = MAX_UNZIPPED_BYTES) -> Document:
    """Read a .docx body into one Page (paragraphs and table rows as lines) and its Tables.

    ``decode(text, font)`` is applied to the text of each stretch of neighbouring runs in one
    font, with that font's name (None when unknown), so legacy-encoded runs can be converted;
    the default leaves text as stored.
    Raises ExtractionError when the file is not a readable .docx.
    """
    path = Path(path)
    return _read(path, read_package(path, max_unzipped_bytes), decode)


def extract_docx_decoded(path: str | Path, *, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES) -> Document:
    """Read a .docx with its legacy-font runs (TCVN3, VNI, ...) decoded to Unicode.

    The encoding of a font is chosen from all of its text in the document, so a first walk
    collects every (text, font) run; the body is walked again only when some font needs
    decoding.  The page records the decodings (``repairs``) and its syllable quality
    before and after them.
    """
    path = Path(path)
    document = read_package(path, max_unzipped_bytes)
    runs: list[tuple[str, str | None]] = []

    def collect(text: str, font: str | None) -> str:
        runs.append((text, font))
        return text

    raw = _read(path, document, collect)
    decode, repairs = font_decoder(runs)
    doc = _read(path, document, decode) if repairs else raw
    page = doc.pages[0]
    quality = syllable_score(page.text)
    issues = [f"low Vietnamese text quality ({quality:.2f})"] if quality is not None and quality < LOW_QUALITY else []
    doc.pages[0] = replace(page, quality=quality, quality_raw=syllable_score(raw.pages[0].text),
                           repairs=repairs, issues=page.issues + issues)
    return doc
