"""kb's Datasette plugins are plugins: registered as `datasette` entry points (pyproject.toml),
loaded by Datasette itself, configured in metadata; a database of any name gets kb's metadata
from the plugin, with no metadata file written anywhere."""
from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tomllib
from pathlib import Path

import pytest
from datasette.facets import ColumnFacet
from datasette.plugins import pm

from kb.build import build_paths
from kb.datasette_app import make_datasette, serve_args
from kb.plugins.facets import CountingColumnFacet

from .conftest import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["datasette"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    db_path = tmp_path_factory.mktemp("plugins") / "kb.db"
    build_paths([EXAMPLES], db_path, workers=1)
    return db_path


def get(ds, path: str):
    return asyncio.run(ds.client.get(path))


def test_every_plugin_module_is_an_entry_point_datasette_loads():
    modules = {f"kb.plugins.{p.stem}" for p in (ROOT / "kb" / "plugins").glob("*.py") if p.stem != "__init__"}
    assert set(ENTRY_POINTS.values()) == modules
    loaded = {plugin.__name__: dist.project_name for plugin, dist in pm.list_plugin_distinfo()}
    for module in modules:
        assert loaded.get(module) == "market-entry-kb", f"{module} is not loaded from its entry point"


def test_the_column_facet_is_replaced_without_unregistering_datasettes():
    assert pm.get_plugin("datasette.facets") is not None
    classes = [c for found in pm.hook.register_facet_classes() for c in found]
    assert CountingColumnFacet in classes and ColumnFacet not in classes
    assert len([c for c in classes if c.type == "column"]) == 1


def test_serve_arguments_are_datasettes_with_no_metadata_file_or_plugins_dir():
    args = serve_args("market.db", port=8123)
    assert args[:2] == ["serve", "market.db"]
    assert "--metadata" not in args and "--plugins-dir" not in args


def test_databases_of_any_name_get_their_own_metadata_at_once(built, tmp_path):
    """Two databases with different names in one process (two servers used to share one temporary
    metadata file): each gets kb's metadata under its own name."""
    other = tmp_path / "market.db"
    shutil.copy(built, other)
    kb, market = make_datasette(built), make_datasette(other)
    for ds, name in ((kb, "kb"), (market, "market")):
        home = get(ds, "/").text
        assert f'href="/{name}/statements"' in home
        page = get(ds, f"/{name}/statements.json?_size=0").json()
        assert set(page["facet_results"]) >= {"company", "market", "stance"}
        assert get(ds, f"/{name}/company_timeline.json?_shape=array&company=Tesla").status_code == 200
        dashboards = ds.plugin_config("datasette-dashboards")
        dbs = {c["db"] for d in dashboards.values() for c in d["charts"].values()}
        assert dbs == {name}
    counted = sqlite3.connect(other).execute("select count(*) from statements where stance = 'plans'").fetchone()[0]
    stance = get(market, "/market/statements.json?_size=0").json()["facet_results"]["stance"]["results"]
    assert {r["value"]: r["count"] for r in stance}["plans"] == counted


def test_a_database_without_kb_tables_gets_no_kb_metadata(tmp_path):
    plain = tmp_path / "notes.db"
    sqlite3.connect(plain).execute("create table notes (id integer primary key, body text)").connection.commit()
    ds = make_datasette(plain)
    assert get(ds, "/notes/notes.json").status_code == 200
    assert "notes" not in (ds.metadata("databases") or {})
    assert get(ds, "/notes/company_timeline").status_code == 404
