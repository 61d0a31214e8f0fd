"""`cchc repair-text`: files in, restored files out (one line per line), bad input refused."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.dataset.writers import to_arrow, write_atomic
from pipeline.terminal import EXIT_CANNOT_RUN, EXIT_OK, EXIT_SOME_FAILED
from tests.fixtures.lost_glyphs import damage

DAMAGED = "UBND huy n  ã ban hành K  ho ch s  12/KH-UBND v  c i cách hành chính\r\n\r\nNgh  quy t c a Chính ph \r\n"
RESTORED = "UBND huyện đã ban hành Kế hoạch số 12/KH-UBND về cải cách hành chính\r\n\r\nNghị quyết của Chính phủ\r\n"
# What a converted report taught: place names and phrases the shipped model has never seen.
LEARNT = ["Trạm y tế xã Mường Mùn đã khám bệnh cho đồng bào vùng cao",
          "Hợp tác xã chè Tủa Chùa được hỗ trợ vốn"]
LOST = frozenset("ạ ế ư ờ ợ ộ ệ ủ ự ụ ị đ ả".split())


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as a wide terminal shows them, so file names are not wrapped."""
    monkeypatch.setenv("COLUMNS", "300")


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def test_one_file_is_restored_line_for_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _write(tmp_path / "copied.txt", DAMAGED)
    out = tmp_path / "restored.txt"
    assert main(["repair-text", str(source), "--out", str(out), "--explain"]) == EXIT_OK
    assert out.read_bytes().decode("utf-8") == RESTORED
    assert source.read_bytes().decode("utf-8") == DAMAGED
    err = capsys.readouterr().err
    assert "glyphs the text lost" in err and "huy n" in err
    assert "1 restored, 0 failed of 1 files; 2 lines changed" in err


def test_bad_inputs_are_refused_and_the_rest_restored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path / "in" / "good.txt", DAMAGED)
    bad = {
        "empty.txt": (b"", "empty file"),
        "blank.txt": (b" \n\n", "only whitespace"),
        "scan.txt": (b"%PDF-1.7\n\0\0binary", "not text: a PDF"),
        "wide.txt": ("huy n".encode("utf-16"), "UTF-16"),
        "legacy.txt": ("Các".encode("cp1258"), "not UTF-8"),
    }
    paths = [_write(tmp_path / "in" / name, data) for name, (data, _) in bad.items()]
    out = tmp_path / "out"
    assert main(["repair-text", str(good), *map(str, paths), "--out", str(out)]) == EXIT_SOME_FAILED
    assert (out / "good.txt").read_bytes().decode("utf-8") == RESTORED
    assert sorted(p.name for p in out.iterdir()) == ["good.txt"]
    err = " ".join(capsys.readouterr().err.split())
    for name, (_, reason) in bad.items():
        assert name in err and reason in err, name
    assert "1 restored, 5 failed of 6 files" in err


@pytest.mark.parametrize("case", ["missing", "same name", "over its input"])
def test_a_run_that_cannot_start_writes_nothing(tmp_path: Path, case: str) -> None:
    a = _write(tmp_path / "a" / "report.txt", DAMAGED)
    b = _write(tmp_path / "b" / "report.txt", DAMAGED)
    out = tmp_path / "out"
    args = {"missing": [str(a), str(tmp_path / "nope.txt"), "--out", str(out)],
            "same name": [str(a), str(b), "--out", str(out)],
            "over its input": [str(a), "--out", str(a)]}[case]
    assert main(["repair-text", *args]) == EXIT_CANNOT_RUN
    assert not out.exists()
    assert a.read_bytes().decode("utf-8") == DAMAGED


def test_learning_from_converted_reports_restores_their_words(tmp_path: Path) -> None:
    converted = tmp_path / "converted"
    pages = [{"doc_id": "d", "source_file": "r.pdf", "page": 1, "text": "\n".join(LEARNT * 3), "method": "text"},
             {"doc_id": "d", "source_file": "r.pdf", "page": 2, "text": "Trăm yết xã Mường Mùn", "method": "ocr"}]
    write_atomic(to_arrow("text", pages), converted / "text.parquet")
    source = _write(tmp_path / "copied.txt", "\n".join(damage(line, LOST) for line in LEARNT) + "\n")
    plain, learnt = tmp_path / "plain.txt", tmp_path / "learnt.txt"
    assert main(["repair-text", str(source), "--out", str(plain)]) == EXIT_OK
    assert main(["repair-text", str(source), "--out", str(learnt), "--learn", str(converted)]) == EXIT_OK
    assert learnt.read_text(encoding="utf-8") == "\n".join(LEARNT) + "\n"
    assert plain.read_text(encoding="utf-8") != learnt.read_text(encoding="utf-8")


def test_an_unreadable_learn_folder_stops_the_run(tmp_path: Path) -> None:
    source = _write(tmp_path / "copied.txt", DAMAGED)
    assert main(["repair-text", str(source), "--out", str(tmp_path / "o.txt"), "--learn", str(tmp_path / "none")]) == EXIT_CANNOT_RUN
    assert not (tmp_path / "o.txt").exists()
