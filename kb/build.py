"""`kb build`: read files, extract in worker processes, store one document at a time."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ingest.readers import supported
from ingest.records import Extraction

from .corrections import Corrections, CorrectionsError, default_path, load_corrections
from .corrections import apply as apply_corrections
from .shards import count_results, read_shards, shard_files
from .schema import build_marker, clear_build_marker, open_db, open_readonly, restore_triggers, set_build_marker
from .store import (Batch, delete_document, refresh_companies, refresh_facet_counts, save_extraction,
                    stored_document, stored_hashes)
from .claims import recompute as recompute_claims
from .workers import Result, Supervisor, _init_worker, default_timeout, process_file

EXAMPLES = Path(__file__).resolve().parent / "examples"  # package data: `kb build` with no path works anywhere


@dataclass
class RunReport:
    """What every run that reads files reports: failures, what was found, errors and warnings by file."""

    failed: int = 0
    statements: int = 0
    events: int = 0
    corrections_failed: int = 0  # corrections that could not be applied (an add whose quote is gone)
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class BuildReport(RunReport):
    """What one build did, for the summary line and the exit status."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    pruned: int = 0
    duplicates: int = 0  # documents not stored because an equal one is (same canonical URL or text)
    corrections: Corrections = field(default_factory=Corrections, repr=False)  # what this build applies

    def summary(self) -> str:
        parts = [
            f"documents: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, {self.failed} failed",
        ]
        if self.pruned:
            parts[0] += f", {self.pruned} pruned"
        if self.duplicates:
            parts[0] += f", {self.duplicates} duplicates"
        parts.append(f"stored from new and changed documents: {self.statements} statements, {self.events} events")
        if self.corrections.items or self.corrections_failed:
            parts.append(f"corrections: {len(self.corrections.items)} in {self.corrections.path}"
                         + (f", {self.corrections_failed} failed" if self.corrections_failed else ""))
        return "\n".join(parts)


def iter_files(paths: Iterable[str | Path],
               on_error: Callable[[str, str], None] | None = None) -> Iterator[Path]:
    """Every supported file under the given files and folders, recursively (not into hidden
    folders, nor through links to folders), in a stable order. A folder that cannot be listed
    is passed to `on_error(folder, reason)`, not skipped in silence."""
    for p in paths:
        path = Path(p)
        if _is_dir(path):
            yield from sorted(_walk(path, on_error))
        else:
            yield path


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # cannot even be looked at: read_path says why, as for any file
        return False


def _walk(folder: Path, on_error) -> Iterator[Path]:
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError as e:
        if on_error is not None:
            on_error(str(folder), f"cannot read folder: {e.strerror or e}; the files in it were not ingested")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = folder / entry.name
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(child, on_error)
                continue
            is_file = entry.is_file()
        except OSError:  # a link that cannot be followed here: read_path will say why
            is_file = True
        if is_file and supported(child):
            yield child


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def build_paths(
    paths: Iterable[str | Path],
    db_path: str | Path,
    workers: int | None = None,
    prune: bool = False,
    on_file: Callable[[str, str | None], None] | None = None,
    corrections: str | Path | None = None,
    document_timeout: float | None = None,
    scheduler: str | None = None,
) -> BuildReport:
    """Ingest files and folders into the database at `db_path`; returns what happened.

    `on_file(path, error)` is called after each file (for progress and error lines).
    `corrections`: the corrections file (default: corrections.yaml next to the
    database, if there is one); a bad one raises CorrectionsError before anything is stored.
    `document_timeout`: seconds one document may take to read and extract before it is
    reported as failed (default: KB_DOCUMENT_TIMEOUT or kb.workers.DEFAULT_TIMEOUT; 0: no limit).
    `scheduler`: extract on Dask (a scheduler's address, or "local" for a LocalCluster of
    `workers` processes) instead of this machine's worker processes (kb/cluster.py).
    """
    limit = default_timeout() if document_timeout is None else document_timeout
    if scheduler:
        from .cluster import require_dask

        require_dask()  # before anything is written: say what to install
    with _writing(db_path, corrections) as (db, loaded):
        return _build(db, paths, loaded, workers, prune, on_file, limit, scheduler)


