"""Datasette plugin: column facets counted more cheaply and exactly the same.

Datasette's column facet class is replaced (a wrapper around the register_facet_classes hook)
by CountingColumnFacet, which answers the facet queries of a page from the counts kb build
stores (facet_counts, facet_pair_counts) or counts them in one grouped query instead of one per
facet; configured in metadata.json as "kb-facets". Registered as a `datasette` entry point
(pyproject.toml), like the other modules of kb.plugins.
"""
from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted, Results
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite

from kb.schema import FACET_CACHE, FACET_PAIRS


def _facet_sql(column: str, sql: str, limit: int) -> str:
    """The facet query datasette.facets.ColumnFacet runs (whitespace aside)."""
    col = escape_sqlite(column)
    return " ".join(f"""select {col} as value, count(*) as count from ( {sql} ) where {col} is not null
        group by {col} order by count desc, value limit {limit}""".split())


# Table-level or top-level plugin configuration in metadata.json ("plugins": {"kb-facets": ...}):
#   stored_counts: facets of an unfiltered page, or of a page with one filter on a column of
#                  kb.schema.FACET_PAIRS, from the counts kb build stores (default true);
#   grouped:       the other facets of a page (two filters, a search) counted by one query over
#                  the matching rows instead of one query per facet (default false).
FACETS_PLUGIN = "kb-facets"


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
      the others from facet_pair_counts (kb build writes both; any later change to the
      table deletes them in the same transaction; without them, counted);
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
        # the table's own settings over the top-level ones (Datasette returns the first level
        # that has a "plugins" section, which for most tables is their own)
        config = {**(self.ds.plugin_config(FACETS_PLUGIN) or {}),
                  **(self.ds.plugin_config(FACETS_PLUGIN, database=self.database, table=self.table) or {})}
        limit = self.get_facet_size() + 1
        answers: dict[str, Any] = {}
        if config.get("stored_counts", True):
            try:
                answers.update(await self._stored(columns, limit))
            except Exception:  # no facet_counts tables (an older database): count as usual
                answers = {}
        rest = [c for c in columns if _facet_sql(c, self.sql, limit) not in answers]
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
            else:
                continue
            answers[_facet_sql(col, self.sql, limit)] = results(rows.rows)
        return answers

    async def _as_stored(self, column: str, value: Any) -> Any:
        """The filter's value as the column stores it (SQLite compares `said_on_year = '2020'`
        as 2020 in an INTEGER column), or None when unsure (then counted)."""
        if not isinstance(value, str):
            return None
        kind = (await self.ds.execute(
            self.database, "select upper(type) from pragma_table_info(?) where name = ?",
            [self.table, column])).rows
        kind = kind[0][0] if kind else ""
        if "INT" in kind:
            return int(value) if re.fullmatch(r"-?[0-9]{1,18}", value) else None
        if "CHAR" in kind or "CLOB" in kind or "TEXT" in kind:
            return value
        return None

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
