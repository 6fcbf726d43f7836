"""Datasette glue: metadata for whatever the database file is called, and serve arguments."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

METADATA = Path(__file__).resolve().parent.parent / "metadata.json"
TEMPLATE_DB = "kb"  # the database name metadata.json is written for

# Settings every serve uses: facet suggestions cost most of a page's time on big tables.
SETTINGS = {"suggest_facets": False, "facet_time_limit_ms": 400, "sql_time_limit_ms": 2000}


def load_metadata(db_path: str | Path) -> dict[str, Any]:
    """metadata.json with its database section renamed to this database file's name."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    name = Path(db_path).stem
    databases = metadata.get("databases", {})
    if TEMPLATE_DB in databases and name != TEMPLATE_DB:
        databases[name] = databases.pop(TEMPLATE_DB)
    text = json.dumps(metadata)
    if name != TEMPLATE_DB:
        text = text.replace(f'/{TEMPLATE_DB}/', f"/{name}/")
    return json.loads(text)


def make_datasette(db_path: str | Path, **kwargs: Any):
    """A Datasette instance on the database, configured like `kb serve` (for tests and scripts)."""
    from datasette.app import Datasette

    return Datasette([str(db_path)], metadata=load_metadata(db_path), settings=dict(SETTINGS), **kwargs)


def serve_args(db_path: str | Path, port: int = 8001, host: str = "127.0.0.1", open_browser: bool = False) -> list[str]:
    """Arguments for `datasette serve`, with metadata written for this database name."""
    meta_file = Path(tempfile.gettempdir()) / f"kb-metadata-{Path(db_path).stem}.json"
    meta_file.write_text(json.dumps(load_metadata(db_path)), encoding="utf-8")
    args = ["serve", str(db_path), "--metadata", str(meta_file), "--host", host, "--port", str(port)]
    for key, value in SETTINGS.items():
        args += ["--setting", key, str(value).lower() if isinstance(value, bool) else str(value)]
    if open_browser:
        args.append("--open")
    return args
