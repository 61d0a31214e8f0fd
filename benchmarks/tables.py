"""Born-digital ruled tables: our reader against pdfplumber's default and camelot lattice.

The yardstick is camelot's own lattice test suite (../shared/external/camelot: nine PDFs,
ten expected tables; see its README): tables printed sideways both ways, two tables on
a page, row and column spans, rules drawn as white lines on coloured cells, text over
cell borders.  For each case, on the case's page:

- ours: `extractors.pdf_tables.page_tables(page)`;
- pdfplumber: its default `page.extract_tables()`;
- camelot: `camelot.read_pdf(path, pages=..., flavor="lattice", **kwargs)` with the
  keyword arguments camelot's tests needed for the case (`process_background`,
  `line_scale`, `split_text`, ...).

Each tool's table is the one on the page that matches the expected table best, so a
tool is not punished for finding an extra table (camelot's shaded text box on
background_lines_1) or for ordering tables differently; a page with no table scores
0.  `cells` is the share of the expected cells read right, whitespace collapsed (line
breaks and NBSP count as spaces), over all cases together; where the case allows it
(row_span_1: camelot copied vertical spans down) a blank below a span counts as right.
`lines` is the stricter share whose line breaks fall in the same places too (spaces
within a line still collapsed, blank lines ignored); `exact` is character for character
(camelot keeps the space before each line break, pdfminer's end-of-line marker).  Times are the faster of
``--repeat`` runs (default 3) of open + read the page + close, for each case.

    .venv/bin/python -m benchmarks.tables [--repeat N] [--out DIR]

Prints a markdown table to stdout and writes DIR/tables.json.  Run from the repo root.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import platform
import time
import warnings
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import pdfplumber

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out"
CAMELOT_DIR = HERE.parent.parent / "shared" / "external" / "camelot"

Grid = list[list[str]]
Record = dict[str, object]
Reader = Callable[[dict], list[Grid]]


def squash(text: str | None) -> str:
    """Whitespace collapsed (newlines and NBSP included): where a cell's text wraps is not an error."""
    return " ".join((text or "").split())


def lines(text: str | None) -> list[str]:
    """A cell's lines, each whitespace-collapsed; blank lines dropped."""
    return [squash(line) for line in (text or "").split("\n") if line.strip()]


def matched(case: dict, got: Grid, same: Callable[[str | None, str], bool]) -> int:
    """Expected cells found at the same row and column (a blank under a copied span counts when allowed)."""
    want = case["expected"]
    hits = 0
    for r, row in enumerate(want):
        for c, text in enumerate(row):
            have = got[r][c] if r < len(got) and c < len(got[r]) else None
            copy = case.get("blank_ok_for_vertical_copies") and r > 0 and squash(text) and squash(text) == squash(want[r - 1][c])
            hits += same(have, text) or bool(copy and have == "")
    return hits


def score(case: dict, tables: list[Grid]) -> tuple[int, int, int]:
    """Cells right in the best-matching table: whitespace-collapsed, with the same line breaks, character for character."""
    best = max(tables, key=lambda t: matched(case, t, lambda a, b: squash(a) == squash(b)), default=[])
    return (matched(case, best, lambda a, b: squash(a) == squash(b)), matched(case, best, lambda a, b: lines(a) == lines(b)),
            matched(case, best, lambda a, b: a == b))


def best_of(fn: Callable[[], list[Grid]], repeat: int) -> tuple[float, list[Grid]]:
    best, result = math.inf, []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def path_of(case: dict) -> Path:
    return CAMELOT_DIR / "files" / case["file"]


def ours(case: dict) -> list[Grid]:
    from extractors.pdf_tables import page_tables

    with pdfplumber.open(path_of(case)) as pdf:
        return [t.grid() for t in page_tables(pdf.pages[int(case["pages"]) - 1], "text")]


def plumber_default(case: dict) -> list[Grid]:
    with pdfplumber.open(path_of(case)) as pdf:
        return [[[text or "" for text in row] for row in t] for t in pdf.pages[int(case["pages"]) - 1].extract_tables()]


def camelot_lattice(case: dict) -> list[Grid]:
    import camelot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = camelot.read_pdf(str(path_of(case)), pages=case["pages"], flavor="lattice", **case["kwargs"])
    return [t.df.values.tolist() for t in found]


TOOLS: dict[str, Reader] = {"ours": ours, "pdfplumber default": plumber_default, "camelot lattice": camelot_lattice}


def bench(cases: list[dict], repeat: int) -> list[Record]:
    results = []
    for case in cases:
        record: Record = {"case": case["id"], "cells": sum(len(row) for row in case["expected"])}
        for tool, read in TOOLS.items():
            seconds, tables = best_of(lambda r=read, c=case: r(c), repeat)
            right, same_lines, exact = score(case, tables)
            record[tool] = {"s": seconds, "right": right, "lines": same_lines, "exact": exact, "tables": len(tables)}
        results.append(record)
        print(f"  {case['id']}: " + ", ".join(f"{t} {record[t]['right']}/{record['cells']}" for t in TOOLS), flush=True)
    return results


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    return "\n".join(["| " + " | ".join(row) + " |" for row in [headers, ["---"] * len(headers), *rows]])


def report(results: list[Record]) -> str:
    """Per case: cells right (whitespace-collapsed) and seconds per tool; then totals with the line-break figure."""
    headers = ["case", "cells", *(f"{t} cells" for t in TOOLS), *(f"{t} s" for t in TOOLS)]
    rows = [
        [str(r["case"]), str(r["cells"]), *(f"{r[t]['right'] / r['cells']:.3f}" for t in TOOLS),
         *(f"{r[t]['s']:.2f}" for t in TOOLS)]
        for r in results
    ]
    cells = sum(int(r["cells"]) for r in results)

    def total(tool: str, key: str) -> float:
        return sum(r[tool][key] for r in results)

    rows.append(["**all**", str(cells), *(f"**{total(t, 'right') / cells:.3f}**" for t in TOOLS),
                 *(f"**{total(t, 's'):.2f}**" for t in TOOLS)])
    strict = markdown(["", *TOOLS], [[label, *(f"{total(t, key) / cells:.3f}" for t in TOOLS)]
                                     for label, key in (("cells, same line breaks", "lines"), ("cells, exact", "exact"))])
    return markdown(headers, rows) + "\n\n" + strict


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tables", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest counts")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="tables.json goes here")
    args = parser.parse_args(argv)
    if not CAMELOT_DIR.is_dir():
        raise SystemExit(f"{CAMELOT_DIR} is not available")
    for name in ("camelot", "playa", "pdfminer"):
        logging.getLogger(name).setLevel(logging.ERROR)
    cases = json.loads((CAMELOT_DIR / "expected.json").read_text(encoding="utf-8"))
    results = bench(cases, max(args.repeat, 1))
    env = {"python": platform.python_version(), "repeat": args.repeat,
           **{pkg: version(pkg) for pkg in ("pdfplumber", "camelot-py")}}
    print(f"\nRuled tables vs camelot's expected cells (best of {args.repeat}; pdfplumber {env['pdfplumber']}, "
          f"camelot {env['camelot-py']})\n")
    print(report(results))
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "tables.json"
    out.write_text(json.dumps({"environment": env, "results": results}, indent=2))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
