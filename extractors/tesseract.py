"""Tesseract through pytesseract, one single-threaded process per core.

Tesseract's own OpenMP threads make a page *slower* on a small machine (13.1 s with its
default threads against 2.7 s single-threaded, measured here), so every call runs with
OMP_THREAD_LIMIT=1 and images are spread over a thread pool, one tesseract per core.
"""
from __future__ import annotations

import os
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


def ocr_words(image: Image.Image, psm: int = 6) -> list[OcrWord]:
    """Words with boxes and confidences from one image (tesseract `vie`, single thread)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"
    data = pytesseract.image_to_data(image, lang=LANG, config=f"--psm {psm}", output_type=pytesseract.Output.DICT)
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
