"""Datasette glue: metadata for whatever the database file is called, serve arguments, and
facet counts read from the tables kb build precomputes (facet_counts, facet_pair_counts) or
counted in one query per page instead of one per facet (CountingColumnFacet).

    python -m kb.datasette_app kb.db [--port 8001] [--immutable]

serves like `kb serve` (which has the same --immutable); --immutable opens the database
read-only with an inspect file (written next to it when missing or older than the database).
"""
from __future__ import annotations

import errno
import json
import socket
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

# Shipped inside the package (package data), so a wheel serves from any working directory.
METADATA = Path(__file__).resolve().parent / "metadata.json"
TEMPLATE_DB = "kb"  # the database name metadata.json is written for

# Our own small plugins (company pages) and templates, loaded by directory so
# that they work from a source checkout without an entry point.
PLUGINS_DIR = Path(__file__).resolve().parent / "plugins"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Settings every serve uses: facet suggestions cost most of a page's time on big tables.
SETTINGS = {"suggest_facets": False, "facet_time_limit_ms": 400, "sql_time_limit_ms": 2000}


def load_metadata(db_path: str | Path) -> dict[str, Any]:
    """metadata.json with its database section renamed to this database file's name."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    name = Path(db_path).stem
    databases = metadata.get("databases", {})
    if TEMPLATE_DB in databases and name != TEMPLATE_DB:
        databases[name] = databases.pop(TEMPLATE_DB)
    if name != TEMPLATE_DB:  # dashboards name their database in "db" keys
        for dashboard in metadata.get("plugins", {}).get("datasette-dashboards", {}).values():
            for item in [*dashboard.get("charts", {}).values(), *dashboard.get("filters", {}).values()]:
                if item.get("db") == TEMPLATE_DB:
                    item["db"] = name
    text = json.dumps(metadata)
    if name != TEMPLATE_DB:
        text = text.replace(f'/{TEMPLATE_DB}/', f"/{name}/")
    return json.loads(text)


# ------------------------------------------------------------------ cached facet counts
def _facet_sql(column: str, sql: str, limit: int) -> str:
    """The facet query datasette.facets.ColumnFacet runs (whitespace aside)."""
    from datasette.utils import escape_sqlite

    col = escape_sqlite(column)
    return " ".join(f"""select {col} as value, count(*) as count from ( {sql} ) where {col} is not null
        group by {col} order by count desc, value limit {limit}""".split())


# Table-level or top-level plugin configuration in metadata.json ("plugins": {"kb-facets": ...}):
#   stored_counts: facets of an unfiltered page, or of a page with one filter on a column of
#                  kb.schema.FACET_PAIRS, from the counts kb build stores (default true);
#   grouped:       the other facets of a page (two filters, a search) counted by one query over
#                  the matching rows instead of one query per facet (default false).
FACETS_PLUGIN = "kb-facets"


def _facet_class():
    import re

    from datasette.database import QueryInterrupted, Results
    from datasette.facets import ColumnFacet
    from datasette.utils import escape_sqlite

    from .schema import FACET_CACHE, FACET_PAIRS

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

    return CountingColumnFacet


# Datasette's connections map this much of the database file into memory (SQLite's mmap_size):
# reading rows by rowid (a search's matches, a facet over them) skips a system call and a copy
# per page; about half the time of a facet over a search at a million statements.
MMAP_BYTES = 1 << 30


def register_plugin() -> None:
    """Our serving plugin: Datasette's facet classes with the column facet replaced by
    CountingColumnFacet, and memory-mapped reads. Idempotent; make_datasette and serve_args
    call it."""
    from datasette import hookimpl
    from datasette import facets as datasette_facets
    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN_NAME) is not None:
        return
    column_facet = _facet_class()

    @hookimpl
    def register_facet_classes():
        classes = datasette_facets.register_facet_classes()
        return [column_facet if c is datasette_facets.ColumnFacet else c for c in classes]

    @hookimpl
    def prepare_connection(conn):
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        conn.set_authorizer(_refuse_leaky_functions)

    @hookimpl
    def register_routes(datasette):
        # /-/databases(.json) as Datasette's, with each file's name instead of its absolute path
        # (plugin routes are matched before Datasette's own).
        from datasette.views.special import JsonDataView

        def databases():
            return [{**d, "path": Path(d["path"]).name if d.get("path") else d.get("path")}
                    for d in datasette._connected_databases()]

        return [(r"/-/databases(\.(?P<format>json))?$", JsonDataView.as_view(datasette, "databases.json", databases))]

    @hookimpl
    def startup(datasette):
        # datasette-render-markdown (a dependency of datasette-dashboards) asks for its config
        # for every cell of an HTML page, and each ask merges the whole metadata again: 40% of a
        # 1,000-row page. The metadata does not change while serving, so an absent config is
        # remembered (only absent ones: plugins may modify a config they are given).
        original = datasette.plugin_config
        absent: set[tuple] = set()

        def plugin_config(plugin_name, database=None, table=None, fallback=True):
            key = (plugin_name, database, table, fallback)
            if key in absent:
                return None
            config = original(plugin_name, database=database, table=table, fallback=fallback)
            if config is None:
                absent.add(key)
            return config

        datasette.plugin_config = plugin_config

    plugin = types.ModuleType(PLUGIN_NAME, "kb: stored and grouped facet counts, mmap reads, plugin config lookups")
    plugin.register_facet_classes = register_facet_classes
    plugin.prepare_connection = prepare_connection
    plugin.register_routes = register_routes
    plugin.startup = startup
    if pm.get_plugin("datasette.facets") is not None:
        pm.unregister(name="datasette.facets")
    pm.register(plugin, name=PLUGIN_NAME)


PLUGIN_NAME = "kb_serving"

# SQL functions the SQL editor must not run: fts3_tokenizer('simple') returns a pointer into the
# server process (and with two arguments would install a tokenizer from one).
LEAKY_FUNCTIONS = {"fts3_tokenizer"}


def _refuse_leaky_functions(action, arg1, arg2, database, source):
    """SQLite authorizer of every served connection: any statement calling one of LEAKY_FUNCTIONS
    fails to prepare ("not authorized"); everything else is allowed as before."""
    import sqlite3

    if action == sqlite3.SQLITE_FUNCTION and arg2 and arg2.lower() in LEAKY_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def make_datasette(db_path: str | Path, **kwargs: Any):
    """A Datasette instance on the database, configured like `kb serve` (for tests and scripts)."""
    from datasette.app import Datasette

    register_plugin()

    kwargs.setdefault("plugins_dir", str(PLUGINS_DIR))
    kwargs.setdefault("template_dir", str(TEMPLATES_DIR))
    return Datasette([str(db_path)], metadata=load_metadata(db_path), settings=dict(SETTINGS), **kwargs)


def serve_args(db_path: str | Path, port: int = 8001, host: str = "127.0.0.1", open_browser: bool = False,
               inspect_file: str | Path | None = None) -> list[str]:
    """Arguments for `datasette serve`, with metadata written for this database name; with an
    inspect file (immutable_inspect_file), the database is served immutable (`-i`).

    Registers the facet-counts plugin in this process (`kb serve` runs Datasette in-process)."""
    register_plugin()
    meta_file = Path(tempfile.gettempdir()) / f"kb-metadata-{Path(db_path).stem}.json"
    meta_file.write_text(json.dumps(load_metadata(db_path)), encoding="utf-8")
    database = ["-i", str(db_path), "--inspect-file", str(inspect_file)] if inspect_file else [str(db_path)]
    args = ["serve", *database, "--metadata", str(meta_file), "--host", host, "--port", str(port),
            "--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR)]
    for key, value in SETTINGS.items():
        args += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    if open_browser:
        args.append("--open")
    return args


class NotImmutable(Exception):
    """The database cannot be served immutable yet (writes still in its WAL file)."""


def immutable_inspect_file(db_path: str | Path) -> Path:
    """The inspect file (table counts) for serving `db_path` immutable: DB.inspect.json next to
    it, written by `datasette inspect` when missing or older than the database. Raises
    NotImmutable when the database's WAL file holds writes that immutable mode would not see."""
    from datasette import cli as datasette_cli

    db = Path(db_path)
    wal = Path(f"{db}-wal")
    if wal.exists() and wal.stat().st_size:
        raise NotImmutable(f"{wal} holds writes not yet in {db}: let the build finish "
                           f"(or open it once with sqlite3), then serve it immutable")
    inspect_file = db.with_suffix(".inspect.json")
    if not inspect_file.exists() or inspect_file.stat().st_mtime < db.stat().st_mtime:
        datasette_cli.cli.main(args=["inspect", str(db), "--inspect-file", str(inspect_file)],
                               standalone_mode=False)
    return inspect_file


