"""A batch of a thousand documents through `cchc convert` and `cchc ingest`.

    .venv/bin/python -m benchmarks.scale [--sizes 100 1000] [--out DIR]

The folder mixes what a drop folder holds: born-digital PDFs (appendices, a 19-page criteria
plan, a dossier table, a PDF with broken fonts), Word files (one in TCVN3), 10% scans, and
1% broken files (empty, truncated, an HTML page saved as .pdf). Copies of the samples in
`data/raw/`, each made distinct (a trailing PDF comment, a zip comment), so every file has
its own hash and rows. Each size is measured on a fresh folder, every run being the real
command in a fresh process:

- pages/s of `convert` and of a first `ingest`;
- peak resident memory of the parent (the `cchc` process) and of the largest document child
  with its tesseract processes, sampled every 0.2 s: both must stay flat from the smallest
  size to the largest;
- an `ingest` re-run on the unchanged folder, as a share of the first run (target ≤ 2%).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

from benchmarks.ingest import zip_with_comment

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
BORN_DIGITAL = ("phuluc1_000.pdf", "appendices_000.pdf", "criteria_003.pdf", "dossier_000_bad_total.pdf",
                "table_glyphloss.pdf", "appendix_001.docx", "phuluc1_000.docx", "phuluc1_000_tcvn3.docx")
SCAN = "phuluc1_000_200dpi_bilevel_signed.pdf"


def build_folder(folder: Path, files: int) -> None:
    """`files` distinct documents: every 10th a scan, every 100th broken, the rest born-digital."""
    shutil.rmtree(folder, ignore_errors=True)
    broken = [b"", (RAW / "phuluc1_000.pdf").read_bytes()[:5000], b"<!DOCTYPE html><html><body>404</body></html>"]
    for i in range(files):
        if i % 100 == 99:
            name, data = f"broken_{i}.pdf", broken[(i // 100) % len(broken)]
        else:
            sample = SCAN if i % 10 == 5 else BORN_DIGITAL[i % len(BORN_DIGITAL)]
            data = (RAW / sample).read_bytes()
            data = zip_with_comment(data, f"copy {i}".encode()) if sample.endswith(".docx") else \
                data + f"\n% copy {i}\n".encode()
            name = f"{i:04d}_{sample}"
        target = folder / f"{i // 100:02d}" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


class PeakMemory:
    """Peak RSS of a process and of its largest child tree (a document child and its tesseracts)."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.parent_mb = self.child_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            try:
                self.parent_mb = max(self.parent_mb, self.process.memory_info().rss / 2**20)
                for child in self.process.children():
                    tree = [child, *child.children(recursive=True)]
                    self.child_mb = max(self.child_mb, sum(_rss(p) for p in tree) / 2**20)
            except psutil.Error:
                continue

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _rss(p: psutil.Process) -> int:
    try:
        return p.memory_info().rss
    except psutil.Error:
        return 0


def run(command: str, folder: Path, out: Path) -> dict[str, float]:
    args = [sys.executable, "-m", "pipeline.cli", command, str(folder), "--out", str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen([*args, *(["--log-json"] if command == "ingest" else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(proc.pid)
    _, stderr = proc.communicate()
    memory.stop()
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise RuntimeError(stderr[-2000:])
    docs = pd.read_parquet(out / "current" / "documents" if command == "ingest" else out / "documents.parquet")
    return {"seconds": round(seconds, 2), "documents": len(docs), "failed": int((docs.status != "ok").sum()),
            "pages": int(docs.pages.fillna(0).sum()), "pages_per_s": round(docs.pages.fillna(0).sum() / seconds, 2),
            "parent_mb": round(memory.parent_mb, 1), "child_mb": round(memory.child_mb, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/scale"))
    args = parser.parse_args()
    results = {}
    for size in args.sizes:
        base = args.out / str(size)
        shutil.rmtree(base, ignore_errors=True)
        build_folder(base / "in", size)
        results[size] = {
            "convert": run("convert", base / "in", base / "convert"),
            "ingest": run("ingest", base / "in", base / "ingest"),
            "ingest again": run("ingest", base / "in", base / "ingest"),
        }
        shutil.rmtree(base / "in")
    print("| documents | run | wall s | pages | pages/s | failed | parent peak MB | document peak MB | share of first ingest |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size, runs in results.items():
        first = runs["ingest"]["seconds"]
        for name, r in runs.items():
            share = f"{r['seconds'] / first:.1%}" if name.startswith("ingest") else ""
            print(f"| {size} | {name} | {r['seconds']:.1f} | {r['pages']} | {r['pages_per_s']:.1f} | {r['failed']} | "
                  f"{r['parent_mb']:.0f} | {r['child_mb']:.0f} | {share} |")
    (args.out / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
