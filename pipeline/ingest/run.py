"""Incremental ingest of a folder: only new or changed files are processed.

The run, under the output folder's lock:
1. recover from whatever a killed run left (`Store.recover`);
2. plan: a file is processed when it is new, its bytes changed, the pipeline's settings
   changed, or its parts are missing; otherwise it is skipped without being read, when its
   size and mtime match the ledger (like git's index; `rehash` reads every file anyway);
3. process the plan on an executor; as each file finishes, its parts are written and its
   ledger row committed, so a crash loses only the files still running;
4. when the analyst's decisions (overrides) changed since the last run, re-code the stored
   rows of the documents they touch, without extracting them again;
5. publish a new generation if the set of parts changed; none if nothing did, so a
   re-run on an unchanged folder does no extraction and rewrites no output.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline import __version__
from pipeline.convert.executors import Executor, LocalExecutor
from pipeline.convert.guard import DEFAULT_LIMITS, Limits, Processed
from pipeline.convert.overrides import NO_OVERRIDES, Overrides
from pipeline.convert.process import sha256_file
from pipeline.convert.recode import recode
from pipeline.convert.runner import discover, skipped
from pipeline.convert.split import process_files
from pipeline.ingest.ledger import Entry, Ledger
from pipeline.ingest.lock import RunLock
from pipeline.ingest.store import Store

Event = Callable[..., None]


@dataclass(frozen=True)
class Work:
    """A file the run will process, and why."""

    path: Path
    rel: str
    sha256: str
    size: int
    mtime_ns: int
    reason: str


@dataclass
class Plan:
    work: list[Work] = field(default_factory=list)
    unchanged: int = 0
    restat: list[Entry] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """A processed file as the summary needs it; its rows are already on disk, not kept here."""

    path: str  # relative to the input folder
    reason: str
    status: str
    error: str | None
    seconds: float
    peak_mb: float | None


@dataclass
class Report:
    """What a run did, for the summary and the exit code."""

    seen: int = 0
    unchanged: int = 0
    processed: list[Outcome] = field(default_factory=list)
    removed: int = 0
    missing: int = 0
    generation: int = 0
    published: bool = False
    ignored: int = 0
    overrides_applied: int = 0  # decided rows in the documents this run processed or re-coded
    recoded: int = 0  # unchanged documents re-coded for changed overrides, without extraction

    @property
    def failed(self) -> list[Outcome]:
        return [p for p in self.processed if p.status != "ok"]


def settings_key(options: dict[str, object]) -> str:
    """What the outputs depend on besides the file: a change re-processes every file."""
    return ";".join([__version__, *(f"{k}={v}" for k, v in sorted(options.items()))])


def part_name(rel: str, sha256: str, decisions: str = "") -> str:
    """A document's part file name: which path, which bytes, which analyst's decisions."""
    return f"{hashlib.sha256(rel.encode()).hexdigest()[:16]}-{sha256[:16]}" + (f"-{decisions}" if decisions else "")


def plan(root: Path, files: list[Path], entries: dict[str, Entry], settings: str, store: Store,
         retry_failed: bool = False, rehash: bool = False) -> Plan:
    """Decide what to process; pure apart from reading the files it must hash."""
    result = Plan()
    seen = set()
    for path in files:
        rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
        try:
            st = path.stat()
        except FileNotFoundError:  # removed since the folder was listed: as if never seen
            continue
        seen.add(rel)
        old = entries.get(rel)
        same_stat = old is not None and (old.size, old.mtime_ns) == (st.st_size, st.st_mtime_ns)
        sha = old.sha256 if old is not None and same_stat and not rehash else sha256_file(path)
        if old is None:
            reason = "new"
        elif old.sha256 != sha:
            reason = "changed"
        elif old.settings != settings:
            reason = "settings changed"
        elif old.status == "failed" and retry_failed:
            reason = "retry"
        elif old.part is None or not store.has(old.part):
            reason = "outputs missing"
        else:
            result.unchanged += 1
            if not same_stat:
                result.restat.append(replace(old, size=st.st_size, mtime_ns=st.st_mtime_ns))
            continue
        result.work.append(Work(path, rel, sha, st.st_size, st.st_mtime_ns, reason))
    result.missing = sorted(set(entries) - seen)
    return result


def ingest(input_dir: Path, out_dir: Path, options: dict[str, object], limits: Limits = DEFAULT_LIMITS,
           executor: Executor | None = None, wait: float = 0.0, retry_failed: bool = False,
           rehash: bool = False, prune: bool = False, overrides: Overrides = NO_OVERRIDES,
           on_event: Event = lambda event, **fields: None) -> Report:
    """Bring `out_dir` up to date with `input_dir` and `overrides`; raises lock.Busy if another
    run holds it."""
    report = Report()
    with RunLock(out_dir / ".cchc" / "lock", wait=wait):
        ledger = Ledger(out_dir / "ledger.sqlite")
        try:
            store = Store(out_dir)
            store.recover(int(ledger.get_state("generation", "0")), ledger.parts())
            run_id = ledger.start_run(input_dir, os.getpid(), __version__)
            files, ignored = discover(input_dir)
            settings = settings_key(options)
            todo = plan(input_dir, files, ledger.entries(), settings, store, retry_failed, rehash)
            report.seen, report.unchanged, report.ignored = len(files), todo.unchanged, len(ignored)
            report.missing = len(todo.missing)
            ledger.touch(todo.restat)
            on_event("plan", files=len(files), to_process=len(todo.work), unchanged=todo.unchanged,
                     missing=len(todo.missing), ignored=len(ignored))
            by_path = {str(w.path): w for w in todo.work}

            def done(processed: Processed) -> None:
                work = by_path[processed.path]
                result, decisions = recode(processed.result, overrides)
                report.overrides_applied += len(decisions.codes)
                part = part_name(work.rel, work.sha256, decisions.digest)
                doc = result.document
                doc["source_path"] = work.rel  # the dataset stays right when the folder is moved or mounted elsewhere
                store.put(part, result)
                # The bytes the extractor read, should the file have changed since it was planned.
                sha = str(doc.get("doc_id") or work.sha256)
                entry = Entry(work.rel, sha, work.size, work.mtime_ns, settings, str(doc["status"]), doc.get("error"), part)
                ledger.record(run_id, entry, work.reason, processed.seconds, processed.peak_mb, __version__)
                outcome = Outcome(work.rel, work.reason, entry.status, entry.error, processed.seconds, processed.peak_mb)
                report.processed.append(outcome)
                on_event("file", **outcome.__dict__)

            runnable = []
            for work in todo.work:
                if (result := skipped(work.path)) is not None:
                    done(Processed(str(work.path), result, 0.0))
                else:
                    runnable.append(work.path)
            for processed in process_files(runnable, options, limits, executor or LocalExecutor()):
                done(processed)
            if ledger.get_state("overrides") != overrides.fingerprint:
                report.recoded, applied = _recode_stored(ledger, store, overrides, {w.rel for w in todo.work})
                report.overrides_applied += applied
                ledger.set_state({"overrides": overrides.fingerprint})
            if prune and todo.missing:
                ledger.remove(todo.missing)
                report.removed = len(todo.missing)
            report.generation, report.published = _publish(ledger, store)
            if report.published:
                on_event("publish", generation=report.generation, documents=len(ledger.parts()))
            ledger.finish_run(run_id, {"seen": report.seen, "processed": len(report.processed),
                                       "failed": len(report.failed), "removed": report.removed}, report.generation)
        finally:
            ledger.close()
    return report


def _recode_stored(ledger: Ledger, store: Store, overrides: Overrides, processed: set[str]) -> tuple[int, int]:
    """Apply changed overrides to the stored rows of the documents this run did not process;
    returns (documents re-coded, decided rows in them). A part is renamed for its decisions,
    so a run killed half-way redoes only what it had not recorded."""
    recoded = applied = 0
    for entry in ledger.entries().values():
        if entry.path in processed or entry.status != "ok" or entry.part is None or not store.has(entry.part):
            continue
        result, decisions = recode(store.get(entry.part), overrides)
        part = part_name(entry.path, entry.sha256, decisions.digest)
        if part != entry.part:
            store.put(part, result)
            ledger.set_parts({entry.path: part})
            recoded += 1
            applied += len(decisions.codes)
    return recoded, applied


def _publish(ledger: Ledger, store: Store) -> tuple[int, bool]:
    """A new generation when the ledger's parts differ from the published ones."""
    parts, digest = ledger.parts(), ledger.fingerprint()
    current = int(ledger.get_state("generation", "0"))
    if current and ledger.get_state("fingerprint") == digest:
        return current, False
    generation = current + 1
    store.publish(parts, generation)
    ledger.set_state({"generation": str(generation), "fingerprint": digest})
    store.switch(generation)
    store.collect(generation, parts)
    return generation, True