def load_shards(
    shards: Iterable[str | Path],
    db_path: str | Path,
    on_file: Callable[[str, str | None], None] | None = None,
    corrections: str | Path | None = None,
) -> BuildReport:
    """The second half of a build: store the results held in shards (folders of them, or
    shard files; kb/shards.py) as `kb build` stores what it extracts: unchanged documents
    skipped, each document in its own savepoint, the same report. Files that could not be
    extracted, and lines that are not results, are reported as failed by name."""
    with _writing(db_path, corrections) as (db, loaded):
        known, report = _begin(db, loaded)
        files = shard_files(shards)
        stale = _stale(db, loaded)
        skip = {k: v for k, v in known.items() if k not in stale}
        results = (_unchanged(result, skip) for result in read_shards(shards))
        _store_results(db, results, known, set(), report, on_file, count_results(files))
        _check_corrections(db, loaded, report)
        finish_build(db)
        return report


def _unchanged(result: Result, known: dict[str, str]) -> Result:
    """The result with each document whose content hash is stored given as its id, as
    kb.workers.process_file gives an unchanged one."""
    path, items, problem = result
    return path, [item.document.id if isinstance(item, Extraction) and known.get(item.document.id)
                  == item.document.content_hash else item for item in items], problem


@contextmanager
def _writing(db_path: str | Path, corrections: str | Path | None):
    """The database open for one build (its lock held: BuildBusy if another holds it) and the
    corrections that build applies (CorrectionsError, before anything is written, for a bad file)."""
    if corrections is None and default_path(db_path).exists():
        corrections = default_path(db_path)
    if corrections is not None and not Path(corrections).exists():
        raise CorrectionsError(f"{corrections}: corrections file not found")
    loaded = load_corrections(corrections)
    with build_lock(db_path):  # one build at a time: a second one is told so (BuildBusy), not "database is locked"
        db = open_db(db_path)
        try:
            yield db, loaded
        finally:
            db.close()


def _build(db, paths, loaded: Corrections, workers: int | None, prune: bool, on_file, limit: float,
           scheduler: str | None = None) -> BuildReport:
    known, report = _begin(db, loaded)

    def unreadable(folder: str, reason: str) -> None:  # reported, with exit status 1
        report.failed += 1
        report.errors.append((folder, reason))
        if on_file:
            on_file(folder, reason)

    files = list(iter_files(paths, on_error=unreadable))
    stale = _stale(db, loaded)
    listed = {str(f) for f in files}
    files += [Path(p) for p in dict.fromkeys(stale.values()) if p not in listed and _exists(p, regular=True) is True]
    # One whose file is gone (moved, deleted) is extracted again from its stored copy, so that the
    # changed corrections still take effect (issue 14), unless --prune is about to remove it.
    gone = [] if prune else [doc_id for doc_id, p in stale.items()
                             if p not in listed and _exists(p, regular=True) is False]
    worker_known = {k: v for k, v in known.items() if k not in stale}
    seen: set[str] = set()
    # The two halves of a build: extraction (here, or on Dask), then storing (what `kb load` does).
    with extraction(files, worker_known, limit, report.warnings, workers, scheduler) as results:
        _store_results(db, results, known, seen, report, on_file, len(files))
    if gone:
        copies = (_extract_stored(db, doc_id, report) for doc_id in gone if doc_id not in seen)
        _store_results(db, copies, known, seen, report, on_file, len(gone))
    if prune:
        for doc_id, path in db.conn.execute("select id, path from documents").fetchall():
            if doc_id in seen:
                continue
            exists = _exists(path)
            if exists is False:
                delete_document(db, doc_id)
                report.pruned += 1
            elif exists is None:  # a folder on the way cannot be read: keep it, and say so
                report.warnings.append((path, "not pruned: cannot tell whether the file still exists "
                                              f"({_stat_problem(path)})"))
    _check_corrections(db, loaded, report)
    finish_build(db)
    return report


