"""Font repair over the broken-font matrix, against full-page OCR, and what clean PDFs pay for it.

The matrix is `tests/fixtures/font_matrix.py`: producers × fonts × damage, each damaged
file beside its undamaged twin (which renders pixel for pixel alike, checked here for
every cell).  For each cell:

- CER: the pipeline's page text against the twin's (whitespace collapsed);
- value accuracy: the share of the twin's indicator rows that come back with the same
  code, value and kind, in order (1.000 = the indicators are the twin's);
- U+FFFD left on pages read from the text layer, and how the pages were read
  (f = font_repair, o = ocr, t = text layer);
- repair s/page: wall time of the whole pipeline (`process_file`) on the damaged file,
  with the shape voter's per-process caches emptied first, as in a fresh child process,
  and its CPU time (tesseract's included, when it runs).

Per twin, page OCR timed and scored the same way: the whole pipeline on the twin's
`entries_removed` file with both voters silenced, so that every page holding a suspect glyph
takes the page-OCR fallback (what the pipeline does with a font it cannot repair); and plain
tesseract (`vie`, 300 DPI, one single-threaded process per core: the usual workaround, for
reference).  The damage does not change a pixel, so OCR reads every damaged file of a twin
alike.  `OCR ÷ repair` is the fallback's time over the repair's, in wall
time (OCR on all cores, the pipeline on one) and in CPU time (what a batch that keeps every
core busy pays, and what a loaded machine still measures fairly).

`--hold-out` repeats the cells with the shape voter barred from the document's own font
family, as for a document set in a font the machine does not have: the OCR vote then does
the work the exact shape match does otherwise.

`--clean` times `process_file` on the real born-digital PDFs (../shared/real/r01, r02, and
r03 in legacy fonts) with the font audit and without it (pdfminer's own resource manager),
alternating, best of `--repeat` runs, wall and CPU: what detection adds to a clean file's
convert time.

Run from the repo root:  python -m benchmarks.font_repair [--out DIR] [--only SUBSTRING ...] [--hold-out] [--clean]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pypdfium2 as pdfium
import pytesseract
from pdfminer.pdfinterp import PDFResourceManager

from extractors import glyph_reference
from extractors.glyph_audit import GlyphAudit
from extractors.tesseract import LANG, cores
from pipeline.convert.process import process_file
from tests.fixtures import font_matrix as fm
from tests.fixtures.metrics import cer

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out"
REAL = HERE.parent.parent / "shared" / "real"
CLEAN_REAL = ("r01_nd175_2024_ND-CP_xaydung.pdf", "r02_anle55_2022_AL.pdf", "r03_dethi_ktmt_vntime.pdf")
OCR_DPI = 300
KEYS = ("code", "value", "value_kind")
MAX_CER = 0.005


def _text(result) -> str:
    return "\n".join(row["text"] for row in result.text)


def value_accuracy(reference: list[dict], rows: list[dict]) -> float:
    """Share of the reference's rows reproduced with the same code, value and kind, in order."""
    want = [tuple(r[k] for k in KEYS) for r in reference]
    got = [tuple(r[k] for k in KEYS) for r in rows]
    return sum(a == b for a, b in zip(want, got)) / len(want) if want else 1.0


def full_page_ocr(path: Path) -> str:
    """Every page rendered and OCR'd, pages spread over the cores, tesseract single-threaded."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    pdf = pdfium.PdfDocument(str(path))
    try:
        images = [page.render(scale=OCR_DPI / 72, grayscale=True).to_pil() for page in pdf]
    finally:
        pdf.close()
    with ThreadPoolExecutor(max_workers=cores()) as pool:
        return "\n".join(pool.map(lambda im: pytesseract.image_to_string(im, lang=LANG), images))


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (tesseract)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _fresh_caches() -> None:
    """What a new child process would have to read again: the installed faces and their letters."""
    for cached in (glyph_reference.machine_faces, glyph_reference.vietnamese, glyph_reference.reference,
                   glyph_reference.references, glyph_reference._reference_font):
        cached.cache_clear()


@contextmanager
def _hold_out(family: str):
    """The shape voter without the document's own font family among the installed faces."""
    squashed = glyph_reference.squash(family)
    every = glyph_reference.machine_faces
    others = tuple(f for f in every() if not f.family.startswith(squashed[:8]))
    glyph_reference.machine_faces = lambda: others
    try:
        yield
    finally:
        glyph_reference.machine_faces = every


