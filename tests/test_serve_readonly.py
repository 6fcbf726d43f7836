"""Serving a finished database read-only: `kb serve --immutable`'s arguments, run by Datasette."""
from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.build import EXAMPLES, build_paths
from kb.cli import cli


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("readonly") / "kb.db"
    build_paths([EXAMPLES], db, workers=1)
    return db


def _serve_args(db: Path, monkeypatch) -> list[str]:
    """The `datasette serve` arguments `kb serve --db DB --immutable` runs (captured, not served),
    after its `datasette inspect` has written the inspect file."""
    import datasette.cli

    served, run = [], datasette.cli.cli.main

    def main(*a, **k):  # `datasette inspect` runs; `datasette serve` is captured
        return served.append(k["args"]) if k["args"][0] == "serve" else run(*a, **k)

    with monkeypatch.context() as patched:  # undone before the tests run Datasette's CLI
        patched.setattr(datasette.cli.cli, "main", main)
        result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--immutable", "--port", "0"])
    assert result.exit_code == 0, result.output
    return served[0]


def _get(args: list[str], path: str) -> dict:
    """Datasette's own `serve ... --get PATH`: the page, from a Datasette started with `args`."""
    from datasette.cli import cli as datasette_cli

    result = CliRunner().invoke(datasette_cli, [*args, "--get", path])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_immutable_serves_read_only_with_counts_from_inspect_file(examples_db, tmp_path, monkeypatch):
    db = tmp_path / "kb.db"
    shutil.copy(examples_db, db)
    args = _serve_args(db, monkeypatch)
    inspect_file = Path(args[args.index("--inspect-file") + 1])
    assert args[args.index("-i") + 1] == str(db) and inspect_file == tmp_path / "kb.inspect.json"

    with closing(sqlite3.connect(db)) as conn:
        real = conn.execute("select count(*) from statements").fetchone()[0]
    inspect = json.loads(inspect_file.read_text(encoding="utf-8"))
    assert inspect["kb"]["tables"]["statements"]["count"] == real > 0
    # A count only the inspect file holds: an immutable database's table counts come from it.
    inspect["kb"]["tables"]["statements"]["count"] = real + 1000
    inspect_file.write_text(json.dumps(inspect), encoding="utf-8")
    before = hashlib.sha256(db.read_bytes()).hexdigest(), sorted(p.name for p in tmp_path.iterdir())

    databases = _get(args, "/-/databases.json")
    tables = {t["name"]: t["count"] for t in _get(args, "/kb.json")["tables"]}
    page = _get(args, "/kb/statements.json?_size=1")
    filtered = _get(args, "/kb/statements.json?_size=1&_nofacet=1&stance=plans")

    assert [(d["name"], d["is_mutable"]) for d in databases] == [("kb", False)]
    assert tables["statements"] == real + 1000
    assert page["filtered_table_rows_count"] == real + 1000
    assert 0 < filtered["filtered_table_rows_count"] < real  # a filtered page counts its rows
    # opened immutable: the file unchanged and no -wal or -shm file made beside it
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), sorted(p.name for p in tmp_path.iterdir())) == before


def test_immutable_connections_refuse_writes(examples_db, tmp_path, monkeypatch):
    """Every connection Datasette serves an immutable database from is read-only: even a write
    that got past Datasette's SQL checks (a plugin's, say) fails in SQLite."""
    from datasette.app import Datasette

    db = tmp_path / "kb.db"
    shutil.copy(examples_db, db)
    args = _serve_args(db, monkeypatch)
    inspect_file = Path(args[args.index("--inspect-file") + 1])
    ds = Datasette(immutables=[args[args.index("-i") + 1]],
                   inspect_data=json.loads(inspect_file.read_text(encoding="utf-8")))
    served = ds.get_database("kb")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        asyncio.run(served.execute_fn(lambda conn: conn.execute("delete from statements")))
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("select count(*) from statements").fetchone()[0] > 0
