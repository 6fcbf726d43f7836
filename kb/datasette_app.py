"""Datasette glue: metadata for whatever the database file is called, and serve arguments."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

METADATA = Path(__file__).resolve().parent.parent / "metadata.json"
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


def make_datasette(db_path: str | Path, **kwargs: Any):
    """A Datasette instance on the database, configured like `kb serve` (for tests and scripts)."""
    from datasette.app import Datasette

    kwargs.setdefault("plugins_dir", str(PLUGINS_DIR))
    kwargs.setdefault("template_dir", str(TEMPLATES_DIR))
    return Datasette([str(db_path)], metadata=load_metadata(db_path), settings=dict(SETTINGS), **kwargs)


def serve_args(db_path: str | Path, port: int = 8001, host: str = "127.0.0.1", open_browser: bool = False) -> list[str]:
    """Arguments for `datasette serve`, with metadata written for this database name."""
    meta_file = Path(tempfile.gettempdir()) / f"kb-metadata-{Path(db_path).stem}.json"
    meta_file.write_text(json.dumps(load_metadata(db_path)), encoding="utf-8")
    args = ["serve", str(db_path), "--metadata", str(meta_file), "--host", host, "--port", str(port),
            "--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR)]
    for key, value in SETTINGS.items():
        args += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    if open_browser:
        args.append("--open")
    return args
