"""Facet counts precomputed by kb build (facet_counts) are exact, used only when they apply,
and gone as soon as the table changes."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest

from kb.build import build_paths
from kb.datasette_app import make_datasette
from kb.schema import FACET_CACHE, open_db
from kb.store import delete_document, refresh_facet_counts

from .conftest import EXAMPLES

FACETS = "_facet=speaker&_facet=target_year&_facet=said_on_month&_facet=target_month"


def facets(ds, path: str) -> dict[str, list[tuple]]:
    sep = "&" if "?" in path else "?"
    r = asyncio.run(ds.client.get(f"{path}{sep}_extra=facet_results&_size=1"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert not data.get("facets_timed_out")
    return {name: [(v["value"], v["count"], v["selected"]) for v in f["results"]]
            for name, f in data["facet_results"].items()}


@pytest.fixture
def db_path(examples_db):
    return examples_db


def cached_tables(db_path) -> set[str]:
    conn = sqlite3.connect(db_path)
    return {r[0] for r in conn.execute("select tbl from facet_counts where col = ''")}


def test_a_build_leaves_counts_equal_to_counting(db_path):
    assert cached_tables(db_path) == set(FACET_CACHE)
    ds = make_datasette(db_path)
    pages = ["/kb/statements.json", f"/kb/statements.json?{FACETS}", "/kb/documents.json"]
    cached = [facets(ds, p) for p in pages]
    with sqlite3.connect(db_path) as conn:
        conn.execute("delete from facet_counts")
    counted = [facets(ds, p) for p in pages]
    assert cached == counted
    assert {"company", "market", "stance", "speaker_type", "said_on_year", "corrected", "speaker", "target_year"} \
        <= set(cached[1])
    years = dict((v, c) for v, c, _ in cached[1]["target_year"])
    assert all(isinstance(v, int) for v in years)  # values keep their type


def test_counts_are_used_on_unfiltered_pages_and_for_a_filters_own_column(db_path):
    ds = make_datasette(db_path)
    live = facets(ds, "/kb/statements.json?stance=plans")
    with sqlite3.connect(db_path) as conn:  # make the stored counts recognisable
        conn.execute("update facet_counts set count = count + 1000 where tbl = 'statements' and col != ''")
    assert all(c > 1000 for v, c, _ in facets(ds, "/kb/statements.json")["stance"])
    filtered = facets(ds, "/kb/statements.json?stance=plans")
    assert {k: v for k, v in filtered.items() if k != "stance"} == {k: v for k, v in live.items() if k != "stance"}
    # the filter's own column: its one value, with the count stored for it
    assert [(v, c - 1000, s) for v, c, s in filtered["stance"]] == live["stance"] == [("plans", live["stance"][0][1], True)]
    assert all(c < 1000 for v, c, _ in facets(ds, "/kb/statements.json?_search=plans")["stance"])


def test_any_change_deletes_the_counts_in_the_same_transaction(db_path):
    ds = make_datasette(db_path)
    before = facets(ds, "/kb/statements.json")
    doc_id = sqlite3.connect(db_path).execute(
        "select document_id from statements group by document_id order by count(*) desc limit 1").fetchone()[0]
    db = open_db(db_path)
    delete_document(db, doc_id)
    assert cached_tables(db_path) == set()
    after = facets(ds, "/kb/statements.json")  # counted again: the deleted document's statements are gone
    assert sum(c for _, c, _ in after["stance"]) < sum(c for _, c, _ in before["stance"])
    refresh_facet_counts(db)
    assert cached_tables(db_path) == set(FACET_CACHE)
    assert facets(ds, "/kb/statements.json") == after
    with db.conn:  # a change to a column that is not counted leaves them
        db.conn.execute("update statements set claim_id = null")
    assert cached_tables(db_path) == set(FACET_CACHE)
    with db.conn:
        db.conn.execute("update statements set stance = 'plans' where rowid = (select min(rowid) from statements)")
    assert "statements" not in cached_tables(db_path)
    db.close()


def test_a_rebuild_that_changes_nothing_keeps_exact_counts(db_path):
    ds = make_datasette(db_path)
    before = facets(ds, "/kb/statements.json")
    build_paths([EXAMPLES], db_path, workers=1)
    assert cached_tables(db_path) == set(FACET_CACHE)
    assert facets(ds, "/kb/statements.json") == before


def test_a_bulk_load_drops_counts_and_triggers_and_restores_the_triggers(db_path):
    from kb.build import finish_build
    from kb.schema import drop_triggers_for_bulk_load, restore_triggers

    def triggers(conn):
        return {r[0] for r in conn.execute("select name from sqlite_master where type = 'trigger'")
                if "_facets_" in r[0]}

    db = open_db(db_path)
    expected = triggers(db.conn)
    assert len(expected) == 3 * len(FACET_CACHE)
    drop_triggers_for_bulk_load(db)  # what a bulk build does after its first documents
    assert triggers(db.conn) == set() and cached_tables(db_path) == set()
    db.close()
    db = open_db(db_path)  # a build killed before restore_triggers: opening alone changes nothing,
    assert triggers(db.conn) == set()
    finish_build(db)  # finishing the build (kb build, serve and export do, seeing its marker) does
    assert triggers(db.conn) == expected
    refresh_facet_counts(db)
    with sqlite3.connect(db_path) as conn:
        conn.execute("drop trigger statements_facets_au")
    restore_triggers(db)  # a missing trigger: the counts it guarded are gone, the trigger is back
    assert triggers(db.conn) == expected and cached_tables(db_path) == set(FACET_CACHE) - {"statements"}
    db.close()
