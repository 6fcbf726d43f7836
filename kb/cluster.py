"""Extraction on a Dask cluster (`--scheduler tcp://HOST:8786`, or `local`): batches of files
are extracted by Dask workers and their results streamed back to the one process that stores
them (or writes shards).

* Files are read where they are: each worker opens the paths it is given, so the paths must
  name the same files on every worker (a shared or copied folder). Workers need this package
  installed (`pip install 'market-entry-kb[dask]'`), as any Dask task needs its code.
* The stored content hashes go to the workers once (`Client.scatter`): unchanged documents
  come back as their id, as from the process pool. Each document has the same time budget
  (kb.workers.time_limit, a timer thread in the worker's task thread); a document stuck past
  it where that cannot reach is named to the scheduler by the worker's Watchdog, which then
  stops the worker, and reported as over its budget.
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
import os
import signal
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .workers import InFileOrder, Result, timeout_message

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


def extract_batch(paths: list[str], known, limit: float | None, build: str = "") -> list[Result]:
    """Run on a Dask worker: `kb.workers.process_file` on each path, in order, watched by the
    worker's Watchdog when there is a time budget."""
    from . import workers

    workers._init_worker(known, limit)
    watch = Watchdog.of_this_worker(limit) if limit else None
    out = []
    try:
        for path in paths:
            if watch is not None:
                watch.file(path, build)
            out.append(workers.process_file(Path(path)))
    finally:
        if watch is not None:
            watch.done()
    return out


STUCK = "kb-stuck-document"  # the topic of the events a Watchdog logs before it stops its worker


class Watchdog:
    """In a Dask worker process: when a task thread stays on one document past the budget plus
    a grace period (stuck where the time limit's exception cannot reach it, in C code), it logs
    an event naming the file and document to the scheduler and kills the worker process, as the
    process pool's supervisor kills a stuck worker. The nanny starts a new worker; the client
    reads the event to report the document (DaskExtraction._died)."""

    _instance: Watchdog | None = None
    _lock = threading.Lock()

    def __init__(self, limit: float):
        from distributed import get_worker

        self.limit = limit
        self.worker = get_worker()
        self.current: dict[int, list] = {}  # task thread id -> [build, path, document, started]
        threading.Thread(target=self._run, name="kb-watchdog", daemon=True).start()

    @classmethod
    def of_this_worker(cls, limit: float) -> Watchdog:
        from . import workers

        with cls._lock:
            if cls._instance is None:
                cls._instance = cls(limit)
                workers._WATCH = cls._instance
            cls._instance.limit = limit
            return cls._instance

    def file(self, path: str, build: str) -> None:
        self.current[threading.get_ident()] = [build, path, None, 0.0]

    def working_on(self, document: str | None) -> None:
        entry = self.current.get(threading.get_ident())
        if entry is not None:
            entry[2], entry[3] = document, time.monotonic()

    def idle(self) -> None:
        entry = self.current.get(threading.get_ident())
        if entry is not None:
            entry[3] = 0.0

    def done(self) -> None:
        self.current.pop(threading.get_ident(), None)

    def _run(self) -> None:
        from .workers import POLL, grace

        while True:
            time.sleep(POLL)
            now = time.monotonic()
            for build, path, document, started in list(self.current.values()):
                if started and now - started > self.limit + grace(self.limit):
                    self.worker.log_event(STUCK, {"build": build, "path": path, "document": document,
                                                  "limit": self.limit})
                    time.sleep(1.0)  # the event reaches the scheduler before the worker goes
                    os.kill(os.getpid(), signal.SIGKILL)


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
                                               processes=True, host="127.0.0.1",
                                               dashboard_address="127.0.0.1:0",
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


class DaskExtraction(InFileOrder):
    """Results of `files`, in their order (iterate once), extracted by the client's workers."""

    def __init__(self, client, files: list[Path], known: dict[str, str], limit: float | None):
        self.client, self.files, self.limit = client, files, limit or None
        self.distributed = require_dask()
        threads = max(1, sum(client.nthreads().values()))
        self.window = threads * 2  # batches in flight
        size = max(1, min(BATCH_FILES, len(files) // (threads * 4)))
        self.todo: deque[list[int]] = deque(list(range(i, min(i + size, len(files))))
                                            for i in range(0, len(files), size))
        self.known = client.scatter([known], broadcast=True)[0] if known else {}
        self.build = uuid.uuid4().hex  # names this build in the Watchdog's events
        self.inflight: dict = {}
        self.ready: dict[int, Result] = {}
        self.alone: set[int] = set()  # files run again alone after their batch's workers died
        self.completed = self.distributed.as_completed()

    def _advance(self, head: int) -> None:
        """Wait for the next batch to finish and take its results."""
        self._fill(head)
        if not self.inflight:
            raise RuntimeError(f"kb lost track of {self.files[head]}")
        self._collect(next(self.completed))

    def _fill(self, head: int) -> None:
        while self.todo and len(self.inflight) < self.window and (
                len(self.ready) < self.window * 64 or head in self.todo[0]):
            batch = self.todo.popleft()
            future = self.client.submit(extract_batch, [str(self.files[i]) for i in batch], self.known, self.limit,
                                        self.build, pure=False)
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
        """Dask gave up on a batch whose workers died: a file a Watchdog stopped is reported as
        over its budget and the others run again; otherwise each file once more alone, then
        reported."""
        stuck = self._stuck()
        timed_out = [i for i in batch if str(self.files[i]) in stuck]
        if timed_out:
            for i in timed_out:
                self.ready[i] = (str(self.files[i]), [],
                                 timeout_message(self.limit or 0, stuck[str(self.files[i])], killed=True))
            rest = [i for i in batch if i not in timed_out]
            if rest:
                self.todo.appendleft(rest)
            return
        if len(batch) > 1:
            self.alone.update(batch)
            self.todo.extendleft([i] for i in reversed(batch))
            return
        index = batch[0]
        again = "also when it was run again alone" if index in self.alone else "each time Dask ran it"
        self.ready[index] = (str(self.files[index]), [],
                             f"the Dask worker died while extracting this file ({_brief(error)}), {again}; not stored")


    def _stuck(self) -> dict[str, str | None]:
        """path -> document of this build's files that a Watchdog stopped its worker on."""
        try:
            events = self.client.get_events(STUCK)
        except Exception:  # an old scheduler: no events, the files are retried alone instead
            return {}
        return {msg["path"]: msg["document"] for _, msg in events
                if isinstance(msg, dict) and msg.get("build") == self.build}


def _brief(error: Exception) -> str:
    text = str(error).split(". ")[0].strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@contextmanager
def dask_results(files: list[Path], known: dict[str, str], limit: float | None, scheduler: str,
                 workers: int | None = None) -> Iterator[Iterator[Result]]:
    """The results of extracting `files` on the Dask scheduler `scheduler` (or "local")."""
    with connect(scheduler, workers) as client:
        yield iter(DaskExtraction(client, files, known, limit))
