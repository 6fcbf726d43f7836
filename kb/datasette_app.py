"""Datasette glue: metadata for whatever the database file is called, serve arguments, and
facet counts read from the table kb build precomputes (facet_counts) instead of counted anew.

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


def _facet_class():
    from datasette.database import Results
    from datasette.facets import ColumnFacet
    from datasette.utils import escape_sqlite

    from .schema import FACET_CACHE

    class _Answering:
        """Stands in for the Datasette object: answers the facet queries it was given, passes
        anything else (and every other attribute) to the real one."""

        def __init__(self, ds, answers: dict[str, Any]):
            self._ds, self._answers = ds, answers

        def __getattr__(self, name):
            return getattr(self._ds, name)

        async def execute(self, database, sql, *args, **kwargs):
            answer = self._answers.get(" ".join(sql.split()))
            if answer is not None:
                return answer
            return await self._ds.execute(database, sql, *args, **kwargs)

    class CachedColumnFacet(ColumnFacet):
        """Datasette's column facet; on an unfiltered page of a table in kb.schema.FACET_CACHE,
        the counts come from facet_counts (exact: kb build writes them, and any later change to
        the table deletes them in the same transaction; without them, counted as usual)."""

        async def facet_results(self):
            answers = await self._cached_answers()
            if not answers:
                return await super().facet_results()
            real = self.ds
            self.ds = _Answering(real, answers)
            try:
                return await super().facet_results()
            finally:
                self.ds = real

        async def _cached_answers(self) -> dict[str, Any]:
            cached = FACET_CACHE.get(self.table or "")
            unfiltered = (self.table and not self.params
                          and self.sql.rstrip().endswith(f"from {escape_sqlite(self.table)}"))
            if not cached or not unfiltered:
                return {}
            columns = [c["config"].get("column") or c["config"].get("simple") for c in self.get_configs()]
            columns = [c for c in columns if c in cached]
            if not columns:
                return {}
            limit = self.get_facet_size() + 1
            answers: dict[str, Any] = {}
            try:
                present = await self.ds.execute(
                    self.database, "select 1 from facet_counts where tbl = ? and col = ''", [self.table])
                if not present.rows:
                    return {}
                for column in columns:
                    rows = await self.ds.execute(
                        self.database,
                        "select value, count from facet_counts where tbl = ? and col = ? "
                        "order by count desc, value limit ?", [self.table, column, limit])
                    answers[_facet_sql(column, self.sql, limit)] = Results(
                        [{"value": r["value"], "count": r["count"]} for r in rows.rows], False,
                        [("value",), ("count",)])
            except Exception:  # no facet_counts table (an older database): count as usual
                return {}
            return answers

    return CachedColumnFacet


# Datasette's connections map this much of the database file into memory (SQLite's mmap_size):
# reading rows by rowid (a search's matches, a facet over them) skips a system call and a copy
# per page; about half the time of a facet over a search at a million statements.
MMAP_BYTES = 1 << 30


def register_plugin() -> None:
    """Our serving plugin: Datasette's facet classes with the column facet replaced by
    CachedColumnFacet, and memory-mapped reads. Idempotent; make_datasette and serve_args
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

    plugin = types.ModuleType(PLUGIN_NAME, "kb: facet counts from facet_counts, mmap reads, plugin config lookups")
    plugin.register_facet_classes = register_facet_classes
    plugin.prepare_connection = prepare_connection
    plugin.startup = startup
    if pm.get_plugin("datasette.facets") is not None:
        pm.unregister(name="datasette.facets")
    pm.register(plugin, name=PLUGIN_NAME)


PLUGIN_NAME = "kb_serving"


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
