"""Writing extractions to the database: each document atomically.

Rows are written with plain `executemany` in the column order kb.schema.TABLES declares.
On its own, `save_extraction` is one transaction (`with conn:`); inside a
`Batch` (what `kb build` uses) it is one SAVEPOINT within a transaction that
commits every 5,000 documents or second, so a document's old rows are replaced by
its new ones all at once or not at all, and a killed build loses at most the
uncommitted batch, never part of a document.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from functools import lru_cache
from operator import itemgetter
from typing import Any

import sqlite_utils

from ingest.dates import timex_fields
from ingest.fingerprint import safe_url
from ingest.records import Document, Event, Extraction, Statement

from .schema import DATE_COLUMNS, TABLES, drop_triggers_for_bulk_load, restore_triggers


@lru_cache(maxsize=None)
def _insert_sql(table: str, verb: str = "insert") -> str:
    cols = list(TABLES[table]["columns"])
    return f"{verb} into [{table}] ({', '.join(f'[{c}]' for c in cols)}) values ({', '.join('?' * len(cols))})"


@lru_cache(maxsize=None)
def _upsert_sql(table: str) -> str:
    cols = list(TABLES[table]["columns"])
    pk = TABLES[table]["pk"]
    updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in cols if c != pk)
    return f"{_insert_sql(table)} on conflict([{pk}]) do update set {updates}"


# json.dumps(..., ensure_ascii=False) builds a new encoder per call; these are built once.
_json = json.JSONEncoder(ensure_ascii=False).encode
_json_meta = json.JSONEncoder(ensure_ascii=False, default=str).encode


@lru_cache(maxsize=65536)
def _date_values(prefix: str, value: str | None) -> dict[str, Any]:
    """A date column's TIMEX3 value and its derived columns (start, precision, year, month); the
    same dict for the same value (read, never changed)."""
    return dict(zip((prefix, *(f"{prefix}_{k}" for k in DATE_COLUMNS)), _timex_columns(value)))


@lru_cache(maxsize=65536)
def _timex_columns(value: str | None) -> tuple:
    fields = timex_fields(value)
    return (value, *(fields[k] for k in DATE_COLUMNS))


def _in_table_order(table: str):
    """A row dict -> its values in the order of the table's columns in kb.schema.TABLES (a column
    missing from the dict is a KeyError, not a shifted row)."""
    return itemgetter(*TABLES[table]["columns"])


_DOCUMENT, _STATEMENT, _EVENT = (_in_table_order(t) for t in ("documents", "statements", "events"))


def document_values(extraction: Extraction, n_statements: int, n_events: int) -> tuple:
    """The documents row for this extraction's document."""
    doc = extraction.document
    url, text_hash = extraction.fingerprints()
    return _DOCUMENT({
        "id": doc.id, "path": doc.path, "name": doc.name, "format": doc.format, "title": doc.title,
        "url": safe_url(doc.url), "publisher": doc.publisher, "author": doc.author, "published": doc.published,
        "published_year": _timex_columns(doc.published)[3], "content_hash": doc.content_hash, "text": doc.text,
        "meta": _json_meta(doc.meta) if doc.meta else None,
        "statements": n_statements, "events": n_events,
        "ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "canonical_url": url, "text_hash": text_hash, "paths": _json([doc.path]),
        "corrections_hash": None,  # set by kb.build when corrections apply to this document
    })


def statement_values(document_id: str, s: Statement) -> tuple:
    """The statements row for one statement (a corrected one keeps its extracted values' id)."""
    return _STATEMENT({
        "id": s.id_in(document_id), "document_id": document_id,
        "company": s.company, "market": s.market, "stance": s.stance,
        "speaker": s.speaker, "speaker_role": s.speaker_role, "speaker_type": s.speaker_type,
        **_date_values("said_on", s.said_on), **_date_values("target", s.target),
        "target_qualifier": s.target_qualifier, "quote": s.quote, "quote_start": s.quote_start,
        "quote_end": s.quote_end, "confidence": s.confidence, "explain": _json(s.explain) if s.explain else None,
        "claim_id": None,  # assigned after the build by kb.claims.recompute
        "corrected": 1 if s.corrections else 0,
        "corrections": _json(s.corrections) if s.corrections else None,
    })


def event_values(document_id: str, e: Event) -> tuple:
    """The events row for one event."""
    return _EVENT({
        "id": e.id_in(document_id), "document_id": document_id, "company": e.company, "market": e.market,
        "kind": e.kind, **_date_values("date", e.date), "place": e.place, "product": e.product,
        "quote": e.quote, "quote_start": e.quote_start, "quote_end": e.quote_end,
    })


