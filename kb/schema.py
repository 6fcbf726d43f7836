"""The database schema, declared once as data and applied by `ensure_schema`.

Every command opens the database through `open_db`, which calls
`ensure_schema`: tables are created in their final shape (no transform(),
which would drop full-text triggers), then indexes, full-text search, views
and the reference rows (stances, markets).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from ingest.markets import markets as market_data

SCHEMA_VERSION = 1

DATE_COLUMNS = {"start": str, "precision": str, "year": int, "month": str}


def _date_columns(prefix: str) -> dict[str, Any]:
    """The TIMEX3 value plus the derived columns faceting needs."""
    cols: dict[str, Any] = {prefix: str}
    for suffix, kind in DATE_COLUMNS.items():
        cols[f"{prefix}_{suffix}"] = kind
    return cols


STANCES = [
    ("plans", "intends to enter", 1),
    ("considering", "may enter, is studying it", 2),
    ("no_plans", "will not enter, for now", 3),
    ("entered", "has entered, or enters now", 4),
    ("delayed", "has put its entry off", 5),
    ("withdrawn", "leaves the market or drops a plan", 6),
]

SPEAKER_TYPES = ["company", "analyst", "media", "government", "other"]
EVENT_KINDS = ["sighting", "filing", "approval", "launch_event", "other"]

TABLES: dict[str, dict[str, Any]] = {
    "stances": {
        "columns": {"name": str, "description": str, "sort": int},
        "pk": "name",
    },
    "markets": {
        "columns": {"code": str, "name": str, "kind": str, "parent": str},
        "pk": "code",
        "foreign_keys": [("parent", "markets", "code")],
    },
    "market_regions": {
        "columns": {"market": str, "region": str},
        "pk": ("market", "region"),
        "foreign_keys": [("market", "markets", "code"), ("region", "markets", "code")],
    },
    "companies": {
        "columns": {"name": str, "aliases": str, "statements": int, "first_said_on": str, "last_said_on": str},
        "pk": "name",
    },
    "documents": {
        "columns": {
            "id": str, "path": str, "name": str, "format": str, "title": str, "url": str,
            "publisher": str, "author": str, "published": str, "published_year": int,
            "content_hash": str, "text": str, "meta": str, "statements": int, "events": int,
            "ingested_at": str,
        },
        "pk": "id",
    },
    "statements": {
        "columns": {
            "id": str, "document_id": str, "company": str, "market": str, "stance": str,
            "speaker": str, "speaker_role": str, "speaker_type": str,
            **_date_columns("said_on"),
            **_date_columns("target"),
            "target_qualifier": str,
            "quote": str, "quote_start": int, "quote_end": int,
            "confidence": float, "explain": str,
        },
        "pk": "id",
        "not_null": {"document_id", "company", "market", "stance", "quote"},
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("company", "companies", "name"),
            ("market", "markets", "code"),
            ("stance", "stances", "name"),
        ],
    },
    "events": {
        "columns": {
            "id": str, "document_id": str, "company": str, "market": str, "kind": str,
            **_date_columns("date"),
            "place": str, "product": str, "quote": str, "quote_start": int, "quote_end": int,
        },
        "pk": "id",
        "not_null": {"document_id", "company", "kind", "quote"},
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("company", "companies", "name"),
            ("market", "markets", "code"),
            ("place", "markets", "code"),
        ],
    },
}

# Every column Datasette facets on gets an index; composite ones serve the canned queries.
INDEXES: list[tuple[str, list[str]]] = [
    ("statements", ["document_id"]),
    ("statements", ["company"]),
    ("statements", ["market"]),
    ("statements", ["stance"]),
    ("statements", ["speaker"]),
    ("statements", ["speaker_type"]),
    ("statements", ["said_on_year"]),
    ("statements", ["said_on_month"]),
    ("statements", ["target_year"]),
    ("statements", ["said_on_start"]),
    ("statements", ["company", "market", "said_on_start"]),
    ("events", ["document_id"]),
    ("events", ["company"]),
    ("events", ["kind"]),
    ("events", ["market"]),
    ("events", ["date_year"]),
    ("documents", ["publisher"]),
    ("documents", ["published_year"]),
    ("documents", ["content_hash"]),
    ("markets", ["kind"]),
    ("markets", ["parent"]),
    ("market_regions", ["region"]),
]

FTS: dict[str, list[str]] = {
    "statements": ["quote", "company", "speaker"],
    "documents": ["title", "text"],
}

VIEWS: dict[str, str] = {
    "timeline": """
select
  statements.said_on_start as date,
  statements.said_on,
  statements.company,
  statements.market,
  markets.name as market_name,
  statements.stance,
  statements.target,
  statements.speaker,
  statements.speaker_role,
  statements.speaker_type,
  statements.quote,
  documents.title as document_title,
  documents.publisher,
  documents.url,
  documents.published,
  statements.id as statement_id,
  statements.document_id
from statements
join documents on documents.id = statements.document_id
left join markets on markets.code = statements.market
order by statements.said_on_start desc, statements.company, statements.market
""",
}


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create whatever is missing: tables, indexes, full-text search, views, reference rows."""
    existing = set(db.table_names())
    with db.conn:
        for name, spec in TABLES.items():
            if name in existing:
                continue
            db[name].create(
                spec["columns"],
                pk=spec["pk"],
                not_null=spec.get("not_null"),
                foreign_keys=spec.get("foreign_keys"),
            )
        for table, columns in INDEXES:
            db[table].create_index(columns, if_not_exists=True)
        for table, columns in FTS.items():
            if not db[table].detect_fts():
                db[table].enable_fts(columns, create_triggers=True, tokenize="porter")
        for name, sql in VIEWS.items():
            db.create_view(name, sql.strip(), replace=True)
        _load_reference_rows(db)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _load_reference_rows(db: sqlite_utils.Database) -> None:
    """Stances and markets are fixed vocabularies: upsert them on every open."""
    if db["stances"].count < len(STANCES):
        db["stances"].upsert_all(
            [{"name": n, "description": d, "sort": s} for n, d, s in STANCES], pk="name"
        )
    data = market_data()
    if db["markets"].count < len(data):
        db["markets"].upsert_all(
            [{"code": m.code, "name": m.name, "kind": m.kind, "parent": m.parent} for m in data.values()],
            pk="code",
        )
        rows = []
        for m in data.values():
            rows.append({"market": m.code, "region": m.code})  # a market counts under itself
            ancestors = list(m.regions)
            parent = m.parent
            while parent and parent not in ancestors and parent != m.code:
                ancestors.append(parent)
                parent = data[parent].parent if parent in data else None
            for region in ancestors:
                for r in [region, *_region_ancestors(region, data)]:
                    rows.append({"market": m.code, "region": r})
        db["market_regions"].upsert_all(rows, pk=("market", "region"))


def _region_ancestors(code: str, data: dict) -> list[str]:
    out = []
    parent = data[code].parent if code in data else None
    while parent and parent not in out:
        out.append(parent)
        parent = data[parent].parent if parent in data else None
    return out


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a knowledge-base database with the schema applied."""
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    ensure_schema(db)
    return db
