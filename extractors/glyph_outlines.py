"""The shape of every glyph a PDF font draws, read from the font program it embeds.

A ToUnicode map can lie (a letter mapped to a space, to nothing, to another letter), but
the embedded program cannot: it is what the viewer draws.  So each character code is
followed to its glyph (CIDToGIDMap, the font's own cmap or the encoding's glyph names,
as PDF 32000 9.6.6 and 9.7.4 say) and the glyph's outline flattened to polygons in em
units.  The outline tells whether the glyph has ink, and its digest identifies it: the
same glyph in two subsets of a font, or in two font objects of one file, has the same
digest whatever its codes there.

TrueType (FontFile2, simple or CIDFontType2) and CFF (FontFile3: Type1C, CIDFontType0C,
OpenType) programs are read with fontTools.  Type 1 (FontFile) and Type 3 programs are
not: their codes keep no outline, and their glyphs can only be read by OCR.
"""
from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np
from fontTools.cffLib import CFFFontSet
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont
from pdfminer.encodingdb import name2unicode
from pdfminer.latin_enc import ENCODING
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import PSLiteral

Contour = tuple[tuple[float, float], ...]
FEATURE_SIDE = 32  # pixels: a glyph's ink is compared at this size
_RENDER_EM = 72  # pixels per em when rasterising, before the ink is cut out and scaled down
_CURVE_STEPS = 6  # straight segments per cubic Bézier curve (CFF)
_QUAD_STEPS = 4  # per quadratic one (TrueType: shorter, flatter pieces)
_SYMBOLIC = 1 << 2  # FontDescriptor /Flags bit 3
_BASE_ENCODINGS = {"StandardEncoding": 1, "MacRomanEncoding": 2, "WinAnsiEncoding": 3, "PDFDocEncoding": 4}


@dataclass(frozen=True)
class Outline:
    """A glyph's contours, flattened to polygons in em units (y up, baseline at 0)."""

    contours: tuple[Contour, ...]

    @cached_property
    def key(self) -> str:
        """Digest of the shape (to 1/1000 em): equal for the same glyph in any subset or font object."""
        rounded = tuple(tuple((round(x * 1000), round(y * 1000)) for x, y in c) for c in self.contours)
        return hashlib.blake2b(repr(rounded).encode(), digest_size=12).hexdigest()

    @property
    def ink(self) -> bool:
        """Whether anything is drawn (a space, or a glyph whose outline was emptied, draws nothing)."""
        return any(abs(_area(c)) > 1e-6 for c in self.contours)

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """x0, y0 (bottom), x1, y1 (top) of the ink in em units; zeros when there is none."""
        points = [p for c in self.contours for p in c]
        if not points:
            return (0.0, 0.0, 0.0, 0.0)
        xs, ys = zip(*points)
        return (min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True)
class GlyphFeatures:
    """What the reference voter compares, part by part: a Vietnamese letter is a base letter
    with marks above and below it, and fonts differ less part by part than as a whole.

    Each part's ink is cut out, fitted (aspect kept) into a square and stored as a vector of
    zero mean and unit length, so that cosine similarity is a dot product; a part the glyph
    does not have is None.  Heights are in em, relative to the baseline.
    """

    base: np.ndarray  # the ink level with the largest connected piece: the letter, horn and bar included
    above: np.ndarray | None  # tone marks, circumflex, breve, the dot of i
    below: np.ndarray | None  # the dot below (nặng)
    top: float  # of the base
    bottom: float
    width: float


def _area(contour: Contour) -> float:
    """Signed area (shoelace): its sign is the contour's direction, which the nonzero fill rule counts."""
    x, y = np.asarray(contour).T
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


class _FlatPen(BasePen):
    """Collects a glyph's contours as polygons, curves cut into straight steps, composites decomposed."""

    def __init__(self, glyph_set: Mapping | None, scale: Callable[[tuple[float, float]], tuple[float, float]]):
        super().__init__(glyph_set)
        self.scale = scale
        self.contours: list[Contour] = []
        self._points: list[tuple[float, float]] = []

    def _moveTo(self, pt):
        self._flush()
        self._points = [self.scale(pt)]

    def _lineTo(self, pt):
        self._points.append(self.scale(pt))

    def _curveToOne(self, pt1, pt2, pt3):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self._getCurrentPoint(), pt1, pt2, pt3
        for i in range(1, _CURVE_STEPS + 1):
            t = i / _CURVE_STEPS
            u = 1 - t
            self._points.append(self.scale((u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                                            u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3)))

    def _qCurveToOne(self, pt1, pt2):
        (x0, y0), (x1, y1), (x2, y2) = self._getCurrentPoint(), pt1, pt2
        for i in range(1, _QUAD_STEPS + 1):
            t = i / _QUAD_STEPS
            u = 1 - t
            self._points.append(self.scale((u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2)))

    def _closePath(self):
        self._flush()

    def _endPath(self):
        self._flush()

    def _flush(self):
        if len(self._points) > 2:
            self.contours.append(tuple(self._points))
        self._points = []


