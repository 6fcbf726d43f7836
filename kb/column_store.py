"""Searched and filtered pages answered from an in-memory copy of the faceted columns.

A search matching 300,000 of a million statements cost Datasette's SQL about a second: its count
and its rows look up every matching row (`rowid in (select rowid from statements_fts ...)`), and
each facet reads them all again. Here each process keeps, per database file, the codes of the
table's faceted columns (kb.schema.FACET_PAIRS) and the rank of its sort column
(kb.schema.MEMORY_ORDER) in numpy arrays indexed by rowid, loaded in the background when
Datasette starts (a big table, preload) or on first use. A page whose
filters are searches and equality filters on those columns (parse_where) then reads the
matching rowids from the full-text index (one group_concat), and counts, facets and picks its
page of rows in memory:

* the count: the matching rowids present in the copy (what `count(*)` counts);
* the facets: a bincount per column (facet_counts, asked by kb.plugins.facets);
* the rows: the page's rowids by (sort column, rowid), the order SQLite gives Datasette's query
  (it sorts the matches in rowid order), read by rowid (answer_query).

Exact or not used: the copy is keyed by the token kb build writes with the stored facet counts
(kb.store.refresh_facet_counts, the `col = ''` row of facet_counts), which the triggers
(kb.schema.facet_cache_triggers) delete in the same transaction as any change to these columns;
the token and the full-text matches are read in one read transaction, and a new token means the
copy is loaded again in that transaction. No token (a build under way, an older database), no
copy: Datasette's SQL runs as written.
"""
from __future__ import annotations

import contextvars
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kb.schema import FACET_PAIRS, MEMORY_ORDER

_NAME = r'(?:\w+|\[[^\]]+\]|"[^"]+")'
# datasette.filters.search_filters' clause (?_search=, ?_search_<col>=, raw or escaped)
_SEARCH = re.compile(rf"rowid in \((select rowid from {_NAME} where {_NAME} match (?:escape_fts\(:\w+\)|:\w+))\)")
# datasette.filters' exact lookup (?col=value)
_EXACT = re.compile(r'"([^"]+)" = :(p\d+)')
_COUNT = re.compile(rf"select count\(\*\) from ({_NAME}) where (.+)", re.S)
_ROWS = re.compile(rf"select (.+?) from ({_NAME}) where (.+) order by ({_NAME})( desc)? limit (\d+)", re.S)

# Per request (set by kb.plugins.facets' asgi_wrapper): the matches already computed, so that a
# page's count, rows and facets read the full-text index once.
REQUEST_CACHE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("kb_column_store", default=None)


# The plugin's name in metadata.json ("plugins": {"kb-facets": {...}}; kb.plugins.facets says what
# each setting does); "memory": false turns the in-memory copy off.
FACETS_PLUGIN = "kb-facets"


def settings(datasette, database: str, table: str | None) -> dict[str, Any]:
    """kb-facets' settings for a table: its own over the top-level ones (Datasette returns the
    first level that has a "plugins" section, which for most tables is their own)."""
    return {**(datasette.plugin_config(FACETS_PLUGIN) or {}),
            **(datasette.plugin_config(FACETS_PLUGIN, database=database, table=table) or {})}


def _unquote(name: str) -> str:
    return name[1:-1] if name[:1] in '["' else name


@dataclass
class Where:
    """A page's where clause as the store reads it: full-text subqueries and column = value."""
    searches: list[str] = field(default_factory=list)
    equal: list[tuple[str, Any]] = field(default_factory=list)


def parse_where(where: str, params: dict, table: str) -> Where | None:
    """The clause Datasette wrote for searches and exact filters, or None for anything else
    (another lookup, a _next page, _where=...), which is then left to SQL."""
    columns = FACET_PAIRS.get(table)
    if not columns or not isinstance(params, dict):
        return None
    out, pos, where = Where(), 0, where.strip()
    while True:
        search = _SEARCH.match(where, pos)
        exact = None if search else _EXACT.match(where, pos)
        if search:
            out.searches.append(search.group(1))
            pos = search.end()
        elif exact and exact.group(1) in columns and exact.group(2) in params:
            out.equal.append((exact.group(1), params[exact.group(2)]))
            pos = exact.end()
        else:
            return None
        if pos == len(where):
            return out
        if not where.startswith(" and ", pos):
            return None
        pos += len(" and ")