@contextmanager
def _voters_silenced():
    """Neither voter decides a glyph: every page holding a suspect glyph goes to page OCR, the
    pipeline's fallback for a font it cannot repair."""
    import extractors.glyph_repair as glyph_repair

    rebuild, vote = glyph_repair.rebuild_maps, glyph_repair.vote
    glyph_repair.rebuild_maps, glyph_repair.vote = (lambda *args, **kwargs: {}), (lambda *args, **kwargs: [])
    try:
        yield
    finally:
        glyph_repair.rebuild_maps, glyph_repair.vote = rebuild, vote


def _timed(read, *args) -> tuple[object, float, float]:
    started, cpu = time.perf_counter(), _cpu()
    out = read(*args)
    return out, time.perf_counter() - started, _cpu() - cpu


def bench_twin(producer: str, font: str, outdir: Path) -> dict:
    """The twin read by the pipeline; its damaged file read through page OCR (the fallback); and
    plain tesseract on its pages."""
    twin = fm.build_twin(producer, font, outdir)
    clean, seconds, _ = _timed(process_file, twin)
    pages = len(clean.text)
    out = {"producer": producer, "font": font, "pages": pages, "clean_s_per_page": round(seconds / pages, 3), "_clean": clean}
    _, damaged = fm.build_cell(fm.Cell(producer, font, "entries_removed"), outdir)
    with _voters_silenced():
        fallback, seconds, cpu = _timed(process_file, damaged)
    out.update({"ocr_s_per_page": round(seconds / pages, 3), "ocr_cpu_per_page": round(cpu / pages, 3),
                "ocr_cer": round(cer(_text(fallback), _text(clean)), 5),
                "ocr_value_accuracy": round(value_accuracy(clean.indicators, fallback.indicators), 4),
                "ocr_pages": sum(r["method"] == "ocr" for r in fallback.text)})
    text, seconds, cpu = _timed(full_page_ocr, twin)
    out.update({"tesseract_s_per_page": round(seconds / pages, 3), "tesseract_cpu_per_page": round(cpu / pages, 3),
                "tesseract_cer": round(cer(text, _text(clean)), 5)})
    return out


def bench_cell(cell: fm.Cell, twin: dict, outdir: Path, hold_out: bool) -> dict:
    clean_path, damaged = fm.build_cell(cell, outdir)
    clean = twin["_clean"]
    _fresh_caches()
    started, cpu = time.perf_counter(), _cpu()
    if hold_out:
        with _hold_out(fm.FONTS[cell.font].key):
            result = process_file(damaged)
    else:
        result = process_file(damaged)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    text = _text(result)
    legible = "".join(r["text"] for r in result.text if r["method"] != "ocr")
    pages = max(len(result.text), 1)
    repair, repair_cpu = seconds / pages, cpu / pages
    return {
        "cell": cell.name, "producer": cell.producer, "font": cell.font, "damage": cell.damage,
        "identical_render": fm.renders_identically(clean_path, damaged),
        "cer": round(cer(text, _text(clean)), 5),
        "value_accuracy": round(value_accuracy(clean.indicators, result.indicators), 4),
        "indicators_equal": [tuple(r[k] for k in KEYS) for r in result.indicators] == [tuple(r[k] for k in KEYS) for r in clean.indicators],
        "fffd": legible.count("\ufffd"),
        "methods": "".join(r["method"][0] for r in result.text),
        "repair_s_per_page": round(repair, 3),
        "repair_cpu_per_page": round(repair_cpu, 3),
        "ocr_over_repair": round(twin["ocr_s_per_page"] / repair, 1) if repair else None,
        "ocr_over_repair_cpu": round(twin["ocr_cpu_per_page"] / repair_cpu, 1) if repair_cpu else None,
    }


