"""The language model the restorer ships with, and how it is rebuilt from the seed texts.

The seed texts live outside the repository (`shared/seeds`), so a fresh clone cannot build
the model at first use; the counts are committed instead (`data/restore/model.json.gz`, a
few hundred kB) and this module rebuilds them byte for byte:

    python -m normalizers.restore_model [SEEDS_DIR] --write

A test rebuilds the model from the seeds and compares it with the committed file.  Training
text: every seed that reads as clean Vietnamese (a damaged one, seed 004, scores far below
`LOW_QUALITY` and is left out: it is what the model must repair, not learn from), the
codebook labels and the abbreviation list.
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

from core.vietnamese import LOW_QUALITY, abbreviations, nfc, syllable_score
from normalizers.syllable_lm import Counts, SyllableLM

MODEL = "model.json.gz"
LEARN_QUALITY = 0.95  # a converted line with fewer well-formed syllables may itself be damaged
MIN_WORDS = 3
_MARKUP = re.compile(r"<[^>]*>|\*\*|\[bookmark: [^\]]*\]|^#+ ")


def model_path() -> Path:
    return Path(str(resources.files("normalizers") / "data" / "restore" / MODEL))


@lru_cache(maxsize=1)
def default_lm() -> SyllableLM:
    """The shipped model, loaded once per process."""
    return SyllableLM(Counts.load(model_path()))


def plain_lines(text: str) -> list[str]:
    """A seed's lines as plain text: NFC, its HTML and markdown markup taken out.

    >>> plain_lines("## **II. NHIỆM VỤ**\\n<b>I</b>\\tCông tác")
    ['II. NHIỆM VỤ', 'I\\tCông tác']
    """
    return [_MARKUP.sub("", line).strip() for line in nfc(text).split("\n")]


def is_clean(lines: list[str]) -> bool:
    """Whether a text reads as intact Vietnamese, and so may be learnt from."""
    score = syllable_score("\n".join(lines))
    return score is not None and score >= LOW_QUALITY


def codebook_lines() -> list[str]:
    """The labels of every shipped codebook and province template, and each abbreviation with its expansion."""
    lines: list[str] = []
    folder = resources.files("normalizers") / "data" / "codebooks"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".csv"):
            with entry.open(encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                if "label" in (reader.fieldnames or ()):
                    lines.extend(row["label"] for row in reader)
    for short, expansion in abbreviations().items():
        lines.extend((short.upper(), expansion))
    return lines


def learnable_lines(text: str) -> list[str]:
    r"""The lines of a converted page worth learning from: intact Vietnamese, no unread glyph.

    >>> learnable_lines("Công tác cải cách hành chính\nhuy n c a\nTỷ lệ \ufffd đạt\n12/KH")
    ['Công tác cải cách hành chính']
    """
    out = []
    for line in nfc(text).split("\n"):
        score = syllable_score(line)
        if score is not None and score >= LEARN_QUALITY and "\ufffd" not in line and len(line.split()) >= MIN_WORDS:
            out.append(line.strip())
    return out


def seed_texts(seeds: Path) -> dict[str, list[str]]:
    """Each clean seed's plain lines, by file name."""
    texts = {p.name: plain_lines(p.read_text(encoding="utf-8")) for p in sorted(seeds.glob("*.txt")) if p.name[0].isdigit()}
    return {name: lines for name, lines in texts.items() if is_clean(lines)}


def build(seeds: Path, leave_out: str | None = None, codebooks: bool = True) -> Counts:
    """Counts from the clean seeds (without `leave_out`, for cross-validation) and the codebooks."""
    counts = Counts()
    for name, lines in seed_texts(seeds).items():
        if leave_out is None or not name.startswith(leave_out):
            counts.add_lines(lines)
    if codebooks:
        counts.add_lines(codebook_lines())
    return counts


def _default_seeds() -> Path:
    """`$CCHC_SEEDS`, or `shared/seeds` beside the repository (as the tests find them)."""
    env = os.environ.get("CCHC_SEEDS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "seeds"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="rebuild the restorer's language model from the seed texts")
    parser.add_argument("seeds", nargs="?", type=Path, default=_default_seeds())
    parser.add_argument("--write", action="store_true", help=f"write it over the shipped {MODEL}")
    args = parser.parse_args(argv)
    counts = build(args.seeds)
    target = model_path() if args.write else Path(MODEL)
    counts.save(target)
    print(f"{sum(counts.trigrams.values())} tokens, {len(counts.cases)} words → {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