_URL, _TEXT_HASH = (list(TABLES["documents"]["columns"]).index(c) for c in ("canonical_url", "text_hash"))


def save_extraction(db: sqlite_utils.Database, extraction: Extraction, batch: "Batch | None" = None,
                    new: bool = False) -> None:
    """Replace everything stored for this document with this extraction, atomically.

    Alone: one transaction. With `batch` (an open `Batch` on this database):
    one savepoint in the batch's transaction, rolled back alone if it fails.
    `new`: the caller knows nothing is stored for this document id (kb build: an id
    that was not in the database when the build started and not yet seen in it), so
    there are no old rows to delete.
    """
    doc = extraction.document
    # One row per id (the last wins, as the dicts keyed by id did before).
    statements = list({row[0]: row for row in (statement_values(doc.id, s) for s in extraction.statements)}.values())
    events = list({row[0]: row for row in (event_values(doc.id, e) for e in extraction.events)}.values())
    companies = _company_aliases(extraction)
    document = document_values(extraction, len(statements), len(events))
    conn = db.conn
    if batch is None:
        with conn:
            _write(conn, doc.id, document, statements, events, _merge_companies(conn, companies), new)
        return
    batch.begin()
    conn.execute("savepoint kb_document")
    try:
        updates = _merge_companies(conn, companies, batch.companies)
        _write(conn, doc.id, document, statements, events, updates, new)
    except BaseException:
        conn.execute("rollback to kb_document")
        conn.execute("release kb_document")
        raise
    conn.execute("release kb_document")
    batch.companies.update((name, aliases) for name, (aliases, _) in updates.items())
    batch.fingerprints.update((hash(document[_URL]), hash(document[_TEXT_HASH])))
    batch.written()


def _write(conn, doc_id: str, document: tuple, statements: list[tuple], events: list[tuple],
           companies: dict, new: bool = False) -> None:
    if not new:
        conn.execute("delete from statements where document_id = ?", [doc_id])
        conn.execute("delete from events where document_id = ?", [doc_id])
    _write_companies(conn, companies)
    conn.execute(_upsert_sql("documents"), document)
    if statements:
        conn.executemany(_insert_sql("statements"), statements)
    if events:
        conn.executemany(_insert_sql("events"), events)


# The writer's connection settings for a batch (restored after it): each document's savepoint keeps
# a journal of the pages it changes, which SQLite spills to a temporary file past 64 KiB (a third
# of storage time when measured); in memory it costs a few hundred KiB. A larger page cache keeps
# the statements table's many index pages between commits (default: 2 MiB).
WRITER_PRAGMAS = {"temp_store": "MEMORY", "cache_size": -65536}  # 64 MiB


class Batch:
    """Many documents per transaction, each in its own savepoint (see `save_extraction`).

    Commits every `docs` documents or `seconds` seconds, whichever comes first,
    so readers (Datasette on the WAL database) see whole documents appear
    steadily; a killed process loses only the uncommitted batch. Knows the
    stored companies, so saving a document needs no SELECT for them.

        with Batch(db) as batch:
            for extraction in extractions:
                save_extraction(db, extraction, batch)
    """

    def __init__(self, db: sqlite_utils.Database, docs: int = 5000, seconds: float = 1.0,
                 bulk_load_after: int | None = None):
        self.db, self.conn = db, db.conn
        self.max_docs, self.max_seconds = docs, seconds
        self.pending = 0
        self.total = 0
        self.started = 0.0
        self.companies: dict[str, set[str]] = {}
        # hash() of every stored text hash and canonical URL (a superset: nothing is removed), so
        # that most new documents need no duplicate query (`maybe_stored`).
        self.fingerprints: set[int] = set()
        # A bulk load: after this many documents, drop the full-text and facet-count triggers
        # (kb.schema.drop_triggers_for_bulk_load) and restore them, rebuilding the index, at the end.
        self.bulk_load_after = bulk_load_after
        self.triggers_dropped = False
        self.saved_pragmas: dict[str, Any] = {}

    def __enter__(self) -> "Batch":
        if self.conn.in_transaction:
            self.conn.commit()
        for name, value in WRITER_PRAGMAS.items():
            self.saved_pragmas[name] = self.conn.execute(f"PRAGMA {name}").fetchone()[0]
            self.conn.execute(f"PRAGMA {name} = {value}")
        self.companies = {
            name: set(json.loads(aliases or "[]"))
            for name, aliases in self.conn.execute("select name, aliases from companies")
        }
        for url, text_hash in self.conn.execute("select canonical_url, text_hash from documents"):
            self.fingerprints.update((hash(url), hash(text_hash)))
        return self

    def maybe_stored(self, url: str | None, text_hash: str) -> bool:
        """False when no stored document can have this canonical URL or text hash (then a
        duplicate query would find nothing); True means: ask the database."""
        return hash(text_hash) in self.fingerprints or (url is not None and hash(url) in self.fingerprints)

    def begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("begin")
            self.started = time.monotonic()

    def written(self) -> None:
        self.pending += 1
        self.total += 1
        if self.pending >= self.max_docs or time.monotonic() - self.started >= self.max_seconds:
            self.commit()
        if (self.bulk_load_after is not None and not self.triggers_dropped
                and self.total >= self.bulk_load_after):
            self.commit()
            drop_triggers_for_bulk_load(self.db)
            self.triggers_dropped = True

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.commit()
        self.pending = 0

    def __exit__(self, exc_type, exc, tb) -> None:
        # Whole documents only ever reach the transaction: commit them even on error.
        self.commit()
        try:
            if self.triggers_dropped:
                restore_triggers(self.db)
                self.triggers_dropped = False
        finally:
            for name, value in self.saved_pragmas.items():
                self.conn.execute(f"PRAGMA {name} = {value}")
            self.saved_pragmas.clear()


