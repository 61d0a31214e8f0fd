"""The files `cchc repair-text` reads and writes: UTF-8 text in, restored text out, nothing lost.

A bad input (empty, binary, not UTF-8) is refused with the reason and the batch goes on; an
output never replaces its own input, and every output is written under a temporary name and
renamed, so an interrupted run leaves the old file or the whole new one.
"""
from __future__ import annotations

from pathlib import Path

from pipeline.dataset.writers import replacing


class BadText(ValueError):
    """An input that is not text this command can restore; the message says why."""


def read_text(path: Path) -> str:
    """A file's text, decoded as UTF-8 (a BOM is dropped), line endings as they are.

    Raises `BadText` for an empty or whitespace-only file, one with NUL bytes (binary: a PDF,
    a Word file, UTF-16) and one that is not valid UTF-8 (e.g. a legacy 8-bit encoding).
    """
    data = path.read_bytes()
    if not data.strip():
        raise BadText("empty file" if not data else "empty file (only whitespace)")
    if b"\0" in data:
        kind = "a PDF" if data.startswith(b"%PDF") else "UTF-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "binary"
        raise BadText(f"not text: {kind} (NUL bytes); give the text copied out of it, as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadText(f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}; save it as UTF-8") from None


def targets(inputs: list[Path], out: Path) -> dict[Path, Path]:
    """Input → output path: `out` itself for one input, `out/<name>` for several (or when `out`
    is a folder). Raises ValueError when two inputs share a name or an output is its input."""
    if len(inputs) == 1 and not out.is_dir():
        mapping = {inputs[0]: out}
    else:
        mapping = {path: out / path.name for path in inputs}
        names = [p.name for p in inputs]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"several inputs are named {', '.join(twice)}; restore them into separate folders")
    for source, target in mapping.items():
        if target.resolve() == source.resolve():
            raise ValueError(f"{target} would replace its own input; choose another --out")
    return mapping


def write_text(path: Path, text: str) -> None:
    """UTF-8, line endings untouched, replaced atomically."""
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
