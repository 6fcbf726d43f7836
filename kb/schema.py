"""The database schema, declared once as data and applied by `ensure_schema`.

Every command opens the database through `open_db`, which calls
`ensure_schema`: tables are created in their final shape (no transform(),
which would drop full-text triggers), a database of an older version is
brought up to this one (MIGRATIONS, by PRAGMA user_version), then indexes,
full-text search, views and the reference rows (stances, markets).
"""
from __future__ import annotations

import sqlite3
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from ingest.markets import markets as market_data

# The version of the database's shape (PRAGMA user_version): a new database is created at it, an
# older one is upgraded by MIGRATIONS. Raise it with each entry added there.
SCHEMA_VERSION = 2

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
            # Duplicate detection (kb/build.py): one row per article, every file that had it in `paths`.
            "canonical_url": str, "text_hash": str, "paths": str,
            # Hash of the corrections that apply to this document (kb/corrections.py).
            "corrections_hash": str,
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
            # Set by kb.claims.recompute after each build (store writes None).
            "claim_id": str,
            # kb/corrections.py: 1 when corrections.yaml changed or added this statement;
            # `corrections` is JSON: field -> value before the correction.
            "corrected": int, "corrections": str,
        },
        "pk": "id",
        "not_null": {"document_id", "company", "market", "stance", "quote"},
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("company", "companies", "name"),
            ("market", "markets", "code"),
            ("stance", "stances", "name"),
            ("claim_id", "claims", "id"),
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
    # One row per claim: statements from any number of sources saying the same
    # thing (kb/claims.py, GROUPING RULE). Recomputed after every build; no
    # foreign keys to documents or companies so that deleting those never
    # trips on a stale claim.
    "claims": {
        "columns": {
            "id": str, "company": str, "market": str, "stance": str,
            "speaker": str, "speaker_type": str,
            "said_on": str, "first_said_on": str, "last_said_on": str, "effective_on": str,
            "effective_start": str, "effective_precision": str, "effective_basis": str, "known_on": str,
            "said_on_year": int, "said_on_month": str,
            "target": str, "target_year": int, "target_month": str,
            "statements": int, "documents": int, "sources": int, "publishers": str,
            "earliest_document_id": str, "earliest_published": str,
            "precise_document_id": str, "precise_statement_id": str, "quote": str,
            "said_on_values": str, "target_values": str, "occasion_values": str, "disagreement": int,
            "seq": int, "previous_claim_id": str, "previous_stance": str, "is_current": int,
        },
        "pk": "id",
        "not_null": {"company", "market", "stance"},
        "foreign_keys": [("market", "markets", "code"), ("stance", "stances", "name")],
    },
}

# Every column Datasette facets on gets an index; composite ones serve the canned queries.
# A filter on one of the statements' faceted columns (stance=plans, company=X) reads its own index:
# in the table page's order (said_on_start), so the first page of rows is the first entries of the
# range (not a sort of a big company's 608,263 statements at ten million), and with the other
# faceted columns, so that the count and the facets of a page with a second filter read that
# index alone, never the rows (kb.plugins.facets.CountingColumnFacet).
_FACETED = ["company", "market", "stance", "speaker_type", "said_on_year", "corrected"]
INDEXES: list[tuple[str, list[str]]] = [
    ("statements", ["document_id"]),
    *(("statements", [c, "said_on_start", *(f for f in _FACETED if f != c)]) for c in _FACETED),
    ("statements", ["speaker"]),
    ("statements", ["said_on_month"]),
    ("statements", ["target_year"]),
    ("statements", ["target_month"]),
    ("statements", ["claim_id"]),
    ("documents", ["canonical_url"]),
    ("documents", ["text_hash"]),
    ("statements", ["said_on_start", "company", "market"]),
    # latest_stance (metadata.json): the newest statement of a company and market is the last
    # entry of its range in this index (said_on_start, then target_start, then id).
    ("statements", ["company", "market", "said_on_start", "target_start", "id"]),
    # company_timeline (metadata.json): a company's statements (named in any case) in date
    # order, and everyone's in date order, without sorting a million rows first.
    ("statements", ["company collate nocase", "said_on_start", "market"]),
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
    ("claims", ["company", "market", "seq"]),
    ("claims", ["market"]),
    ("claims", ["stance"]),
    ("claims", ["speaker_type"]),
    ("claims", ["said_on_year"]),
    ("claims", ["first_said_on"]),
    ("claims", ["effective_start"]),
    ("claims", ["disagreement"]),
    # latest_stance and current_stances: the current claims in company, market order.
    ("claims", ["is_current", "company", "market"]),
]

