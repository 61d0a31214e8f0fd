"""Scanned pages: the pipeline's time per page against plain tesseract on the same pages.

The requirement: pipeline time per scanned page at most 1.2 x plain tesseract's, measured
side by side, and for pages that are not flat the cost kept to the pages that need it.
For every scan fixture (tests/fixtures/scans.py: SCANS, flat, and WARPED_SCANS, bowed,
skewed 3-8 degrees, upside down) and the real scans r04-r07 (/work/shared/real, skipped
when absent):

- plain tesseract: each page rendered beforehand (not timed) by pdfium at the page's scan
  resolution (`extractors.page_image.scan_dpi`, as the pipeline does) to a greyscale PNG,
  then the `tesseract page.png out -l vie` CLI (psm 3) over all pages, one process per
  core with OMP_THREAD_LIMIT=1 (the pipeline's parallelism) -> `plain s/pg`.  Also the
  same CLI with tesseract's default threads, pages one after another (what a user typing
  `tesseract` gets) -> `default s/pg`; and single-threaded, pages one after another (one
  core's worth of plain OCR, the yardstick of the two-core target ≤ 0.6) -> `1-core s/pg`;
- pipeline: wall time of `pipeline.convert.process.process_file(path)` (open, render, deskew,
  grid, OCR, mapping: everything) / pages -> `pipeline s/pg`; `ratio` = pipeline / plain,
  `vs 1 core` = pipeline / 1-core;
  `fixed` counts the pages whose lines the pipeline straightened or that it turned over.

Every time is the faster of ``--repeat`` runs (default 2: the second is warm), plain and
pipeline runs alternating so that other load on the machine hits both alike; the slow
default-threads reference is run ``--default-repeat`` times (default 1; 0 leaves it out).  Also
compared: words found (plain vs pipeline text), for fixtures the indicator agreement
with the born-digital twin (`tests.fixtures.metrics.indicator_agreement`) and the table
cell accuracy of `extractors.pdf.extract_pdf(scan).tables` against the born-digital
twin's tables, page by page (share of the twin's non-empty cells whose whitespace-
collapsed NFC text is found at the same row and column of the same table; `fuzzy`
counts rapidfuzz ratio >= 90 as found).  ``--camelot`` adds camelot lattice on an OCR
sandwich PDF of each page (`tesseract page.png out -l vie pdf`), scored the same way.

img2table needs opencv-contrib-python, which conflicts with our opencv-python-headless,
so it runs from its own venv, on files the main part leaves behind.  This module imports
nothing of ours at module level, so the same file serves both:

    .venv/bin/python -m benchmarks.ocr [--out DIR] [--only NAME ...] [--repeat N] [--camelot]
    python3 -m venv /tmp/i2t && /tmp/i2t/bin/pip install img2table pytesseract pypdfium2 rapidfuzz
    /tmp/i2t/bin/python -m benchmarks.ocr --img2table [--fixtures DIR] [--out DIR]

The main part writes DIR/ocr/scans/*.pdf (the fixtures), DIR/ocr_truth.json (the twin's
tables per page) and DIR/ocr.json (its results); the img2table part reads those three,
runs `PDF(path).extract_tables(ocr=TesseractOCR(n_threads=cores, lang="vie"),
implicit_rows=False, borderless_tables=False, min_confidence=50)` (OMP_THREAD_LIMIT=1, so
one single-threaded tesseract per core, like the pipeline), scores it like the pipeline,
prints both side by side and writes DIR/ocr_img2table.json.

Run from the repo root.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out"
REAL_DIR = Path("/work/shared/real")
REAL = ("r04", "r05", "r06", "r07")
LANG = "vie"
FUZZY = 90  # rapidfuzz ratio at or above which a cell counts as found in the fuzzy score

Record = dict[str, object]
Grid = list[list[str | None]]
T = TypeVar("T")


# --- shared ------------------------------------------------------------------------


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def best_of(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """The fastest of ``repeat`` calls and its result (the warm, least disturbed run)."""
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def squash(text: str | None) -> str:
    """NFC, whitespace collapsed: wrapping and Unicode normal form are not errors."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _ratio() -> Callable[[str, str], float] | None:
    try:
        from rapidfuzz.fuzz import ratio
    except ImportError:
        return None
    return ratio


