"""Ruled tables of one born-digital PDF page, read as the printed page shows them.

pdfplumber finds the grid in the page's vector graphics (camelot finds it in a
rendered picture of the page, several times slower: benchmarks/README.md).  Taken
literally, the graphics mislead in three ways the picture does not, so here:

- only graphics that show are rules.  A white fill on white paper (a cell background,
  a box behind a title) has edges nobody sees; they cut real cells in two and make
  tables of empty boxes.  A white rule on a coloured band, on the other hand, shows.
- a table printed sideways (a landscape table on a portrait page) is turned upright,
  cell boxes and characters alike, before its rows and columns are numbered, so its
  first row is its header row and each cell's lines read in order.  A single cell
  printed sideways (a narrow column's header) is read turned the same way.
- blank characters printed over text (a field of spaces laid under a cell's words)
  are not word breaks: left in, they spell "Delhi" as "D e l h i".

Characters go to the cell holding their centre, one by one, so text that runs over a
cell border is split where the border is.  A merged cell is one cell, its text once,
at its top-left grid position.
"""
from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from pdfplumber.page import Page as PlumberPage
from pdfplumber.table import Table as PlumberTable
from pdfplumber.utils import extract_text, filter_edges, obj_to_edges

from core.model import Cell, Table
from core.vietnamese import nfc

Box = tuple[float, float, float, float]  # x0, top, x1, bottom: pdfplumber's page space, y down
Colour = tuple[float, float, float]
PAPER: Colour = (1.0, 1.0, 1.0)
COLOUR_STEP = 0.02  # a colour closer than this (0-1, any channel) to what it is painted on does not show
RULE_WIDTH = 3.0  # points: a fill thinner than this is a rule, never a background
_MIN_EDGE = 1.0  # points: shorter edges are dropped before merging, as pdfplumber's "lines" strategy does
_EDGE = 1.0  # points: boundaries closer than this are the same grid line


def page_tables(page: PlumberPage, method: str) -> list[Table]:
    """Every ruled table on the page, top to bottom, as our grid model."""
    vertical, horizontal = visible_edges(page)
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    settings = {
        "vertical_strategy": "explicit",
        "horizontal_strategy": "explicit",
        "explicit_vertical_lines": vertical,
        "explicit_horizontal_lines": horizontal,
    }
    return [t for found in page.find_tables(settings) if (t := _table(found, page, method)) is not None]


# --- rules that show ----------------------------------------------------------------


def visible_edges(page: PlumberPage) -> tuple[list[dict], list[dict]]:
    """Vertical and horizontal edges of the lines, rectangles and curves that show on the page."""
    fills = [o for o in page.rects + page.curves if o.get("fill") and min(o["width"], o["height"]) >= RULE_WIDTH]
    backdrop = _Backdrop(fills)
    edges = [e for o in page.lines + page.rects + page.curves if _shows(o, backdrop(o)) for e in obj_to_edges(o)]
    return filter_edges(edges, "v", min_length=_MIN_EDGE), filter_edges(edges, "h", min_length=_MIN_EDGE)


class _Backdrop:
    """What a graphic is painted on: the smallest larger area fill under its centre, else the paper.

    The smallest stands in for the topmost, as pdfplumber keeps no painting order
    across object kinds: a cell's fill lies on the table's, not the other way round.
    """

    def __init__(self, fills: list[dict]) -> None:
        self.colours = [rgb(f.get("non_stroking_color")) for f in fills]
        self.boxes = np.array([[f["x0"], f["top"], f["x1"], f["bottom"]] for f in fills], dtype=float).reshape(-1, 4)
        self.areas = (self.boxes[:, 2] - self.boxes[:, 0]) * (self.boxes[:, 3] - self.boxes[:, 1])

    def __call__(self, obj: dict) -> Colour | None:
        if not self.colours:
            return PAPER
        x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        b = self.boxes
        under = (b[:, 0] <= x) & (x <= b[:, 2]) & (b[:, 1] <= y) & (y <= b[:, 3])
        under &= self.areas > (obj["x1"] - obj["x0"]) * (obj["bottom"] - obj["top"])
        if not under.any():
            return PAPER
        return self.colours[int(np.argmin(np.where(under, self.areas, np.inf)))]


def _shows(obj: dict, backdrop: Colour | None) -> bool:
    """Whether a painted graphic differs from what it is painted on, by its stroke or its fill.

    >>> _shows({"fill": True, "non_stroking_color": (1,)}, PAPER)  # a white box on white paper
    False
    >>> _shows({"stroke": True, "stroking_color": (1, 1, 1)}, (0.8, 0.13, 0.16))  # a white rule on red
    True
    """
    paints = [obj.get("stroking_color")] if obj.get("stroke") else []
    paints += [obj.get("non_stroking_color")] if obj.get("fill") else []
    return any(differs(rgb(p), backdrop) for p in paints)


