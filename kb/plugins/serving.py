"""Datasette plugin: kb's metadata for every kb database served, and safer, faster connections.

- metadata (get_metadata): a database that has kb's tables gets metadata.json's `kb` section
  under its own name (`market.db` is served as `market`), with the site's title, description,
  dashboards and plugin settings, so `datasette serve market.db` needs no --metadata file. A
  --metadata file given to Datasette still wins over this (Datasette's rule for plugin metadata).
- connections (prepare_connection): the database file memory-mapped (reading rows by rowid, as a
  search and its facets do, skips a system call and a copy per page: about half the time of a
  facet over a search at a million statements), and an SQLite authorizer that refuses
  LEAKY_FUNCTIONS in any query, the SQL editor's included.
- /-/databases(.json): Datasette's page, with each file's name instead of its absolute path
  (plugin routes are matched before Datasette's own).

Registered as a `datasette` entry point (pyproject.toml), like the other modules of kb.plugins.
"""
from __future__ import annotations

import sqlite3
import weakref
from pathlib import Path
from typing import Any

from datasette import hookimpl

from kb.datasette_app import load_metadata

MMAP_BYTES = 1 << 30

# SQL functions the SQL editor must not run: fts3_tokenizer('simple') returns a pointer into the
# server process (and with two arguments would install a tokenizer from one).
LEAKY_FUNCTIONS = {"fts3_tokenizer"}

# The tables that make a database a kb database (kb.schema creates them all).
KB_TABLES = {"statements", "documents", "companies", "facet_counts"}

# Per Datasette instance: the metadata its kb databases get, found at startup.
_served: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _refuse_leaky_functions(action, arg1, arg2, database, source):
    """SQLite authorizer of every served connection: any statement calling one of LEAKY_FUNCTIONS
    fails to prepare ("not authorized"); everything else is allowed as before."""
    if action == sqlite3.SQLITE_FUNCTION and arg2 and arg2.lower() in LEAKY_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn):
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    conn.set_authorizer(_refuse_leaky_functions)


@hookimpl
def startup(datasette):
    async def find_kb_databases():
        names = []
        for name, db in datasette.databases.items():
            if name.startswith("_") or db.is_memory:
                continue
            if KB_TABLES <= set(await db.table_names()):
                names.append(name)
        _served[datasette] = served_metadata(names)

    return find_kb_databases


def served_metadata(names: list[str]) -> dict[str, Any]:
    """metadata.json for kb databases of these names: each gets the `kb` section; the site-wide
    parts (title, description, dashboards) name the first."""
    if not names:
        return {}
    metadata = load_metadata(f"{names[0]}.db")
    section = metadata["databases"][names[0]]
    metadata["databases"] = {name: section for name in names}
    return metadata


@hookimpl
def get_metadata(datasette, key, database, table):
    return _served.get(datasette, {})


@hookimpl
def register_routes(datasette):
    from datasette.views.special import JsonDataView

    def databases():
        return [{**d, "path": Path(d["path"]).name if d.get("path") else d.get("path")}
                for d in datasette._connected_databases()]

    return [(r"/-/databases(\.(?P<format>json))?$", JsonDataView.as_view(datasette, "databases.json", databases))]