def draw_outline(glyph, glyph_set: Mapping | None, units_per_em: float) -> Outline:
    """A fontTools glyph (anything with .draw(pen)) as an Outline in em units."""
    pen = _FlatPen(glyph_set, lambda p: (p[0] / units_per_em, p[1] / units_per_em))
    glyph.draw(pen)
    pen._flush()
    return Outline(tuple(pen.contours))


# --- code → glyph ------------------------------------------------------------------


def _base_names(encoding: str) -> dict[int, str]:
    column = _BASE_ENCODINGS.get(encoding, 1)
    return {row[column]: row[0] for row in ENCODING if row[column] is not None}


def encoding_names(spec: Mapping, builtin: Mapping[int, str] | None = None) -> dict[int, str]:
    """Code → glyph name of a simple font: its /Encoding (base encoding and /Differences) over the
    program's built-in encoding, the way a viewer resolves it."""
    names = dict(builtin or {})
    encoding = resolve1(spec.get("Encoding"))
    if isinstance(encoding, PSLiteral):
        names.update(_base_names(encoding.name))
    elif isinstance(encoding, dict):
        base = resolve1(encoding.get("BaseEncoding"))
        if isinstance(base, PSLiteral):
            names.update(_base_names(base.name))
        elif not builtin:
            names.update(_base_names("StandardEncoding"))
        code = 0
        for item in resolve1(encoding.get("Differences")) or []:
            item = resolve1(item)
            if isinstance(item, int):
                code = item
            elif isinstance(item, PSLiteral):
                names[code] = item.name
                code += 1
    elif not builtin:
        names.update(_base_names("StandardEncoding"))
    return names


class FontProgram:
    """An embedded font program, asked for the outline each character code draws."""

    def __init__(self, data: bytes, glyph_set: Callable[[], Mapping], units_per_em: float,
                 glyph_of: Callable[[int], str | None], empty: Callable[[str], bool] | None = None):
        self.digest = hashlib.blake2b(data, digest_size=12).hexdigest()
        self._glyph_set_of = glyph_set
        self._glyph_set: Mapping | None = None
        self._units = units_per_em
        self._glyph_of = glyph_of
        self._empty = empty
        self._cache: dict[int, Outline | None] = {}
        self.unicode_of_glyph: dict[str, str] = {}  # what the program's own cmap says a glyph is

    def glyph_name(self, code: int) -> str | None:
        return self._glyph_of(code)

    def identity(self, code: int) -> tuple[str, str | None]:
        """The program and glyph a code draws: equal identities are the same glyph, unread."""
        return self.digest, self._glyph_of(code)

    def blank(self, code: int) -> bool:
        """Whether the code's glyph is known to draw nothing without reading its outline
        (a TrueType glyph with no data in `loca`)."""
        name = self._glyph_of(code)
        return name is not None and self._empty is not None and self._empty(name)

    def outline(self, code: int) -> Outline | None:
        """The code's outline; None when the code reaches no glyph (or only .notdef)."""
        if code not in self._cache:
            name = self._glyph_of(code)
            outline = None
            try:
                if self._glyph_set is None:
                    self._glyph_set = self._glyph_set_of()
                if name is not None and name != ".notdef" and name in self._glyph_set:
                    outline = draw_outline(self._glyph_set[name], self._glyph_set, self._units)
            except Exception:  # a damaged table or charstring draws nothing we can use
                outline = None
            self._cache[code] = outline
        return self._cache[code]


def _stream_data(obj) -> bytes | None:
    obj = resolve1(obj)
    return obj.get_data() if isinstance(obj, PDFStream) else None