def _begin(db, loaded: Corrections) -> tuple[dict[str, str], BuildReport]:
    """Mark the build unfinished (set before the first write, cleared by finish_build: a build
    that dies in between leaves it); the stored content hashes, and an empty report."""
    set_build_marker(db, json.dumps({"pid": os.getpid(), "started": _now()}))
    return stored_hashes(db), BuildReport(corrections=loaded)


def _stale(db, loaded: Corrections) -> dict[str, str]:
    """id -> path of the stored documents whose corrections changed since they were stored: they
    are extracted (or loaded) again, not skipped as unchanged."""
    if loaded.items:
        return {doc_id: path for doc_id, path, url, digest in
                db.conn.execute("select id, path, url, corrections_hash from documents")
                if loaded.digest(doc_id, url) != digest}
    # no corrections: only documents that had some are stale
    return dict(db.conn.execute("select id, path from documents where corrections_hash is not null"))


@contextmanager
def extraction(files: list[Path], known: dict[str, str], limit: float | None, warnings: list[tuple[str, str]],
               workers: int | None = None, scheduler: str | None = None) -> Iterator[Iterator[Result]]:
    """The first half of a build: the results of extracting `files` (kb.workers.process_file's
    (path, [Extraction or unchanged id], problem)), in their order, from Dask workers
    (`scheduler`: an address or "local", kb/cluster.py), supervised worker processes
    (kb/workers.py), or this process. `known`: id -> content hash of documents to skip."""
    workers = workers or default_workers()
    if scheduler:
        from .cluster import dask_results

        with dask_results(files, known, limit, scheduler, workers if scheduler == "local" else None) as r:
            yield r
    elif workers > 1 and len(files) > 1:  # worker processes, supervised: a dead one is replaced
        with Supervisor(files, workers, known, limit, warnings) as results:
            yield results
    else:
        _init_worker(known, limit)
        yield map(process_file, files)


def _extract_stored(db, doc_id: str, report: BuildReport) -> tuple[str, list, str | None]:
    """A result as process_file gives it, from the document's stored copy instead of its file."""
    from ingest.extract import extract

    doc = stored_document(db, doc_id)
    try:
        extraction = extract(doc)
    except Exception as e:
        return doc.path, [], f"extraction failed in document {doc_id!r}: {type(e).__name__}: {e}"
    report.warnings.append((doc.path, f"file no longer exists; corrections applied to the stored copy of "
                                      f"document {doc_id!r}"))
    return doc.path, [extraction], None


def _exists(path: str, regular: bool = False) -> bool | None:
    """True when the path is there (a file, for `regular`), False when it is not, None when that
    cannot be told (a folder on the way cannot be read)."""
    try:
        mode = os.stat(path).st_mode
        return stat.S_ISREG(mode) if regular else True
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return None


def _stat_problem(path: str) -> str:
    try:
        os.stat(path)
    except OSError as e:
        return e.strerror or str(e)
    return "no problem now"


def finish_build(db) -> None:
    """What every build ends with, and what repairs one that was killed before its end: the
    full-text triggers (and the index, if they were dropped), company counts, claims, facet
    counts; only then the unfinished-build marker is cleared."""
    restore_triggers(db)
    refresh_companies(db)
    recompute_claims(db)
    refresh_facet_counts(db)  # last: counts of what is now stored, for the Datasette pages
    clear_build_marker(db)


class BuildBusy(RuntimeError):
    """Another `kb build` is writing to this database (the message says so, naming it)."""


class BuildUnfinished(RuntimeError):
    """The last build stopped before its end and the database could not be repaired here."""


def _now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.build-lock")