def cell_scores(truth: dict[str, list[Grid]], got: dict[str, list[Grid]]) -> Record:
    """Tables found and cells read right, page by page, against the twin's tables.

    Tables on a page are paired in order.  Only the twin's non-empty cells count: a span
    is empty in `Table.grid()` beyond its first position, while img2table repeats the
    text there.  ``shape`` counts found tables with the twin's rows and columns.
    """
    ratio = _ratio()
    n_truth = n_got = shape = cells = exact = fuzzy = 0
    for page, want_tables in truth.items():
        found = got.get(page, [])
        n_truth += len(want_tables)
        n_got += len(found)
        for i, want in enumerate(want_tables):
            table = found[i] if i < len(found) else []
            shape += bool(table) and len(table) == len(want) and len(table[0]) == len(want[0])
            for r, row in enumerate(want):
                for c, text in enumerate(row):
                    if not (want_text := squash(text)):
                        continue
                    cells += 1
                    have = squash(table[r][c]) if r < len(table) and c < len(table[r]) else ""
                    exact += have == want_text
                    fuzzy += bool(ratio) and ratio(have, want_text) >= FUZZY
    return {
        "tables": f"{n_got}/{n_truth}",
        "shape": f"{shape}/{n_truth}",
        "cells": cells,
        "cell_exact": exact / cells if cells else None,
        "cell_fuzzy": fuzzy / cells if cells and ratio else None,
    }


def fmt(value: object, spec: str = ".3f") -> str:
    if value is None:
        return "-"
    return format(value, spec) if isinstance(value, float) else str(value)


def markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers), *("| " + " | ".join(r) + " |" for r in rows)])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- plain tesseract ---------------------------------------------------------------


def page_dpis(path: Path) -> list[float]:
    """Each page's scan resolution, found exactly as `extractors.pdf` finds it."""
    import pdfplumber

    from extractors.page_image import scan_dpi

    with pdfplumber.open(path) as pdf:
        return [scan_dpi(p.images, float(p.width)) for p in pdf.pages]


def render_pages(path: Path, dpis: list[float], outdir: Path) -> list[Path]:
    """Every page as a greyscale PNG at its scan resolution (with that DPI recorded)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    out = []
    try:
        for i, dpi in enumerate(dpis):
            image = pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            png = outdir / f"p{i + 1:03d}.png"
            image.save(png, dpi=(dpi, dpi))
            out.append(png)
    finally:
        pdf.close()
    return out


def tesseract_env(single_thread: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}  # the pipeline sets it process-wide
    if single_thread:
        env["OMP_THREAD_LIMIT"] = "1"
    return env


def run_tesseract(png: Path, env: dict[str, str], *formats: str) -> Path:
    """`tesseract page.png out -l vie [formats]`; the output files' common base."""
    base = png.with_suffix("")
    subprocess.run(["tesseract", str(png), str(base), "-l", LANG, *formats], env=env, check=True, capture_output=True)
    return base


def plain_parallel(pngs: list[Path], *formats: str) -> list[Path]:
    """All pages, one single-threaded tesseract per core, as the pipeline runs it."""
    env = tesseract_env(single_thread=True)
    with ThreadPoolExecutor(max_workers=cores()) as pool:
        return list(pool.map(lambda p: run_tesseract(p, env, *formats), pngs))


def plain_serial(pngs: list[Path]) -> list[Path]:
    """All pages one after another, single-threaded tesseract: one core's worth of plain OCR."""
    env = tesseract_env(single_thread=True)
    return [run_tesseract(p, env) for p in pngs]


def plain_default(pngs: list[Path]) -> list[Path]:
    """All pages one after another, tesseract with its default (OpenMP) threads."""
    env = tesseract_env(single_thread=False)
    return [run_tesseract(p, env) for p in pngs]


def words_in(bases: list[Path]) -> int:
    return sum(len(b.with_suffix(".txt").read_text(encoding="utf-8").split()) for b in bases)


