"""Datasette plugin: column facets counted more cheaply and exactly the same.

Datasette's column facet class is replaced (a wrapper around the register_facet_classes hook)
by CountingColumnFacet, which answers the facet queries of a page from the counts kb build
stores (facet_counts, facet_pair_counts), from the in-memory copy of the faceted columns
(kb.column_store, for searched pages and several filters) or counts them in one grouped query
instead of one per facet; configured in metadata.json as "kb-facets". The same copy answers a
searched page's count and picks its rows (the startup hook wraps kb databases' execute()).
Registered as a `datasette` entry point (pyproject.toml), like the other modules of kb.plugins.
"""
from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted, Results
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite

from kb import column_store
from kb.column_store import settings
from kb.schema import FACET_CACHE, FACET_PAIRS


def _facet_sql(column: str, sql: str, limit: int) -> str:
    """The facet query datasette.facets.ColumnFacet runs (whitespace aside)."""
    col = escape_sqlite(column)
    return " ".join(f"""select {col} as value, count(*) as count from ( {sql} ) where {col} is not null
        group by {col} order by count desc, value limit {limit}""".split())


# Table-level or top-level plugin configuration in metadata.json ("plugins": {"kb-facets": ...}):
#   stored_counts: facets of an unfiltered page, or of a page with one filter on a column of
#                  kb.schema.FACET_PAIRS, from the counts kb build stores (default true);
#   memory:        the facets of a searched page, or of one with several equality filters, from
#                  the in-memory copy of the faceted columns (kb.column_store; default true);
#   grouped:       the other facets of a page (two filters, a search) counted by one query over
#                  the matching rows instead of one query per facet (default false).


class _Answering:
    """Stands in for the Datasette object: answers the facet queries it was given (an
    exception as an answer is raised), passes anything else (and every other attribute) to
    the real one."""

    def __init__(self, ds, answers: dict[str, Any]):
        self._ds, self._answers = ds, answers

    def __getattr__(self, name):
        return getattr(self._ds, name)

    async def execute(self, database, sql, *args, **kwargs):
        answer = self._answers.get(" ".join(sql.split()))
        if isinstance(answer, BaseException):
            raise answer
        if answer is not None:
            return answer
        return await self._ds.execute(database, sql, *args, **kwargs)


def results(rows) -> Results:
    """Facet rows (value, count) as the Results of a facet query."""
    return Results([{"value": r[0], "count": r[1]} for r in rows], False, [("value",), ("count",)])


