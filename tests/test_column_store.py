"""Searched pages answered from the in-memory copy of the faceted columns (kb.column_store)
give what plain Datasette gives: the same count, the same rows in the same order, the same facet
counts, on a fixture of ties, nulls and skewed values, and after the data changes under a running
Datasette (a new token: the copy is read again; no token: SQL answers)."""
from __future__ import annotations

import asyncio
import random
import sqlite3
import textwrap
from pathlib import Path

import pytest

from kb import column_store
from kb.build import build_paths
from kb.datasette_app import make_datasette
from kb.schema import FACET_PAIRS, TABLES, open_db
from kb.store import refresh_facet_counts

from .conftest import EXAMPLES, write_article

PAIRS = FACET_PAIRS["statements"]
WORDS = ["plans", "factory", "launch", "stores", "delay", "quietly", "OR", "NEAR", "India", "retail"]
FTS = "rowid in (select rowid from statements_fts where statements_fts match ?)"

# (page, the where clause it means, its parameters): searches alone, with one or two filters, a
# column search, a raw search, two filters without a search, and searches matching nothing.
PAGES = [
    ("_search=plans", f"where {FTS}", ['"plans"']),
    ("_search=launch", f"where {FTS}", ['"launch"']),
    ("_search=plans+factory", f"where {FTS}", ['"plans" "factory"']),
    ("_search=plans&stance=entered", f"where stance = ? and {FTS}", ["entered", '"plans"']),
    ("_search=stores&stance=plans&market=IN", f"where market = ? and stance = ? and {FTS}", ["IN", "plans", '"stores"']),
    ("_search=delay&said_on_year=2021", f"where said_on_year = ? and {FTS}", [2021, '"delay"']),
    ("_search=delay&said_on_year=abc", "where said_on_year = ? and " + FTS, ["abc", '"delay"']),
    ("_search=retail&company=Nobody", f"where company = ? and {FTS}", ["Nobody", '"retail"']),
    ("_search_quote=quietly", "where rowid in (select rowid from statements_fts where quote match ?)", ['"quietly"']),
    ("_search=launch+OR+delay&_searchmode=raw", f"where {FTS}", ["launch OR delay"]),
    ("_search=%22", f"where {FTS}", ['""']),
    ("_search=zzz", f"where {FTS}", ['"zzz"']),
    ("stance=plans&speaker_type=company", "where stance = ? and speaker_type = ?", ["plans", "company"]),
]


def add_statements(conn, rng: random.Random, count: int, start: int) -> None:
    """Statements with skewed companies, tied dates, null and empty dates, words from WORDS."""
    cols = list(TABLES["statements"]["columns"])
    rows = []
    for i in range(start, start + count):
        row = dict.fromkeys(cols)
        day = rng.choice([None, "", *[f"202{y}-0{m}-1{d}" for y in range(4) for m in (1, 5) for d in (1, 2)]])
        row.update(id=f"s{i:05d}", document_id=f"d{i % 7}",
                   company=rng.choice(["Acme", "Acme", "Acme", "Borea Energy", "ACME", "Zeta Motors"]),
                   market=rng.choice(["IN", "IN", "BR", "DE", "US-CA"]),
                   stance=rng.choice(["plans", "plans", "entered", "no_plans", "delayed"]),
                   speaker_type=rng.choice(["company", "analyst", None]),
                   said_on=day or None, said_on_start=day, said_on_year=int(day[:4]) if day else None,
                   quote=" ".join(rng.choice(WORDS) for _ in range(4)), quote_start=0, quote_end=5,
                   corrected=rng.choice([0, 0, 1]))
        rows.append(tuple(row[c] for c in cols))
    conn.executemany(f"insert into statements ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", rows)


@pytest.fixture
def store_db(tmp_path) -> Path:
    path = tmp_path / "kb.db"
    db = open_db(path)
    with db.conn:
        db.conn.executemany("insert into documents (id, path, name, text, statements, events) values (?, ?, ?, 'x', 0, 0)",
                            [(f"d{i}", f"/d{i}.md", f"d{i}.md") for i in range(7)])
        db.conn.executemany("insert into companies (name, aliases) values (?, '[]')",
                            [(c,) for c in ("Acme", "ACME", "Borea Energy", "Zeta Motors")])
        add_statements(db.conn, random.Random(17), 600, 0)
    refresh_facet_counts(db)
    db.close()
    return path


def plain(db_path: Path):
    """Datasette counting, sorting and faceting with its own SQL (kb-facets' shortcuts off)."""
    ds = make_datasette(db_path)
    ds._metadata_local.setdefault("plugins", {})["kb-facets"] = {"stored_counts": False, "grouped": False,
                                                                 "memory": False}
    return ds


