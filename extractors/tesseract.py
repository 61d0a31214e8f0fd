"""Tesseract through pytesseract, one single-threaded process per core.

Tesseract's own OpenMP threads make a page *slower* on a small machine (13.1 s with its
default threads against 2.7 s single-threaded, measured here), so every call runs with
OMP_THREAD_LIMIT=1 and images are spread over a thread pool, one tesseract per core.
"""
from __future__ import annotations

import os
import tempfile
import unicodedata
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytesseract
from PIL import Image

LANG = "vie"


@dataclass(frozen=True)
class OcrWord:
    """One word tesseract read, with its box in the image's pixels and a 0–1 confidence."""

    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float
    line: tuple[int, int, int]  # (block, paragraph, line) as tesseract numbered them


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def ocr_words(image: Image.Image, psm: int = 6, config: str = "") -> list[OcrWord]:
    """Words with boxes and confidences from one image (tesseract `vie`, single thread).

    The image goes to tesseract as uncompressed PNM: pytesseract's default PNG costs
    a quarter of the OCR time on a noisy scan, only to compress pixels read once.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    with tempfile.NamedTemporaryFile(prefix="cchc_ocr_", suffix=".pnm") as fh:
        image.save(fh, format="PPM")
        fh.flush()
        data = pytesseract.image_to_data(fh.name, lang=LANG, config=f"--psm {psm} {config}".strip(), output_type=pytesseract.Output.DICT)
    out = []
    for i, text in enumerate(data["text"]):
        if text and text.strip():
            out.append(
                OcrWord(
                    text=text.strip(),
                    left=data["left"][i],
                    top=data["top"][i],
                    width=data["width"][i],
                    height=data["height"][i],
                    confidence=max(float(data["conf"][i]), 0.0) / 100,
                    line=(data["block_num"][i], data["par_num"][i], data["line_num"][i]),
                )
            )
    return out


def ocr_many(images: list[Image.Image], psm: int = 6) -> list[list[OcrWord]]:
    """`ocr_words` for each image, as many tesseract processes at once as there are cores."""
    if len(images) <= 1:
        return [ocr_words(im, psm) for im in images]
    with ThreadPoolExecutor(max_workers=min(cores(), len(images))) as pool:
        return list(pool.map(lambda im: ocr_words(im, psm), images))


def mosaic(crops: list[Image.Image], gap: int) -> tuple[Image.Image, list[tuple[int, int]]]:
    """Crops stacked one per line on white, and each line's vertical extent.

    One tesseract run over many small crops costs one process start and one model load,
    instead of one per crop.
    """
    width = max(c.width for c in crops) + 2 * gap
    height = sum(c.height + gap for c in crops) + gap
    sheet = Image.new("L", (width, height), 255)
    spans, y = [], gap
    for c in crops:
        sheet.paste(c, (gap, y))
        spans.append((y, y + c.height))
        y += c.height + gap
    return sheet, spans


def mosaic_words(words: list[OcrWord], spans: list[tuple[int, int]], slack: float) -> list[list[OcrWord]]:
    """The words of each crop in a mosaic, by where their middles sit."""
    found: dict[int, list[OcrWord]] = defaultdict(list)
    for w in words:
        middle = w.top + w.height / 2
        for i, (a, b) in enumerate(spans):
            if a - slack <= middle <= b + slack:
                found[i].append(w)
                break
    return [found.get(i, []) for i in range(len(spans))]


def mosaic_lines(words: list[OcrWord], spans: list[tuple[int, int]], slack: float) -> list[tuple[str, float]]:
    """The OCR text and lowest confidence of each one-line crop in a mosaic."""
    out = []
    for found in mosaic_words(words, spans, slack):
        ws = sorted(found, key=lambda w: w.left)
        text = unicodedata.normalize("NFC", " ".join(w.text for w in ws))
        out.append((text, min((w.confidence for w in ws), default=0.0)))
    return out
