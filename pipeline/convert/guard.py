"""One document in a forked child with hard time and memory limits.

A hostile file must not stall or kill a batch: a parser can loop for hours on a crafted
page or allocate until the machine swaps, and no exception handler catches that. So each
document runs in a child forked from a warmed-up parent (imports and codebooks loaded once,
~5 ms a fork). The parent reads the child's resident memory, its tesseract processes
included, ten times a second and kills the lot past the memory limit or the deadline;
RLIMIT_AS in the child is a backstop for allocations faster than that. (RLIMIT_AS alone
is no limit: pdfium reserves gigabytes of address space up front and allocates inside it.)
Every executor (the local thread pool, a Dask worker) calls the same `run_guarded`, so the
limits and the failure reasons are the same everywhere. POSIX only.
"""
from __future__ import annotations

import ctypes
import os
import pickle
import resource
import selectors
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psutil

from pipeline.convert.process import FileResult, Part, process_file, process_part, unconverted

EXIT_NO_RESULT = 70
PR_SET_PDEATHSIG = 1
POLL = 0.1  # seconds between memory readings of a running child
# A child forked by another thread while this one's pipe is open would inherit its write end,
# and this document's result would wait for that child's EOF: pipe, fork and close go together.
_FORKING = threading.Lock()


@dataclass(frozen=True)
class Limits:
    """Per-document limits; `None` switches one off."""

    seconds: float | None = 900.0
    memory_mb: int | None = 2048


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Unit:
    """What one child reads: a whole file, or a page range of a long PDF (1-based numbers)."""

    path: Path
    pages: range | None = None


def as_unit(item: str | Path | Unit) -> Unit:
    return item if isinstance(item, Unit) else Unit(Path(item))


@dataclass
class Processed:
    """A file's (or a page range's) result with what it cost, for the ledger."""

    path: str
    result: FileResult | Part
    seconds: float
    peak_mb: float | None = None


def warm_up() -> None:
    """Import the extractors and load the codebooks and unit lists once, so each forked child starts warm."""
    import extractors.docx  # noqa: F401
    import extractors.ocr  # noqa: F401
    import extractors.pdf  # noqa: F401
    import extractors.pdf_recovery  # noqa: F401
    from normalizers.codebook import DEFAULT_CODEBOOK, load_codebook
    from normalizers.criteria import PAR_CODEBOOK
    from normalizers.templates import templates_of
    from normalizers.units import unit_lists

    load_codebook()
    load_codebook(PAR_CODEBOOK)
    templates_of(DEFAULT_CODEBOOK)
    unit_lists()


def run_guarded(path: str | Path, options: dict[str, object] | None = None, limits: Limits = DEFAULT_LIMITS,
                pages: range | None = None) -> Processed:
    """`process_file(path, **options)` in a child process that cannot outlive or outgrow
    `limits`; with `pages`, `process_part` of those pages."""
    options = options or {}
    if pages is None:
        work: Callable[[], object] = partial(process_file, path, **options)
    else:
        work = partial(process_part, path, pages, **{k: v for k, v in options.items() if k in PART_OPTIONS})
    warm_up()  # before the clock starts: the first document would pay for every import
    started = time.perf_counter()
    value, peak_mb, stopped = call_guarded(work, limits)
    seconds = round(time.perf_counter() - started, 3)
    if stopped:
        return failed(path, stopped, seconds)
    return Processed(str(path), value, seconds, peak_mb)


PART_OPTIONS = ("tone_style", "max_pages")  # `process_file`'s options that reading a page range takes


def call_guarded(work: Callable[[], object], limits: Limits) -> tuple[object, float | None, str | None]:
    """`work()` in a forked child held to `limits`: (its value, the child's peak memory in MB,
    None), or (None, None, why it gave none)."""
    warm_up()
    started = time.perf_counter()
    with _FORKING:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _child(work, limits, write_fd)
        os.close(write_fd)
    try:
        os.setpgid(pid, pid)  # also done by the child; whichever runs first, a kill reaches the group
    except OSError:
        pass
    payload, stopped = _read_until(read_fd, pid, limits, started)
    if stopped:
        _kill_group(pid)
    _, status = os.waitpid(pid, 0)
    if stopped:
        return None, None, stopped
    try:
        value, peak_mb = pickle.loads(payload)
    except Exception:
        return None, None, _death(status, limits)
    return value, peak_mb, None


def _child(work: Callable[[], object], limits: Limits, write_fd: int) -> None:
    """Runs in the fork; never returns."""
    code = EXIT_NO_RESULT
    try:
        os.setpgid(0, 0)  # its own group, so a timeout also stops the tesseract it started
        _die_with_parent()
        # The parent's streams may be locked by one of its threads at the moment of the fork.
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
        if limits.memory_mb:  # a backstop for allocations faster than the parent's readings
            cap = _vm_kib("VmSize") * 1024 + limits.memory_mb * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        _reset_peak()
        value = work()
        data = pickle.dumps((value, _peak_mb()))
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(data)
        code = 0
    finally:
        os._exit(code)


def _read_until(fd: int, pid: int, limits: Limits, started: float) -> tuple[bytes, str | None]:
    """Everything the child writes; or what came and why it must be stopped, when it passes
    the deadline or its resident memory (with its OCR processes) passes the limit."""
    chunks = []
    deadline = started + limits.seconds if limits.seconds else None
    with selectors.DefaultSelector() as sel, os.fdopen(fd, "rb", buffering=0) as fh:
        sel.register(fh, selectors.EVENT_READ)
        while True:
            timeout = POLL if deadline is None else min(POLL, deadline - time.perf_counter())
            if deadline is not None and timeout <= 0:
                return b"".join(chunks), f"took longer than the limit of {limits.seconds:g} s (--time-limit); stopped"
            if not sel.select(timeout):
                if limits.memory_mb and _resident_mb(pid) > limits.memory_mb:
                    return b"".join(chunks), f"used more than the memory limit of {limits.memory_mb} MB (--memory-limit); stopped"
                continue
            chunk = fh.read(1 << 20)
            if not chunk:
                return b"".join(chunks), None
            chunks.append(chunk)


def _resident_mb(pid: int) -> float:
    """Resident memory of a process and everything it started."""
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def _death(status: int, limits: Limits) -> str:
    """Why a child gave no result.  Native code that cannot allocate aborts or crashes
    rather than raising MemoryError, so under a memory limit those signals name it."""
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        what = f"the worker process was killed by {signal.Signals(sig).name} while reading this file"
        if limits.memory_mb and sig in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGKILL):
            return f"{what}: most likely out of memory (limit {limits.memory_mb} MB, --memory-limit)"
        return what
    return f"the worker process died (exit code {os.WEXITSTATUS(status)}) while reading this file"


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL if the run dies (kill -9), instead of working on as an orphan."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def failed(path: str | Path, reason: str, seconds: float = 0.0) -> Processed:
    """A file that produced no result, with the reason in its documents row."""
    return Processed(str(path), unconverted(Path(path), "failed", reason), seconds)


def _vm_kib(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise OSError(f"{key} not in /proc/self/status")


def _reset_peak() -> None:
    """Start the peak-RSS counter at this document (Linux: clear_refs 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def _peak_mb() -> float | None:
    try:
        return round(_vm_kib("VmHWM") / 1024, 1)
    except OSError:
        return None
