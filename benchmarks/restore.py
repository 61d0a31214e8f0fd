"""Restoring lost glyphs from the text alone (`cchc repair-text`), cross-validated on the seeds.

For each clean seed: a model built without it, its text damaged the way seed 004 is damaged
(the glyphs ư ơ ạ ị ế ả ợ ộ ệ ủ đ ầ ờ ổ ự ứ ấ ậ ớ ề ọ g h N T, each lost glyph a space), restored,
and scored letter by letter against the clean text (`tests.fixtures.metrics.letter_cer`).  The
model is built two ways: as shipped (the other seeds, the codebook labels and the abbreviation
list; cchc-2021's labels come from seed 000 and par-index-2021's from seed 003, so those two
folds see some of their own labels) and from the other seeds alone.  Then a matrix of other
seeded lost sets (`tests.fixtures.lost_glyphs.drawn`), and seed 004 itself, whose truth is
unknown: its share of well-formed syllables and how many lines the restorer marks unsure.

Speed: CPU time of `restore_text` (the document's loss estimate and vocabulary index included,
the model loaded beforehand), best of --repeat, as lines and characters per second on one core.

Run from the repo root:  python -m benchmarks.restore [--out DIR] [--repeat N]
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from core.vietnamese import syllable_score
from normalizers.restore import Restored, restore_text
from normalizers.restore_model import build, default_lm, seed_texts
from normalizers.syllable_lm import SyllableLM
from tests.fixtures.lost_glyphs import SEED_004, damage, drawn
from tests.fixtures.metrics import letter_cer
from tests.fixtures.seeds import seed_text, seeds_dir

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "out"
DRAWS = 3


def _timed(text: str, lm: SyllableLM, repeat: int) -> tuple[Restored, float]:
    best, restored = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        restored = restore_text(text, lm)
        best = min(best, time.process_time() - started)
    return restored, best


def _sure_and_right(clean: str, damaged: str, restored: Restored) -> tuple[int, int]:
    """Damaged lines restored with confidence ≥ 0.9, and how many of them came back exactly right."""
    sure = [(want, got) for want, bad, got, c in zip(clean.split("\n"), damaged.split("\n"), restored.text.split("\n"),
                                                      restored.confidence) if want != bad and c >= 0.9]
    return len(sure), sum(want == got for want, got in sure)


def _unsure_share_of_errors(clean: str, restored: Restored) -> tuple[float, float]:
    """The share of lines marked unsure, and the share of the letter errors they hold."""
    unsure = set(restored.unsure)
    errors = {i: letter_cer(got, want) * max(sum(ch.isalpha() for ch in want), 1)
              for i, (got, want) in enumerate(zip(restored.text.split("\n"), clean.split("\n")))}
    total = sum(errors.values()) or 1.0
    lines = sum(1 for line in clean.split("\n") if line.strip())
    return len(unsure) / max(lines, 1), sum(errors[i] for i in unsure) / total


def cross_validation(repeat: int) -> list[dict]:
    rows = []
    for name, lines in seed_texts(seeds_dir()).items():
        seed = name[:3]
        clean = "\n".join(lines)
        damaged = damage(clean)
        shipped = SyllableLM(build(seeds_dir(), leave_out=seed))
        seeds_only = SyllableLM(build(seeds_dir(), leave_out=seed, codebooks=False))
        restored, seconds = _timed(damaged, shipped, repeat)
        strict = restore_text(damaged, seeds_only)
        unsure, caught = _unsure_share_of_errors(clean, restored)
        sure, right = _sure_and_right(clean, damaged, restored)
        matrix = [letter_cer(restore_text(damage(clean, drawn(k)), shipped).text, clean) for k in range(DRAWS)]
        rows.append({
            "seed": seed, "lines": sum(1 for line in lines if line.strip()), "chars": len(clean),
            "cer_before": letter_cer(damaged, clean), "cer_after": letter_cer(restored.text, clean),
            "cer_seeds_only": letter_cer(strict.text, clean),
            "syllables_before": syllable_score(damaged), "syllables_after": syllable_score(restored.text),
            "unsure_lines": unsure, "errors_in_unsure": caught, "sure_lines": sure, "sure_right": right,
            "drawn_cer": matrix, "seconds": seconds,
        })
    return rows


def seed_004(repeat: int) -> dict:
    text = seed_text("004")
    restored, seconds = _timed(text, default_lm(), repeat)
    lines = text.split("\n")
    return {
        "lines": text.count("\n") + (not text.endswith("\n")), "non_blank": sum(1 for line in lines if line.strip()),
        "changed": sum(a != b for a, b in zip(lines, restored.text.split("\n"))), "glyphs": restored.glyphs,
        "syllables_before": syllable_score(text), "syllables_after": syllable_score(restored.text),
        "unsure": len(restored.unsure), "seconds": seconds, "chars": len(text),
    }


def _print(rows: list[dict], own: dict) -> None:
    print("Cross-validated: each seed restored by a model built without it, damaged like seed 004")
    print(f"{'seed':<5}{'lines':>6}{'CER before':>11}{'CER after':>10}{'seeds only':>11}{'syllables':>16}"
          f"{'unsure':>8}{'errors there':>13}{'lines/s':>9}{'kchar/s':>9}")
    for r in rows:
        print(f"{r['seed']:<5}{r['lines']:>6}{r['cer_before']:>11.3f}{r['cer_after']:>10.4f}{r['cer_seeds_only']:>11.4f}"
              f"{r['syllables_before']:>8.3f}→{r['syllables_after']:.3f}{r['unsure_lines']:>8.1%}{r['errors_in_unsure']:>13.1%}"
              f"{r['lines'] / r['seconds']:>9.0f}{r['chars'] / r['seconds'] / 1000:>9.1f}")
    sure, right = sum(r["sure_lines"] for r in rows), sum(r["sure_right"] for r in rows)
    print(f"damaged lines restored with confidence ≥ 0.9: {sure}, of which exactly right {right / max(sure, 1):.1%}")
    worst = max(rows, key=lambda r: r["cer_after"])
    print(f"worst seed: {worst['seed']} at {worst['cer_after']:.4f} (target ≤ 0.03)")
    print(f"\nOther lost sets ({DRAWS} seeded draws: 18 letters beyond Latin-1 + one plain lower-case letter + one capital)")
    print(f"{'seed':<5}" + "".join(f"{'draw ' + str(k):>9}" for k in range(DRAWS)))
    for r in rows:
        print(f"{r['seed']:<5}" + "".join(f"{c:>9.4f}" for c in r["drawn_cer"]))
    cell = max((c, r["seed"], k) for r in rows for k, c in enumerate(r["drawn_cer"]))
    print(f"worst cell: seed {cell[1]}, draw {cell[2]}: {cell[0]:.4f}")
    print("\nSeed 004 (real damage, no truth), shipped model")
    print(f"lines {own['lines']} ({own['non_blank']} non-blank), changed {own['changed']}, glyphs inferred {own['glyphs']}, "
          f"well-formed syllables {own['syllables_before']:.3f} → {own['syllables_after']:.3f} (target ≥ 0.95), "
          f"unsure lines {own['unsure']}, {own['lines'] / own['seconds']:.0f} lines/s "
          f"({own['non_blank'] / own['seconds']:.0f} non-blank), {own['chars'] / own['seconds'] / 1000:.1f} kchar/s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.restore", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    assert SEED_004 == frozenset("ư ơ ạ ị ế ả ợ ộ ệ ủ đ ầ ờ ổ ự ứ ấ ậ ớ ề ọ g h N T".split())
    restore_text("huy n", default_lm())  # warm: the shipped model and its cased vocabulary
    rows, own = cross_validation(args.repeat), seed_004(args.repeat)
    _print(rows, own)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "restore.json").write_text(json.dumps({"cross_validation": rows, "seed_004": own}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