def _company_aliases(extraction: Extraction) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for record in [*extraction.statements, *extraction.events]:
        names.setdefault(record.company, set())
    for name, aliases in extraction.companies.items():
        if name in names:
            names[name].update(a for a in aliases if a != name)
    return names


def _merge_companies(conn, companies: dict[str, set[str]],
                     known_companies: dict[str, set[str]] | None = None) -> dict[str, tuple[set[str], bool]]:
    """What to write for these companies: name -> (all aliases, is new); unchanged ones left out.

    `known_companies` (name -> aliases already stored) saves a SELECT per company.
    """
    out: dict[str, tuple[set[str], bool]] = {}
    for name, aliases in companies.items():
        if known_companies is not None:
            known = known_companies.get(name)
        else:
            row = conn.execute("select aliases from companies where name = ?", [name]).fetchone()
            known = None if row is None else set(json.loads(row[0] or "[]"))
        if known is None:
            out[name] = (set(aliases), True)
        elif not aliases <= known:
            out[name] = (known | aliases, False)
    return out


def _write_companies(conn, updates: dict[str, tuple[set[str], bool]]) -> None:
    for name, (aliases, new) in updates.items():
        value = json.dumps(sorted(aliases), ensure_ascii=False)
        if new:
            conn.execute("insert into companies (name, aliases) values (?, ?)", [name, value])
        else:
            conn.execute("update companies set aliases = ? where name = ?", [value, name])


def delete_document(db: sqlite_utils.Database, document_id: str) -> None:
    """Remove a document and everything it produced, atomically."""
    with db.conn:
        db.conn.execute("delete from statements where document_id = ?", [document_id])
        db.conn.execute("delete from events where document_id = ?", [document_id])
        db.conn.execute("delete from documents where id = ?", [document_id])


def refresh_companies(db: sqlite_utils.Database) -> None:
    """Recount statements per company and drop companies nothing refers to any more."""
    with db.conn:
        db.conn.execute(
            """
            update companies set
              statements = (select count(*) from statements where statements.company = companies.name),
              first_said_on = (select min(said_on_start) from statements where statements.company = companies.name),
              last_said_on = (select max(said_on_start) from statements where statements.company = companies.name)
            """
        )
        db.conn.execute(
            """
            delete from companies where statements = 0
              and not exists (select 1 from events where events.company = companies.name)
            """
        )


def refresh_facet_counts(db: sqlite_utils.Database) -> None:
    """Count every value of the cached facet columns (kb.schema.FACET_CACHE), and every pair of
    values of kb.schema.FACET_PAIRS' columns (facet_pair_counts), in one transaction.

    Called at the end of a build; any later change to one of those columns deletes its table's
    counts (kb.schema.facet_cache_triggers) until the next call.
    """
    from .schema import FACET_CACHE, FACET_PAIRS

    saved = {name: db.conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("temp_store", "cache_size")}
    # The pairs' group-bys sort a million rows each: in memory (a 256 MiB page cache bounds
    # SQLite's sorter before it spills to disk), about 1.3 s instead of 2 s at a million rows.
    wanted = {"temp_store": 2, "cache_size": -262144}  # 2: MEMORY
    for name, value in wanted.items():
        if saved[name] != value:  # (setting temp_store to another value drops temporary tables)
            db.conn.execute(f"PRAGMA {name} = {value}")
    try:
        with db.conn:
            for table, columns in FACET_CACHE.items():
                db.conn.execute("delete from facet_counts where tbl = ?", [table])
                db.conn.execute("delete from facet_pair_counts where tbl = ?", [table])
                db.conn.execute(f"insert into facet_counts (tbl, col, value, count) "
                                f"select ?, '', ?, count(*) from [{table}]", [table, secrets.token_hex(8)])
                for col in columns:
                    db.conn.execute(
                        f"insert into facet_counts (tbl, col, value, count) select ?, ?, [{col}], count(*) "
                        f"from [{table}] where [{col}] is not null group by [{col}]", [table, col])
                if FACET_PAIRS.get(table):
                    _refresh_pair_counts(db.conn, table, FACET_PAIRS[table])
    finally:
        for name, value in saved.items():
            if value != wanted[name]:
                db.conn.execute(f"PRAGMA {name} = {value}")


