"""A seeded slice of the fuzz suite: two mutants of every kind per format through `cchc convert`.

The full run (a thousand per format) is `python -m benchmarks.fuzz`; this slice keeps every
kind of damage in CI.  Every mutant must end in one documents row, a failure with a short
reason that is not an internal error and no other rows, or a conversion whose values equal
the original's or are flagged.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.convert.process import process_file
from pipeline.terminal import EXIT_SOME_FAILED
from tests.fixtures.fuzz_check import CONVERTED, CRASHED, FAILED, REPAIRED, judge, read_outputs, values
from tests.fixtures.mutants import DOCX_DAMAGE, PDF_DAMAGE, mutants

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SLICE = {"dossier_000_bad_total.pdf": 2 * len(PDF_DAMAGE), "appendix_001.docx": 2 * len(DOCX_DAMAGE)}
TIME_LIMIT = 120


def test_mutants_are_reproducible_and_every_kind_is_made() -> None:
    first = list(mutants(RAW / "phuluc1_000.pdf", len(PDF_DAMAGE)))
    again = list(mutants(RAW / "phuluc1_000.pdf", len(PDF_DAMAGE)))
    assert [m.data for m in first] == [m.data for m in again]
    assert [m.kind for m in first] == list(PDF_DAMAGE)
    assert [m.kind for m in mutants(RAW / "appendix_001.docx", len(DOCX_DAMAGE))] == list(DOCX_DAMAGE)
    assert len({m.data for m in mutants(RAW / "appendix_001.docx", 40)}) == 40


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, int]:
    folder, out = tmp_path_factory.mktemp("mutants"), tmp_path_factory.mktemp("out")
    source_of = {}
    for name, count in SLICE.items():
        for m in mutants(RAW / name, count):
            (folder / m.name).write_bytes(m.data)
            source_of[m.name] = name
    code = main(["convert", str(folder), "--out", str(out), "--workers", "2", "--time-limit", str(TIME_LIMIT)])
    originals = {}
    for name in SLICE:
        result = process_file(RAW / name)
        originals[name] = values(pd.DataFrame(result.indicators), pd.DataFrame(result.dossiers))
    return judge(read_outputs(out), originals, source_of, TIME_LIMIT), code


def test_no_mutant_breaks_a_rule(fuzzed: tuple[list, int]) -> None:
    verdicts, code = fuzzed
    assert code == EXIT_SOME_FAILED
    assert len(verdicts) == sum(SLICE.values())
    assert {v.name: v.problems for v in verdicts if v.outcome == CRASHED} == {}


def test_the_slice_meets_every_outcome(fuzzed: tuple[list, int]) -> None:
    """Damage that can be mended is (a rebuilt xref, a lost zip directory), the rest fails with a reason."""
    verdicts, _ = fuzzed
    for source in SLICE:
        outcomes = {v.outcome for v in verdicts if v.name.startswith(Path(source).stem)}
        assert outcomes == {CONVERTED, REPAIRED, FAILED}, (source, outcomes)
