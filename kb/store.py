"""Writing extractions to the database: each document atomically.

Rows are written with plain `executemany` on the schema's own column lists.
On its own, `save_extraction` is one transaction (`with conn:`); inside a
`Batch` (what `kb build` uses) it is one SAVEPOINT within a transaction that
commits every few hundred documents, so a document's old rows are replaced by
its new ones all at once or not at all, and a killed build loses at most the
uncommitted batch, never part of a document.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from functools import lru_cache
from typing import Any, Iterable

import sqlite_utils

from ingest.dates import timex_fields
from ingest.fingerprint import canonical_url, normalized_text_hash
from ingest.records import Document, Event, Extraction, Statement

from .schema import TABLES, defer_fts, restore_fts


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


def _date_row(prefix: str, value: str | None) -> dict[str, Any]:
    fields = timex_fields(value)
    return {prefix: value, **{f"{prefix}_{k}": v for k, v in fields.items()}}


def statement_id(document_id: str, s: Statement) -> str:
    """Stable key: the same claim in the same document keeps its id across rebuilds."""
    key = "\x1f".join([document_id, s.company.lower(), s.market, s.stance, s.said_on or ""])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def event_id(document_id: str, e: Event) -> str:
    key = "\x1f".join([document_id, e.company.lower(), e.market or "", e.kind, e.date or "", str(e.quote_start)])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def document_row(doc: Document, n_statements: int, n_events: int) -> dict[str, Any]:
    fields = timex_fields(doc.published)
    return {
        "id": doc.id, "path": doc.path, "name": doc.name, "format": doc.format, "title": doc.title,
        "url": doc.url, "publisher": doc.publisher, "author": doc.author, "published": doc.published,
        "published_year": fields["year"], "content_hash": doc.content_hash, "text": doc.text,
        "meta": json.dumps(doc.meta, ensure_ascii=False, default=str) if doc.meta else None,
        "statements": n_statements, "events": n_events,
        "ingested_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "canonical_url": canonical_url(doc.url), "text_hash": normalized_text_hash(doc.text),
        "paths": json.dumps([doc.path], ensure_ascii=False),
        "corrections_hash": None,  # set by kb.build when corrections apply to this document
    }


def statement_row(document_id: str, s: Statement) -> dict[str, Any]:
    # kb.corrections marks corrected statements: their id stays the one of the extracted values.
    fix = getattr(s, "kb_correction", None)
    return {
        "id": fix["id"] if fix else statement_id(document_id, s), "document_id": document_id,
        "company": s.company, "market": s.market, "stance": s.stance,
        "speaker": s.speaker, "speaker_role": s.speaker_role, "speaker_type": s.speaker_type,
        **_date_row("said_on", s.said_on), **_date_row("target", s.target),
        "target_qualifier": s.target_qualifier,
        "quote": s.quote, "quote_start": s.quote_start, "quote_end": s.quote_end,
        "confidence": s.confidence,
        "explain": json.dumps(s.explain, ensure_ascii=False) if s.explain else None,
        "claim_id": None,  # assigned after the build by kb.timeline.recompute
        "corrected": 1 if fix else 0,
        "corrections": json.dumps(fix["original"], ensure_ascii=False) if fix else None,
    }


def event_row(document_id: str, e: Event) -> dict[str, Any]:
    return {
        "id": event_id(document_id, e), "document_id": document_id, "company": e.company,
        "market": e.market, "kind": e.kind, **_date_row("date", e.date), "place": e.place,
        "product": e.product, "quote": e.quote, "quote_start": e.quote_start, "quote_end": e.quote_end,
    }


def _values(table: str, rows: Iterable[dict[str, Any]]) -> list[tuple]:
    cols = list(TABLES[table]["columns"])
    return [tuple(row[c] for c in cols) for row in rows]


def save_extraction(db: sqlite_utils.Database, extraction: Extraction, batch: "Batch | None" = None) -> None:
    """Replace everything stored for this document with this extraction, atomically.

    Alone: one transaction. With `batch` (an open `Batch` on this database):
    one savepoint in the batch's transaction, rolled back alone if it fails.
    """
    doc = extraction.document
    statements = {row["id"]: row for row in (statement_row(doc.id, s) for s in extraction.statements)}
    events = {event_id(doc.id, e): event_row(doc.id, e) for e in extraction.events}
    companies = _company_aliases(extraction)
    document = _values("documents", [document_row(doc, len(statements), len(events))])[0]
    conn = db.conn
    if batch is None:
        with conn:
            _write(conn, doc.id, document, statements, events, _merge_companies(conn, companies))
        return
    batch.begin()
    conn.execute("savepoint kb_document")
    try:
        updates = _merge_companies(conn, companies, batch.companies)
        _write(conn, doc.id, document, statements, events, updates)
    except BaseException:
        conn.execute("rollback to kb_document")
        conn.execute("release kb_document")
        raise
    conn.execute("release kb_document")
    batch.companies.update((name, aliases) for name, (aliases, _) in updates.items())
    batch.written()


def _write(conn, doc_id: str, document: tuple, statements: dict, events: dict, companies: dict) -> None:
    conn.execute("delete from statements where document_id = ?", [doc_id])
    conn.execute("delete from events where document_id = ?", [doc_id])
    _write_companies(conn, companies)
    conn.execute(_upsert_sql("documents"), document)
    conn.executemany(_insert_sql("statements"), _values("statements", statements.values()))
    conn.executemany(_insert_sql("events"), _values("events", events.values()))


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

    def __init__(self, db: sqlite_utils.Database, docs: int = 500, seconds: float = 1.0,
                 defer_fts_after: int | None = None):
        self.db, self.conn = db, db.conn
        self.max_docs, self.max_seconds = docs, seconds
        self.pending = 0
        self.total = 0
        self.started = 0.0
        self.companies: dict[str, set[str]] = {}
        # A bulk load: after this many documents, stop indexing row by row and rebuild at the end.
        self.defer_fts_after = defer_fts_after
        self.fts_deferred = False

    def __enter__(self) -> "Batch":
        if self.conn.in_transaction:
            self.conn.commit()
        self.companies = {
            name: set(json.loads(aliases or "[]"))
            for name, aliases in self.conn.execute("select name, aliases from companies")
        }
        return self

    def begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("begin")
            self.started = time.monotonic()

    def written(self) -> None:
        self.pending += 1
        self.total += 1
        if self.pending >= self.max_docs or time.monotonic() - self.started >= self.max_seconds:
            self.commit()
        if (self.defer_fts_after is not None and not self.fts_deferred
                and self.total >= self.defer_fts_after):
            self.commit()
            defer_fts(self.db)
            self.fts_deferred = True

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.commit()
        self.pending = 0

    def __exit__(self, exc_type, exc, tb) -> None:
        # Whole documents only ever reach the transaction: commit them even on error.
        self.commit()
        if self.fts_deferred:
            restore_fts(self.db)
            self.fts_deferred = False


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


def stored_hashes(db: sqlite_utils.Database) -> dict[str, str]:
    """Document id -> content hash, to skip unchanged documents."""
    return dict(db.conn.execute("select id, content_hash from documents").fetchall())
