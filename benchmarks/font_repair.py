"""Font repair against the plain alternatives on PDFs whose fonts lost their ToUnicode map.

For each damaged fixture (tests/fixtures/broken_fonts.py) three readings of the same
pages, each timed and scored by character error rate against the true text:

- pdfplumber alone: the broken text layer, "(cid:N)" and all;
- full-page OCR: every page rendered at 300 DPI and read by tesseract `vie`, one
  single-threaded process per core (the usual workaround);
- the pipeline's PDF extractor: text layer plus the glyph maps rebuilt by OCR of a few
  words per glyph (`extractors.font_repair`).

Run from the repo root:  python -m benchmarks.font_repair [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytesseract

from extractors.pdf import extract_pdf
from extractors.tesseract import LANG, cores
from tests.fixtures import broken_fonts
from tests.fixtures.metrics import cer

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out"
OCR_DPI = 300
# damaged fixture → the fixture whose clean text layer is its truth
FIXTURES = {
    "narrative_glyphloss.pdf": "narrative_clean.pdf",
    "narrative_no_tounicode.pdf": "narrative_clean.pdf",
    "table_glyphloss.pdf": "table_clean.pdf",
}


def plain_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


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


def repaired_text(path: Path) -> str:
    return "\n".join(p.text for p in extract_pdf(path).pages)


READERS: dict[str, Callable[[Path], str]] = {
    "pdfplumber": plain_text,
    "full_page_ocr": full_page_ocr,
    "font_repair": repaired_text,
}


def bench(path: Path, truth: str) -> dict[str, object]:
    with pdfplumber.open(path) as pdf:
        pages = len(pdf.pages)
    out: dict[str, object] = {"fixture": path.name, "pages": pages}
    for name, read in READERS.items():
        started = time.perf_counter()
        text = read(path)
        seconds = time.perf_counter() - started
        out[name] = {"seconds": round(seconds, 2), "seconds_per_page": round(seconds / pages, 3), "cer": round(cer(text, truth), 5)}
    out["font_repair/full_page_ocr"] = round(out["font_repair"]["seconds"] / out["full_page_ocr"]["seconds"], 3)
    return out


def table(results: list[dict[str, object]]) -> str:
    lines = ["| fixture | pages | reader | s/page | CER |", "|---|---|---|---|---|"]
    for r in results:
        for name in READERS:
            m = r[name]
            lines.append(f"| {r['fixture']} | {r['pages']} | {name} | {m['seconds_per_page']:.3f} | {m['cer']:.4f} |")
        lines.append(f"| {r['fixture']} | | font_repair / full_page_ocr time | {r['font_repair/full_page_ocr']:.2f} | |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.font_repair", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixtures and font_repair.json go here")
    args = parser.parse_args(argv)
    built = broken_fonts.build_all(args.out / "broken_fonts")
    results = [bench(built[name], plain_text(built[truth])) for name, truth in FIXTURES.items()]
    print(f"Font repair vs plain text layer and full-page OCR ({cores()} cores)\n{table(results)}")
    out = args.out / "font_repair.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