# A group-by over a few columns at once counts every pair among them, if it has few enough groups.
PAIR_GROUPS_MAX = 100_000


def pair_groups(cardinality: dict[str, int], max_groups: int = PAIR_GROUPS_MAX) -> list[list[str]]:
    """Sets of columns such that every pair of columns is in one of them, each set's product of
    cardinalities (distinct values, null counted as one) at most `max_groups` where possible:
    one group-by per set instead of one per pair (4 instead of 15 for the statements' 6 columns).
    Greedy: start from the uncovered pair with the most groups, add the columns that add
    uncovered pairs while the product stays under the bound."""
    columns = sorted(cardinality, key=lambda c: (-cardinality[c], c))
    uncovered = {(a, b) for i, a in enumerate(columns) for b in columns[i + 1:]}
    sets: list[list[str]] = []
    while uncovered:
        a, b = max(sorted(uncovered), key=lambda p: cardinality[p[0]] * cardinality[p[1]])
        chosen, size = [a, b], cardinality[a] * cardinality[b]
        for c in sorted(columns, key=lambda c: (cardinality[c], c)):
            if c in chosen or size * cardinality[c] > max_groups:
                continue
            if any(tuple(sorted((c, x), key=columns.index)) in uncovered for x in chosen):
                chosen.append(c)
                size *= cardinality[c]
        sets.append(chosen)
        uncovered -= {tuple(sorted((x, y), key=columns.index)) for x in chosen for y in chosen if x != y}
    return sets


def _refresh_pair_counts(conn, table: str, columns: list[str]) -> None:
    """facet_pair_counts for `table`: both directions of every pair of `columns`, from one grouped
    temporary table per set of `pair_groups` (cardinalities from the facet_counts just written)."""
    cardinality = {c: 1 + conn.execute("select count(*) from facet_counts where tbl = ? and col = ?",
                                       [table, c]).fetchone()[0] for c in columns}
    done: set[tuple[str, str]] = set()
    # The columns alone, read once (a table scan, 0.4 s at a million rows); each group-by then
    # sorts these narrow rows instead of reading the table again.
    conn.execute("drop table if exists temp.kb_facet_rows")
    conn.execute(f"create table temp.kb_facet_rows as select {', '.join(f'[{c}]' for c in columns)} from [{table}]")
    for n, group in enumerate(pair_groups(cardinality)):
        cube = f"temp.kb_facet_cube_{n}"
        cols = ", ".join(f"[{c}]" for c in group)
        conn.execute(f"drop table if exists {cube}")
        conn.execute(f"create table {cube} as select {cols}, count(*) as n from temp.kb_facet_rows group by {cols}")
        for fcol in group:
            for col in group:
                if col == fcol or (fcol, col) in done:
                    continue
                done.add((fcol, col))
                conn.execute(
                    f"insert into facet_pair_counts (tbl, fcol, fval, col, value, count) "
                    f"select ?, ?, [{fcol}], ?, [{col}], sum(n) from {cube} "
                    f"where [{fcol}] is not null and [{col}] is not null group by [{fcol}], [{col}]",
                    [table, fcol, col])
        conn.execute(f"drop table {cube}")
    conn.execute("drop table temp.kb_facet_rows")


def stored_document(db: sqlite_utils.Database, document_id: str) -> Document:
    """The stored document as its reader made it (text, metadata), to extract it again without its file."""
    row = db.conn.execute("select id, path, text, title, url, publisher, author, published, format, meta "
                          "from documents where id = ?", [document_id]).fetchone()
    if row is None:
        raise KeyError(document_id)
    *fields, meta = row
    return Document(*fields, meta=json.loads(meta) if meta else {})


def stored_hashes(db: sqlite_utils.Database) -> dict[str, str]:
    """Document id -> content hash, to skip unchanged documents."""
    return dict(db.conn.execute("select id, content_hash from documents").fetchall())