class CountingColumnFacet(ColumnFacet):
    """Datasette's column facet, with the counts found more cheaply and exactly the same:

    * stored: on an unfiltered page of a table in kb.schema.FACET_CACHE, from facet_counts;
      on a page with one equality filter on a column of kb.schema.FACET_PAIRS, the facets on
      the others from facet_pair_counts and the facet on its own column (one value) from
      facet_counts (kb build writes both; any later change to the table deletes them in the
      same transaction; without them, counted);
    * grouped: every other facet of the page counted by one query that reads the matching
      rows once (a materialized CTE of the faceted columns) and groups them per facet,
      instead of Datasette's one query per facet, each reading all matching rows again.

    Datasette's ColumnFacet then builds the facets from these answers as from its own."""

    async def facet_results(self):
        answers = await self._answers()
        if not answers:
            return await super().facet_results()
        real = self.ds
        self.ds = _Answering(real, answers)
        try:
            return await super().facet_results()
        finally:
            self.ds = real

    def _columns(self) -> list[str]:
        columns = [c["config"].get("column") or c["config"].get("simple") for c in self.get_configs()]
        return list(dict.fromkeys(c for c in columns if c))

    async def _answers(self) -> dict[str, Any]:
        columns = self._columns()
        if not columns:
            return {}
        config = settings(self.ds, self.database, self.table)
        limit = self.get_facet_size() + 1
        answers: dict[str, Any] = {}
        if config.get("stored_counts", True):
            try:
                answers.update(await self._stored(columns, limit))
            except Exception:  # no facet_counts tables (an older database): count as usual
                answers = {}
        rest = [c for c in columns if _facet_sql(c, self.sql, limit) not in answers]
        if config.get("memory", True) and rest:
            answers.update(await self._from_memory(rest, limit))
            rest = [c for c in rest if _facet_sql(c, self.sql, limit) not in answers]
        if config.get("grouped", False) and len(rest) > 1:
            answers.update(await self._grouped(rest, limit))
        return answers

    def _filter(self) -> tuple[str, Any] | None | bool:
        """None for an unfiltered page of the table, (column, value) for one equality filter
        on a column of FACET_PAIRS, False for anything else."""
        if not self.table:
            return False
        table = re.escape(escape_sqlite(self.table))
        if not self.params and re.search(rf" from {table}\s*$", self.sql):
            return None
        match = re.search(rf" from {table} where (\S+) = :p0\s*$", self.sql)
        if not match or set(self.params) != {"p0"}:
            return False
        quoted = match.group(1)
        column = next((c for c in FACET_PAIRS.get(self.table, [])
                       if quoted in (c, f'"{c}"', f"[{c}]", escape_sqlite(c))), None)
        return (column, self.params["p0"]) if column else False

    async def _stored(self, columns: list[str], limit: int) -> dict[str, Any]:
        where = self._filter()
        if where is False or self.table not in FACET_CACHE:
            return {}
        if where is not None:
            column, value = where
            value = await self._as_stored(column, value)
            if value is None:
                return {}
        present = await self.ds.execute(
            self.database, "select 1 from facet_counts where tbl = ? and col = ''", [self.table])
        if not present.rows:
            return {}
        answers: dict[str, Any] = {}
        for col in columns:
            if where is None and col in FACET_CACHE[self.table]:
                rows = await self.ds.execute(
                    self.database, "select value, count from facet_counts where tbl = ? and col = ? "
                    "order by count desc, value limit ?", [self.table, col, limit])
            elif where is not None and col in FACET_PAIRS[self.table] and col != where[0]:
                rows = await self.ds.execute(
                    self.database, "select value, count from facet_pair_counts where tbl = ? and fcol = ? "
                    "and fval = ? and col = ? order by count desc, value limit ?",
                    [self.table, where[0], value, col, limit])
            elif where is not None and col == where[0] and col in FACET_CACHE[self.table]:
                # the filter's own column: its one value, on every row the filter keeps
                rows = await self.ds.execute(
                    self.database, "select value, count from facet_counts where tbl = ? and col = ? and value = ?",
                    [self.table, col, value])
            else:
                continue
            answers[_facet_sql(col, self.sql, limit)] = results(rows.rows)
        return answers

    async def _as_stored(self, column: str, value: Any) -> Any:
        """The filter's value as the column stores it (column_store.as_stored)."""
        kind = (await self.ds.execute(
            self.database, "select upper(type) from pragma_table_info(?) where name = ?",
            [self.table, column])).rows
        return column_store.as_stored(kind[0][0] if kind else "", value)

    async def _from_memory(self, columns: list[str], limit: int) -> dict[str, Any]:
        """The facets of a searched page (or one with several equality filters) counted in the
        in-memory copy of the faceted columns (kb.column_store), or none."""
        if not self.table:
            return {}
        found = re.fullmatch(rf"select .+? from {re.escape(escape_sqlite(self.table))} where (.+)",
                             self.sql.strip(), re.S)
        match = found and await column_store.matches(self.ds, self.database, self.table, found.group(1), self.params)
        if not match:
            return {}
        answers = {}
        for col in columns:
            rows = column_store.facet_counts(match, col, limit)
            if rows is not None:
                answers[_facet_sql(col, self.sql, limit)] = results(rows)
        return answers

    async def _grouped(self, columns: list[str], limit: int) -> dict[str, Any]:
        cols = [escape_sqlite(c) for c in columns]
        arms = " union all ".join(
            f"select {i} as facet, value, count from (select {c} as value, count(*) as count from kb_rows "
            f"where {c} is not null group by {c} order by count desc, value limit {limit})"
            for i, c in enumerate(cols))
        sql = f"with kb_rows as materialized (select {', '.join(cols)} from ({self.sql})) {arms}"
        keys = [_facet_sql(c, self.sql, limit) for c in columns]
        try:
            rows = await self.ds.execute(
                self.database, sql, self.params, truncate=False,
                custom_time_limit=self.ds.setting("facet_time_limit_ms") * len(columns))
        except QueryInterrupted as e:  # each of them would have timed out too
            return dict.fromkeys(keys, e)
        except Exception:  # e.g. no such column: let Datasette say so, facet by facet
            return {}
        grouped: list[list] = [[] for _ in columns]
        for facet, value, count in rows.rows:
            grouped[facet].append((value, count))
        return {key: results(rows) for key, rows in zip(keys, grouped)}


@hookimpl(wrapper=True)
def register_facet_classes():
    """Datasette's facet classes (and any other plugin's), with its column facet replaced."""
    classes = yield
    return [[CountingColumnFacet if c is ColumnFacet else c for c in found] for found in classes]


@hookimpl
def startup(datasette):
    """kb databases' execute() answers a searched page's count and picks its rows through the
    in-memory copy (column_store.answer_query); every other query runs as given. The copy of a
    big table is loaded at once, in the background (column_store.preload)."""
    async def wrap_databases():
        for name, db in datasette.databases.items():
            if db.is_memory or getattr(db, "_kb_column_store", False) or \
                    "facet_counts" not in await db.table_names():
                continue
            db.execute = _answering(datasette, name, db.execute)
            db._kb_column_store = True
            column_store.preload(db)

    return wrap_databases


def _answering(datasette, name: str, execute):
    async def answered(sql, params=None, *args, **kwargs):
        try:
            answer = await column_store.answer_query(datasette, name, sql, params)
        except Exception:  # never worse than Datasette's own SQL
            answer = None
        if answer and answer[0] == "count":
            return Results([(answer[1],)], False, [("count(*)",)])
        return await execute(answer[1] if answer else sql, params, *args, **kwargs)

    return answered


@hookimpl
def asgi_wrapper(datasette):
    """A cache per request for column_store.matches: a page's count, rows and facets read the
    full-text index once."""
    def wrap(app):
        async def per_request(scope, receive, send):
            reset = column_store.REQUEST_CACHE.set({})
            try:
                await app(scope, receive, send)
            finally:
                column_store.REQUEST_CACHE.reset(reset)

        return per_request

    return wrap
