"""Born-digital PDFs: the pipeline on both cores against plain pdfplumber on the same files.

    .venv/bin/python -m benchmarks.born_digital [--repeat 2] [--out DIR]

Inputs: the real born-digital PDFs (r01 133 pages, r02, r03; /work/shared/real, skipped when
absent) and the generated fixtures (`tests.fixtures.build`, `tests.fixtures.tables`). For each
file, every time the best of `--repeat` runs in this warm process:

- `plain`: pdfplumber alone, one process — open, then per page `extract_text()` and
  `find_tables` with ruling lines (`benchmarks.run.TABLE_SETTINGS`) + `.extract()`: what a user scripting
  pdfplumber gets for the text and the tables;
- `single`: `process_file(path)` in this process: every stage of the pipeline on one core;
- `convert`: `run_batch` on the file alone with two workers, as `cchc convert` runs it (forked
  guarded children; a long PDF in page ranges, `pipeline.convert.split`).

Then the whole set as one batch: plain pdfplumber file after file against `run_batch` on the
folder. Ratios are `convert / plain` and `convert / single` (targets ≤ 0.6).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pdfplumber

from benchmarks.run import TABLE_SETTINGS
from extractors.pdf import page_count
from pipeline.convert.process import process_file
from pipeline.convert.runner import run_batch

REAL = Path(__file__).resolve().parents[2] / "shared" / "real"
REAL_BORN_DIGITAL = ("r01_", "r02_", "r03_")
FIXTURES = ("phuluc1_000.pdf", "appendix_001.pdf")
TABLE_FIXTURES = ("criteria_003.pdf", "appendices_000.pdf", "dossier_000_cw.pdf")


def plain_pdfplumber(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            for table in page.find_tables(TABLE_SETTINGS):
                table.extract()
            page.close()


def best_of(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def inputs(out: Path) -> list[Path]:
    from tests.fixtures.build import build_all
    from tests.fixtures.tables import build_all as build_tables

    folder = out / "inputs"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files = list(build_all(folder, FIXTURES).values()) + list(build_tables(folder, TABLE_FIXTURES).values())
    if REAL.is_dir():
        for prefix in REAL_BORN_DIGITAL:
            for path in sorted(REAL.glob(f"{prefix}*.pdf")):
                files.append(Path(shutil.copy(path, folder / path.name)))
    return sorted(files, key=lambda p: -(page_count(p) or 0))


def link_alone(path: Path, scratch: Path) -> None:
    """`scratch` made a folder holding only `path` (a hard link: nothing copied), for `run_batch`."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    (scratch / path.name).hardlink_to(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/born_digital"))
    args = parser.parse_args(argv)
    files = inputs(args.out)
    process_file(files[-1])  # warm: imports, codebooks, fonts
    rows = []
    for path in files:
        scratch = args.out / "alone"
        link_alone(path, scratch)
        plain = best_of(partial(plain_pdfplumber, path), args.repeat)
        single = best_of(partial(process_file, path), args.repeat)
        convert = best_of(partial(run_batch, scratch, workers=2), args.repeat)
        rows.append({"input": path.name, "pages": page_count(path), "plain_s": plain, "single_s": single,
                     "convert_s": convert, "convert_plain": convert / plain, "convert_single": convert / single})
        print(f"{path.name:40} {rows[-1]['pages']:4} pages  plain {plain:6.2f}  single {single:6.2f}  "
              f"convert {convert:6.2f}  convert/plain {convert / plain:5.2f}  convert/single {convert / single:5.2f}",
              flush=True)
    folder = files[0].parent
    plain = best_of(lambda: [plain_pdfplumber(p) for p in files], args.repeat)
    convert = best_of(lambda: run_batch(folder, workers=2), args.repeat)
    pages = sum(r["pages"] for r in rows)
    batch = {"files": len(files), "pages": pages, "plain_s": plain, "convert_s": convert, "convert_plain": convert / plain,
             "plain_pages_s": pages / plain, "convert_pages_s": pages / convert}
    print(f"batch of {len(files)} files, {pages} pages: plain {plain:.2f} s ({pages / plain:.1f} pages/s), "
          f"convert {convert:.2f} s ({pages / convert:.1f} pages/s), convert/plain {convert / plain:.2f}")
    (args.out / "results.json").write_text(json.dumps({"files": rows, "batch": batch}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
