"""Datasette glue: metadata for whatever the database file is called, `datasette serve`'s
arguments for kb serve, an inspect file for serving immutable, and a free port. The Datasette
plugins themselves (facet counts, company pages, metadata...) are kb.plugins.

    python -m kb.datasette_app kb.db [--port 8001] [--immutable]

serves like `kb serve` (which has the same --immutable); --immutable opens the database
read-only with an inspect file (written next to it when missing or older than the database).
"""
from __future__ import annotations

import errno
import json
import socket
import sys
from pathlib import Path
from typing import Any

# Shipped inside the package (package data), so a wheel serves from any working directory.
METADATA = Path(__file__).resolve().parent / "metadata.json"
TEMPLATE_DB = "kb"  # the database name metadata.json is written for

# Our templates (package data), passed to Datasette as its template directory. Our plugins are
# the modules of kb.plugins, registered as `datasette` entry points in pyproject.toml.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Settings every serve uses: facet suggestions cost most of a page's time on big tables.
SETTINGS = {"suggest_facets": False, "facet_time_limit_ms": 400, "sql_time_limit_ms": 2000}


def load_metadata(db_path: str | Path) -> dict[str, Any]:
    """metadata.json with its database section renamed to this database file's name (served by
    kb.plugins.serving for every kb database)."""
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
        # the site's description links to the database's pages
        metadata["description_html"] = metadata.get("description_html", "").replace(
            f'href="/{TEMPLATE_DB}/', f'href="/{name}/')
    return metadata


def make_datasette(db_path: str | Path, **kwargs: Any):
    """A Datasette instance on the database, configured like `kb serve` (for tests and scripts).
    kb's plugins (kb.plugins) come in as installed `datasette` entry points, as for any Datasette."""
    from datasette.app import Datasette

    kwargs.setdefault("template_dir", str(TEMPLATES_DIR))
    return Datasette([str(db_path)], settings=dict(SETTINGS), **kwargs)


def serve_args(db_path: str | Path, port: int = 8001, host: str = "127.0.0.1", open_browser: bool = False,
               inspect_file: str | Path | None = None) -> list[str]:
    """Arguments for `datasette serve`: the database, kb's templates and settings (the metadata
    and plugins are kb.plugins' entry points); with an inspect file (immutable_inspect_file),
    the database is served immutable (`-i`)."""
    database = ["-i", str(db_path), "--inspect-file", str(inspect_file)] if inspect_file else [str(db_path)]
    args = ["serve", *database, "--host", host, "--port", str(port), "--template-dir", str(TEMPLATES_DIR)]
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