@contextmanager
def build_lock(db_path: str | Path):
    """Hold the database's build lock (an flock on `<db>.build-lock`, released by the system
    when the process dies, even by kill -9) or raise BuildBusy naming the database."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): no guard, as before
        yield
        return
    try:
        fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a read-only folder: SQLite will say what matters when writing
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise BuildBusy(f"{db_path}: another kb build is writing to it" + (f" (pid {pid})" if pid else "")
                            + "; wait for it to finish, then run this again") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        _HELD_LOCKS.add(fd)
        yield
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)


# Lock descriptors this process holds. A forked worker closes its copies at once: the flock
# belongs to the open file, so a worker outliving a killed build would otherwise keep the
# database locked against the next one.
_HELD_LOCKS: set[int] = set()


def _close_inherited_locks() -> None:
    for fd in _HELD_LOCKS:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited_locks)


def ensure_finished(db_path: str | Path, while_building: str = "refuse") -> str | None:
    """Make sure the database at `db_path` is not the leftover of a killed build.

    Returns None when it is fine, or a note when it was repaired (`finish_build` run). Raises
    BuildUnfinished, naming `kb build`, when it cannot be repaired (read-only, disk full...),
    and BuildBusy when a build is running and `while_building` is "refuse"; with "allow",
    returns a note saying the build is running (Datasette on a WAL database serves the
    documents stored so far).
    """
    try:
        conn = open_readonly(db_path)
        try:
            marker = build_marker(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise BuildUnfinished(f"{db_path}: not a readable SQLite database ({e}); move it aside and run "
                              f"`kb build --db {db_path}`") from None
    if marker is None:
        return None
    try:
        with build_lock(db_path):
            try:
                db = open_db(db_path)
                try:
                    finish_build(db)
                finally:
                    db.close()
            except sqlite3.Error as e:
                raise BuildUnfinished(
                    f"{db_path}: the last kb build stopped before it finished (search index, claims and facet "
                    f"counts may be stale) and it cannot be repaired here ({e}); run `kb build --db {db_path}` "
                    "to finish it") from None
    except BuildBusy as e:
        if while_building == "allow":
            return f"{db_path}: a kb build is writing to it; claims and facet counts are refreshed when it ends"
        raise BuildBusy(f"{e} (the data is incomplete until it ends)") from None
    started = _started(marker)
    return (f"{db_path}: the last kb build{started} stopped before it finished; restored its full-text "
            "search, claims and facet counts")


def _started(marker: str) -> str:
    try:
        return f" (started {json.loads(marker)['started']})"
    except (ValueError, KeyError, TypeError):
        return ""


# A build of at least BULK_FILES files (and at least a quarter as many as are stored) is a bulk
# load: once it has stored BULK_DEFER_AFTER documents (so a re-run that changes little does not
# pay for it), the full-text index is rebuilt once at the end instead of row by row
# (kb.schema.drop_triggers_for_bulk_load): about a fifth of the cost.
BULK_FILES = 1000
BULK_DEFER_AFTER = 100


def _store_results(db, results, known, seen, report: BuildReport, on_file, files: int | None = None) -> None:
    # Many documents per transaction, each in its own savepoint: whole documents only, far fewer commits.
    bulk = files is None or (files >= BULK_FILES and files * 4 >= len(known))
    with Batch(db, bulk_load_after=BULK_DEFER_AFTER if bulk else None) as batch:
        _store_batched(db, batch, results, known, seen, report, on_file)


def _store_batched(db, batch: Batch, results, known, seen, report: BuildReport, on_file) -> None:
    for path, items, error in results:
        if error:
            report.failed += 1
            report.errors.append((path, error))
        for item in items:
            if isinstance(item, str):
                seen.add(item)
                report.unchanged += 1
                continue
            doc_id = item.document.id
            url, text_hash = item.fingerprints()
            if doc_id in seen:
                if _stored_text_hash(db, doc_id) == text_hash:
                    _add_path(db, doc_id, item.document.path)  # the same article saved twice
                    report.duplicates += 1
                    continue
                # Two files claim the same id for different texts: keep the first, report the second.
                report.failed += 1
                report.errors.append((path, f"document id {doc_id!r} already used by another file in this build"))
                continue
            if doc_id not in known and batch.maybe_stored(url, text_hash):
                original = _find_duplicate(db, doc_id, url, text_hash)
                if original is not None:
                    _add_path(db, original, item.document.path)
                    report.duplicates += 1
                    continue
            seen.add(doc_id)
            if report.corrections.items:
                applied = apply_corrections(item, report.corrections)
                report.warnings.extend((path, w) for w in applied.warnings)
                report.errors.extend((path, e) for e in applied.errors)
                report.corrections_failed += len(applied.errors)
                item = applied.extraction
            old_paths = _stored_paths(db, doc_id) if doc_id in known else []
            try:
                save_extraction(db, item, batch, new=doc_id not in known)
                _after_save(db, item.document, old_paths, report.corrections)
            except Exception as e:
                problem = _whole_database_problem(e)
                if problem is not None:  # disk full, I/O error...: no document can be stored
                    raise problem from None
                report.failed += 1
                report.errors.append((path, f"could not store document {doc_id!r}: {type(e).__name__}: {e}"))
                continue
            if doc_id in known:
                report.changed += 1
            else:
                report.new += 1
            report.statements += len(item.statements)
            report.events += len(item.events)
        if on_file:
            on_file(path, error)


# SQLite result codes that concern the database file, not the document being stored.
_DATABASE_CODES = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CORRUPT,
                   sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CANTOPEN}


def _whole_database_problem(e: BaseException | None) -> BaseException | None:
    """The SQLite error about the database itself (disk full...) in `e` or what it happened in
    handling (a failed rollback after a disk-full error), or None for a document's own problem."""
    seen = 0
    while e is not None and seen < 5:
        if isinstance(e, sqlite3.Error) and (getattr(e, "sqlite_errorcode", 0) & 0xFF) in _DATABASE_CODES:
            return e
        e, seen = e.__context__, seen + 1
    return None


