"""Security: no write path through Datasette, read-only time-limited SQL, article text as data, FTS input."""
from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from ingest.records import Document, Extraction, Statement
from kb.datasette_app import SETTINGS, make_datasette, serve_args
from kb.schema import open_db
from kb.store import save_extraction

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)><b>bold</b>'
QUOTE = f"Norvane Motors plans to enter India {PAYLOAD} in 2027."
WRITE_PLUGINS = ("write", "insert", "upload", "edit", "import", "delete", "update")


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    db_file = tmp_path_factory.mktemp("sec") / "kb.db"
    db = open_db(db_file)
    text = f"Intro.\n\n{QUOTE}\n"
    doc = Document(id="hostile", path="hostile.md", text=text, title=f"Title {PAYLOAD}", published="2024-01-02")
    start = text.index(QUOTE)
    s = Statement(company="Norvane Motors", market="IN", stance="plans", speaker=f"Eve {PAYLOAD}",
                  speaker_role=None, speaker_type="company", said_on="2024-01-02", target="2027",
                  quote=QUOTE, quote_start=start, quote_end=start + len(QUOTE))
    save_extraction(db, Extraction(doc, [s], [], {"Norvane Motors": []}))
    sid = db.conn.execute("select id from statements").fetchone()[0]
    db.close()
    return make_datasette(db_file), db_file, sid


def get(ds, url, **kw):
    return asyncio.run(ds.client.get(url, **kw))


def post(ds, url, **kw):
    return asyncio.run(ds.client.post(url, **kw))


def count(db_file):
    conn = sqlite3.connect(db_file)
    n = conn.execute("select count(*) from statements").fetchone()[0]
    conn.close()
    return n


# ---------------------------------------------------------------- no write path
def test_no_write_plugins(ds):
    plugins = get(ds[0], "/-/plugins.json").json()
    names = [p["name"].lower() for p in plugins]
    assert not [n for n in names if n.startswith("datasette-") and any(w in n for w in WRITE_PLUGINS)], names


def test_serve_settings_allow_no_writes():
    args = " ".join(serve_args("kb.db"))
    assert "--root" not in args and "allow" not in args and "-i" not in args.split()[:2]
    assert SETTINGS["sql_time_limit_ms"] <= 5000


@pytest.mark.parametrize("url", ["/kb/-/create", "/kb/statements/-/insert", "/kb/statements/-/upsert",
                                 "/kb/statements/-/drop", "/kb/company_timeline", "/kb/latest_stance",
                                 "/kb/statements", "/kb"])
def test_posts_are_refused(ds, url):
    before = count(ds[1])
    r = post(ds[0], url, json={"row": {"id": "x"}, "sql": "delete from statements"})
    # Datasette 0.65 answers a POST to a read-only canned query or a table with a 500
    # ("You may only POST to a canned query"): refused all the same, and nothing is written.
    assert r.status_code >= 400, (url, r.status_code)
    assert count(ds[1]) == before


@pytest.mark.parametrize("sql", [
    "insert into statements (id) values ('x')",
    "update statements set quote = 'x'",
    "delete from statements",
    "drop table statements",
    "select 1; delete from statements",
    "attach database '/tmp/evil.db' as evil",
    "pragma writable_schema = 1",
])
def test_arbitrary_sql_is_read_only(ds, sql):
    before = count(ds[1])
    r = get(ds[0], "/kb.json", params={"sql": sql})
    assert r.status_code >= 400 or r.json().get("ok") is False
    assert count(ds[1]) == before


def test_long_query_is_cut_by_the_time_limit(ds):
    sql = "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r"
    r = get(ds[0], "/kb.json", params={"sql": sql})
    assert r.status_code == 400
    assert "too long" in r.text.lower() or "interrupted" in r.text.lower()


# ---------------------------------------------------------------- hostile text renders as text
def _no_live_markup(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html


@pytest.mark.parametrize("url", ["/kb/statements", "/kb/statements?_search=Norvane", "/kb/documents",
                                 "/kb/timeline", "/kb/company_timeline", "/kb/latest_stance",
                                 "/kb/statements?_facet=speaker"])
def test_quote_html_is_escaped_on_pages(ds, url):
    r = get(ds[0], url)
    assert r.status_code == 200, r.text[:500]
    _no_live_markup(r.text)


def test_quote_html_is_escaped_on_row_page(ds):
    r = get(ds[0], f"/kb/statements/{ds[2]}")
    assert r.status_code == 200
    _no_live_markup(r.text)
    assert "&lt;script&gt;" in r.text


def test_quote_is_plain_data_in_json_and_csv(ds):
    rows = get(ds[0], "/kb/statements.json?_shape=array").json()
    assert rows[0]["quote"] == QUOTE
    csv = get(ds[0], "/kb/statements.csv").text
    assert PAYLOAD.replace('"', '""') in csv


# ---------------------------------------------------------------- full-text search input
@pytest.mark.parametrize("q", ['"', "*", "AND OR", "NEAR(", "NEAR(a b", "a OR", "-", "^", ":", "col:x",
                               '"unterminated', "(((", "NOT", "india*", "' or 1=1 --"])
def test_search_input_does_not_error(ds, q):
    r = get(ds[0], "/kb/statements", params={"_search": q})
    assert r.status_code == 200, (q, r.text[:300])
    r = get(ds[0], "/kb/statements.json", params={"_search": q})
    assert r.status_code == 200, (q, r.text[:300])