def rgb(colour: object) -> Colour | None:
    """A pdfplumber colour (grey, RGB or CMYK, 0-1) as RGB; None for what cannot be told (a pattern).

    pdfminer does not say which colour space a graphic's colour is in, so one component
    is taken for grey: a spot colour (Separation) at full tint would pass for white.

    >>> rgb(0), rgb((0.5,)), rgb((0, 1, 1, 0)), rgb("P0")
    ((0.0, 0.0, 0.0), (0.5, 0.5, 0.5), (1.0, 0.0, 0.0), None)
    """
    values = (colour,) if isinstance(colour, (int, float)) else colour
    if not isinstance(values, (tuple, list)) or not all(isinstance(v, (int, float)) for v in values):
        return None
    if len(values) == 1:
        return (float(values[0]),) * 3
    if len(values) == 3:
        return float(values[0]), float(values[1]), float(values[2])
    if len(values) == 4:
        c, m, y, k = (float(v) for v in values)
        return (1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)
    return None


def differs(colour: Colour | None, backdrop: Colour | None) -> bool:
    """Whether one colour shows on another; an unknown colour is taken to show."""
    if colour is None or backdrop is None:
        return True
    return max(abs(a - b) for a, b in zip(colour, backdrop)) > COLOUR_STEP


# --- text printed sideways ----------------------------------------------------------


def char_turn(matrix: Sequence[float] | None) -> int:
    """Degrees clockwise that turn a char upright, from its text matrix's baseline direction.

    pdfplumber's matrix is in PDF space (y up): text printed clockwise runs down the
    page, its baseline pointing to -90 degrees, and is turned upright by 270 clockwise.

    >>> char_turn((11, 0, 0, 11, 0, 0)), char_turn((0, -11, 11, 0, 0, 0)), char_turn((0, 11, -11, 0, 0, 0))
    (0, 270, 90)
    """
    if not matrix:
        return 0
    return round(math.degrees(math.atan2(matrix[1], matrix[0])) / 90) % 4 * 90


def text_turn(turns: Iterable[int]) -> int:
    """The turn most chars need; upright wins a tie, so only clearly sideways text is turned.

    >>> text_turn([270, 270, 0]), text_turn([90, 0]), text_turn([])
    (270, 0, 0)
    """
    counts = Counter(turns)
    if not counts or counts[0] == max(counts.values()):
        return 0
    return counts.most_common(1)[0][0]


def turn_box(box: Box, turn: int, width: float, height: float) -> Box:
    """Where a box lands when a width x height page is turned `turn` degrees clockwise.

    A table printed anticlockwise has its top-left cell at the page's bottom-left and
    is read after a 90 degree turn; one printed clockwise has it at the top-right and
    needs 270.  The same box on the same page lands elsewhere for each: the two
    prints are transposed differently.

    >>> turn_box((50, 700, 80, 790), 90, 612, 792)   # anticlockwise print: bottom-left cell
    (2, 50, 92, 80)
    >>> turn_box((532, 2, 562, 92), 270, 612, 792)   # clockwise print: top-right cell
    (2, 50, 92, 80)
    >>> turn_box((50, 700, 80, 790), 270, 612, 792)  # the wrong way: the bottom-left of the turned page
    (700, 532, 790, 562)
    """
    x0, top, x1, bottom = box
    if turn == 90:
        return height - bottom, x0, height - top, x1
    if turn == 180:
        return width - x1, height - bottom, width - x0, height - top
    if turn == 270:
        return top, width - x1, bottom, width - x0
    return box


def _turned_size(turn: int, width: float, height: float) -> tuple[float, float]:
    return (height, width) if turn in (90, 270) else (width, height)


def _turn_chars(chars: list[dict], turns: list[int], turn: int, width: float, height: float) -> tuple[list[dict], list[int]]:
    """Chars as seen on the turned page, upright where their own turn was `turn`; and what each still needs."""
    out = []
    for char, own in zip(chars, turns):
        x0, top, x1, bottom = turn_box((char["x0"], char["top"], char["x1"], char["bottom"]), turn, width, height)
        out.append({**char, "x0": x0, "top": top, "x1": x1, "bottom": bottom, "doctop": top,
                    "width": x1 - x0, "height": bottom - top, "upright": own == turn})
    return out, [(own - turn) % 360 for own in turns]


def page_text(page: PlumberPage) -> str:
    """The page's text in reading order, turned upright when most of it is printed sideways.

    A page holding a landscape table printed sideways would otherwise read one letter
    column at a time ("T\nổ\nn\ng").
    """
    chars = page.chars
    turns = [char_turn(c.get("matrix")) for c in chars]
    turn = text_turn(t for c, t in zip(chars, turns) if not c["text"].isspace())
    if not turn:
        return page.extract_text() or ""
    turned, _ = _turn_chars(chars, turns, turn, float(page.width), float(page.height))
    return extract_text(turned) or ""


# --- cells and their text -----------------------------------------------------------


