"""Extraction results as JSON Lines shards: what `kb extract-batch` writes and `kb load` stores.

A shard is a UTF-8 text file `NAME.jsonl`; its first line is the header
`{"kb_shard": 1}`, each line after it one source file's result, in the order
the files were given:

    {"path": "news/a.md", "problem": null, "documents": [EXTRACTION, ...]}

`problem` is why the file (or some of its documents) could not be read or
extracted, as `kb build` reports it; `documents` holds one object per document
extracted: `{"document": {...}, "statements": [...], "events": [...],
"companies": {...}, "text_hash": ..., "canonical_url": ...}`, the fields of
`ingest.records` (Document, Statement, Event, Extraction) by name. A shard is
written to a hidden temporary name and renamed when complete, so a reader never
sees half of one; any engine that writes this format (a Dask bag, a Ray job, a
batch queue) can feed `kb load`.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, fields
from pathlib import Path

from ingest.records import Document, Event, Extraction, Statement

from .workers import Result

FORMAT = 1
HEADER = {"kb_shard": FORMAT}
SUFFIX = ".jsonl"

_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode  # default=str: as kb.store writes meta


def to_json(extraction: Extraction) -> dict:
    """One extraction as a JSON object (the traced candidates are never kept)."""
    out = asdict(extraction)
    out.pop("candidates", None)
    return out


def _build(kind, data: dict):
    names = {f.name for f in fields(kind)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown {kind.__name__} field(s): {', '.join(sorted(unknown))}")
    return kind(**data)


def from_json(data: dict) -> Extraction:
    """The Extraction a `to_json` object holds."""
    data = dict(data)
    document = _build(Document, data.pop("document"))
    statements = [_build(Statement, s) for s in data.pop("statements", [])]
    events = [_build(Event, e) for e in data.pop("events", [])]
    return _build(Extraction, {**data, "document": document, "statements": statements, "events": events})


def result_line(result: Result) -> str:
    """One file's result as a shard line (unchanged documents, which only a build with a
    database knows about, are not written: a shard holds extractions)."""
    path, items, problem = result
    documents = [to_json(item) for item in items if isinstance(item, Extraction)]
    return _encode({"path": str(path), "problem": problem, "documents": documents})


def write_shard(results: Iterable[Result], path: str | Path) -> int:
    """Write the results to the shard `path` (atomically: a temporary name, then a rename);
    returns how many files' results it holds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(_encode(HEADER) + "\n")
            for result in results:
                out.write(result_line(result) + "\n")
                count += 1
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return count


def shard_name(index: int) -> str:
    return f"shard-{index:05d}{SUFFIX}"


def shard_files(folders: Iterable[str | Path]) -> list[Path]:
    """The shards in these folders (or the shard files given), each folder's in name order."""
    out: list[Path] = []
    for f in folders:
        f = Path(f)
        if f.is_dir():
            out.extend(sorted(p for p in f.iterdir() if p.suffix == SUFFIX and not p.name.startswith(".")))
        else:
            out.append(f)
    return out


def read_shard(path: str | Path) -> Iterator[Result]:
    """The results a shard holds, in order. A file that is not a shard, or a line that is not
    a file's result, comes back as a result with no documents whose problem says why (named
    `SHARD:LINE` for a line), and the lines after it are read."""
    path = Path(path)
    try:
        handle = open(path, encoding="utf-8")
    except OSError as e:
        yield str(path), [], f"cannot read shard: {e.strerror or e}"
        return
    number = 1
    with handle:
        try:
            first = handle.readline()
            try:
                header = json.loads(first) if first.strip() else None
            except ValueError:
                header = None
            if not isinstance(header, dict) or header.get("kb_shard") != FORMAT:
                yield str(path), [], (f"not a kb shard (its first line must be {_encode(HEADER)}; "
                                      "write shards with kb extract-batch or kb.shards.write_shard)")
                return
            for number, line in enumerate(handle, start=2):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    items = [from_json(d) for d in row["documents"]]
                    result = str(row["path"]), items, row.get("problem")
                except (ValueError, KeyError, TypeError, AttributeError) as e:
                    result = f"{path}:{number}", [], f"not a file's result ({type(e).__name__}: {e}); skipped"
                yield result
        except UnicodeDecodeError as e:
            yield f"{path}:{number + 1}", [], f"not UTF-8 text ({e.reason}); the rest of the shard was not read"


def read_shards(shards: Iterable[str | Path]) -> Iterator[Result]:
    """The results of every shard in these folders (or shard files), one after the other; a
    folder with no shard in it comes back as a result whose problem says so."""
    for given in shards:
        found = shard_files([given])
        if not found:
            yield str(given), [], f"no shards (*{SUFFIX}) in this folder; write them with kb extract-batch --out {given}"
        for shard in found:
            yield from read_shard(shard)


def count_results(shards: Iterable[str | Path]) -> int:
    """How many results (lines after the header) the shards hold, counted without parsing."""
    total = 0
    for shard in shards:
        try:
            with open(shard, "rb") as f:
                total += max(0, sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1)
        except OSError:
            continue  # read_shard reports it
    return total