# Indexes on an expression, by name. atom_statements (metadata.json): documents in the order of
# the feed's date for a dated document, so that the feed of everyone or of a busy company walks
# them newest first until it has its 100 statements, instead of sorting all of them.
EXPRESSION_INDEXES: dict[str, tuple[str, str]] = {
    "idx_documents_published_feed": ("documents", "(published || 'T00:00:00Z')"),
}

# Facet counts of the big tables over all their rows (facet_counts), computed at the end of every
# build (kb.store.refresh_facet_counts) and served by kb.plugins.facets on unfiltered table pages,
# where counting a million rows costs 50-200 ms per facet. Triggers (facet_cache_triggers) delete
# a table's counts in the same transaction as any change to one of these columns, so the counts
# a reader sees are exact or absent (then Datasette counts as usual).
FACET_CACHE: dict[str, list[str]] = {
    "statements": ["company", "market", "stance", "speaker", "speaker_type", "said_on_year", "said_on_month",
                   "target_year", "target_month", "corrected"],
    "documents": ["publisher", "published_year", "format"],
}
# `value` has no type, so that counts keep the column's own values (2027 stays an integer).
# Each table's counts carry a row with col = '' whose count is the table's row count and whose
# value is a token new at every refresh (kb.column_store keys its copy by it): no such
# row, no counts.
FACET_COUNTS_SQL = """create table if not exists facet_counts (
  tbl text not null, col text not null, value, count integer not null,
  primary key (tbl, col, value))"""

# Facet counts under one filter (kb.store.refresh_facet_counts, with facet_counts and guarded by the
# same triggers): for every pair of these columns, how many rows have `fcol = fval` and
# `col = value` (neither null). A page filtered on one of them (`?stance=plans`) reads its facets
# on the others here instead of counting the rows it matches (0.2-1 s per facet at a million
# statements). Only with the table's col = '' row in facet_counts are they there at all.
FACET_PAIRS: dict[str, list[str]] = {
    "statements": _FACETED,
}
# The column each table's page is sorted by (metadata.json sort_desc), which kb.column_store
# keeps in memory beside FACET_PAIRS' columns to pick a searched page's rows: guarded by the same
# triggers, so that the counts' token (the col = '' row's value, new at every refresh) vouches for it.
MEMORY_ORDER: dict[str, list[str]] = {
    "statements": ["said_on_start"],
}
FACET_PAIR_COUNTS_SQL = """create table if not exists facet_pair_counts (
  tbl text not null, fcol text not null, fval, col text not null, value, count integer not null,
  primary key (tbl, fcol, fval, col, value))"""


# Small facts about the database itself. `build_unfinished` is set when a build starts writing
# and deleted only once the full-text triggers, claims and facet counts are restored
# (kb.build.finish_build): a build killed in between (kill -9, disk full, OOM) leaves it set,
# and `kb serve` / `kb export` finish the job or refuse instead of serving stale data.
STATE_SQL = "create table if not exists kb_state (key text primary key, value text)"
BUILD_MARKER = "build_unfinished"


def set_build_marker(db: sqlite_utils.Database, value: str) -> None:
    """Note, committed at once, that a build is writing (see STATE_SQL)."""
    with db.conn:
        db.conn.execute(STATE_SQL)
        db.conn.execute("insert or replace into kb_state (key, value) values (?, ?)", [BUILD_MARKER, value])


def clear_build_marker(db: sqlite_utils.Database) -> None:
    with db.conn:
        db.conn.execute(STATE_SQL)
        db.conn.execute("delete from kb_state where key = ?", [BUILD_MARKER])


def build_marker(conn) -> str | None:
    """The unfinished build's note, or None (also for a database without kb_state). `conn`: a
    sqlite3 connection, read-only is enough."""
    try:
        row = conn.execute("select value from kb_state where key = ?", [BUILD_MARKER]).fetchone()
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return None
        raise
    return row[0] if row else None