def _truetype(data: bytes, spec: Mapping, descriptor: Mapping) -> FontProgram | None:
    font = TTFont(io.BytesIO(data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    order = font.getGlyphOrder()
    units = float(font["head"].unitsPerEm or 1000)
    ids = {name: gid for gid, name in enumerate(order)}

    def empty(name: str) -> bool:
        """No data for the glyph in `loca`: read without decompiling the glyf table."""
        loca = font["loca"]
        gid = ids.get(name)
        return gid is not None and gid + 1 < len(loca) and loca[gid] == loca[gid + 1]

    def by_gid(gid: int | None) -> str | None:
        return order[gid] if gid is not None and 0 < gid < len(order) else None

    if spec.get("Subtype") is not None and getattr(resolve1(spec.get("Subtype")), "name", "") == "CIDFontType2":
        mapping = resolve1(spec.get("CIDToGIDMap"))
        if isinstance(mapping, PDFStream):
            gids = np.frombuffer(mapping.get_data()[: len(mapping.get_data()) // 2 * 2], dtype=">u2")
            glyph_of = lambda cid: by_gid(int(gids[cid])) if cid < len(gids) else None  # noqa: E731
        else:
            glyph_of = by_gid
    else:
        glyph_of = _simple_truetype_lookup(font, spec, descriptor)
    program = FontProgram(data, font.getGlyphSet, units, glyph_of, empty if "loca" in font.reader else None)
    try:
        cmap = (font["cmap"].getcmap(3, 1) or font["cmap"].getcmap(3, 10)) if "cmap" in font else None
    except Exception:
        cmap = None
    if cmap is not None:
        for code, name in cmap.cmap.items():
            if not 0xE000 <= code <= 0xF8FF:
                program.unicode_of_glyph.setdefault(name, chr(code))
    return program


def _simple_truetype_lookup(font: TTFont, spec: Mapping, descriptor: Mapping) -> Callable[[int], str | None]:
    """Code → glyph of a simple TrueType font (PDF 32000 9.6.6.4): a symbolic font through its
    (3,0) or (1,0) cmap by code, a non-symbolic one through glyph names and its (3,1) cmap."""
    tables = {(t.platformID, t.platEncID): t.cmap for t in font["cmap"].tables} if "cmap" in font else {}
    symbolic = bool(int(resolve1(descriptor.get("Flags")) or 0) & _SYMBOLIC)
    names = encoding_names(spec) if (not symbolic or "Encoding" in spec) else {}
    unicode_cmap = tables.get((3, 1)) or tables.get((0, 3)) or {}
    glyph_names = set(font.getGlyphOrder())

    def by_code(code: int) -> str | None:
        for table, offsets in (((3, 0), (0, 0xF000, 0xF100, 0xF200)), ((1, 0), (0,)), ((3, 1), (0,))):
            cmap = tables.get(table)
            for offset in offsets if cmap else ():
                if code + offset in cmap:
                    return cmap[code + offset]
        return None

    def by_name(code: int) -> str | None:
        name = names.get(code)
        if name is None:
            return None
        try:
            text = name2unicode(name)
        except KeyError:
            text = ""
        if len(text) == 1 and ord(text) in unicode_cmap:
            return unicode_cmap[ord(text)]
        return name if name in glyph_names else None

    first, second = (by_code, by_name) if symbolic else (by_name, by_code)

    return lambda code: first(code) or second(code)


def _cff(data: bytes, spec: Mapping) -> FontProgram | None:
    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(data), otFont=None)
    top = fonts[fonts.fontNames[0]]
    strings = top.CharStrings
    matrix = getattr(top, "FontMatrix", None) or [0.001]
    units = 1 / float(matrix[0]) if matrix[0] else 1000.0
    charset = list(top.charset)
    cid_keyed = hasattr(top, "ROS")
    subtype = getattr(resolve1(spec.get("Subtype")), "name", "")
    if subtype == "CIDFontType0":
        if cid_keyed:
            by_cid = {int(name[3:]): name for name in charset if name.startswith("cid") and name[3:].isdigit()}
            glyph_of = by_cid.get
        else:
            glyph_of = lambda cid: charset[cid] if cid < len(charset) else None  # noqa: E731
    else:
        builtin = {}
        encoding = getattr(top, "Encoding", None)
        if isinstance(encoding, list):
            builtin = {code: name for code, name in enumerate(encoding) if name and name != ".notdef"}
        names = encoding_names(spec, builtin or None)
        glyph_of = names.get
    return FontProgram(data, lambda: strings, units, glyph_of)


def font_program(spec: Mapping) -> FontProgram | None:
    """The embedded program of a simple font's or a CIDFont's dictionary; None when there is none
    we can read (not embedded, Type 1, Type 3, or damaged)."""
    descriptor = resolve1(spec.get("FontDescriptor")) or {}
    if not isinstance(descriptor, dict):
        return None
    try:
        if (data := _stream_data(descriptor.get("FontFile2"))) is not None:
            return _truetype(data, spec, descriptor)
        font_file3 = resolve1(descriptor.get("FontFile3"))
        if (data := _stream_data(font_file3)) is not None:
            kind = getattr(resolve1(font_file3.get("Subtype")), "name", "")
            if kind == "OpenType":
                font = TTFont(io.BytesIO(data), lazy=True)
                if "CFF " in font:
                    return _cff(font.reader["CFF "], spec)
                return _truetype(data, spec, descriptor)
            return _cff(data, spec)
    except Exception:  # a program fontTools cannot parse: its glyphs are left to OCR
        return None
    return None


# --- rasterising -----------------------------------------------------------------


def rasterise(outline: Outline, pixels_per_em: int = _RENDER_EM) -> tuple[np.ndarray, tuple[int, int]]:
    """The outline filled with the nonzero rule (as PDF viewers fill glyphs), 0–255, and the
    pixel position of the em origin.  Each contour is filled alone and counted +1 or −1 by its
    direction, so holes and overlapping composite parts come out as a viewer draws them."""
    x0, y0, x1, y1 = outline.bounds
    pad = 2
    width = max(int(math.ceil((x1 - x0) * pixels_per_em)) + 2 * pad, 1)
    height = max(int(math.ceil((y1 - y0) * pixels_per_em)) + 2 * pad, 1)
    winding = np.zeros((height, width), np.int16)
    sub = 4  # cv2 fixed-point shift: polygons placed to 1/16 pixel
    for contour in outline.contours:
        points = (np.asarray(contour) - (x0, y1)) * (pixels_per_em, -pixels_per_em) + pad
        mask = np.zeros_like(winding, np.uint8)
        cv2.fillPoly(mask, [np.round(points * (1 << sub)).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=sub)
        winding += np.int16(1 if _area(contour) > 0 else -1) * mask
    return np.where(winding != 0, 255, 0).astype(np.uint8), (int(round(-x0 * pixels_per_em)) + pad, int(round(y1 * pixels_per_em)) + pad)


def _fit(ink: np.ndarray, side: int) -> np.ndarray:
    """Ink cut to its box and fitted, aspect kept, into side², blurred a little, zero mean, unit length."""
    ys, xs = np.nonzero(ink)
    ink = ink[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1].astype(np.float32)
    h, w = ink.shape
    scale = (side - 2) / max(h, w)
    small = cv2.resize(ink, (max(int(round(w * scale)), 1), max(int(round(h * scale)), 1)), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((side, side), np.float32)
    top, left = (side - small.shape[0]) // 2, (side - small.shape[1]) // 2
    canvas[top: top + small.shape[0], left: left + small.shape[1]] = small
    canvas = cv2.GaussianBlur(canvas, (3, 3), 0.8).ravel()
    canvas -= canvas.mean()
    return canvas / (float(np.linalg.norm(canvas)) or 1.0)


def features(outline: Outline) -> GlyphFeatures | None:
    """The glyph split into base, marks above and marks below, each fitted to a square; None
    for a glyph without ink.

    The pieces are the ink's connected components: those entirely above the largest one's
    top are marks above, those entirely below its bottom marks below, the rest the base.
    """
    if not outline.ink:
        return None
    ink, (_, baseline) = rasterise(outline)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    if count < 2:
        return None
    parts = [i for i in range(1, count) if stats[i, cv2.CC_STAT_AREA] >= 2]
    main = max(parts, key=lambda i: stats[i, cv2.CC_STAT_AREA])
    main_top = stats[main, cv2.CC_STAT_TOP]
    main_bottom = main_top + stats[main, cv2.CC_STAT_HEIGHT]
    zone_of = np.zeros(count, np.uint8)  # 0: noise or background, 1: base, 2: above, 3: below
    for i in parts:
        top, height = stats[i, cv2.CC_STAT_TOP], stats[i, cv2.CC_STAT_HEIGHT]
        zone_of[i] = 2 if top + height <= main_top + 1 else 3 if top >= main_bottom - 1 else 1
    zones = zone_of[labels]
    masks = {name: zones == k for k, name in ((1, "base"), (2, "above"), (3, "below")) if (zone_of == k).any()}
    base = masks["base"]
    ys, xs = np.nonzero(base)
    em = _RENDER_EM
    return GlyphFeatures(
        base=_fit(base, FEATURE_SIDE),
        above=_fit(masks["above"], FEATURE_SIDE // 2) if "above" in masks else None,
        below=_fit(masks["below"], FEATURE_SIDE // 4) if "below" in masks else None,
        top=(baseline - ys.min()) / em,
        bottom=(baseline - ys.max() - 1) / em,
        width=(xs.max() - xs.min() + 1) / em,
    )
