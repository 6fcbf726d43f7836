"""`kb build`: read files, extract in worker processes, store one document at a time."""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.extract import extract
from ingest.readers import PartialReadError, read_path, supported
from ingest.records import Extraction, ReadError

from .schema import open_db
from .store import Batch, delete_document, refresh_companies, save_extraction, stored_hashes
from .timeline import recompute as recompute_claims

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@dataclass
class BuildReport:
    """What one build did, for the summary line and the exit status."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    pruned: int = 0
    statements: int = 0
    events: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"documents: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, {self.failed} failed",
        ]
        if self.pruned:
            parts[0] += f", {self.pruned} pruned"
        parts.append(f"stored from new and changed documents: {self.statements} statements, {self.events} events")
        return "\n".join(parts)


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every supported file under the given files and folders, recursively, in a stable order."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and supported(child) and not _hidden(child.relative_to(path)):
                    yield child
        else:
            yield path


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


# Worker state: the stored content hashes, sent once per worker process.
_KNOWN: dict[str, str] = {}


def _init_worker(known: dict[str, str]) -> None:
    global _KNOWN
    _KNOWN = known


def process_file(path: Path) -> tuple[str, list[Extraction | str], str | None]:
    """Read one file and extract its changed documents; unchanged ones come back as their id."""
    problem: str | None = None
    try:
        documents = read_path(path)
    except PartialReadError as e:  # some records of a multi-record file were bad: keep the good ones
        documents, problem = e.documents, str(e)
    except ReadError as e:
        return str(path), [], str(e)
    except Exception as e:  # a reader bug must not stop the build either
        return str(path), [], f"unexpected {type(e).__name__}: {e}"
    out: list[Extraction | str] = []
    for doc in documents:
        if _KNOWN.get(doc.id) == doc.content_hash:
            out.append(doc.id)
            continue
        try:
            out.append(extract(doc))
        except Exception as e:
            return str(path), [], f"extraction failed in document {doc.id!r}: {type(e).__name__}: {e}"
    return str(path), out, problem


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def build_paths(
    paths: Iterable[str | Path],
    db_path: str | Path,
    workers: int | None = None,
    prune: bool = False,
    on_file: Callable[[str, str | None], None] | None = None,
) -> BuildReport:
    """Ingest files and folders into the database at `db_path`; returns what happened.

    `on_file(path, error)` is called after each file (for progress and error lines).
    """
    db = open_db(db_path)
    known = stored_hashes(db)
    files = list(iter_files(paths))
    report = BuildReport()
    seen: set[str] = set()
    workers = workers or default_workers()
    if workers > 1 and len(files) > 1:
        ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(known,)) as pool:
            results = pool.imap(process_file, files, chunksize=8)
            _store_results(db, results, known, seen, report, on_file)
    else:
        _init_worker(known)
        _store_results(db, map(process_file, files), known, seen, report, on_file)
    if prune:
        for doc_id, path in db.conn.execute("select id, path from documents").fetchall():
            if doc_id not in seen and not Path(path).exists():
                delete_document(db, doc_id)
                report.pruned += 1
    refresh_companies(db)
    recompute_claims(db)
    db.close()
    return report


def _store_results(db, results, known, seen, report: BuildReport, on_file) -> None:
    # Many documents per transaction, each in its own savepoint: whole documents only, far fewer commits.
    with Batch(db) as batch:
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
            if doc_id in seen:
                # Two files claim the same id: keep the first, report the second.
                report.failed += 1
                report.errors.append((path, f"document id {doc_id!r} already used by another file in this build"))
                continue
            seen.add(doc_id)
            try:
                save_extraction(db, item, batch)
            except Exception as e:
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
