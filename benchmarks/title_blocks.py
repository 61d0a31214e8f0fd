"""Issuer blocks and units: the whole title-block matrix of tests/fixtures/title_blocks.py.

Each case (3 PDF producers × 5 issuers × 7 column offsets × 3 font-size pairs, and 2 Word
layouts × 5 issuers) is built and run through `process_file`; a case is right when the
documents row has the issuer's lines joined, its unit's GSO code, the number and the date of
signing. Printed per producer and per column offset (the worst cell of the matrix is the
figure to watch), with the cost of the unit lookup: loading the lists once per process, and
one `locate` per document.

    .venv/bin/python -m benchmarks.title_blocks [--out DIR]

Run from the repo root; DIR (default benchmarks/out/title_blocks) gets the built cases.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from normalizers.units import locate, unit_lists
from pipeline.convert.process import process_file
from tests.fixtures.title_blocks import TitleCase, build, matrix
from tests.test_units import CODES

DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "title_blocks"
FIELDS = ("issuer", "unit_code", "doc_number", "doc_date")


def _right(case: TitleCase, document: dict) -> dict[str, bool]:
    expected = (case.expected, CODES[case.issuer], "12/BC-UBND", date(2021, 12, 9))
    return {field: document[field] == want for field, want in zip(FIELDS, expected)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    out = parser.parse_args(argv).out
    started = time.perf_counter()
    unit_lists()
    load_seconds = time.perf_counter() - started
    cells: dict[tuple[str, str], list[dict[str, bool]]] = defaultdict(list)
    for case in matrix():
        document = process_file(build(case, out / case.name)).document
        cells[case.producer, f"{case.offset:+g}" if not case.producer.startswith("docx") else "-"].append(
            _right(case, document))
    print("| producer | offset (pt) | cases | " + " | ".join(FIELDS) + " | all right |")
    print("|---|---|---|" + "---|" * (len(FIELDS) + 1))
    worst = (2.0, "")
    for (producer, offset), results in sorted(cells.items()):
        shares = [sum(r[f] for r in results) / len(results) for f in FIELDS]
        whole = sum(all(r.values()) for r in results) / len(results)
        worst = min(worst, (whole, f"{producer} {offset}"))
        print(f"| {producer} | {offset} | {len(results)} | " + " | ".join(f"{s:.0%}" for s in shares) + f" | {whole:.0%} |")
    total = [r for results in cells.values() for r in results]
    print(f"\n{sum(all(r.values()) for r in total)}/{len(total)} cases all right; worst cell {worst[1]}: {worst[0]:.0%}")
    lookups = 2000
    started = time.perf_counter()
    for _ in range(lookups // 2):
        locate("UBND HUYỆN TUẦN GIÁO", None, date(2021, 12, 9))
        locate("ỦY BAN NHÂN DÂN XÃ QUẢNG THÀNH", "Thừa Thiên Huế", date(2021, 12, 9))
    per_lookup = (time.perf_counter() - started) / lookups
    print(f"unit lists loaded in {load_seconds:.2f} s (once per process); locate: {per_lookup * 1e6:.0f} µs per document")


if __name__ == "__main__":
    main()
