"""`kb extract-batch`: the first half of a build, extraction into shards with no database."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

from ingest.records import Extraction

from .build import RunReport, extraction, iter_files
from .shards import SUFFIX, shard_name, write_shard
from .workers import Result, default_timeout


@dataclass
class ExtractReport(RunReport):
    """What one `kb extract-batch` did, for the summary line and the exit status (no corrections are
    applied: they are, when the shards are loaded)."""

    out: str = ""
    files: int = 0
    shards: int = 0
    documents: int = 0

    def summary(self) -> str:
        return (f"files: {self.files - self.failed} extracted, {self.failed} failed, into {self.shards} shards in {self.out}\n"
                f"extracted: {self.documents} documents, {self.statements} statements, {self.events} events")


class ShardsExist(FileExistsError):
    """The output folder already holds shards (a load would mix two runs)."""


def write_batches(paths: Iterable[str | Path], out_dir: str | Path, shard_size: int = 1000,
                  workers: int | None = None, scheduler: str | None = None,
                  document_timeout: float | None = None,
                  on_file: Callable[[str, str | None], None] | None = None) -> ExtractReport:
    """Extract every supported file under `paths` (as `kb build` does, with no document known
    to be unchanged) into shards of `shard_size` files in `out_dir`, which must hold none yet."""
    out = Path(out_dir)
    if out.is_dir() and any(p.suffix == SUFFIX for p in out.iterdir()):
        raise ShardsExist(f"{out}: already holds shards; write to an empty folder (or remove them), so that "
                          "kb load does not mix two runs")
    out.mkdir(parents=True, exist_ok=True)
    if scheduler:
        from .cluster import require_dask

        require_dask()
    report = ExtractReport(out=str(out))
    unreadable: list[Result] = []
    files = list(iter_files(paths, on_error=lambda folder, reason: unreadable.append((folder, [], reason))))
    limit = default_timeout() if document_timeout is None else document_timeout
    with extraction(files, {}, limit, report.warnings, workers, scheduler) as results:
        counted = _counted(chain(unreadable, results), report, on_file)
        while True:
            chunk = list(islice(counted, shard_size))
            if not chunk:
                break
            write_shard(chunk, out / shard_name(report.shards))
            report.shards += 1
    return report


def _counted(results: Iterable[Result], report: ExtractReport, on_file) -> Iterator[Result]:
    for result in results:
        path, items, problem = result
        report.files += 1
        if problem:
            report.failed += 1
            report.errors.append((path, problem))
        for item in items:
            if isinstance(item, Extraction):
                report.documents += 1
                report.statements += len(item.statements)
                report.events += len(item.events)
        if on_file:
            on_file(path, problem)
        yield result


def extract_shard(paths: Iterable[str | Path], shard: str | Path, document_timeout: float | None = None) -> int:
    """Extract these files in this process into the one shard `shard` (named NAME.jsonl);
    returns how many files it holds. The unit of work for another engine (a Dask bag's map,
    a Ray task, a batch queue's job): give each call its own shard name in one folder, then
    `kb load` the folder."""
    from . import workers

    workers._init_worker({}, default_timeout() if document_timeout is None else document_timeout)
    return write_shard((workers.process_file(Path(p)) for p in paths), shard)
