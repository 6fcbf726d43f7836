"""The canned queries written for speed at a million statements return what the plain queries do.

latest_stance and company_timeline (metadata.json) are written so that SQLite answers them from
indexes (kb/schema.py INDEXES) instead of sorting or grouping every statement; these tests hold
them to straightforward reference queries, on the examples and on a fixture made of the awkward
cases: same-day ties, missing targets, undated statements, company names in another case.
"""
from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path

import pytest

from kb.build import build_paths
from kb.datasette_app import make_datasette
from kb.schema import TABLES, open_db
from kb.claims import recompute

from .conftest import EXAMPLES

QUERIES = json.loads((Path(__file__).resolve().parent.parent / "kb" / "metadata.json").read_text())["databases"]["kb"]["queries"]

# latest_stance is the current claim of each company and market (claims.is_current, set by
# kb/claims.py order_history): the one definition every page reads.
REFERENCE_LATEST = """
select company, market, id from claims
where is_current = 1 and (:company = '' or company = :company collate nocase)
"""

REFERENCE_TIMELINE = """
select said_on, company, market, market_name, stance, speaker, quote, document_title, publisher, url, target,
  speaker_role, statement_id
from timeline
where (:company = '' or company = :company collate nocase) and (:market = '' or market = :market)
order by date, company, market, statement_id
"""
PAGE = QUERIES["company_timeline"]["page_size"]


def latest_ids(conn, company: str) -> list[tuple]:
    """(company, market, stance, since, quote, claim_id) of each latest_stance row."""
    cursor = conn.execute(QUERIES["latest_stance"]["sql"], {"company": company})
    names = [d[0] for d in cursor.description]
    return [(r["company"], r["market"], r["stance"], r["since"], r["quote"], r["claim_id"])
            for r in (dict(zip(names, row)) for row in cursor)]


def reference_latest(conn, company: str) -> list[tuple]:
    out = []
    for c, m, cid in conn.execute(REFERENCE_LATEST, {"company": company}).fetchall():
        stance, since, quote = conn.execute(
            "select stance, effective_on, quote from claims where id = ?", [cid]).fetchone()
        out.append((c, m, stance, since, quote, cid))
    return sorted(out)


def timeline(conn, sql: str, company: str, market: str) -> list[tuple]:
    """Every row of the timeline; for the canned query, page after page until one is short."""
    if ":page" not in sql:
        return conn.execute(sql, {"company": company, "market": market}).fetchall()
    rows: list[tuple] = []
    for page in range(1, 1000):
        got = conn.execute(sql, {"company": company, "market": market, "page": str(page)}).fetchall()
        assert len(got) <= PAGE
        rows += got
        if len(got) < PAGE:
            return rows
    raise AssertionError("no last page")


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory) -> Path:
    db_path = tmp_path_factory.mktemp("canned") / "kb.db"
    build_paths([EXAMPLES], db_path, workers=1)
    return db_path