def facet_cache_triggers(table: str) -> dict[str, str]:
    """The triggers that drop `table`'s cached facet counts when a cached column (or its
    MEMORY_ORDER column) changes."""
    clear = f"DELETE FROM facet_counts WHERE tbl = '{table}'; DELETE FROM facet_pair_counts WHERE tbl = '{table}';"
    cols = ", ".join(f'"{c}"' for c in [*FACET_CACHE[table], *MEMORY_ORDER.get(table, [])])
    return {
        f"{table}_facets_ai": f'CREATE TRIGGER "{table}_facets_ai" AFTER INSERT ON "{table}" BEGIN {clear} END',
        f"{table}_facets_ad": f'CREATE TRIGGER "{table}_facets_ad" AFTER DELETE ON "{table}" BEGIN {clear} END',
        f"{table}_facets_au": f'CREATE TRIGGER "{table}_facets_au" AFTER UPDATE OF {cols} ON "{table}" BEGIN {clear} END',
    }


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
    # Stance history (kb/claims.py orders the claims of each company and
    # market in time: seq, previous_stance, is_current).
    "stance_history": """
select
  claims.company, claims.market, markets.name as market_name, claims.seq, claims.effective_on,
  claims.effective_start, claims.effective_basis, claims.known_on,
  claims.first_said_on, claims.last_said_on, claims.said_on, claims.said_on_year,
  claims.previous_stance, claims.stance,
  case when claims.previous_stance is null then 'first'
       when claims.previous_stance = claims.stance then 'same' else 'changed' end as change,
  claims.speaker, claims.speaker_type, claims.target, claims.sources, claims.documents,
  claims.publishers, claims.disagreement, claims.is_current, claims.quote,
  claims.precise_document_id as document_id, claims.id as claim_id
from claims
left join markets on markets.code = claims.market
where claims.seq is not null
order by claims.company, claims.market, claims.seq
""",
    "stance_changes": """
select
  claims.company, claims.market, markets.name as market_name,
  claims.previous_stance as from_stance, claims.stance as to_stance,
  claims.effective_on as changed_on, claims.effective_start as changed_on_start,
  claims.first_said_on as reported_on, claims.said_on_year,
  claims.speaker, claims.speaker_type, claims.sources, claims.publishers, claims.quote,
  claims.previous_claim_id as from_claim_id, claims.id as to_claim_id
from claims
left join markets on markets.code = claims.market
where claims.previous_stance is not null and claims.previous_stance != claims.stance
order by claims.effective_start desc, claims.company, claims.market
""",
    # THE current stance (kb/claims.py order_history sets is_current): latest_stance, as_of,
    # the company pages, the dashboard and the feed all read it.
    "current_stances": """
select
  claims.company, claims.market, markets.name as market_name, markets.kind as market_kind,
  claims.stance, claims.effective_on as since, claims.effective_start as since_start, claims.effective_basis,
  claims.first_said_on, claims.last_said_on, claims.said_on,
  claims.target, claims.speaker, claims.speaker_type, claims.sources, claims.publishers,
  (select count(*) from claims c2 where c2.company = claims.company and c2.market = claims.market
     and c2.seq is not null) as claims_in_history,
  claims.quote, claims.id as claim_id
from claims
left join markets on markets.code = claims.market
where claims.is_current = 1
order by claims.company, claims.market
""",
    # Region roll-up: every claim once per region its market counts under
    # (a claim about DE appears under DE, europe, eu and global).
    "regional_stance_history": """
select
  claims.company, market_regions.region, regions.name as region_name,
  claims.market, markets.name as market_name, claims.effective_on, claims.effective_start,
  claims.first_said_on, claims.said_on_year,
  claims.previous_stance, claims.stance, claims.speaker, claims.speaker_type,
  claims.sources, claims.is_current, claims.quote, claims.id as claim_id
from claims
join market_regions on market_regions.market = claims.market
left join markets on markets.code = claims.market
left join markets regions on regions.code = market_regions.region
where claims.seq is not null
order by claims.company, market_regions.region, claims.effective_start, claims.seq
""",
    "regional_current_stances": """
select company, region, region_name, market, market_name, stance, since, since_start, speaker, speaker_type,
  sources, markets_with_claims, quote, claim_id
from (
  select
    claims.company, market_regions.region, regions.name as region_name,
    claims.market, markets.name as market_name, claims.stance,
    claims.effective_on as since, claims.effective_start as since_start, claims.speaker, claims.speaker_type,
    claims.sources, claims.quote,
    claims.id as claim_id,
    count(*) over (partition by claims.company, market_regions.region)
      as markets_with_claims,
    row_number() over (
      partition by claims.company, market_regions.region
      order by claims.effective_start desc, claims.documents desc, claims.id
    ) as rank
  from claims
  join market_regions on market_regions.market = claims.market
  left join markets on markets.code = claims.market
  left join markets regions on regions.code = market_regions.region
  where claims.is_current = 1
)
where rank = 1
order by company, region
""",
}


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create whatever is missing (tables, indexes, full-text search, views, reference rows) and
    bring a database of an older version up to SCHEMA_VERSION."""
    existing = set(db.table_names())
    new = not existing & set(TABLES)
    with db.conn:
        for name in _creation_order():
            if name not in existing:
                spec = TABLES[name]
                db[name].create(spec["columns"], pk=spec["pk"], not_null=spec.get("not_null"),
                                foreign_keys=spec.get("foreign_keys"))
        version = 0 if new else db.conn.execute("PRAGMA user_version").fetchone()[0]
        for to_version, step in MIGRATIONS:
            if version < to_version:
                step(db)
        for table, columns in INDEXES:
            _create_index(db, table, columns)
        for name, (table, expression) in EXPRESSION_INDEXES.items():
            db.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({expression})')
        for table, columns in FTS.items():
            if not db[table].detect_fts():
                db[table].enable_fts(columns, create_triggers=False, tokenize="porter")
        db.execute(FACET_COUNTS_SQL)
        db.execute(FACET_PAIR_COUNTS_SQL)
        db.execute(STATE_SQL)
        db.execute("create index if not exists facet_counts_by_count on facet_counts (tbl, col, count desc, value)")
        if new or version < SCHEMA_VERSION:
            restore_triggers(db)  # on an empty index: nothing to rebuild
        for name, sql in VIEWS.items():
            db.create_view(name, sql.strip(), replace=True)
        _load_reference_rows(db)
        if version != SCHEMA_VERSION:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _upgrade_unversioned(db: sqlite_utils.Database) -> None:
    """Version 0 or 1 (every database before versions were read, all marked 1): the columns
    declared since the table was made (ALTER TABLE ADD COLUMN: keeps full-text triggers, unlike
    transform(); no foreign key on them), without the indexes that INDEXES' composite ones
    replaced; `ensure_schema` then puts back triggers a killed build of theirs left missing."""
    for name, spec in TABLES.items():
        have = set(db[name].columns_dict)
        for column, kind in spec["columns"].items():
            if column not in have:
                db[name].add_column(column, kind)
    for name in ["idx_statements_company_market_said_on_start", "idx_statements_said_on_start",
                 "idx_claims_effective_on", "idx_claims_is_current",
                 *(f"idx_statements_{c}" for c in _FACETED)]:
        db.execute(f'DROP INDEX IF EXISTS "{name}"')


# (version a database has after the step, the step), in order; each runs once, on a database
# whose user_version is below its number. Tested in tests/test_schema_migrations.py.
MIGRATIONS: list[tuple[int, Callable[[sqlite_utils.Database], None]]] = [
    (2, _upgrade_unversioned),
]


def _create_index(db: sqlite_utils.Database, table: str, columns: list[str]) -> None:
    """sqlite-utils' create_index, except for a column given as "name collate nocase"."""
    if not any(" " in c for c in columns):
        db[table].create_index(columns, if_not_exists=True)
        return
    name = f"idx_{table}_" + "_".join(c.replace(" collate ", "_").replace(" ", "_") for c in columns)
    spec = ", ".join(f'"{c.split(" ", 1)[0]}" {c.split(" ", 1)[1]}' if " " in c else f'"{c}"' for c in columns)
    db.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({spec})')