def _stored_text_hash(db, doc_id: str) -> str | None:
    row = db.conn.execute("select text_hash from documents where id = ?", [doc_id]).fetchone()
    return row[0] if row else None


def _find_duplicate(db, doc_id: str, url: str | None, text_hash: str) -> str | None:
    """The id of a stored document with the same canonical URL or normalized text, if any."""
    row = db.conn.execute(
        "select id from documents where id != ? and (text_hash = ? or (? is not null and canonical_url = ?))"
        " order by id limit 1",
        [doc_id, text_hash, url, url],
    ).fetchone()
    return row[0] if row else None


def _stored_paths(db, doc_id: str) -> list[str]:
    row = db.conn.execute("select paths from documents where id = ?", [doc_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def _add_path(db, doc_id: str, path: str) -> None:
    paths = _stored_paths(db, doc_id)
    if path not in paths:
        db.conn.execute("update documents set paths = ? where id = ?",
                        [json.dumps([*paths, path], ensure_ascii=False), doc_id])


def _after_save(db, doc, old_paths: list[str], corrections: Corrections) -> None:
    """Keep the paths of duplicates seen in earlier builds; remember which corrections were applied."""
    paths = [doc.path, *(p for p in old_paths if p != doc.path)]
    digest = corrections.digest(doc.id, doc.url) if corrections.items else None
    if len(paths) > 1 or digest is not None:
        db.conn.execute("update documents set paths = ?, corrections_hash = ? where id = ?",
                        [json.dumps(paths, ensure_ascii=False), digest, doc.id])


def _check_corrections(db, corrections: Corrections, report: BuildReport) -> None:
    """Warn about corrections naming a document the database does not have."""
    for c in corrections.items:
        if c.document is not None:
            found = db.conn.execute("select 1 from documents where id = ?", [c.document]).fetchone()
        else:
            found = db.conn.execute("select 1 from documents where canonical_url = ?", [c.url]).fetchone()
        if not found:
            what = f"document {c.document!r}" if c.document is not None else f"url {c.url!r}"
            report.warnings.append((str(corrections.path), f"line {c.line}: {c.describe()}: unknown {what}"))