@pytest.fixture(scope="module")
def awkward_db(tmp_path_factory) -> Path:
    """Statements chosen to exercise every tie-break of latest_stance and the timeline's order."""
    db_path = tmp_path_factory.mktemp("awkward") / "kb.db"
    db = open_db(db_path)
    cols = list(TABLES["statements"]["columns"])
    rows = []

    def add(sid, company, market, said_on_start, target_start, stance="plans", doc="d1"):
        row = dict.fromkeys(cols)
        row.update(id=sid, document_id=doc, company=company, market=market, stance=stance,
                   said_on=said_on_start, said_on_start=said_on_start, target=target_start,
                   target_start=target_start, quote=f"quote {sid}", quote_start=0, quote_end=5, corrected=0)
        rows.append(tuple(row[c] for c in cols))

    add("a1", "Acme", "IN", "2024-01-01", "2025-01-01")
    add("a2", "Acme", "IN", "2024-05-01", None)          # newest said_on, no target: wins
    add("a3", "Acme", "IN", None, "2030-01-01")          # undated: never beats a dated one
    add("b1", "Acme", "BR", "2024-05-01", "2026-01-01")  # same day: the later target wins...
    add("b2", "Acme", "BR", "2024-05-01", "2027-01-01")
    add("b3", "Acme", "BR", "2024-05-01", None)          # ...and a missing target loses
    add("c1", "Acme", "CN", "2023-02-02", "2025-01-01")  # full tie: the larger id wins
    add("c2", "Acme", "CN", "2023-02-02", "2025-01-01")
    add("d1", "Acme", "DE", None, None)                  # only undated: the larger id
    add("d2", "Acme", "DE", None, "2028-01-01")
    add("e1", "ACME", "IN", "2020-01-01", None)          # another company that differs only in case
    add("f1", "Zeta Motors", "IN", "2019-03-03", "2021-01-01", stance="entered", doc="d2")
    add("f2", "Zeta Motors", "europe", "2019-03-03", None, stance="no_plans", doc="d2")
    with db.conn:
        db.conn.executemany("insert into documents (id, path, name, text, statements, events) values (?, ?, ?, ?, 0, 0)",
                            [("d1", "/d1.md", "d1.md", "one"), ("d2", "/d2.md", "d2.md", "two")])
        db.conn.executemany("insert into companies (name, aliases) values (?, '[]')",
                            [("Acme",), ("ACME",), ("Zeta Motors",)])
        db.conn.executemany(f"insert into statements ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", rows)
    recompute(db)
    db.close()
    return db_path


@pytest.mark.parametrize("company", ["", "Acme", "acme", "Zeta Motors", "nobody"])
def test_latest_stance_is_the_reference_on_awkward_rows(awkward_db, company):
    conn = sqlite3.connect(awkward_db)
    assert sorted(latest_ids(conn, company)) == reference_latest(conn, company)
    if company == "":
        got = {(c, m): quote for c, m, _, _, quote, _ in latest_ids(conn, "")}
        assert got[("Acme", "IN")] == "quote a2"  # the newest said_on
        assert got[("ACME", "IN")] == "quote e1"
        assert ("Acme", "DE") not in got  # only undated statements: no stance history, no current stance


def test_latest_stance_is_the_reference_on_the_examples(examples_db):
    conn = sqlite3.connect(examples_db)
    companies = [""] + [r[0] for r in conn.execute("select name from companies")]
    assert len(companies) > 5
    for company in companies:
        assert sorted(latest_ids(conn, company)) == reference_latest(conn, company), company
    rows = latest_ids(conn, "")
    assert [r[:2] for r in rows] == sorted(r[:2] for r in rows)  # ordered by company, market


@pytest.mark.parametrize("company,market", [("", ""), ("acme", ""), ("Acme", "IN"), ("", "IN"), ("nobody", "")])
def test_company_timeline_is_the_reference_on_awkward_rows(awkward_db, company, market):
    conn = sqlite3.connect(awkward_db)
    got = timeline(conn, QUERIES["company_timeline"]["sql"], company, market)
    want = timeline(conn, REFERENCE_TIMELINE, company, market)
    assert sorted(got, key=repr) == sorted(want, key=repr)
    dates = {r[-1]: r[0] for r in want}
    assert [dates[r[-1]] is None for r in got] == [dates[r[-1]] is None for r in want]  # undated first


def test_company_timeline_is_the_reference_on_the_examples(examples_db):
    conn = sqlite3.connect(examples_db)
    for company in ["", "xiaomi", "Tesla", "Google"]:
        for market in ["", "US", "IN", "CN"]:
            got = timeline(conn, QUERIES["company_timeline"]["sql"], company, market)
            want = timeline(conn, REFERENCE_TIMELINE, company, market)
            assert sorted(got, key=repr) == sorted(want, key=repr), (company, market)


def test_canned_queries_through_datasette(examples_db):
    ds = make_datasette(examples_db)
    conn = sqlite3.connect(examples_db)
    r = asyncio.run(ds.client.get("/kb/latest_stance.json?_shape=array&company=TESLA"))
    assert r.status_code == 200
    assert [(x["company"], x["market"]) for x in r.json()] == [r[:2] for r in latest_ids(conn, "TESLA")]
    r = asyncio.run(ds.client.get("/kb/company_timeline.json?_shape=array&company=tesla&market=IN"))
    assert r.status_code == 200 and r.json() and {x["company"] for x in r.json()} == {"Tesla"}


