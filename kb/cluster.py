"""Extraction on a Dask cluster (`--scheduler tcp://HOST:8786`, or `local`): batches of files
are extracted by Dask workers and their results streamed back to the one process that stores
them (or writes shards).

* Files are read where they are: each worker opens the paths it is given, so the paths must
  name the same files on every worker (a shared or copied folder). Workers need this package
  installed (`pip install 'market-entry-kb[dask]'`), as any Dask task needs its code.
* The stored content hashes go to the workers once (`Client.scatter`): unchanged documents
  come back as their id, as from the process pool. Each document has the same time budget
  (kb.workers.time_limit, a timer thread in the worker's task thread).
* Results are taken as they complete (`as_completed`) and given to the writer in the order
  of the files, so a build stores exactly what the process pool's build stores.
* A worker that dies mid-batch: Dask runs the batch again on another worker (as many times as
  the scheduler's `distributed.scheduler.allowed-failures` allows; `local` allows one retry).
  When Dask gives up (KilledWorker), each file of the batch is run again alone; a file whose
  worker dies again alone is reported as failed by name. Results come back whole batches at
  a time, so nothing of a lost batch was stored.
"""
from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .workers import Result

INSTALL = "pip install 'market-entry-kb[dask]'"
LOCAL = "local"
BATCH_FILES = 16  # files per task, at most: enough to make a task's overhead small
CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler
WORKERS_TIMEOUT = 60.0  # seconds to wait for a scheduler's first worker


class SchedulerProblem(RuntimeError):
    """Dask is missing, its scheduler cannot be reached, or its workers cannot run extraction."""


def require_dask():
    """The `distributed` module, or SchedulerProblem saying what to install."""
    try:
        import distributed
    except ImportError:
        raise SchedulerProblem(f"--scheduler needs Dask (dask.distributed), which is not installed: {INSTALL}") from None
    return distributed


def extract_batch(paths: list[str], known, limit: float | None) -> list[Result]:
    """Run on a Dask worker: `kb.workers.process_file` on each path, in order."""
    from .workers import _init_worker, process_file

    _init_worker(known, limit)
    return [process_file(Path(p)) for p in paths]


@contextmanager
def connect(scheduler: str, workers: int | None = None):
    """A Client of the scheduler at `scheduler`, or of a new LocalCluster of `workers` processes
    (one thread each) for "local", closed on leaving."""
    distributed = require_dask()
    cluster = None
    if scheduler == LOCAL:
        import dask

        from .build import default_workers

        # A dead worker's batch is run once more; one batch per worker thread at a time, so a
        # worker's death counts against the batch it was on only.
        with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                              "distributed.scheduler.worker-saturation": 1.0}):
            cluster = distributed.LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1,
                                               processes=True, dashboard_address=None,
                                               silence_logs=logging.CRITICAL)
        address = cluster
    else:
        address = scheduler
    try:
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as e:
            raise SchedulerProblem(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({e}); start one "
                                   "(dask scheduler, dask worker ADDRESS) or use --scheduler local") from None
        try:
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
            except (OSError, TimeoutError) as e:
                raise SchedulerProblem(f"--scheduler {scheduler}: no Dask worker joined in {WORKERS_TIMEOUT:g} s "
                                       f"({e}); start some with `dask worker {scheduler}`") from None
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


class DaskExtraction:
    """Results of `files`, in their order (iterate once), extracted by the client's workers."""

    def __init__(self, client, files: list[Path], known: dict[str, str], limit: float | None,
                 warnings: list[tuple[str, str]]):
        self.client, self.files, self.limit, self.warnings = client, files, limit or None, warnings
        self.distributed = require_dask()
        threads = max(1, sum(client.nthreads().values()))
        self.window = threads * 2  # batches in flight
        size = max(1, min(BATCH_FILES, len(files) // (threads * 4)))
        self.todo: deque[list[int]] = deque(list(range(i, min(i + size, len(files))))
                                            for i in range(0, len(files), size))
        self.known = client.scatter([known], broadcast=True)[0] if known else {}
        self.inflight: dict = {}
        self.ready: dict[int, Result] = {}
        self.alone: set[int] = set()  # files run again alone after their batch's workers died
        self.completed = self.distributed.as_completed()

    def __iter__(self) -> Iterator[Result]:
        next_out = 0
        while next_out < len(self.files):
            if next_out in self.ready:
                yield self.ready.pop(next_out)
                next_out += 1
                continue
            self._fill(next_out)
            if not self.inflight:
                raise RuntimeError(f"kb lost track of {self.files[next_out]}")
            self._collect(next(self.completed))

    def _fill(self, head: int) -> None:
        while self.todo and len(self.inflight) < self.window and (
                len(self.ready) < self.window * 64 or head in self.todo[0]):
            batch = self.todo.popleft()
            future = self.client.submit(extract_batch, [str(self.files[i]) for i in batch], self.known, self.limit,
                                        pure=False)
            self.inflight[future] = batch
            self.completed.add(future)

    def _collect(self, future) -> None:
        batch = self.inflight.pop(future)
        try:
            results = future.result()
        except self.distributed.KilledWorker as e:
            self._died(batch, e)
            return
        except ImportError as e:
            raise SchedulerProblem(f"the Dask workers cannot run kb's extraction ({type(e).__name__}: {e}); "
                                   f"install market-entry-kb on every worker: {INSTALL}") from None
        except (OSError, self.distributed.client.FutureCancelledError) as e:
            raise SchedulerProblem(f"lost the Dask scheduler ({type(e).__name__}: {e}); what was stored is kept: "
                                   "run the same command again to finish") from None
        except Exception as e:  # the task itself failed (process_file reports a file's own problems)
            for i in batch:
                self.ready[i] = (str(self.files[i]), [], f"the Dask task failed: {type(e).__name__}: {e}")
            return
        for i, result in zip(batch, results):
            self.ready[i] = result

    def _died(self, batch: list[int], error: Exception) -> None:
        """Dask gave up on a batch whose workers died: each file once more alone, then reported."""
        if len(batch) > 1:
            self.alone.update(batch)
            self.todo.extendleft([i] for i in reversed(batch))
            return
        index = batch[0]
        again = "also when it was run again alone" if index in self.alone else "each time Dask ran it"
        self.ready[index] = (str(self.files[index]), [],
                             f"the Dask worker died while extracting this file ({_brief(error)}), {again}; not stored")


def _brief(error: Exception) -> str:
    text = str(error).split(". ")[0].strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@contextmanager
def dask_results(files: list[Path], known: dict[str, str], limit: float | None, warnings: list[tuple[str, str]],
                 scheduler: str, workers: int | None = None) -> Iterator[Iterator[Result]]:
    """The results of extracting `files` on the Dask scheduler `scheduler` (or "local")."""
    with connect(scheduler, workers) as client:
        yield iter(DaskExtraction(client, files, known, limit, warnings))