# --- inputs and truth --------------------------------------------------------------


def build_inputs(out: Path, only: Sequence[str]) -> tuple[dict[str, Path], dict[str, Path], dict[str, Path]]:
    """Scan fixtures, their born-digital sources (by fixture) and the real scans present."""
    from tests.fixtures.build import BUILDERS
    from tests.fixtures.scans import SCANS, WARPED_SCANS, build_scan

    def wanted(name: str) -> bool:
        return not only or any(o in name for o in only)

    sources_dir, scans_dir = out / "ocr" / "sources", out / "ocr" / "scans"
    sources_dir.mkdir(parents=True, exist_ok=True)
    specs = {n: spec for n, spec in {**SCANS, **WARPED_SCANS}.items() if wanted(n)}
    sources = {s: BUILDERS[s](sources_dir / s) for s in sorted({spec.source for spec in specs.values()})}
    fixtures = {n: build_scan(n, scans_dir, sources_dir) for n in specs}
    twins = {n: sources[spec.source] for n, spec in specs.items()}
    real = {}
    if REAL_DIR.is_dir():
        real = {p.stem: p for p in sorted(REAL_DIR.glob("*_scan.pdf")) if p.name.startswith(REAL) and wanted(p.stem)}
    return fixtures, twins, real


def tables_by_page(path: Path) -> dict[str, list[Grid]]:
    """`extract_pdf(path).tables` as text grids, keyed by page number (a string, for JSON)."""
    from extractors.pdf import extract_pdf

    out: dict[str, list[Grid]] = {}
    for t in extract_pdf(path).tables:
        out.setdefault(str(t.page), []).append(t.grid())
    return out


# --- camelot on a sandwich PDF -----------------------------------------------------