def page(ds, query: str) -> tuple:
    """(count, ids of the rows in order, facets) of a statements page."""
    r = asyncio.run(ds.client.get(f"/kb/statements.json?{query}&_facet_size=max&_shape=objects"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert not data.get("facets_timed_out")
    facets = {name: {v["value"]: v["count"] for v in f["results"]} for name, f in data["facet_results"].items()}
    return data["filtered_table_rows_count"], [row["id"] for row in data["rows"]], facets


def reference(conn, where: str, params: list) -> tuple:
    """count(*), the first page (51 rows: sorted by said_on_start, ties in rowid order), and
    count(*) per value of each faceted column, in SQL."""
    count = conn.execute(f"select count(*) from statements {where}", params).fetchone()[0]
    ids = [r[0] for r in conn.execute(f"select id from statements {where} order by said_on_start desc, rowid "
                                      f"limit 50", params)]
    facets = {col: dict(conn.execute(f"select {col}, count(*) from statements {where} and {col} is not null "
                                     f"group by {col}", params).fetchall()) for col in PAIRS}
    return count, ids, {col: counts for col, counts in facets.items() if counts}


@pytest.fixture
def used(monkeypatch) -> list:
    """The matches the copy answered (None when it could not)."""
    seen: list = []
    matches = column_store.matches

    async def recording(*args, **kwargs):
        found = await matches(*args, **kwargs)
        seen.append(found)
        return found

    monkeypatch.setattr(column_store, "matches", recording)
    return seen


def assert_same_page(conn, ours: tuple, theirs: tuple, alone: bool) -> None:
    """The same count and facets; the same rows in the same order of said_on_start. Rows of the
    same said_on_start come in rowid order for a search alone, as SQLite sorts Datasette's
    matches; with a filter, Datasette's SQL may read them through the filter's index in another
    order (SQL leaves it open), so there only the rows before the page's last date must be the
    same, as a set per date."""
    assert ours[0] == theirs[0] and ours[2] == theirs[2]
    if alone:
        assert ours[1] == theirs[1]
        return
    date = dict(conn.execute("select id, said_on_start from statements"))
    assert [date[i] for i in ours[1]] == [date[i] for i in theirs[1]]
    last = date[ours[1][-1]] if ours[1] else None
    assert {i for i in ours[1] if date[i] != last} == {i for i in theirs[1] if date[i] != last}


def assert_pages_exact(db_path: Path, ds, used: list) -> None:
    conn = sqlite3.connect(db_path)
    checked = 0
    for query, where, params in PAGES:
        used.clear()
        ours = page(ds, query)
        answered = list(used)
        assert_same_page(conn, ours, page(plain(db_path), query), alone="&" not in query.replace("&_searchmode", ""))
        want = reference(conn, where, params)
        assert ours[0] == want[0], query
        if "_search" in query:  # (without a search, the rows are Datasette's SQL's: checked above)
            assert ours[1] == want[1], query
        assert {k: v for k, v in ours[2].items() if v} == want[2], query
        if "said_on_year=abc" not in query:  # a value SQLite would not compare as stored: SQL answers
            assert answered and all(m is not None for m in answered), query
        checked += ours[0] > 50
    assert checked >= 3  # several pages with more rows than one page shows, so ties cross its end


def test_searched_pages_are_what_plain_datasette_gives(store_db, used):
    assert_pages_exact(store_db, make_datasette(store_db), used)


def test_after_a_change_the_copy_is_read_again_or_not_used(store_db, used):
    ds = make_datasette(store_db)
    assert_pages_exact(store_db, ds, used)
    db = open_db(store_db)
    with db.conn:  # new rows, a changed date and a changed stance: the counts' token is deleted
        add_statements(db.conn, random.Random(18), 150, 1000)
        db.conn.execute("update statements set said_on_start = '2030-01-01', quote = 'plans' where id = 's00003'")
        db.conn.execute("update statements set stance = 'withdrawn' where id = 's00004'")
    assert column_store.token(db.conn, "statements") is None
    used.clear()
    ours = page(ds, "_search=plans")
    assert used == [None, None, None]  # rows, count and facets: SQL, the copy has nothing to vouch for it
    assert ours == page(plain(store_db), "_search=plans")  # (Datasette's SQL in both)
    refresh_facet_counts(db)  # as a build ends: a new token
    db.close()
    assert_pages_exact(store_db, ds, used)
    first = asyncio.run(ds.client.get("/kb/statements.json?_search=plans&_shape=objects")).json()["rows"][0]
    assert first["id"] == "s00003"


def assert_examples_pages(db_path: Path, ds, used: list) -> None:
    for query in ("_search=plans", "_search=market&stance=plans", "_search=India", "_search=enter&corrected=0",
                  "_search=Voltaris", "_search=plans&stance=considering"):
        used.clear()
        ours = page(ds, query)
        assert used and all(m is not None for m in used), query
        assert_same_page(sqlite3.connect(db_path), ours, page(plain(db_path), query), alone="&" not in query)


def test_the_examples_pages_are_what_plain_datasette_gives(examples_db, used):
    assert_examples_pages(examples_db, make_datasette(examples_db), used)


def test_after_an_incremental_build_and_a_correction(examples_db, tmp_path, used):
    """The same running Datasette, after kb build adds a document and after it applies a
    correction: each build's new token has the copy read again, and the pages stay exact."""
    ds = make_datasette(examples_db)
    assert_examples_pages(examples_db, ds, used)
    extra = write_article(tmp_path / "more", "volta.md", textwrap.dedent("""
        Voltaris Motors plans to enter India in 2026, its chief executive said on Monday.
        Voltaris Motors has no plans to enter Brazil, the company said.
    """), id="volta-1", title="Voltaris weighs India", published="2024-03-05", publisher="Example Wire")
    build_paths([EXAMPLES, extra.parent], examples_db, workers=1)
    assert page(ds, "_search=Voltaris")[0] == 2
    assert_examples_pages(examples_db, ds, used)
    conn = sqlite3.connect(examples_db)
    doc, company, market, stance = conn.execute(
        "select document_id, company, market, stance from statements where stance != 'considering' "
        "and rowid in (select rowid from statements_fts where statements_fts match 'plans') order by id").fetchone()
    before = page(ds, "_search=plans&stance=considering")[0]
    corrections = tmp_path / "corrections.yaml"
    corrections.write_text(textwrap.dedent(f"""
        - document: {doc}
          statement: {{company: {company}, market: {market}, stance: {stance}}}
          fix: {{stance: considering}}
    """).lstrip(), encoding="utf-8")
    build_paths([EXAMPLES, extra.parent], examples_db, workers=1, corrections=corrections)
    assert page(ds, "_search=plans&stance=considering")[0] == before + 1
    assert_examples_pages(examples_db, ds, used)


@pytest.mark.parametrize("where", [
    'rowid in (select rowid from statements_fts where statements_fts match escape_fts(:search)) and "speaker" = :p0',
    '"stance" > :p0 and rowid in (select rowid from statements_fts where statements_fts match :search)',
    'rowid in (select rowid from statements_fts where statements_fts match :search) or 1',
    '"stance" = :p0 and (said_on_start < :p1 or said_on_start is null)',
])
def test_other_clauses_are_left_to_sql(where):
    assert column_store.parse_where(where, {"p0": "x", "p1": "y", "search": "z"}, "statements") is None


def test_the_clauses_datasette_writes_are_read():
    where = ('"stance" = :p0 and "said_on_year" = :p1 and rowid in (select rowid from statements_fts where '
             'statements_fts match escape_fts(:search))')
    parsed = column_store.parse_where(where, {"p0": "plans", "p1": "2021", "search": "x"}, "statements")
    assert parsed.equal == [("stance", "plans"), ("said_on_year", "2021")]
    assert parsed.searches == ["select rowid from statements_fts where statements_fts match escape_fts(:search)"]


def test_a_full_text_index_out_of_step_counts_as_datasette_does(store_db, used):
    """A match whose row is gone (deleted behind the full-text index's back) is not counted, as
    Datasette's `rowid in (...)` does not find it."""
    import sqlite_utils

    with sqlite3.connect(store_db) as conn:
        conn.execute("drop trigger statements_ad")
        gone = conn.execute("select id from statements where rowid in (select rowid from statements_fts "
                            "where statements_fts match 'plans') order by said_on_start desc limit 1").fetchone()[0]
        conn.execute("delete from statements where id = ?", [gone])
    refresh_facet_counts(sqlite_utils.Database(store_db))
    ds = make_datasette(store_db)
    used.clear()
    ours = page(ds, "_search=plans")
    assert used and all(m is not None for m in used)
    assert ours == page(plain(store_db), "_search=plans") and gone not in ours[1]


def test_a_big_table_is_loaded_when_datasette_starts(store_db, monkeypatch):
    """The copy of a table with more than PRELOAD_ROWS rows is read in the background at
    startup, for the database's current token; a small one waits for its first search."""
    started: list = []
    preload = column_store.preload
    monkeypatch.setattr(column_store, "preload", lambda *args: started.append(preload(*args)))
    key = (str(store_db), "statements")
    for rows, loaded in ((10_000, False), (100, True)):
        monkeypatch.setattr(column_store, "PRELOAD_ROWS", rows)
        column_store._stores.pop(key, None)
        asyncio.run(make_datasette(store_db).invoke_startup())
        for thread in started:
            thread.join(30)
        assert len(started) == 1 + (rows == 100)
        assert (key in column_store._stores) == loaded
    assert column_store._stores[key].token == column_store.token(sqlite3.connect(store_db), "statements")