def _table(found: PlumberTable, page: PlumberPage, method: str) -> Table | None:
    """A pdfplumber table as grid cells, turned upright when printed sideways; spans measured from each cell's box."""
    boxes: list[Box] = [tuple(b) for b in found.cells]
    if not boxes:
        return None
    bbox = found.bbox
    chars = [c for c in page.chars if _centre_in(c, bbox)]
    turns = [char_turn(c.get("matrix")) for c in chars]
    rotation = text_turn(t for c, t in zip(chars, turns) if not c["text"].isspace())
    width, height = float(page.width), float(page.height)
    if rotation:
        boxes = [turn_box(b, rotation, width, height) for b in boxes]
        chars, turns = _turn_chars(chars, turns, rotation, width, height)
        width, height = _turned_size(rotation, width, height)
    xs = _boundaries([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = _boundaries([b[1] for b in boxes] + [b[3] for b in boxes])
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 1 or n_cols < 2:
        return None
    cells = []
    for box, (cell_chars, cell_turns) in zip(boxes, _cell_chars(boxes, chars, turns)):
        top, col = _index(ys, box[1]), _index(xs, box[0])
        cells.append(
            Cell(
                row=top,
                col=col,
                text=_text(cell_chars, cell_turns, width, height),
                rowspan=max(_index(ys, box[3]) - top, 1),
                colspan=max(_index(xs, box[2]) - col, 1),
                page=page.page_number,
                confidence=_confidence(cell_chars),
            )
        )
    return Table(
        table_id=0,
        page=page.page_number,
        n_rows=n_rows,
        n_cols=n_cols,
        cells=sorted(cells, key=lambda c: (c.row, c.col)),
        method=method,
        bbox=tuple(float(v) for v in bbox),
        rotation=rotation,
    )


def _centre_in(char: dict, box: Sequence[float]) -> bool:
    """pdfplumber's rule for a char in a cell: its centre inside, the right and bottom edges excluded."""
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return box[0] <= x < box[2] and box[1] <= y < box[3]


def _cell_chars(boxes: list[Box], chars: list[dict], turns: list[int]) -> list[tuple[list[dict], list[int]]]:
    """Each cell's chars (and their turns), in page order; a char belongs to the cell holding its centre."""
    order = sorted(range(len(chars)), key=lambda i: chars[i]["top"] + chars[i]["bottom"])
    mids = [(chars[i]["top"] + chars[i]["bottom"]) / 2 for i in order]
    out = []
    for box in boxes:
        band = order[bisect_left(mids, box[1]) : bisect_left(mids, box[3])]
        inside = sorted(i for i in band if _centre_in(chars[i], box))
        out.append(([chars[i] for i in inside], [turns[i] for i in inside]))
    return out


def _text(chars: list[dict], turns: list[int], width: float, height: float) -> str:
    """A cell's text, lines joined by newlines; a cell printed sideways is read turned upright."""
    turn = text_turn(t for c, t in zip(chars, turns) if not c["text"].isspace())
    if turn:
        chars, _ = _turn_chars(chars, turns, turn, width, height)
    return nfc(extract_text(without_overlaid_blanks(chars)) or "").strip()


def without_overlaid_blanks(chars: list[dict]) -> list[dict]:
    """The chars (in content order) minus runs of blanks printed over glyphs.

    A field of spaces printed over a cell's text (some PDF writers lay one under every
    cell) would break every word into letters.  Such blanks come in runs; a lone blank
    between two glyphs is a word break even where bad font metrics make the glyph
    before it overlap it (legacy TCVN3 fonts do).

    >>> glyph = {"text": "D", "x0": 0.0, "x1": 3.0, "top": 0.0, "bottom": 4.0}
    >>> blank = {**glyph, "text": " ", "x0": 1.0, "x1": 2.0}
    >>> [c["text"] for c in without_overlaid_blanks([glyph, blank, blank, {**glyph, "x0": 4.0, "x1": 6.0}])]
    ['D', 'D']
    >>> [c["text"] for c in without_overlaid_blanks([glyph, blank, {**glyph, "x0": 4.0, "x1": 6.0}])]
    ['D', ' ', 'D']
    """
    blank = [c["text"].isspace() for c in chars]
    if not any(blank) or all(blank):
        return chars
    lines: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for c, b in zip(chars, blank):
        if not b:
            lines[round(c["top"])].append((c["x0"], c["x1"]))

    def overlaid(i: int) -> bool:
        if 0 < i < len(chars) - 1 and not blank[i - 1] and not blank[i + 1]:
            return False
        mid, line = (chars[i]["x0"] + chars[i]["x1"]) / 2, round(chars[i]["top"])
        return any(x0 < mid < x1 for near in (line - 1, line, line + 1) for x0, x1 in lines.get(near, ()))

    return [c for i, (c, b) in enumerate(zip(chars, blank)) if not (b and overlaid(i))]


def _boundaries(values: list[float]) -> list[float]:
    """Distinct grid lines from cell edges, merging those within _EDGE of each other."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _EDGE:
            out.append(v)
    return out


def _index(lines: list[float], v: float) -> int:
    return min(range(len(lines)), key=lambda i: abs(lines[i] - v))


def _confidence(chars: list[dict]) -> float:
    """Lowest confidence of the repaired chars in a cell (1.0 when none were repaired)."""
    return min((c["confidence"] for c in chars if "confidence" in c), default=1.0)