def _creation_order() -> list[str]:
    """TABLES in declaration order, except that a table comes after the tables its
    foreign keys point to (sqlite-utils checks they exist), e.g. claims before statements."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...] = ()) -> None:
        if name in order or name in path:
            return
        for fk in TABLES[name].get("foreign_keys", []):
            if fk[1] != name and fk[1] in TABLES:
                visit(fk[1], (*path, name))
        order.append(name)

    for name in TABLES:
        visit(name)
    return order


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
            # a market counts under itself, its parent, every region it lists, and all their ancestors
            under = {m.code}
            for start in (m.parent, *m.regions):
                under.update(_with_ancestors(start, data))
            rows.extend({"market": m.code, "region": r} for r in sorted(under))
        db["market_regions"].upsert_all(rows, pk=("market", "region"))


def _with_ancestors(code: str | None, data: dict) -> list[str]:
    """A market code followed by its parent, its parent's parent... (empty for None)."""
    out: list[str] = []
    while code and code not in out:
        out.append(code)
        code = data[code].parent if code in data else None
    return out


def fts_triggers(table: str) -> dict[str, str]:
    """The triggers that keep `{table}_fts` in step with `table` (external-content FTS5).

    Like sqlite-utils' own, except that the update trigger fires only when an
    indexed column changes: setting statements.claim_id after every build must
    not re-index every quote.
    """
    fts, columns = f"{table}_fts", FTS[table]
    cols = ", ".join(f'"{c}"' for c in columns)
    new = ", ".join(f'new."{c}"' for c in columns)
    old = ", ".join(f'old."{c}"' for c in columns)
    insert = f'INSERT INTO "{fts}" (rowid, {cols}) VALUES (new.rowid, {new});'
    delete = f'INSERT INTO "{fts}" ("{fts}", rowid, {cols}) VALUES(\'delete\', old.rowid, {old});'
    return {
        f"{table}_ai": f'CREATE TRIGGER "{table}_ai" AFTER INSERT ON "{table}" BEGIN\n  {insert}\nEND',
        f"{table}_ad": f'CREATE TRIGGER "{table}_ad" AFTER DELETE ON "{table}" BEGIN\n  {delete}\nEND',
        f"{table}_au": f'CREATE TRIGGER "{table}_au" AFTER UPDATE OF {cols} ON "{table}" BEGIN\n  {delete}\n  {insert}\nEND',
    }