def reading_statements(plan: list[tuple]) -> list[str]:
    """The steps of a query plan that read the statements: under the subquery that picks a page
    of them when there is one (company_timeline sorts only that page's 100 rows after it)."""
    page = next((r[0] for r in plan if r[3].startswith(("MATERIALIZE", "CO-ROUTINE"))), None)
    if page is None:
        return [r[3] for r in plan]
    inside, out = {page}, []
    for node, parent, _, detail in plan:
        if parent in inside:
            inside.add(node)
            out.append(detail)
    return out


def test_the_canned_queries_read_indexes_in_order(awkward_db):
    """No full sort of the statements: SQLite walks the indexes kb/schema.py declares."""
    conn = sqlite3.connect(awkward_db)
    for name, params in [("latest_stance", {"company": ""}), ("company_timeline", {"company": "", "market": "", "page": ""}),
                         ("company_timeline", {"company": "acme", "market": "", "page": "2"})]:
        plan = conn.execute("explain query plan " + QUERIES[name]["sql"], params).fetchall()
        steps = " | ".join(reading_statements(plan))
        assert "USING" in steps and "SCAN s " not in steps.replace("SCAN s USING INDEX", ""), steps
        assert "SCAN statements " not in steps.replace("SCAN statements USING COVERING INDEX", ""), steps
        assert "USE TEMP B-TREE FOR ORDER BY" not in steps, steps


@pytest.fixture(scope="module")
def busy_db(tmp_path_factory) -> Path:
    """One company with 250 statements on 20 days (ties at every page boundary), another with 30."""
    db_path = tmp_path_factory.mktemp("busy") / "kb.db"
    db = open_db(db_path)
    cols = list(TABLES["statements"]["columns"])
    rows = []
    for i in range(280):
        company, day = ("Acme", f"2024-01-{1 + i % 20:02d}") if i < 250 else ("Zeta Motors", f"2023-06-{1 + i % 7:02d}")
        row = dict.fromkeys(cols)
        row.update(id=f"s{i:03d}", document_id="d1", company=company, market=["IN", "BR"][i % 2], stance="plans",
                   said_on=day, said_on_start=day, quote=f"quote {i}", quote_start=0, quote_end=5, corrected=0)
        rows.append(tuple(row[c] for c in cols))
    with db.conn:
        db.conn.execute("insert into documents (id, path, name, text, statements, events) values ('d1', '/d1.md', 'd1.md', 'x', 0, 0)")
        db.conn.executemany("insert into companies (name, aliases) values (?, '[]')", [("Acme",), ("Zeta Motors",)])
        db.conn.executemany(f"insert into statements ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", rows)
    db.close()
    return db_path


@pytest.mark.parametrize("company", ["acme", ""])
def test_company_timeline_pages_cover_every_row_once_in_order(busy_db, company):
    conn = sqlite3.connect(busy_db)
    sql = QUERIES["company_timeline"]["sql"]
    pages = [conn.execute(sql, {"company": company, "market": "", "page": str(p)}).fetchall() for p in (1, 2, 3, 4)]
    total = 250 if company else 280
    assert [len(p) for p in pages] == [min(PAGE, max(0, total - PAGE * i)) for i in range(4)]
    rows = [r for p in pages for r in p]
    want = conn.execute(REFERENCE_TIMELINE, {"company": company, "market": ""}).fetchall()
    assert len({r[-1] for r in rows}) == len(rows) == len(want)
    assert sorted(rows, key=repr) == sorted(want, key=repr)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)  # oldest first, across pages
    for odd in ("", " 1 ", "0", "-3", "abc"):  # no page, or not a page number: the first page
        assert conn.execute(sql, {"company": company, "market": "", "page": odd}).fetchall() == pages[0]


