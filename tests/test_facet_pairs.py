"""Facet counts under filters and searches (issue 17): the counts stored per (filter column, value)
pair (facet_pair_counts) and the facets a page counts in one grouped query are exactly what
count(*) says, right after a build, an incremental build and a correction."""
from __future__ import annotations

import asyncio
import sqlite3
import textwrap

import pytest

from kb.build import build_paths
from kb.datasette_app import make_datasette
from kb.schema import FACET_PAIRS, facet_cache_triggers, open_db
from kb.store import pair_groups

from .conftest import EXAMPLES, write_article

PAIRS = FACET_PAIRS["statements"]


@pytest.fixture
def db_path(examples_db):
    return examples_db


def counted(conn, where: str = "", params: list | tuple = ()) -> dict[str, dict]:
    """count(*) per value of every faceted column over the rows `where` selects."""
    return {col: dict(conn.execute(f"select {col}, count(*) from statements {where} "
                                   f"{'and' if where else 'where'} {col} is not null group by {col}",
                                   list(params)).fetchall())
            for col in PAIRS}


def assert_pairs_exact(db_path) -> None:
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from facet_counts where tbl = 'statements' and col = ''").fetchone()[0] == 1
    stored: dict[tuple, dict] = {}
    for fcol, fval, col, value, count in conn.execute(
            "select fcol, fval, col, value, count from facet_pair_counts where tbl = 'statements'"):
        stored.setdefault((fcol, fval, col), {})[value] = count
    expected: dict[tuple, dict] = {}
    for fcol in PAIRS:
        for (fval,) in conn.execute(f"select distinct {fcol} from statements where {fcol} is not null"):
            for col, counts in counted(conn, f"where {fcol} = ?", [fval]).items():
                if col != fcol and counts:
                    expected[(fcol, fval, col)] = counts
    assert stored == expected
    assert len(expected) > 50


