"""Fuzz: at least a thousand damaged copies per format through the real `cchc convert`, judged
mutant by mutant.

    .venv/bin/python -m benchmarks.fuzz [--per-format 1000] [--out DIR] [--workers 2]
                                        [--time-limit 300] [--memory-limit 2048] [--only pdf|docx]

The mutants come from `tests.fixtures.mutants` (byte damage and structure-aware damage, the
kinds in turn, seed 0) of three PDF and three DOCX fixtures; each format is one batch in a
fresh `cchc convert` process, the files run in parallel guarded children as always.  Every
mutant is judged by `tests.fixtures.fuzz_check` against its original's figures; the counts
by outcome class and by kind are printed and written to OUT/results.json, with every broken
rule listed.  The batch itself must exit 0 or 1 and print no traceback.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd

from pipeline.convert.process import process_file
from tests.fixtures.build import build_all
from tests.fixtures.fuzz_check import CONVERTED, CRASHED, FAILED, REPAIRED, Values, judge, read_outputs, values
from tests.fixtures.mutants import mutants

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SOURCES = {
    "pdf": ("phuluc1_000.pdf", "appendix_001.pdf", "dossier_000_bad_total.pdf"),
    "docx": ("phuluc1_000.docx", "appendix_001.docx", "phuluc1_000_tcvn3.docx"),
}
OUTCOMES = (CONVERTED, REPAIRED, FAILED, CRASHED)


def source_files(folder: Path) -> dict[str, Path]:
    """The fixtures mutated: the samples in data/raw, and appendix_001.pdf built from its seed."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {"appendix_001.pdf": build_all(folder, ["appendix_001.pdf"])["appendix_001.pdf"]}
    for name in (n for names in SOURCES.values() for n in names if n not in out):
        out[name] = Path(shutil.copy(RAW / name, folder / name))
    return out


def original_values(path: Path) -> Values:
    result = process_file(path)
    if not result.ok:
        raise SystemExit(f"{path.name} itself failed: {result.document['error']}")
    return values(pd.DataFrame(result.indicators), pd.DataFrame(result.dossiers))


def write_mutants(sources: list[Path], per_format: int, folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Mutants of `sources` into `folder`: {mutant name: source name}, {mutant name: kind}."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    each = -(-per_format // len(sources))
    source_of, kind_of = {}, {}
    for source in sources:
        for m in mutants(source, each):
            (folder / m.name).write_bytes(m.data)
            source_of[m.name], kind_of[m.name] = source.name, m.kind
    return source_of, kind_of


def convert(folder: Path, out: Path, args: argparse.Namespace) -> tuple[int, float, str]:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "convert", str(folder), "--out", str(out),
                           "--workers", str(args.workers), "--time-limit", str(args.time_limit),
                           "--memory-limit", str(args.memory_limit)], capture_output=True, text=True, check=False)
    return proc.returncode, time.perf_counter() - started, proc.stderr + proc.stdout


def run_format(kind: str, files: dict[str, Path], args: argparse.Namespace) -> dict[str, object]:
    sources = [files[n] for n in SOURCES[kind]]
    originals = {p.name: original_values(p) for p in sources}
    source_of, kind_of = write_mutants(sources, args.per_format, args.out / kind / "mutants")
    code, seconds, printed = convert(args.out / kind / "mutants", args.out / kind / "clean", args)
    verdicts = judge(read_outputs(args.out / kind / "clean"), originals, source_of, args.time_limit)
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for v in verdicts:
        by_kind[kind_of[v.name]][v.outcome] += 1
    limits = [v.name for v in verdicts if v.reason and ("--time-limit" in v.reason or "--memory-limit" in v.reason)]
    return {
        "format": kind, "mutants": len(verdicts), "exit_code": code, "seconds": round(seconds, 1),
        "traceback": "Traceback" in printed,
        "outcomes": dict(Counter(v.outcome for v in verdicts)),
        "by_kind": {k: dict(c) for k, c in sorted(by_kind.items())},
        "flagged_documents": sum(v.flagged_rows > 0 for v in verdicts if v.outcome in (CONVERTED, REPAIRED)),
        "hit_a_limit": limits,
        "slowest": sorted(((v.seconds, v.name) for v in verdicts), reverse=True)[:5],
        "reasons": dict(Counter(_reason_kind(v.reason) for v in verdicts if v.outcome == FAILED).most_common()),
        "problems": {v.name: v.problems for v in verdicts if v.problems},
    }


def _reason_kind(reason: str | None) -> str:
    """A reason with its particulars (page numbers, part names, offsets) blurred, for counting."""
    return re.sub(r"\d+", "N", re.sub(r"(word|customXml|docProps)/\S+|\[Content_Types\]\.xml|_rels/\.rels", "PART", reason or ""))


def print_report(result: dict[str, object]) -> None:
    outcomes = result["outcomes"]
    print(f"\n{result['format'].upper()}: {result['mutants']} mutants in {result['seconds']} s, exit code "
          f"{result['exit_code']}, traceback printed: {result['traceback']}")
    print("  " + ", ".join(f"{o}: {outcomes.get(o, 0)}" for o in OUTCOMES)
          + f"; converted with rows flagged damaged_page: {result['flagged_documents']}; hit a limit: {len(result['hit_a_limit'])}")
    width = max(len(k) for k in result["by_kind"])
    print(f"  {'kind':{width}}  " + "  ".join(f"{o:>22}" for o in OUTCOMES))
    for k, counts in result["by_kind"].items():
        print(f"  {k:{width}}  " + "  ".join(f"{counts.get(o, 0):>22}" for o in OUTCOMES))
    print("  reasons given:")
    for reason, n in result["reasons"].items():
        print(f"    {n:5}  {reason}")
    print("  slowest:", ", ".join(f"{name} {s:.1f} s" for s, name in result["slowest"]))
    for name, problems in list(result["problems"].items())[:30]:
        print(f"  CRASH {name}: {'; '.join(problems)[:300]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-format", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/fuzz"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--memory-limit", type=int, default=2048)
    parser.add_argument("--only", choices=tuple(SOURCES), default=None)
    args = parser.parse_args(argv)
    files = source_files(args.out / "sources")
    results = [run_format(kind, files, args) for kind in ([args.only] if args.only else SOURCES)]
    for result in results:
        print_report(result)
    (args.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    return 1 if any(r["problems"] or r["traceback"] or r["exit_code"] not in (0, 1) for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