def test_company_timeline_links_the_next_page_when_full(busy_db):
    ds = make_datasette(busy_db)
    links = []
    for page in ("", "2", "3"):
        r = asyncio.run(ds.client.get(f"/kb/company_timeline?company=Acme&market=&page={page}"))
        assert r.status_code == 200
        links.append(re.findall(r'class="kb-next-page"><a href="([^"]+)"', r.text))
    assert links == [["?company=Acme&amp;market=&amp;page=2"], ["?company=Acme&amp;market=&amp;page=3"], []]
    r = asyncio.run(ds.client.get("/kb/company_timeline?company=Acme&market=&page=2"))
    first_of_2 = re.search(r"quote \d+", r.text).group(0)
    assert first_of_2 not in asyncio.run(ds.client.get("/kb/company_timeline?company=Acme")).text


# The feed's order: newest date first; on one date, the document stored last first; then by id.
REFERENCE_ATOM = """
select s.id, coalesce(d.published || 'T00:00:00Z', s.said_on_start || 'T00:00:00Z', d.ingested_at) as updated
from statements s join documents d on d.id = s.document_id
where (:company = '' or s.company = :company collate nocase)
  and (:market = '' or s.market in (select market from market_regions where region = trim(:market) collate nocase))
order by updated desc, d.rowid desc, s.id
limit 100
"""


@pytest.mark.parametrize("company,market", [("", ""), ("tesla", ""), ("Tesla", "in"), ("", "europe"), ("nobody", "")])
def test_atom_statements_are_the_newest_hundred(examples_db, busy_db, company, market):
    """The feed's query picks its 100 rows first (through the company index for one company) and
    writes their text after: the same rows, in the same order, as the plain query."""
    sql = QUERIES["atom_statements"]["sql"]
    for db_path in (examples_db, busy_db):
        conn = sqlite3.connect(db_path)
        conn.create_function("kb_human_date", 1, str)
        got = [(r[0], r[1]) for r in conn.execute(
            f"select statement_id, atom_updated from ({sql})", {"company": company, "market": market})]
        want = conn.execute(REFERENCE_ATOM, {"company": company, "market": market}).fetchall()
        assert got == want
    assert conn.execute(f"select count(*) from ({sql})", {"company": "acme", "market": ""}).fetchone()[0] == 100


@pytest.fixture(scope="module")
def feed_db(tmp_path_factory) -> Path:
    """A busy company (its feed walks documents newest first) beside small ones: 40 documents on
    8 publication dates (ties), 6 of them undated (the feed dates their statements by said_on,
    else by ingestion), companies in two cases, markets in and out of europe; facet counts."""
    from kb.store import refresh_companies, refresh_facet_counts

    db_path = tmp_path_factory.mktemp("feed") / "kb.db"
    db = open_db(db_path)
    cols = list(TABLES["statements"]["columns"])
    docs = [(f"d{i:02d}", None if i % 7 == 3 else f"2024-0{1 + i % 8}-15", f"2024-09-0{1 + i % 3}T10:00:00Z")
            for i in range(40)]
    rows = []
    for i in range(420):
        company = "Zeta Motors" if i % 20 == 0 else "ACME" if i % 31 == 0 else "Acme"
        day = None if i % 11 == 0 else f"2023-1{i % 3}-0{1 + i % 9}"
        row = dict.fromkeys(cols)
        row.update(id=f"s{(i * 7919) % 1000:03d}", document_id=docs[i % 40][0], company=company,
                   market=["IN", "DE", "FR", "BR"][i % 4], stance="plans", said_on=day, said_on_start=day,
                   quote=f"quote {i}", quote_start=0, quote_end=5, corrected=0)
        rows.append(tuple(row[c] for c in cols))
    with db.conn:
        db.conn.executemany("insert into documents (id, path, name, text, statements, events, published, ingested_at) "
                            "values (?, '/x.md', 'x.md', 'x', 0, 0, ?, ?)", docs)
        db.conn.executemany("insert into companies (name, aliases) values (?, '[]')",
                            [("Acme",), ("ACME",), ("Zeta Motors",)])
        db.conn.executemany(f"insert into statements ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", rows)
    refresh_companies(db)
    refresh_facet_counts(db)
    db.close()
    return db_path


