"""Benchmark the pipeline on the generated fixtures against the hand-checked gold.

Besides the pipeline's own accuracy and speed, the two PDF fixtures also go through
the plain table extractors — pdfplumber (what `extractors.pdf` uses) and camelot
lattice (the usual alternative for ruled tables) — timed alone and scored cell by cell
against the seed tables, so the choice of extractor rests on measured numbers.

Run from the repo root:  python -m benchmarks.run [--out DIR] [--repeat N]
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import platform
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import camelot
import pdfplumber

from pipeline.convert.process import process_file
from tests.fixtures.build import build_all
from tests.fixtures.seeds import SeedTable, appendix_001, phuluc1_000

HERE = Path(__file__).resolve().parent
GOLD = HERE.parent / "tests" / "gold"
DEFAULT_OUT = HERE / "out"
TRUTH: dict[str, Callable[[], SeedTable]] = {"phuluc1_000": phuluc1_000, "appendix_001": appendix_001}

Record = dict[str, object]
Grid = list[list[str | None]]  # one extracted table: rows of cell texts
T = TypeVar("T")

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}  # pdfplumber alone, as a user would call it


# --- timing ----------------------------------------------------------------------


def best_of(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The fastest of ``repeat`` calls and its result.

    The minimum is the run least disturbed by imports, caches and other load on the
    machine, so it is the most repeatable number on a small shared box.
    """
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


# --- plain table extractors --------------------------------------------------------


def pdfplumber_tables(path: Path) -> list[Grid]:
    """Every ruled table on every page, exactly as `extractors.pdf` finds them, nothing more."""
    with pdfplumber.open(path) as pdf:
        return [t.extract() for page in pdf.pages for t in page.find_tables(TABLE_SETTINGS)]


def camelot_tables(path: Path) -> list[Grid]:
    """camelot lattice on all pages; its 'no tables found' style warnings are noise here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = camelot.read_pdf(str(path), pages="all", flavor="lattice")
    return [t.df.values.tolist() for t in found]


def quiet_camelot() -> None:
    """Mute camelot's logger and playa's (its PDF parser), which warn on stderr about every odd file."""
    for name in ("camelot", "playa"):
        logging.getLogger(name).setLevel(logging.ERROR)


TOOLS: dict[str, Callable[[Path], list[Grid]]] = {"pdfplumber": pdfplumber_tables, "camelot": camelot_tables}


# --- cell agreement with the seed ------------------------------------------------


def squash(text: str | None) -> str:
    """Whitespace-collapsed text: PDF wrapping moves line breaks, which is not an error."""
    return " ".join((text or "").split())


def body_rows(tables: list[Grid], header: Sequence[Sequence[str]]) -> list[list[str]]:
    """All tables' rows in page order, minus the header rows repeated on every page."""
    head = {tuple(squash(c) for c in row) for row in header}
    rows = [[squash(c) for c in row] for table in tables for row in table]
    return [row for row in rows if tuple(row) not in head]


def cell_agreement(tables: list[Grid], truth: SeedTable) -> float:
    """Share of the seed's body cells (empty ones included) found at the same row and column.

    Positional on purpose: a lost, split or merged row shifts every later row, which
    is exactly the damage that would corrupt indicator values downstream.
    """
    got = body_rows(tables, truth.header)
    want = [[squash(c) for c in row] for row in truth.body()]
    hits = sum(
        r < len(got) and c < len(got[r]) and got[r][c] == text
        for r, row in enumerate(want)
        for c, text in enumerate(row)
    )
    return hits / sum(len(row) for row in want)


def run_tool(name: str, path: Path, truth: SeedTable, repeat: int) -> Record:
    """Time one plain extractor on one PDF and score its cells; a failure is reported, not raised."""
    try:
        seconds, tables = best_of(lambda: TOOLS[name](path), repeat)
    except Exception as exc:  # any tool error on any file is a benchmark result
        return {"tool": name, "error": f"{type(exc).__name__}: {exc}"}
    return {
        "tool": name,
        "seconds": seconds,
        "tables": len(tables),
        "body_rows": len(body_rows(tables, truth.header)),
        "truth_rows": len(truth.rows),
        "cell_agreement": cell_agreement(tables, truth),
    }


# --- pipeline accuracy against the gold ------------------------------------------