def matrix_table(cells: list[dict]) -> str:
    """Rows producer × font, a column per damage: CER / value accuracy / repair s/page (full-page OCR
    ÷ repair, in wall time and in CPU time)."""
    lines = ["| producer | font | " + " | ".join(fm.DAMAGES) + " |", "|---|---|" + "---|" * len(fm.DAMAGES)]
    rows: dict[tuple[str, str], dict[str, dict]] = {}
    for c in cells:
        rows.setdefault((c["producer"], c["font"]), {})[c["damage"]] = c
    for (producer, font), by_damage in rows.items():
        entries = []
        for damage in fm.DAMAGES:
            c = by_damage.get(damage)
            if c is None:
                entries.append("-")
                continue
            bad = c["cer"] > MAX_CER or not c["indicators_equal"] or c["fffd"] or not c["identical_render"]
            entry = (f"{c['cer']:.4f} / {c['value_accuracy']:.3f} / {c['repair_s_per_page']:.2f} s "
                     f"({c['ocr_over_repair']}×, CPU {c['ocr_over_repair_cpu']}×)")
            if "o" in c["methods"]:
                entry += f" ocr {c['methods'].count('o')}/{len(c['methods'])}"
            entries.append(f"**{entry}**" if bad else entry)
        lines.append(f"| {producer} | {font} | " + " | ".join(entries) + " |")
    return "\n".join(lines)


def twins_table(twins: list[dict]) -> str:
    lines = ["| producer | font | pages | clean s/page | page OCR fallback s/page (CPU) | its pages OCR'd | its CER | its value accuracy "
             "| plain tesseract s/page (CPU) | its CER |", "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {t['producer']} | {t['font']} | {t['pages']} | {t['clean_s_per_page']:.2f} | {t['ocr_s_per_page']:.2f} "
              f"({t['ocr_cpu_per_page']:.2f}) | {t['ocr_pages']} | {t['ocr_cer']:.4f} | {t['ocr_value_accuracy']:.3f} | "
              f"{t['tesseract_s_per_page']:.2f} ({t['tesseract_cpu_per_page']:.2f}) | {t['tesseract_cer']:.4f} |" for t in twins]
    return "\n".join(lines)


def worst(cells: list[dict]) -> str:
    if not cells:
        return "no cells"
    by_cer = max(cells, key=lambda c: c["cer"])
    by_value = min(cells, key=lambda c: c["value_accuracy"])
    by_speed = min(cells, key=lambda c: c["ocr_over_repair"] or 0)
    by_cpu = min(cells, key=lambda c: c["ocr_over_repair_cpu"] or 0)
    return (f"worst CER {by_cer['cer']:.4f} ({by_cer['cell']}); worst value accuracy {by_value['value_accuracy']:.3f} "
            f"({by_value['cell']}); slowest repair {by_speed['repair_s_per_page']:.2f} s/page = OCR ÷ {by_speed['ocr_over_repair']} "
            f"({by_speed['cell']}); least CPU gain OCR ÷ {by_cpu['ocr_over_repair_cpu']} ({by_cpu['cell']});"
            f" cells with U+FFFD: {sum(c['fffd'] > 0 for c in cells)}; "
            f"not pixel-identical: {sum(not c['identical_render'] for c in cells)}; "
            f"cells read partly by OCR: {sum('o' in c['methods'] for c in cells)} of {len(cells)}")


class _PlainAudit(PDFResourceManager):
    """pdfminer's own resource manager: the pipeline as it was before fonts were audited."""

    def __init__(self, _audit) -> None:
        super().__init__(caching=True)