@pytest.fixture(scope="module")
def feed_db_uncounted(feed_db, tmp_path_factory) -> Path:
    """The same, after a change deleted the facet counts (until the next build)."""
    db_path = tmp_path_factory.mktemp("feed-uncounted") / "kb.db"
    with sqlite3.connect(feed_db) as source, sqlite3.connect(db_path) as target:
        source.backup(target)
    with sqlite3.connect(db_path) as conn:
        conn.execute("delete from facet_counts")
        conn.execute("delete from facet_pair_counts")
    return db_path


def walks(conn, company: str, market: str, counted: bool) -> bool:
    """Whether the feed should walk: everyone's, or n statements with n * n > 30 * all (n from
    companies, or from the facet counts for a market; without counts, a market walks and a
    company in a market sorts)."""
    if company == "" and market == "":
        return True
    total = conn.execute("select count(*) from statements").fetchone()[0]
    if market == "":
        n = conn.execute("select count(*) from statements where company = ? collate nocase", [company]).fetchone()[0]
    elif not counted:
        n = total if company == "" else 0
    else:
        n = conn.execute("select count(*) from statements where (? = '' or company = ? collate nocase) and market in "
                         "(select market from market_regions where region = ? collate nocase)",
                         [company, company, market]).fetchone()[0]
    return n * n > 30 * total


@pytest.mark.parametrize("counted", [True, False])
@pytest.mark.parametrize("company", ["", "acme", "ACME", "zeta motors", "nobody"])
@pytest.mark.parametrize("market", ["", "in", "europe", "jp"])
def test_atom_statements_walks_documents_for_a_busy_company(feed_db, feed_db_uncounted, company, market, counted):
    """Everyone's feed, and one of many statements (a company's, a market's, a company's in a
    market), walk documents newest first (the index on the feed's date) and stop at the 100th
    statement; a smaller one sorts its statements: the same rows in the same order as the plain
    query, either way, with or without the facet counts."""
    conn = sqlite3.connect(feed_db if counted else feed_db_uncounted)
    conn.create_function("kb_human_date", 1, str)
    sql = QUERIES["atom_statements"]["sql"]
    params = {"company": company, "market": market}
    got = [(r[0], r[1]) for r in conn.execute(f"select statement_id, atom_updated from ({sql})", params)]
    assert got == conn.execute(REFERENCE_ATOM, params).fetchall()
    walk = conn.execute(sql.split(",\nnewest as (")[0] + " select yes from big", params).fetchone()[0]
    assert walk == walks(conn, company, market, counted)
    if company in ("", "acme") and market == "":  # the walk, through the index, no sort of all statements
        plan = " | ".join(r[-1] for r in conn.execute("explain query plan " + sql, params))
        assert "idx_documents_published_feed" in plan, plan
        # the index gives the date and the document; only each document's statements are sorted
        walk = plan.split("SCAN d USING INDEX idx_documents_published_feed")[1]
        assert "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" in walk.split(" | RIGHT | ")[0], plan


def test_atom_statements_on_one_date_newest_document_first(feed_db):
    """Statements of one publication date come document by document, the document stored last
    first (so that the feed stops at its 100th statement however many share that date), and by
    statement id within a document."""
    conn = sqlite3.connect(feed_db)
    conn.create_function("kb_human_date", 1, str)
    sql = QUERIES["atom_statements"]["sql"]
    got = conn.execute(f"select f.statement_id, f.atom_updated, d.rowid from ({sql}) f "
                       "join statements s on s.id = f.statement_id join documents d on d.id = s.document_id",
                       {"company": "", "market": ""}).fetchall()
    keys = [(date, -doc, sid) for sid, date, doc in got]
    dates = [k[0] for k in keys]
    assert dates == sorted(dates, reverse=True)
    for (date, doc, _), (date2, doc2, _) in zip(keys, keys[1:]):
        if date == date2:
            assert doc <= doc2
    assert all(a < b for a, b in zip(keys, keys[1:]) if a[:2] == b[:2])
    tied = [date for date in set(dates) if len({k[1] for k in keys if k[0] == date}) > 1]
    assert tied, "the fixture has several documents on one date among the 100"
    # the statement ids alone would interleave the documents of a date
    assert any([k[2] for k in keys if k[0] == date] != sorted(k[2] for k in keys if k[0] == date) for date in tied)
