"""Where documents run: this machine's cores, or a Dask cluster — the same function either way.

Both executors call `guard.run_guarded` on each unit (a file, or a page range of a long PDF:
`split`) and yield the results as they finish; the caller alone writes outputs, so a run's
writes are the same whatever ran the work.
"""
from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from itertools import islice
from pathlib import Path
from typing import Protocol

from pipeline.convert.guard import Limits, Processed, Unit, as_unit, failed, run_guarded


class Executor(Protocol):
    workers: int

    def map(self, units: Sequence[Path | Unit], options: dict[str, object], limits: Limits) -> Iterator[Processed]:
        """Process every unit (a path: the whole file), in the order given; yield each result as it finishes."""
        ...


class LocalExecutor:
    """One forked, limited child per document, `workers` at a time.

    Threads only wait on their child's pipe, so they cost no CPU; the work is in the children.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def map(self, units: Sequence[Path | Unit], options: dict[str, object], limits: Limits) -> Iterator[Processed]:
        """Units are submitted a few ahead of the running ones, not all at once: a finished
        future holds its document's whole result, so a list of every future would keep every
        result of the batch in the parent's memory until the end."""
        if not units:
            return
        workers = min(self.workers, len(units))
        waiting = map(as_unit, units)
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            running: set[Future[Processed]] = set()
            while True:
                for unit in islice(waiting, 2 * workers - len(running)):
                    running.add(pool.submit(run_guarded, unit.path, options, limits, unit.pages))
                if not running:
                    return
                done, running = wait(running, return_when=FIRST_COMPLETED)
                while done:
                    yield done.pop().result()
        finally:  # interrupted (Ctrl-C, a failed write): documents not yet started never start
            pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Documents as tasks on a Dask distributed cluster (`tcp://scheduler:8786`, or a Client).

    Workers must see the input files at the same paths (a shared or synced folder). Each task
    is `run_guarded`, so a worker forks per document and the time and memory limits hold
    there too; a worker that dies anyway is retried by Dask and then reported as failed.
    """

    def __init__(self, scheduler: str | object, connect_timeout: float = 10.0) -> None:
        from distributed import Client

        self.client = scheduler if isinstance(scheduler, Client) else \
            Client(scheduler, set_as_default=False, timeout=connect_timeout)
        self._own = not isinstance(scheduler, Client)

    @property
    def workers(self) -> int:
        """Threads across the cluster's workers: how many units run at once."""
        return sum(self.client.nthreads().values()) or 1

    def map(self, units: Sequence[Path | Unit], options: dict[str, object], limits: Limits) -> Iterator[Processed]:
        from distributed import as_completed as dask_completed

        with self.client.as_current():
            futures = {self.client.submit(run_guarded, str(u.path), options, limits, u.pages, pure=False): u.path
                       for u in map(as_unit, units)}
            for fut in dask_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # KilledWorker and the like: the cluster gave up on this file
                    yield failed(futures[fut], f"the Dask cluster could not process it ({type(exc).__name__}: {exc})")
                finally:
                    fut.release()

    def close(self) -> None:
        if self._own:
            self.client.close()