@contextmanager
def _without_audit():
    """No font watched and no character looked at: the pipeline before this detection."""
    import extractors.pdf as pdf_module

    audited, restore = pdf_module.AuditingResourceManager, GlyphAudit.restore
    pdf_module.AuditingResourceManager, GlyphAudit.restore = _PlainAudit, lambda self, chars, page: []
    try:
        yield
    finally:
        pdf_module.AuditingResourceManager, GlyphAudit.restore = audited, restore


def clean_overhead(repeat: int) -> list[dict]:
    out = []
    for name in CLEAN_REAL:
        path = REAL / name
        if not path.exists():
            continue
        times: dict[str, list[float]] = {"audit": [], "plain": []}
        cpus: dict[str, list[float]] = {"audit": [], "plain": []}
        for _ in range(repeat):
            for mode in ("plain", "audit"):
                with _without_audit() if mode == "plain" else nullcontext():
                    result, seconds, cpu = _timed(process_file, path)
                times[mode].append(seconds)
                cpus[mode].append(cpu)
        best = {mode: min(ts) for mode, ts in times.items()}
        cpu = {mode: min(ts) for mode, ts in cpus.items()}
        out.append({"file": name, "pages": len(result.text), "plain_s": round(best["plain"], 2), "audit_s": round(best["audit"], 2),
                    "median_plain_s": round(statistics.median(times["plain"]), 2),
                    "median_audit_s": round(statistics.median(times["audit"]), 2),
                    "added": round(best["audit"] / best["plain"] - 1, 4),
                    "plain_cpu_s": round(cpu["plain"], 2), "audit_cpu_s": round(cpu["audit"], 2),
                    "added_cpu": round(cpu["audit"] / cpu["plain"] - 1, 4)})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.font_repair", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixtures and font_repair.json go here")
    parser.add_argument("--only", nargs="*", default=[], help="cells whose name holds one of these")
    parser.add_argument("--hold-out", action="store_true", help="also run every cell with its font family hidden from the shape voter")
    parser.add_argument("--clean", action="store_true", help="time clean real PDFs with and without the font audit")
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode for --clean")
    args = parser.parse_args(argv)
    outdir = args.out / "font_matrix"
    report: dict[str, object] = {"cores": cores()}
    producers = tuple(p for p in fm.PRODUCERS if fm.available(p))
    cells = [c for c in fm.matrix(producers) if not args.only or any(s in c.name for s in args.only)]
    twins = {}
    for cell in cells:
        if (cell.producer, cell.font) not in twins:
            twins[(cell.producer, cell.font)] = bench_twin(cell.producer, cell.font, outdir)
    modes = [False, True] if args.hold_out else [False]
    for hold_out in modes:
        results = [bench_cell(cell, twins[(cell.producer, cell.font)], outdir, hold_out) for cell in cells]
        title = "shape voter without the document's font family" if hold_out else "installed fonts"
        print(f"\nFont repair matrix, {title} ({cores()} cores): CER / value accuracy / repair s/page "
              "(page OCR ÷ repair, wall and CPU)")
        print(matrix_table(results))
        print(worst(results))
        report["hold_out" if hold_out else "matrix"] = results
    print("\nTwins: the clean pipeline, page OCR, plain tesseract")
    print(twins_table(list(twins.values())))
    report["twins"] = [{k: v for k, v in t.items() if not k.startswith("_")} for t in twins.values()]
    if missing := [p for p in fm.PRODUCERS if p not in producers]:
        print(f"\nnot run here (not installed): {', '.join(missing)}")
    if args.clean:
        overhead = clean_overhead(args.repeat)
        print("\nClean real PDFs, process_file with and without the font audit (best of", args.repeat, "each)")
        for row in overhead:
            print(f"{row['file']}: {row['pages']} pages, plain {row['plain_s']} s, audited {row['audit_s']} s, added {row['added']:+.1%}; "
                  f"CPU plain {row['plain_cpu_s']} s, audited {row['audit_cpu_s']} s, added {row['added_cpu']:+.1%}")
        report["clean"] = overhead
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / "font_repair.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
