"""What a nightly re-run costs: `cchc ingest` on an unchanged folder of ≥ 500 files, as a
share of the first run over the same folder.

    .venv/bin/python -m benchmarks.ingest [--files 500] [--out DIR]

The folder is made of copies of the born-digital samples in `data/raw/` (scans left out, so
the first run is as cheap as it gets and the ratio as unflattering). Each copy gets a
comment appended, so every file has its own hash and its own rows. Every run is the real
command in a fresh process, start-up included. Runs measured:

- first: every file extracted;
- unchanged: nothing new (size and mtime match the ledger, nothing is read);
- rehash: nothing new, but `--rehash` reads and hashes every file;
- one changed: one file's bytes differ, so one file is extracted and a generation published;
- convert: `cchc convert` on the same folder, for what the ledger, part files and fsyncs
  add to a first run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SAMPLES = ("phuluc1_000.pdf", "appendix_001.docx", "phuluc1_000.docx", "dossier_000_bad_total.pdf",
           "phuluc1_000_tcvn3.docx")


def build_folder(folder: Path, files: int) -> None:
    """`files` distinct reports: sample bytes plus a trailing comment (ignored by PDF and zip readers)."""
    shutil.rmtree(folder, ignore_errors=True)
    for i in range(files):
        sample = RAW / SAMPLES[i % len(SAMPLES)]
        target = folder / f"{i // 100:02d}" / f"{i:04d}_{sample.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        trailer = f"\n% copy {i}\n".encode() if sample.suffix == ".pdf" else b""
        data = sample.read_bytes() + trailer
        if sample.suffix == ".docx":
            data = zip_with_comment(data, f"copy {i}".encode())
        target.write_bytes(data)


def zip_with_comment(data: bytes, comment: bytes) -> bytes:
    """A zip's archive comment sits at its very end, after a 2-byte length: set it."""
    end = data.rfind(b"PK\x05\x06")
    return data[: end + 20] + len(comment).to_bytes(2, "little") + comment


def timed(args: list[str], command: str = "ingest") -> tuple[float, dict]:
    started = time.perf_counter()
    log = ["--log-json"] if command == "ingest" else []
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", command, *args, *log],
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if command == "convert":
        return seconds, {"processed": len(list(Path(args[0]).rglob("*.*")))}
    end = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")][-1]
    if end.get("event") != "end":
        raise RuntimeError(proc.stderr[-2000:])
    return seconds, end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/ingest"))
    args = parser.parse_args()
    folder, out = args.out / "in", args.out / "clean"
    build_folder(folder, args.files)
    shutil.rmtree(out, ignore_errors=True)
    common = [str(folder), "--out", str(out)]
    results = {}
    results["first"] = timed(common)
    results["unchanged"] = timed(common)
    results["rehash"] = timed([*common, "--rehash"])
    changed = next(folder.rglob("0000_*"))
    changed.write_bytes(changed.read_bytes() + b"\n% changed\n")
    results["one changed"] = timed(common)
    results["convert"] = timed([str(folder), "--out", str(args.out / "convert")], "convert")
    first = results["first"][0]
    print(f"{args.files} files; ratios are of the first run's wall time\n")
    print("| run | processed | wall s | ratio |\n|---|---|---|---|")
    for name, (seconds, end) in results.items():
        print(f"| {name} | {end['processed']} | {seconds:.2f} | {seconds / first:.2%} |")
    (args.out / "results.json").write_text(json.dumps(
        {name: {"seconds": round(s, 3), **end} for name, (s, end) in results.items()}, indent=1))


if __name__ == "__main__":
    main()