def camelot_sandwich(pngs: list[Path]) -> dict[str, list[Grid]]:
    """OCR each page into a sandwich PDF (image + invisible text), then camelot lattice on it."""
    import logging
    import warnings

    import camelot

    for name in ("camelot", "playa", "pdfminer"):
        logging.getLogger(name).setLevel(logging.ERROR)
    bases = plain_parallel(pngs, "pdf")
    out: dict[str, list[Grid]] = {}
    for page, base in enumerate(bases, start=1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = camelot.read_pdf(str(base.with_suffix(".pdf")), pages="1", flavor="lattice")
        out[str(page)] = [t.df.values.tolist() for t in found]
    return out


# --- the main part -----------------------------------------------------------------


def bench(name: str, path: Path, twin: Path | None, twin_rows: list[Record] | None, repeat: int,
          default_repeat: int, camelot: bool) -> Record:
    from pipeline.convert.process import process_file
    from tests.fixtures.metrics import indicator_agreement

    dpis = page_dpis(path)
    pages = len(dpis)
    record: Record = {"input": name, "pages": pages, "dpi": sorted(set(dpis))}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        pngs = render_pages(path, dpis, Path(tmp))
        record["load"] = os.getloadavg()[0]
        # Plain and pipeline runs alternate, so a burst of other load on the machine hits both alike.
        plain_s = pipeline_s = math.inf
        for _ in range(repeat):
            seconds, bases = best_of(lambda: plain_parallel(pngs), 1)
            plain_s = min(plain_s, seconds)
            seconds, result = best_of(lambda: process_file(path), 1)
            pipeline_s = min(pipeline_s, seconds)
        record["plain_words"] = words_in(bases)
        serial_s = best_of(lambda: plain_serial(pngs), 1)[0]
        default_s = best_of(lambda: plain_default(pngs), default_repeat)[0] if default_repeat else math.nan
        record.update(
            plain_s_page=plain_s / pages,
            default_s_page=default_s / pages,
            serial_s_page=serial_s / pages,
            pipeline_s_page=pipeline_s / pages,
            ratio=pipeline_s / plain_s,
            ratio_serial=pipeline_s / serial_s,
            ratio_default=pipeline_s / default_s,
            status=result.document["status"],
            error=result.document.get("error"),
            pages_ocr=result.document.get("pages_ocr"),
            pipeline_words=sum(len(t["text"].split()) for t in result.text),
            fixed=sum("lines straightened" in (t["repairs"] or "") or "rotated 180" in (t["repairs"] or "") for t in result.text),
        )
        if twin is not None and twin_rows is not None:
            record["indicator_accuracy"], wrong = indicator_agreement(twin_rows, result.indicators)
            record["indicator_wrong"] = len(wrong)
            truth = tables_by_page(twin)
            record["cells_pipeline"] = cell_scores(truth, tables_by_page(path))
            if camelot:
                cam_s, got = best_of(lambda: camelot_sandwich(pngs), 1)
                record["cells_camelot"] = {**cell_scores(truth, got), "s_page": cam_s / pages}
    return record


def timing_table(results: list[Record]) -> str:
    headers = ["input", "pages", "dpi", "fixed", "plain s/pg", "1-core s/pg", "default s/pg", "pipeline s/pg", "ratio",
               "vs 1 core", "words plain / pipeline", "indicators"]
    rows = [
        [
            r["input"] if r["status"] == "ok" else f"{r['input']} FAILED: {str(r['error'])[:60]}",
            str(r["pages"]),
            "/".join(f"{d:g}" for d in r["dpi"]),
            str(r["fixed"]),
            fmt(r["plain_s_page"], ".2f"),
            fmt(r["serial_s_page"], ".2f"),
            fmt(None if math.isnan(r["default_s_page"]) else r["default_s_page"], ".2f"),
            fmt(r["pipeline_s_page"], ".2f"),
            f"**{r['ratio']:.2f}**" if r["ratio"] > 1.2 else f"{r['ratio']:.2f}",
            f"**{r['ratio_serial']:.2f}**" if r["ratio_serial"] > 0.6 else f"{r['ratio_serial']:.2f}",
            f"{r['plain_words']} / {r['pipeline_words']}",
            fmt(r.get("indicator_accuracy")),
        ]
        for r in results
    ]
    return markdown(headers, rows)


def cells_table(results: list[Record], extra: dict[str, dict[str, Record]] | None = None) -> str:
    """Table cell accuracy per fixture: our pipeline, then camelot and img2table when measured."""
    headers = ["fixture", "extractor", "s/pg", "tables", "shape", "cells", "cell exact", f"cell fuzzy≥{FUZZY}"]
    rows = []
    for r in results:
        runs = [("pipeline (OpenCV grid)", {**r["cells_pipeline"], "s_page": r["pipeline_s_page"]})] if "cells_pipeline" in r else []
        if "cells_camelot" in r:
            runs.append(("tesseract pdf + camelot lattice", r["cells_camelot"]))
        for label, scores in (extra or {}).items():
            if r["input"] in scores:
                runs.append((label, scores[r["input"]]))
        for label, s in runs:
            rows.append([r["input"], label, fmt(s.get("s_page"), ".2f"), str(s["tables"]), str(s["shape"]), str(s["cells"]),
                         fmt(s["cell_exact"]), fmt(s["cell_fuzzy"])])
    return markdown(headers, rows)


def main_part(args: argparse.Namespace) -> int:
    from pipeline.convert.process import process_file

    fixtures, twins, real = build_inputs(args.out, args.only)
    twin_rows = {src: process_file(src).indicators for src in set(twins.values())}
    truth = {name: tables_by_page(src) for name, src in twins.items()}
    if fixtures:
        (args.out / "ocr_truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"load before: {load()}", flush=True)
    results = []
    for name, path in {**fixtures, **real}.items():
        twin = twins.get(name)
        results.append(bench(name, path, twin, twin_rows.get(twin) if twin else None, args.repeat, args.default_repeat, args.camelot))
        print(f"  {name}: ratio {results[-1]['ratio']:.2f} (load {load()})", flush=True)
    print(f"\nScanned pages: pipeline vs plain tesseract (best of {args.repeat}; default threads: best of {args.default_repeat};"
          f" {cores()} cores, tesseract `vie`)\n")
    print(timing_table(results))
    if fixtures:
        print(f"\nTable cells vs the born-digital twin\n\n{cells_table(results)}")
    env = {"python": platform.python_version(), "cpus": cores(), "repeat": args.repeat, "default_repeat": args.default_repeat,
           "tesseract": subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]}
    out = args.out / "ocr.json"
    out.write_text(json.dumps({"environment": env, "results": results}, indent=2, default=str))
    print(f"\nload after: {load()}\nwrote {out}")
    return 0


# --- the img2table part (its own venv) ---------------------------------------------


@contextmanager
def silenced() -> Iterator[None]:
    """Stdout and stderr of child processes muted (TesseractOCR prints `tesseract --version`)."""
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def img2table_tables(path: Path, detect_rotation: bool) -> dict[str, list[Grid]]:
    from img2table.document import PDF
    from img2table.ocr import TesseractOCR

    os.environ["OMP_THREAD_LIMIT"] = "1"  # TesseractOCR copies the environment for its subprocesses
    with silenced():
        ocr = TesseractOCR(n_threads=cores(), lang=LANG)
    doc = PDF(str(path), detect_rotation=detect_rotation)
    found = doc.extract_tables(ocr=ocr, implicit_rows=False, borderless_tables=False, min_confidence=50)
    return {
        str(page + 1): [[[cell.value for cell in row] for row in t.content.values()] for t in tables]
        for page, tables in found.items()
    }


IMG2TABLE = {"img2table": False, "img2table detect_rotation": True}  # label -> PDF(detect_rotation=...)


def img2table_part(args: argparse.Namespace) -> int:
    try:
        import img2table  # noqa: F401
        import pypdfium2 as pdfium
    except ImportError:
        raise SystemExit("img2table is not importable here: run this part with the venv it is installed in") from None
    truth: dict[str, dict[str, list[Grid]]] = json.loads((args.out / "ocr_truth.json").read_text(encoding="utf-8"))
    fixtures = args.fixtures or args.out / "ocr" / "scans"
    main_results = json.loads((args.out / "ocr.json").read_text())["results"] if (args.out / "ocr.json").is_file() else []
    print(f"load before: {load()}", flush=True)
    scores: dict[str, dict[str, Record]] = {label: {} for label in IMG2TABLE}
    for name, want in truth.items():
        if args.only and not any(o in name for o in args.only):
            continue
        path = fixtures / f"{name}.pdf"
        pages = len(pdfium.PdfDocument(str(path)))
        for label, rotation in IMG2TABLE.items():
            seconds, got = best_of(lambda p=path, r=rotation: img2table_tables(p, r), args.repeat)
            scores[label][name] = {**cell_scores(want, got), "s_page": seconds / pages}
            print(f"  {name} / {label}: {scores[label][name]} (load {load()})", flush=True)
    names = {n for s in scores.values() for n in s}
    results = [r for r in main_results if r["input"] in names] or [{"input": n} for n in sorted(names)]
    print(f"\nTable cells vs the born-digital twin (best of {args.repeat}, {cores()} cores)\n")
    print(cells_table(results, scores))
    out = args.out / "ocr_img2table.json"
    out.write_text(json.dumps(scores, indent=2))
    print(f"\nload after: {load()}\nwrote {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ocr", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixtures, ocr_truth.json and results go here")
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME", help="only inputs whose name contains one of these")
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the fastest counts")
    parser.add_argument("--default-repeat", type=int, default=1,
                        help="runs of the slow default-threads reference (sequential pages); the fastest counts; 0: none")
    parser.add_argument("--camelot", action="store_true", help="also camelot lattice on a tesseract sandwich PDF")
    parser.add_argument("--img2table", action="store_true", help="run only the img2table part (in a venv that has it)")
    parser.add_argument("--fixtures", type=Path, help="img2table part: the scan fixtures (default OUT/ocr/scans)")
    args = parser.parse_args(argv)
    args.repeat, args.default_repeat = max(args.repeat, 1), max(args.default_repeat, 0)
    return img2table_part(args) if args.img2table else main_part(args)


if __name__ == "__main__":
    raise SystemExit(main())
