"""Schema versions: a new database is made at kb.schema.SCHEMA_VERSION, an older one is brought up
by kb.schema.MIGRATIONS once, and opening a current one repairs nothing behind a build's back."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from kb.build import EXAMPLES, build_paths
from kb.cli import cli
from kb.schema import FACET_CACHE, FTS, MIGRATIONS, SCHEMA_VERSION, TABLES, facet_cache_triggers, fts_triggers, open_db


def _export(db_path) -> str:
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    return result.output


def _triggers(conn) -> dict[str, str]:
    return dict(conn.execute("select name, sql from sqlite_master where type = 'trigger'"))


def _wanted_triggers() -> dict[str, str]:
    out: dict[str, str] = {}
    for table in FTS:
        out.update(fts_triggers(table))
    for table in FACET_CACHE:
        out.update(facet_cache_triggers(table))
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("built") / "kb.db"
    report = build_paths([EXAMPLES], db_path, workers=1)
    assert report.failed == 0
    return db_path, _export(db_path)


SEARCH = "select count(*) from statements_fts where statements_fts match 'said OR plans OR enter OR market'"


def _copy(db_path, tmp_path):
    target = tmp_path / "kb.db"
    src, dst = sqlite3.connect(db_path), sqlite3.connect(target)
    src.backup(dst)
    src.close()
    dst.close()
    return target


def _make_version_1(path) -> None:
    """Give a current database the shape of version 1 databases: user_version 1 (every database
    was marked 1 and never read), a column added since the table was made missing, an index a
    composite one replaced still there, the full-text triggers of a build killed before they came
    back, and a facet trigger in an older form (before facet_pair_counts)."""
    conn = sqlite3.connect(path)
    conn.execute("pragma user_version = 1")
    conn.execute('alter table documents drop column "corrections_hash"')
    conn.execute('create index "idx_statements_company" on statements (company)')
    for table in FTS:
        for name in fts_triggers(table):
            conn.execute(f'drop trigger "{name}"')
        conn.execute(f"insert into {table}_fts ({table}_fts) values ('delete-all')")  # stale: empty
    conn.execute("drop trigger statements_facets_ai")
    conn.execute("CREATE TRIGGER statements_facets_ai AFTER INSERT ON statements "
                 "BEGIN DELETE FROM facet_counts WHERE tbl = 'statements'; END")
    conn.commit()
    conn.close()


def test_migrations_are_numbered_up_to_the_schema_version():
    versions = [v for v, _ in MIGRATIONS]
    assert versions == sorted(set(versions)) and versions[-1] == SCHEMA_VERSION


def test_a_new_database_is_made_at_the_current_version(tmp_path):
    db = open_db(tmp_path / "kb.db")
    assert db.conn.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    assert _triggers(db.conn) == _wanted_triggers()
    db.close()


def test_a_version_1_database_opens_and_is_upgraded(built, tmp_path):
    db_path, export = built
    path = _copy(db_path, tmp_path)
    conn = sqlite3.connect(path)
    searchable = conn.execute(SEARCH).fetchone()[0]
    conn.close()
    assert searchable > 0
    _make_version_1(path)
    conn = sqlite3.connect(path)
    assert conn.execute(SEARCH).fetchone()[0] == 0
    conn.close()
    db = open_db(path)
    conn = db.conn
    assert conn.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    assert list(db["documents"].columns_dict) == list(TABLES["documents"]["columns"])
    assert conn.execute("select count(*) from sqlite_master where name = 'idx_statements_company'").fetchone()[0] == 0
    assert _triggers(conn) == _wanted_triggers()
    # the search index left stale by the killed build was rebuilt: every quote is found again
    assert conn.execute(SEARCH).fetchone()[0] == searchable
    db.close()
    assert _export(path) == export
    # upgraded once: a second open and a build find nothing to do
    report = build_paths([EXAMPLES], path, workers=1)
    assert (report.new, report.changed, report.failed) == (0, 0, 0)
    assert _export(path) == export


def test_opening_a_current_database_repairs_nothing(built, tmp_path):
    """Putting back triggers is the end of a build (kb.build.finish_build, also run by kb serve and
    kb export when a build's marker says it did not end), not something every open does."""
    path = _copy(built[0], tmp_path)
    conn = sqlite3.connect(path)
    conn.execute('drop trigger "statements_ai"')
    conn.commit()
    conn.close()
    db = open_db(path)
    assert "statements_ai" not in _triggers(db.conn)
    db.close()
