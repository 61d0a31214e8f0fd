"""PDF text drawn in legacy 8-bit Vietnamese fonts (TCVN3 .VnTime, VNI-Times), decoded per glyph.

Such PDFs map every glyph to a Latin-1 character ("C¶i c¸ch"), so the text layer is
complete but wrong.  The font name says which encoding it is; for fonts whose name says
nothing, each font's text on the page is tried against every legacy encoding and decoded
only when that reads clearly better.  Decoding is done on pdfplumber's char objects,
before words, lines and table cells are built from them, so everything downstream sees
Unicode.
"""
from __future__ import annotations

from collections import defaultdict

from core import legacy


def _font_label(font: str) -> str:
    return font.split("+", 1)[-1]


def choose_encodings(chars: list[dict]) -> dict[str, str]:
    """Font name → legacy encoding, for the fonts on a page whose text needs decoding."""
    texts: dict[str, list[str]] = defaultdict(list)
    for ch in chars:
        texts[ch.get("fontname", "")].append(ch["text"])
    chosen = {font: legacy.choose_encoding(_font_label(font), "".join(pieces)) for font, pieces in texts.items()}
    return {font: encoding for font, encoding in chosen.items() if encoding}


def decode_legacy_chars(chars: list[dict]) -> list[str]:
    """Decode legacy-font chars in place; returns the repairs applied, e.g. "decode_tcvn3(.VnTime)"."""
    encodings = choose_encodings(chars)
    if not encodings:
        return []
    runs: list[list[dict]] = []
    for ch in chars:
        font = ch.get("fontname", "")
        if font in encodings and runs and runs[-1][0].get("fontname", "") == font:
            runs[-1].append(ch)
        elif font in encodings:
            runs.append([ch])
    for run in runs:
        decoded = legacy.decode_chars([ch["text"] for ch in run], encodings[run[0].get("fontname", "")])
        for ch, text in zip(run, decoded):
            ch["text"] = text
    return sorted({f"decode_{enc}({_font_label(font)})" for font, enc in encodings.items()})