def page_facets(ds, path: str) -> dict[str, dict]:
    sep = "&" if "?" in path else "?"
    r = asyncio.run(ds.client.get(f"{path}{sep}_extra=facet_results&_size=1&_facet_size=max"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert not data.get("facets_timed_out")
    return {name: {v["value"]: v["count"] for v in f["results"]} for name, f in data["facet_results"].items()}


def test_pair_counts_after_a_build_are_count_star(db_path):
    assert_pairs_exact(db_path)


def test_pair_counts_after_an_incremental_build(db_path, tmp_path):
    extra = write_article(tmp_path / "more", "volta.md", textwrap.dedent("""
        Voltaris Motors plans to enter India in 2026, its chief executive said on Monday.
        Voltaris Motors has no plans to enter Brazil, the company said.
    """), id="volta-1", title="Voltaris weighs India", published="2024-03-05", publisher="Example Wire")
    before = sqlite3.connect(db_path).execute("select count(*) from statements").fetchone()[0]
    build_paths([EXAMPLES, extra.parent], db_path, workers=1)
    assert sqlite3.connect(db_path).execute("select count(*) from statements").fetchone()[0] > before
    assert_pairs_exact(db_path)


def test_pair_counts_after_a_correction(db_path, tmp_path):
    conn = sqlite3.connect(db_path)
    doc, company, market, stance = conn.execute(
        "select document_id, company, market, stance from statements where stance != 'considering' "
        "order by id limit 1").fetchone()
    conn.close()
    corrections = tmp_path / "corrections.yaml"
    corrections.write_text(textwrap.dedent(f"""
        - document: {doc}
          statement: {{company: {company}, market: {market}, stance: {stance}}}
          fix: {{stance: considering}}
    """).lstrip(), encoding="utf-8")
    build_paths([EXAMPLES], db_path, workers=1, corrections=corrections)
    assert sqlite3.connect(db_path).execute("select count(*) from statements where corrected = 1").fetchone()[0] == 1
    assert_pairs_exact(db_path)


def test_a_change_deletes_the_pair_counts_in_the_same_transaction(db_path):
    db = open_db(db_path)
    with db.conn:
        db.conn.execute("update statements set market = 'FR' where rowid = (select min(rowid) from statements)")
    assert db.conn.execute("select count(*) from facet_pair_counts where tbl = 'statements'").fetchone()[0] == 0
    db.close()


def test_an_older_trigger_is_replaced_and_its_counts_deleted(db_path):
    with sqlite3.connect(db_path) as conn:  # the trigger before facet_pair_counts: deletes facet_counts only
        conn.execute("drop trigger statements_facets_ai")
        conn.execute(facet_cache_triggers("statements")["statements_facets_ai"].replace(
            " DELETE FROM facet_pair_counts WHERE tbl = 'statements';", ""))
        conn.execute("PRAGMA user_version = 1")  # as every database of that time (kb.schema.MIGRATIONS)
    db = open_db(db_path)
    sql = db.conn.execute("select sql from sqlite_master where name = 'statements_facets_ai'").fetchone()[0]
    assert sql == facet_cache_triggers("statements")["statements_facets_ai"]
    assert db.conn.execute("select count(*) from facet_pair_counts where tbl = 'statements'").fetchone()[0] == 0
    db.close()


def filter_pages(conn) -> list[tuple[str, str, list]]:
    """(page, where clause, params): one filter on each pair column, two filters, searches."""
    out = []
    for col in PAIRS:
        value = conn.execute(f"select {col} from statements where {col} is not null "
                             f"group by {col} order by count(*) desc limit 1").fetchone()[0]
        out.append((f"/kb/statements.json?{col}={value}", f"where {col} = ?", [value]))
    stance, market = conn.execute("select stance, market from statements group by 1, 2 order by count(*) desc").fetchone()
    out.append((f"/kb/statements.json?stance={stance}&market={market}", "where stance = ? and market = ?",
                [stance, market]))
    year = conn.execute("select said_on_year from statements where said_on_year is not null").fetchone()[0]
    out.append((f"/kb/statements.json?said_on_year={year}&speaker_type=company",
                "where said_on_year = ? and speaker_type = 'company'", [year]))
    fts = "rowid in (select rowid from statements_fts where statements_fts match ?)"
    out.append(("/kb/statements.json?_search=plans", f"where {fts}", ['"plans"']))
    out.append((f"/kb/statements.json?_search=plans&stance={stance}", f"where {fts} and stance = ?",
                ['"plans"', stance]))
    return out


def test_pages_with_filters_and_searches_count_like_count_star(db_path):
    ds = make_datasette(db_path)
    conn = sqlite3.connect(db_path)
    pages = filter_pages(conn)
    assert conn.execute("select count(*) from statements_fts where statements_fts match 'plans'").fetchone()[0] > 0
    for path, where, params in pages:
        expected = counted(conn, where, params)
        got = page_facets(ds, path)
        for col in PAIRS:
            assert got[col] == expected[col], (path, col)
    # the same pages once the stored counts are gone (counted by the grouped query): the same
    stored = [page_facets(ds, path) for path, _, _ in pages]
    with conn:
        conn.execute("delete from facet_pair_counts")
        conn.execute("delete from facet_counts")
    assert [page_facets(ds, path) for path, _, _ in pages] == stored


def test_stored_and_grouped_counts_are_what_datasette_counts(db_path):
    """With the kb-facets plugin's stored counts, in-memory copy and grouped query switched off in
    the metadata, Datasette counts each facet itself: every page's facets are the same."""
    conn = sqlite3.connect(db_path)
    pages = [p for p, _, _ in filter_pages(conn)] + ["/kb/statements.json", "/kb/statements.json?_facet=speaker"]
    ours = make_datasette(db_path)
    plain = make_datasette(db_path)
    plain._metadata_local.setdefault("plugins", {})["kb-facets"] = {"stored_counts": False, "grouped": False,
                                                                    "memory": False}
    for path in pages:
        assert page_facets(ours, path) == page_facets(plain, path), path


def test_pair_groups_cover_every_pair_within_the_bound():
    cardinality = {"company": 753, "market": 39, "stance": 7, "speaker_type": 6, "said_on_year": 42, "corrected": 3}
    groups = pair_groups(cardinality)
    covered = {frozenset((a, b)) for g in groups for a in g for b in g if a != b}
    assert covered == {frozenset((a, b)) for a in cardinality for b in cardinality if a != b}
    for g in groups:
        size = 1
        for c in g:
            size *= cardinality[c]
        assert size <= 100_000
    assert len(groups) < 15  # fewer group-bys than pairs
    assert pair_groups({"a": 10**6, "b": 10**6}) == [["a", "b"]]  # over the bound: still covered


def test_which_pages_use_what(db_path):
    """One filter on a pair column: stored counts; two filters or a search: the in-memory copy
    (kb.column_store), no facet query at all; without it, one grouped query."""
    ds = make_datasette(db_path)
    seen: list[str] = []
    execute = ds.execute

    async def recording(database, sql, *args, **kwargs):
        seen.append(sql)
        return await execute(database, sql, *args, **kwargs)

    ds.execute = recording
    with sqlite3.connect(db_path) as conn:  # make the stored counts recognisable
        conn.execute("update facet_pair_counts set count = count + 1000")
        conn.execute("update facet_counts set count = count + 2000 where col = 'stance'")
        stance = conn.execute("select stance from statements group by 1 order by count(*) desc").fetchone()[0]
    seen.clear()
    got = page_facets(ds, f"/kb/statements.json?stance={stance}")
    assert all(1000 < c < 2000 for col in PAIRS if col != "stance" for c in got[col].values())
    assert list(got["stance"]) == [stance] and got["stance"][stance] > 2000  # its own column: facet_counts
    assert [sql for sql in seen if "count(*) as count" in sql] == []
    with sqlite3.connect(db_path) as conn:
        conn.execute("update facet_counts set count = count - 2000 where col = 'stance'")
    pages = (f"/kb/statements.json?stance={stance}&speaker_type=company", "/kb/statements.json?_search=plans")
    for memory in (True, False):
        ds._metadata_local.setdefault("plugins", {})["kb-facets"] = {"memory": memory}
        for path in pages:
            seen.clear()
            assert all(c < 1000 for counts in page_facets(ds, path).values() for c in counts.values())
            facet_queries = [sql for sql in seen if "count(*) as count" in sql]
            if memory:
                assert facet_queries == [], path
            else:
                assert len(facet_queries) == 1 and "kb_rows as materialized" in facet_queries[0], path


@pytest.mark.parametrize("column", PAIRS)
def test_one_filter_reads_its_own_index_in_page_order(db_path, column):
    """A page filtered on any faceted column (a company too) takes its first rows from the start
    of that column's index range, in the page's order, and counts a second filter in the same
    index, without sorting or reading the rows it skips (the busiest company at ten million:
    608,263 statements)."""
    conn = sqlite3.connect(db_path)
    value = conn.execute(f"select {column} from statements where {column} is not null limit 1").fetchone()[0]
    rows = f'select * from statements where "{column}" = ? order by said_on_start desc limit 51'
    plan = " | ".join(r[-1] for r in conn.execute("explain query plan " + rows, [value]))
    assert f"USING INDEX idx_statements_{column}_said_on_start" in plan and "TEMP B-TREE" not in plan, plan
    other = "stance" if column != "stance" else "market"
    count = f'select count(*) from statements where "{column}" = ? and "{other}" = ?'
    plan = " | ".join(r[-1] for r in conn.execute("explain query plan " + count, [value, "x"]))
    assert "COVERING INDEX" in plan, plan