def as_stored(kind: str, value: Any) -> Any:
    """The filter's value as SQLite compares it with a column of this declared type (`said_on_year
    = '2020'` is 2020 in an INTEGER column), or None when unsure (then SQL counts)."""
    if not isinstance(value, str):
        return None
    kind = kind.upper()
    if "INT" in kind:
        return int(value) if re.fullmatch(r"-?[0-9]{1,18}", value) else None
    if "CHAR" in kind or "CLOB" in kind or "TEXT" in kind:
        return value
    return None


def sqlite_order(value: Any) -> tuple:
    """A sort key that orders values as SQLite does (numbers, then text, then blobs)."""
    return (0 if isinstance(value, (int, float)) else 1 if isinstance(value, str) else 2, value)


@dataclass
class ColumnStore:
    """One table's faceted columns as codes (-1: null) and its sort column as ranks, by rowid."""
    token: str
    present: np.ndarray            # bool, by rowid
    codes: dict[str, np.ndarray]   # int32 codes, by rowid
    values: dict[str, list]        # code -> value
    lookup: dict[str, dict]        # value -> code
    kinds: dict[str, str]          # declared types
    order: str                     # the sort column
    rank: np.ndarray               # int32 rank of the sort column in SQLite's order (null lowest)


def token(conn, table: str) -> str | None:
    """The stored counts' token (kb.store.refresh_facet_counts), None when there are none."""
    try:
        row = conn.execute("select value from facet_counts where tbl = ? and col = ''", [table]).fetchone()
    except Exception:  # no facet_counts: not a kb database, or an older one
        return None
    return row[0] if row and isinstance(row[0], str) and row[0] else None


def load(conn, table: str, token_: str) -> ColumnStore:
    """Read the table's faceted columns and sort column (in the caller's read transaction)."""
    columns, (order,) = FACET_PAIRS[table], MEMORY_ORDER[table]
    kinds = {name: kind or "" for _, name, kind, *_ in conn.execute(f"pragma table_info([{table}])")}
    top = conn.execute(f"select coalesce(max(rowid), 0) from [{table}]").fetchone()[0]
    ranked = [r[0] for r in conn.execute(f"select [{order}] from [{table}] group by [{order}] order by [{order}]")]
    rank_of = {v: i + 1 for i, v in enumerate(v for v in ranked if v is not None)}
    present = np.zeros(top + 1, dtype=bool)
    codes = {c: np.full(top + 1, -1, dtype=np.int32) for c in columns}
    rank = np.zeros(top + 1, dtype=np.int32)
    lookup: dict[str, dict] = {c: {} for c in columns}
    cursor = conn.execute(f"select rowid, [{order}], {', '.join(f'[{c}]' for c in columns)} from [{table}]")
    while chunk := cursor.fetchmany(100_000):
        cells = list(zip(*chunk))
        ids = np.array(cells[0], dtype=np.int64)
        present[ids] = True
        rank[ids] = [rank_of.get(v, 0) for v in cells[1]]
        for c, values in zip(columns, cells[2:]):
            seen = lookup[c]
            codes[c][ids] = [-1 if v is None else seen.setdefault(v, len(seen)) for v in values]
    values = {c: list(seen) for c, seen in lookup.items()}
    return ColumnStore(token_, present, codes, values, lookup, kinds, order, rank)


_stores: dict[tuple[str, str], ColumnStore] = {}
_loading = threading.Lock()


def _read(conn, path: str, table: str, where: Where, params: dict) -> tuple[ColumnStore, list] | None:
    """In one read transaction: the token, the copy for it (loaded if older), and the rowids each
    full-text subquery returns. None when there are no stored counts to vouch for a copy."""
    conn.execute("begin")
    try:
        current = token(conn, table)
        if current is None:
            return None
        with _loading:
            store = _stores.get((path, table))
            if store is None or store.token != current:
                store = _stores[(path, table)] = load(conn, table, current)
        found = []
        for sub in where.searches:
            text = conn.execute(f"select group_concat(rowid) from ({sub})", params).fetchone()[0]
            found.append(np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64))
        return store, found
    finally:
        conn.execute("rollback")


# A copy of a table with more rowids than this is loaded when Datasette starts, in a thread of its
# own (about 3 s per million statements), so that the first search does not wait for it.
PRELOAD_ROWS = 100_000


def preload(db, table: str = "statements") -> threading.Thread:
    """Load the copy of a big table of a Datasette database in a background thread, on a
    connection of its own made as Datasette makes them (read-only, or immutable: no -wal or -shm
    file beside a database served immutable); a no-op for a small or non-kb table."""
    path = str(db.path)

    def run():
        try:
            conn = db.connect()
        except Exception:
            return
        try:
            if conn.execute(f"select coalesce(max(rowid), 0) from [{table}]").fetchone()[0] > PRELOAD_ROWS:
                _read(conn, path, table, Where(), {})
        except Exception:  # the first search will load it, or SQL will answer
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=run, name=f"kb-column-store-{table}", daemon=True)
    thread.start()
    PRELOADING.append(thread)
    return thread