def load_gold(stem: str) -> list[dict[str, str]]:
    """The hand-checked gold rows for a fixture, in document order."""
    with (GOLD / f"{stem}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def accepted(row: dict[str, str]) -> set[str]:
    """Codes a gold row accepts; '' stands for "left unmapped"."""
    return set(row["accepted_codes"].split("|")) if "accepted_codes" in row else {row["code"]}


def same_value(got: object, want: str) -> bool:
    """A pipeline value equals the gold's ('' in the gold means no value)."""
    if not want or got is None:
        return not want and got is None
    return math.isclose(float(got), float(want))


def score(indicators: list[Record], gold: list[dict[str, str]]) -> Record:
    """Value accuracy, mapping precision and recall; rows pair up in document order, as in the tests."""
    pairs = [(g, indicators[i] if i < len(indicators) else None) for i, g in enumerate(gold)]
    valued = [(g, r) for g, r in pairs if len(accepted(g)) == 1 and "" not in accepted(g)]
    required = [(g, r) for g, r in pairs if "" not in accepted(g)]
    mapped = [(gold[i] if i < len(gold) else None, r) for i, r in enumerate(indicators) if r["code"]]
    return {
        "gold_rows": len(gold),
        "rows": len(indicators),
        "value_accuracy": _share(r is not None and r["code"] in accepted(g) and same_value(r["value"], g["value"]) for g, r in valued),
        "precision": _share(g is not None and r["code"] in accepted(g) for g, r in mapped),
        "recall": _share(r is not None and r["code"] in accepted(g) for g, r in required),
        "unmapped": sum(r["code"] is None for r in indicators),
    }


def _share(hits: Iterable[bool]) -> float | None:
    """Mean of booleans; None when there is nothing to score."""
    values = list(hits)
    return sum(values) / len(values) if values else None


# --- one fixture -------------------------------------------------------------------


def bench_fixture(name: str, path: Path, repeat: int) -> Record:
    """Pipeline speed and accuracy on one fixture, plus the plain extractors if it is a PDF."""
    stem, kind = name.rsplit(".", 1)
    seconds, result = best_of(lambda: process_file(path), repeat)
    doc = result.document
    pages = doc.get("pages") if kind == "pdf" else None  # a DOCX has no fixed pages
    record: Record = {
        "fixture": name,
        "status": doc["status"],
        "error": doc.get("error"),
        "pages": pages,
        "seconds": seconds,
        "pages_per_second": pages / seconds if pages else None,
        **score(result.indicators, load_gold(stem)),
    }
    if kind == "pdf":
        record["tools"] = {tool: run_tool(tool, path, TRUTH[stem](), repeat) for tool in TOOLS}
        record["ratios"] = {
            f"pipeline/{tool}": seconds / run["seconds"] for tool, run in record["tools"].items() if "seconds" in run
        }
    return record


# --- output ------------------------------------------------------------------------


def fmt(value: object, spec: str = ".3f") -> str:
    """A table cell: '-' for missing, floats to ``spec``."""
    if value is None:
        return "-"
    return format(value, spec) if isinstance(value, float) else str(value)


def render(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain fixed-width text table, first column left-aligned, the rest right."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])


def pipeline_table(results: list[Record]) -> str:
    """Per fixture: accuracy against the gold and whole-pipeline speed."""
    headers = ["fixture", "rows", "value_acc", "precision", "recall", "unmapped", "pages", "seconds", "pages/s"]
    rows = [
        [
            r["fixture"] if r["status"] == "ok" else f"{r['fixture']} FAILED: {str(r['error'])[:80]}",
            f"{r['rows']}/{r['gold_rows']}",
            fmt(r["value_accuracy"]),
            fmt(r["precision"]),
            fmt(r["recall"]),
            fmt(r["unmapped"]),
            fmt(r["pages"]),
            fmt(r["seconds"]),
            fmt(r["pages_per_second"], ".1f"),
        ]
        for r in results
    ]
    return render(headers, rows)


def tools_table(results: list[Record]) -> str:
    """Per PDF fixture and extractor: time alone, cell agreement, and the pipeline's cost relative to it."""
    headers = ["pdf / extractor", "seconds", "pages/s", "tables", "body_rows", "cell_agree", "pipeline/tool"]
    rows = []
    for r in results:
        for tool, run in r.get("tools", {}).items():
            label = f"{r['fixture']} / {tool}"
            if "error" in run:
                rows.append([f"{label} FAILED: {run['error'][:80]}", *["-"] * 6])
                continue
            rows.append(
                [
                    label,
                    fmt(run["seconds"]),
                    fmt(r["pages"] / run["seconds"] if r["pages"] else None, ".1f"),
                    fmt(run["tables"]),
                    f"{run['body_rows']}/{run['truth_rows']}",
                    fmt(run["cell_agreement"]),
                    fmt(r["ratios"][f"pipeline/{tool}"], ".2f"),
                ]
            )
    return render(headers, rows)


def environment(repeat: int) -> Record:
    """What the numbers were measured on, so a later run can be compared fairly."""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "repeat": repeat,
        "versions": {pkg: version(pkg) for pkg in ("pdfplumber", "camelot-py", "cchc-extract")},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Build the fixtures, benchmark each, print the tables and write results.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixtures and results.json go here")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest counts")
    args = parser.parse_args(argv)
    quiet_camelot()
    fixtures = build_all(args.out / "fixtures")
    results = [bench_fixture(name, path, max(args.repeat, 1)) for name, path in fixtures.items()]
    print(f"Pipeline vs gold (best of {args.repeat}, {os.cpu_count()} CPUs)\n{pipeline_table(results)}\n")
    print(f"Plain table extractors on the PDF fixtures vs seed cells\n{tools_table(results)}")
    out = args.out / "results.json"
    out.write_text(json.dumps({"environment": environment(args.repeat), "results": results}, indent=2, default=str))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