def _bind_error(host: str, port: int) -> OSError | None:
    """The error binding host:port the way uvicorn does (SO_REUSEADDR, so a closed connection
    still in TIME_WAIT does not count as busy), or None when the port is free."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as e:  # socket.gaierror too: a host name that does not resolve
        return e
    return None


def port_problem(host: str, port: int) -> str | None:
    """None when Datasette can listen on host:port; otherwise one line saying why, and for a
    port in use, the next free port to try."""
    if port == 0:
        return None
    error = _bind_error(host, port)
    if error is None:
        return None
    if error.errno == errno.EADDRINUSE:
        free = next((p for p in range(port + 1, min(port + 100, 65536)) if _bind_error(host, p) is None), None)
        return f"port {port} is busy, try --port {free}" if free else \
            f"port {port} is busy, try another --port (0 picks a free one)"
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


def main(argv: list[str] | None = None) -> None:
    """`python -m kb.datasette_app DB [--port N] [--host H] [--immutable]`: serve like kb serve,
    optionally immutable with an inspect file (rebuilt when older than the database)."""
    import argparse

    from datasette import cli as datasette_cli

    ap = argparse.ArgumentParser(prog="python -m kb.datasette_app", description=main.__doc__)
    ap.add_argument("db")
    ap.add_argument("--port", type=int, default=8001)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--immutable", action="store_true",
                    help="open the database read-only, with table counts from an inspect file")
    args = ap.parse_args(argv)
    db = Path(args.db)
    problem = port_problem(args.host, args.port)
    if problem:
        sys.exit(f"error: {problem}")
    from .build import BuildBusy, BuildUnfinished, ensure_finished

    try:  # a build killed before its end left stale search, claims, counts: finish it first
        note = ensure_finished(db, while_building="refuse" if args.immutable else "allow")
    except (BuildBusy, BuildUnfinished) as e:
        sys.exit(f"error: {e}")
    if note:
        print(f"note: {note}", file=sys.stderr)
    inspect_file = None
    if args.immutable:
        try:
            inspect_file = immutable_inspect_file(db)
        except NotImmutable as e:
            ap.error(str(e))
    serve = serve_args(db, port=args.port, host=args.host, inspect_file=inspect_file)
    datasette_cli.cli.main(args=serve, prog_name="python -m kb.datasette_app", standalone_mode=True)


if __name__ == "__main__":
    main(sys.argv[1:])