PRELOADING: list[threading.Thread] = []


def wait_for_preload(timeout: float = 600) -> None:
    """Wait for the copies being loaded in the background (benchmarks time pages after it)."""
    while PRELOADING:
        PRELOADING.pop().join(timeout)


@dataclass
class Match:
    """The rows a page's where clause selects, as rowids in the copy."""
    store: ColumnStore
    rowids: np.ndarray


async def matches(datasette, database: str, table: str, where: str, params: dict) -> Match | None:
    """The rowids the clause selects, or None when the store cannot say (then SQL runs)."""
    parsed = parse_where(where, params, table)
    db = datasette.databases.get(database)
    if parsed is None or db is None or db.is_memory or not (parsed.searches or len(parsed.equal) > 1) \
            or not settings(datasette, database, table).get("memory", True):
        return None
    cache = REQUEST_CACHE.get()
    key = (database, table, where, tuple(sorted((k, repr(v)) for k, v in params.items())))
    if cache is not None and key in cache:
        return cache[key]
    try:
        read = await db.execute_fn(lambda conn: _read(conn, str(db.path), table, parsed, params))
    except Exception:  # e.g. an FTS syntax error in a raw search: Datasette's SQL says so
        read = None
    match = None
    if read is not None:
        match = _select(*read, parsed)
    if cache is not None:
        cache[key] = match
    return match


def _select(store: ColumnStore, found: list, where: Where) -> Match | None:
    if found:
        rowids = found[0]
        for more in found[1:]:
            rowids = np.intersect1d(rowids, more, assume_unique=True)
        rowids = rowids[(rowids >= 0) & (rowids < len(store.present))]
        rowids = rowids[store.present[rowids]]
    else:
        rowids = np.flatnonzero(store.present)
    for column, value in where.equal:
        stored = as_stored(store.kinds.get(column, ""), value)
        if stored is None:
            return None
        code = store.lookup[column].get(stored)
        if code is None:
            return Match(store, rowids[:0])
        rowids = rowids[store.codes[column][rowids] == code]
    return Match(store, rowids)


def facet_counts(match: Match, column: str, limit: int) -> list[tuple[Any, int]] | None:
    """(value, count) as Datasette's facet query gives them: count desc, value, `limit` rows."""
    codes = match.store.codes.get(column)
    if codes is None:
        return None
    picked = codes[match.rowids]
    counts = np.bincount(picked[picked >= 0], minlength=len(match.store.values[column]))
    values = match.store.values[column]
    rows = [(values[i], int(counts[i])) for i in np.flatnonzero(counts)]
    rows.sort(key=lambda r: (-r[1], sqlite_order(r[0])))
    return rows[:limit]


def page_rowids(match: Match, descending: bool, n: int) -> list[int]:
    """The first n rowids in the page's order: the sort column, ties in rowid order."""
    rowids = match.rowids
    rank = match.store.rank[rowids].astype(np.int64)
    key = (-rank if descending else rank) * (len(match.store.present) + 1) + rowids
    if len(key) > n:
        key = key[np.argpartition(key, n - 1)[:n]]
    key.sort()
    return [int(k) for k in key % (len(match.store.present) + 1)]


async def answer_query(datasette, database: str, sql: str, params: Any) -> tuple[str, Any] | None:
    """For the count or rows query of a page the store can answer: ("count", n) or ("sql", the
    same query reading its page of rows by rowid). None for any other query."""
    text = sql.strip()
    count = _COUNT.fullmatch(text)
    if count:
        table, where = _unquote(count.group(1)), count.group(2)
        if not _SEARCH.search(where):
            return None
        match = await matches(datasette, database, table, where, params)
        return ("count", len(match.rowids)) if match else None
    rows = _ROWS.fullmatch(text)
    if not rows:
        return None
    columns, quoted, where, order, desc, limit = rows.groups()
    table = _unquote(quoted)
    if _unquote(order) not in MEMORY_ORDER.get(table, []) or not _SEARCH.search(where):
        return None
    match = await matches(datasette, database, table, where, params)
    if match is None:
        return None
    ids = page_rowids(match, bool(desc), int(limit))
    return "sql", (f"select {columns} from {quoted} where rowid in ({', '.join(map(str, ids))}) "
                   f"order by {order}{desc or ''}, rowid limit {limit}")