def drop_triggers_for_bulk_load(db: sqlite_utils.Database) -> None:
    """Drop the full-text triggers and the facet-count triggers for a bulk load
    (`restore_triggers` puts both back and rebuilds the full-text index after it).

    Indexing once after the load costs about a fifth of indexing row by row. The facet counts
    the triggers guard go first (a bulk load would delete them at its first row anyway). A build
    that dies before `restore_triggers` leaves its marker (BUILD_MARKER), and `kb build`, `kb
    serve` and `kb export` finish the job (kb.build.finish_build) before using the database.
    """
    with db.conn:
        for table in FTS:
            for name in fts_triggers(table):
                db.conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        for table in FACET_CACHE:
            db.conn.execute("DELETE FROM facet_counts WHERE tbl = ?", [table])
            db.conn.execute("DELETE FROM facet_pair_counts WHERE tbl = ?", [table])
            for name in facet_cache_triggers(table):
                db.conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def restore_triggers(db: sqlite_utils.Database) -> bool:
    """Make the full-text triggers exactly `fts_triggers`; where any was missing, rebuild the
    index from its table first (one transaction). Puts back missing or older facet-count triggers
    too, deleting the counts they guard. Returns True when it rebuilt a full-text index."""
    rebuilt = False
    with db.conn:
        for table in FTS:
            wanted = fts_triggers(table)
            have = dict(db.conn.execute(
                "select name, sql from sqlite_master where type = 'trigger' and tbl_name = ?", [table]).fetchall())
            if all(have.get(name) == sql for name, sql in wanted.items()):
                continue
            for name in wanted:
                if name in have:
                    db.conn.execute(f'DROP TRIGGER "{name}"')
            if any(name not in have for name in wanted):
                db.conn.execute(f'INSERT INTO "{table}_fts"("{table}_fts") VALUES (\'rebuild\')')
                rebuilt = True
            for sql in wanted.values():
                db.conn.execute(sql)
        for table in FACET_CACHE:
            have = dict(db.conn.execute(
                "select name, sql from sqlite_master where type = 'trigger' and tbl_name = ?", [table]).fetchall())
            for name, sql in facet_cache_triggers(table).items():
                if have.get(name) != sql:  # missing or older (counts kept meanwhile may be stale)
                    db.conn.execute("DELETE FROM facet_counts WHERE tbl = ?", [table])
                    db.conn.execute("DELETE FROM facet_pair_counts WHERE tbl = ?", [table])
                    if name in have:
                        db.conn.execute(f'DROP TRIGGER "{name}"')
                    db.conn.execute(sql)
    return rebuilt


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A connection that never writes: no schema, no journal mode, no reference rows (for
    `kb export` and the checks before serving). Works on a file this process may not write;
    a WAL database in a folder it cannot write (where SQLite cannot make the -shm file) is
    opened immutable, provided no -wal file holds changes that would then be missed."""
    target = Path(path).resolve()
    uri = "file:" + urllib.parse.quote(str(target))
    conn = sqlite3.connect(uri + "?mode=ro", uri=True)
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        wal = Path(f"{target}-wal")
        if wal.exists() and wal.stat().st_size:
            raise
    conn = sqlite3.connect(uri + "?immutable=1", uri=True)
    conn.execute("select count(*) from sqlite_master").fetchone()
    return conn


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a knowledge-base database with the schema applied."""
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    ensure_schema(db)
    return db
