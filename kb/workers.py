"""Extraction in worker processes for `kb build`: one file at a time, a time budget per
document, and a pool that survives a worker killed under it (kill -9, the out-of-memory killer).

* In every worker (and in the single-process path) reading a file and extracting each of its
  documents runs under an interval timer (`time_limit`): a document that takes longer than the
  budget raises `DocumentTimeout` where it is, is reported by id, and the file's other
  documents are kept.
* The supervising process (`Supervisor`) sees, through a slot of shared memory per worker,
  which file and document each worker is on and since when. A worker past the budget plus a
  grace period (stuck where the timer cannot reach it) is killed, and its document reported.
* A worker that dies breaks the pool (concurrent.futures' BrokenProcessPool; multiprocessing's
  Pool waited forever for its task). The pool is replaced, the files in flight are submitted
  again, and each file a worker was in the middle of is retried once, alone, in a fresh
  process: stored if it succeeds, reported as failed by name if that process dies too.

Results come back in the order of the files, as `process_file` gives them:
(path, [Extraction or the id of an unchanged document], problem or None).
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from ingest.records import Extraction, ReadError

Result = tuple[str, list, "str | None"]

# The time budget of one document (and of reading one file), in seconds; 0 turns it off.
TIMEOUT_ENV = "KB_DOCUMENT_TIMEOUT"
DEFAULT_TIMEOUT = 120.0

# Test-only fault injection, so that tests can do to one file what a pathological document or
# the out-of-memory killer does: "crash:NAME" (kill -9 of the process extracting the file
# called NAME), "sleep:NAME" (sleep in Python: the timer stops it), "hang:NAME" (sleep with the
# timer's signal blocked, as code stuck in C would: the supervisor has to kill the worker).
# NAME is a file's name or a document's id; several faults are separated by commas.
TEST_FAULT_ENV = "KB_TEST_FAULT"

POLL = 0.2  # seconds between looks at the workers' slots


def default_timeout() -> float:
    """The budget from KB_DOCUMENT_TIMEOUT, or DEFAULT_TIMEOUT."""
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV}={value!r} is not a number of seconds") from None
    if seconds < 0:
        raise ValueError(f"{TIMEOUT_ENV}={value!r}: the budget cannot be negative (0 turns it off)")
    return seconds


def grace(limit: float) -> float:
    """How long past its budget a worker may stay on one document before it is killed."""
    return max(1.0, min(limit, 10.0))


def _seconds(limit: float) -> str:
    return f"{limit:g}"


def _how_to_raise() -> str:
    return f"raise the limit with kb build --document-timeout or {TIMEOUT_ENV}"


def timeout_message(limit: float, document: str | None, killed: bool = False) -> str:
    if document is None:
        return f"reading the file took longer than {_seconds(limit)} s; not stored ({_how_to_raise()})"
    if killed:
        return (f"document {document!r} took longer than {_seconds(limit)} s to extract; its worker was stopped "
                f"and the file not stored ({_how_to_raise()})")
    return f"document {document!r} took longer than {_seconds(limit)} s to extract; not stored ({_how_to_raise()})"


class WorkersFailed(RuntimeError):
    """Worker processes die again and again on no file: the build cannot go on in parallel."""


class DocumentTimeout(BaseException):
    """Raised by `time_limit`'s timer. A BaseException, so that no `except Exception` in the
    extraction swallows it and goes on."""


@contextmanager
def time_limit(seconds: float | None):
    """Raise DocumentTimeout in the block once `seconds` have passed: a SIGALRM interval timer in
    the main thread (a timer set before is restored); elsewhere (a Dask worker's task thread) a
    timer thread that raises it asynchronously in this thread, which Python code notices at
    its next instruction (code stuck in C notices it when it returns). A no-op without either."""
    if not seconds:
        yield
        return
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        with _thread_time_limit(seconds):
            yield
        return

    def on_alarm(signum, frame):
        raise DocumentTimeout

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # someone else's timer (a test runner's, say): give it what is left
            signal.setitimer(signal.ITIMER_REAL, max(0.001, outer - (time.monotonic() - started)))


@contextmanager
def _thread_time_limit(seconds: float):
    raise_in = ctypes.pythonapi.PyThreadState_SetAsyncExc
    target = ctypes.c_ulong(threading.get_ident())
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire() -> None:
        with lock:
            if not state["done"]:
                state["fired"] = True
                raise_in(target, ctypes.py_object(DocumentTimeout))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
            timer.cancel()
            if state["fired"]:  # raised here already, or still pending: never let it out of the block
                raise_in(target, None)


# ------------------------------------------------------------------ in the worker
class _Slot(ctypes.Structure):
    """What one worker is doing, in shared memory: `started` is 0 while it is idle."""

    _fields_ = [("pid", ctypes.c_int), ("file", ctypes.c_long), ("reading", ctypes.c_int),
                ("started", ctypes.c_double), ("document", ctypes.c_char * 200)]


_KNOWN: dict[str, str] = {}  # the stored content hashes: unchanged documents are not extracted
_LIMIT: float | None = None
_SLOT: _Slot | None = None
_PIPE = None  # in an isolated retry: where to say which document it is on


def _init_worker(known: dict[str, str], limit: float | None = None, slots=None, counter=None) -> None:
    global _KNOWN, _LIMIT, _SLOT, _PIPE
    _KNOWN, _LIMIT, _PIPE = known, limit or None, None
    _SLOT = None
    if slots is not None:
        with counter.get_lock():
            index = counter.value
            counter.value += 1
        _SLOT = slots[index % len(slots)]
        _SLOT.pid = os.getpid()
        _SLOT.started = 0.0
        _exit_with_parent()


def _exit_with_parent() -> None:
    """End this worker when the build that started it is gone (killed: nobody would read what
    it extracts)."""
    parent = os.getppid()

    def watch() -> None:
        if hasattr(signal, "pthread_sigmask"):  # the time limit's signal is for the main thread
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="kb-exit-with-parent", daemon=True).start()


def _working_on(document: str | None) -> None:
    """Say (to the supervisor) which document this worker starts on; None: reading the file."""
    if _SLOT is not None:
        _SLOT.started = 0.0
        _SLOT.reading = int(document is None)
        _SLOT.document = (document or "").encode("utf-8", "replace")[:199]
        _SLOT.started = time.monotonic()
    if _PIPE is not None:
        _PIPE.send(("working on", document))
    if _WATCH is not None:
        _WATCH.working_on(document)


def _idle() -> None:
    if _SLOT is not None:
        _SLOT.started = 0.0
    if _WATCH is not None:
        _WATCH.idle()


_WATCH = None  # in a Dask worker, its kb.cluster.Watchdog: told which document each task thread is on


def _test_fault(path: Path, document: str) -> None:
    faults = [f.split(":", 1) for f in os.environ.get(TEST_FAULT_ENV, "").split(",") if ":" in f]
    kind = next((kind for kind, name in faults if name in (path.name, document)), None)
    if kind is None:
        return
    if kind == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    elif kind == "sleep":  # short sleeps: Python code, which either kind of timer interrupts
        for _ in range(36000):
            time.sleep(0.1)
    elif kind == "hang" and hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)


def process_file(path: Path) -> Result:
    """Read one file and extract its changed documents; unchanged ones come back as their id. A
    document over the time budget is left out and named in the problem; the others are kept."""
    from ingest.extract import extract  # here: `kb --help` needs this module's constants only
    from ingest.readers import PartialReadError, read_path


    path = Path(path)
    problem: str | None = None
    _working_on(None)
    try:
        with time_limit(_LIMIT):
            documents = read_path(path)
    except PartialReadError as e:  # some records of a multi-record file were bad: keep the good ones
        documents, problem = e.documents, str(e)
    except ReadError as e:
        return str(path), [], str(e)
    except DocumentTimeout:
        return str(path), [], timeout_message(_LIMIT or 0, None)
    except Exception as e:  # a reader bug must not stop the build either
        return str(path), [], f"unexpected {type(e).__name__}: {e}"
    finally:
        _idle()
    out: list[Extraction | str] = []
    slow: list[str] = []
    for doc in documents:
        if _KNOWN.get(doc.id) == doc.content_hash:
            out.append(doc.id)
            continue
        if _LIMIT:
            _warm_up(extract)
        _working_on(doc.id)
        try:
            with time_limit(_LIMIT):
                _test_fault(path, doc.id)
                extraction = extract(doc)
                extraction.fingerprints()  # here, in parallel, rather than in the single writer
        except DocumentTimeout:
            slow.append(doc.id)
            continue
        except Exception as e:
            return str(path), [], f"extraction failed in document {doc.id!r}: {type(e).__name__}: {e}"
        finally:
            _idle()
        out.append(extraction)
    if slow:
        late = timeout_message(_LIMIT or 0, slow[0])
        if len(slow) > 1:
            late += f"; {len(slow) - 1} more documents of this file too"
        problem = f"{problem}; {late}" if problem else late
    return str(path), out, problem


_WARM = False


def _warm_up(extract) -> None:
    """Extract a small document once per process before the first one that is timed: the
    extractor compiles its patterns and loads its tables on first use (a few seconds), which is
    no document's fault."""
    global _WARM
    if _WARM:
        return
    _WARM = True
    from ingest.records import Document

    try:
        extract(Document(id="warm-up", path="warm-up.md", title="Warm-up", published="2024-01-02",
                         text="Norvane Motors Inc said on Monday it plans to enter India in 2027."))
    except Exception:
        pass


def _work(chunk: list[tuple[int, str]]) -> list[tuple[int, Result]]:
    out = []
    for index, path in chunk:
        if _SLOT is not None:
            _SLOT.file = index
        out.append((index, process_file(Path(path))))
    return out


def _isolated_main(conn, path: str, known: dict[str, str], limit: float | None) -> None:
    global _PIPE
    _init_worker(known, limit)
    _exit_with_parent()
    _PIPE = conn
    result = process_file(Path(path))
    _PIPE = None
    conn.send(("done", result))
    conn.close()


# ------------------------------------------------------------------ in the supervisor
def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if name == "SIGKILL":
            return "killed by SIGKILL, as the out-of-memory killer does"
        return f"killed by {name}"
    return f"exit status {exitcode}"


class InFileOrder:
    """Results handed out in the order of `files` while batches finish in any order: an engine fills
    `ready` (file index -> Result) each time `_advance(head)` is called, `head` being the next index due."""

    files: list[Path]
    ready: dict[int, Result]

    def __iter__(self) -> Iterator[Result]:
        next_out = 0
        while next_out < len(self.files):
            if next_out in self.ready:
                yield self.ready.pop(next_out)
                next_out += 1
            else:
                self._advance(next_out)

    def _advance(self, head: int) -> None:
        raise NotImplementedError


class Supervisor(InFileOrder):
    """Files extracted by `workers` processes, results in file order (iterate once, inside
    `with`); dead workers replaced, over-budget documents stopped (module docstring).
    `warnings` gets (path, message) for files that were extracted again after a worker died."""

    def __init__(self, files: list[Path], workers: int, known: dict[str, str], limit: float | None,
                 warnings: list[tuple[str, str]]):
        self.files, self.workers, self.known, self.limit = files, workers, known, limit or None
        self.warnings = warnings
        self.ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        size = max(1, min(8, len(files) // (workers * 4)))
        self.todo: deque[list[int]] = deque(list(range(i, min(i + size, len(files))))
                                            for i in range(0, len(files), size))
        self.inflight: dict = {}
        self.ready: dict[int, Result] = {}
        self.killed: dict[int, str] = {}  # file index -> why the supervisor killed its worker
        self.window = workers * 2
        self.idle_breaks = 0  # pools broken in a row with no worker on any file
        self.collected = self.collected_at_break = 0  # results taken from the pool
        self.pool = None
        self.slots = None

    # -- the pool
    def _start(self) -> None:
        self.slots = self.ctx.RawArray(_Slot, self.workers)
        counter = self.ctx.Value("i", 0)
        self.pool = ProcessPoolExecutor(self.workers, mp_context=self.ctx, initializer=_init_worker,
                                        initargs=(self.known, self.limit, self.slots, counter))

    def _stop(self, kill: bool) -> None:
        if self.pool is None:
            return
        if kill:  # an error in the caller, or a broken pool: do not wait for the files in hand
            for slot in self.slots:
                if slot.pid and slot.pid != os.getpid():
                    try:
                        os.kill(slot.pid, signal.SIGKILL)
                    except OSError:
                        pass
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = None

    def __enter__(self) -> Supervisor:
        self._start()
        return self

    def __exit__(self, kind, value, tb) -> None:
        self._stop(kill=kind is not None)

    # -- the loop
    def _advance(self, head: int) -> None:
        """Wait for some chunk to finish (or the pool to break, then recover it)."""
        broken = self._fill(head)
        if not broken:
            if not self.inflight:
                raise RuntimeError(f"kb build lost track of {self.files[head]}")
            done, _ = wait(list(self.inflight), timeout=POLL, return_when=FIRST_COMPLETED)
            self._enforce_limit()
            for future in done:
                broken |= self._collect(future)
        if broken:
            self._recover()

    def _fill(self, head: int) -> bool:
        """Submit chunks until `window` are in flight (only the one with the next file to give,
        `head`, while many results wait to be taken); True if the pool turned out to be broken."""
        while self.todo and len(self.inflight) < self.window and (
                len(self.ready) < self.window * 64 or head in self.todo[0]):
            chunk = self.todo.popleft()
            try:
                future = self.pool.submit(_work, [(i, str(self.files[i])) for i in chunk])
            except BrokenProcessPool:
                self.todo.appendleft(chunk)
                return True
            self.inflight[future] = chunk
        return False

    def _collect(self, future) -> bool:
        chunk = self.inflight.pop(future)
        try:
            results = future.result()
        except BrokenProcessPool:
            self.todo.appendleft(chunk)
            return True
        for index, result in results:
            self.ready[index] = result
        self.collected += len(results)
        return False

    def _enforce_limit(self) -> None:
        if not self.limit:
            return
        now = time.monotonic()
        for slot in self.slots:
            started = slot.started
            if started and now - started > self.limit + grace(self.limit):
                document = None if slot.reading else slot.document.decode("utf-8", "replace")
                self.killed[slot.file] = timeout_message(self.limit, document, killed=True)
                slot.started = 0.0
                try:
                    os.kill(slot.pid, signal.SIGKILL)
                except OSError:
                    pass

    def _recover(self) -> None:
        """A worker died: note what each worker was on, replace the pool, settle those files
        (timed out, or retried alone), and submit the rest again."""
        working = {slot.file: (None if slot.reading else slot.document.decode("utf-8", "replace"))
                   for slot in self.slots if slot.started}
        if working or self.killed or self.collected > self.collected_at_break:
            self.idle_breaks = 0
        else:  # died on no file: between files, or before taking any (cannot start at all?)
            self.idle_breaks += 1
            if self.idle_breaks >= 3:
                raise WorkersFailed("the extraction worker processes keep dying before they take a file; "
                                    "try kb build --workers 1")
        if self.inflight:
            wait(list(self.inflight), timeout=60)
        for future in list(self.inflight):
            self._collect(future)
        self._stop(kill=True)
        killed, self.killed = self.killed, {}
        redo = sorted({i for chunk in self.todo for i in chunk} - set(self.ready))
        settled: set[int] = set()
        for index, message in killed.items():
            if index not in self.ready:
                self.ready[index] = (str(self.files[index]), [], message)
                settled.add(index)
        if not killed:  # a death the supervisor did not cause: retry each file in hand alone
            for index, document in sorted(working.items()):
                if index in self.ready:
                    continue
                self.ready[index] = self._isolated(index, document)
                settled.add(index)
        redo = [i for i in redo if i not in settled]
        self.collected_at_break = self.collected
        size = max(1, min(8, len(redo) // (self.workers * 4)))
        self.todo = deque(redo[i:i + size] for i in range(0, len(redo), size))
        self._start()

    def _isolated(self, index: int, document: str | None) -> Result:
        """Extract one file again in a process of its own (after a worker died on it)."""
        path = str(self.files[index])
        receiver, sender = self.ctx.Pipe(duplex=False)
        process = self.ctx.Process(target=_isolated_main, args=(sender, path, self.known, self.limit), daemon=True)
        process.start()
        sender.close()
        started = time.monotonic()
        result = None
        try:
            while True:
                if receiver.poll(POLL):
                    try:
                        kind, value = receiver.recv()
                    except (EOFError, OSError):
                        break
                    if kind == "done":
                        result = value
                        break
                    document, started = value, time.monotonic()
                elif self.limit and time.monotonic() - started > self.limit + grace(self.limit):
                    process.kill()
                    process.join()
                    return path, [], timeout_message(self.limit, document, killed=True)
                elif not process.is_alive() and not receiver.poll(0):
                    break
        finally:
            receiver.close()
        process.join()
        if result is not None:
            self.warnings.append((path, "a worker process died while this file was being extracted (the pool "
                                        "was replaced); extracted again alone in a fresh process"))
            return result
        where = f"document {document!r}" if document else "the file"
        return path, [], (f"the worker process died ({_death(process.exitcode)}) while extracting {where}, "
                          "and again when it was retried alone in a fresh one; not stored")
