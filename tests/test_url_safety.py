"""Issue 14, finding 1: a document's URL is only ever an http(s) URL, in every reader, in the
database and on every page and feed (no stored XSS through `javascript:` and friends)."""
from __future__ import annotations

import asyncio
import html
import json
import re
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from ingest.fingerprint import safe_url
from ingest.readers import read_path
from ingest.records import Document, Extraction
from kb.build import build_paths
from kb.datasette_app import make_datasette
from kb.store import save_extraction
from kb.schema import open_db

from .conftest import write_urls_raw

# Hostile URLs, raw (as they would sit in JSON or YAML after its own unescaping).
HOSTILE = [
    "javascript:alert(document.cookie)//",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "\u200bjavascript:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&#x3A;alert(1)",
    "javascript&colon;alert(1)",
    "&amp;#106;avascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "//evil.example/x",
    "/relative/path",
    "file:///etc/passwd",
    "https:",
    "http:///nohost",
]
SAFE = {
    "https://news.example/a?b=1&c=2": "https://news.example/a?b=1&c=2",
    "  HTTPS://News.example/a  ": "https://News.example/a",
    "https://news.example/a?b=1&amp;c=2": "https://news.example/a?b=1&c=2",
    "http://user:secret@news.example/p": "http://news.example/p",
}


@pytest.mark.parametrize("url", HOSTILE)
def test_safe_url_refuses_every_hostile_form(url):
    assert safe_url(url) is None


@pytest.mark.parametrize("url,expected", SAFE.items())
def test_safe_url_keeps_web_urls(url, expected):
    assert safe_url(url) == expected


# --- readers ----------------------------------------------------------------------------

BODY = "BYD has no plans to enter the US market, Stella Li, chief executive of BYD Americas, said on Monday."


def _xml_attr(value: str) -> str:
    """The URL as an attacker would write it in XML/HTML: entities kept (`&#106;` stays an entity)."""
    return value.replace("<", "&lt;").replace('"', "&quot;").replace("\x01", "")


@pytest.mark.parametrize("url", HOSTILE)
def test_markdown_front_matter(tmp_path, url):
    p = tmp_path / "a.md"
    p.write_text(f"---\ntitle: T\nurl: {json.dumps(url)}\n---\n{BODY}\n", encoding="utf-8")
    [doc] = read_path(p)
    assert doc.url is None


@pytest.mark.parametrize("url", HOSTILE)
@pytest.mark.parametrize("field", ["url", "link"])
def test_json_record(tmp_path, url, field):
    p = tmp_path / "a.json"
    p.write_text(json.dumps({"title": "T", field: url, "text": BODY}), encoding="utf-8")
    [doc] = read_path(p)
    assert doc.url is None


@pytest.mark.parametrize("url", HOSTILE)
def test_jsonl_record(tmp_path, url):
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps({"id": "one", "url": url, "text": BODY}) + "\n"
                 + json.dumps({"id": "two", "url": "https://ok.example/2", "text": BODY}) + "\n", encoding="utf-8")
    one, two = read_path(p)
    assert one.url is None and two.url == "https://ok.example/2"


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example/</link>
<item><title>T</title><link>{link}</link><guid>g1</guid><description>{body}</description></item>
</channel></rss>"""
ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title><id>urn:x</id><updated>2024-01-01T00:00:00Z</updated>
<entry><title>T</title><id>urn:e1</id><updated>2024-01-01T00:00:00Z</updated><link href="{link}"/>
<summary>{body}</summary></entry></feed>"""


@pytest.mark.parametrize("url", HOSTILE)
def test_rss_item_link(tmp_path, url):
    p = tmp_path / "a.rss"
    p.write_text(RSS.format(link=_xml_attr(url), body=BODY), encoding="utf-8")
    [doc] = read_path(p)
    assert doc.url is None or doc.url.startswith(("http://", "https://")), doc.url
    assert safe_url(doc.url) == doc.url


@pytest.mark.parametrize("url", HOSTILE)
def test_atom_entry_link(tmp_path, url):
    p = tmp_path / "a.atom"
    p.write_text(ATOM_FEED.format(link=_xml_attr(url), body=BODY), encoding="utf-8")
    [doc] = read_path(p)
    assert doc.url is None or doc.url.startswith(("http://", "https://")), doc.url
    assert safe_url(doc.url) == doc.url


def test_rss_javascript_link_from_the_issue_is_dropped(tmp_path):
    p = tmp_path / "a.rss"
    p.write_text(RSS.format(link="javascript:alert(document.cookie)//", body=BODY), encoding="utf-8")
    assert read_path(p)[0].url is None


PAGE = """<!doctype html><html><head><title>T</title>{head}</head><body><article>
<h1>T</h1><p>{body} It said the company would keep watching the market and decide later this year.</p>
<p>Analysts said the decision reflected tariffs, subsidies and the cost of building a dealer network.</p>
</article></body></html>"""


@pytest.mark.parametrize("url", HOSTILE)
@pytest.mark.parametrize("where", ["canonical", "og", "jsonld", "manifest"])
def test_html_page_url(tmp_path, url, where):
    attr = _xml_attr(url)
    head = {
        "canonical": f'<link rel="canonical" href="{attr}">',
        "og": f'<meta property="og:url" content="{attr}">',
        "jsonld": '<script type="application/ld+json">' + json.dumps({"@type": "NewsArticle", "url": url})
                  + "</script>",
        "manifest": "",
    }[where]
    p = tmp_path / "a.html"
    p.write_text(PAGE.format(head=head, body=BODY), encoding="utf-8")
    if where == "manifest":
        (tmp_path / ".kb-sources.json").write_text(json.dumps({"a.html": {"url": url, "final_url": url}}))
    [doc] = read_path(p)
    assert doc.url is None


# --- database and pages -----------------------------------------------------------------

HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def _hostile_hrefs(page: str) -> list[str]:
    """Every href whose value (as a browser reads it) is not http(s), a path or a fragment."""
    bad = []
    for m in HREF.finditer(page):
        value = html.unescape(m.group(1) if m.group(1) is not None else m.group(2))
        probe = re.sub(r"[\x00-\x20\x7f]", "", value).lower()
        if probe.startswith(("/", "#", "?", "http://", "https://")) and not probe.startswith("//"):
            continue
        bad.append(value)
    return bad


def _get(ds, path, **params):
    return asyncio.run(ds.client.get(path, params=params or None))


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """One document per hostile URL in every format, built with `kb build`; then, as an older
    database might hold, the same URLs written straight into the documents table."""
    folder = tmp_path_factory.mktemp("hostile")
    for i, url in enumerate(HOSTILE):
        (folder / f"m{i}.md").write_text(f"---\nid: m{i}\nurl: {json.dumps(url)}\npublished: 2024-02-{i % 27 + 1:02d}\n"
                                         f"---\n{BODY}\n", encoding="utf-8")
    (folder / "records.jsonl").write_text("".join(
        json.dumps({"id": f"j{i}", "url": url, "published": "2024-03-01", "text": BODY}) + "\n"
        for i, url in enumerate(HOSTILE)), encoding="utf-8")
    (folder / "feed.rss").write_text(RSS.format(link="javascript:alert(document.cookie)//", body=BODY),
                                     encoding="utf-8")
    db_path = folder / "kb.db"
    report = build_paths([folder], db_path, workers=1)
    assert report.failed == 0, report.errors
    conn = sqlite3.connect(db_path)
    stored = [u for (u,) in conn.execute("select url from documents where url is not null")]
    conn.close()
    return db_path, stored


def test_build_stores_no_hostile_url(hostile_db):
    _, stored = hostile_db
    assert all(safe_url(u) == u for u in stored), stored


def test_store_refuses_a_hostile_url_from_any_caller(tmp_path):
    db = open_db(tmp_path / "kb.db")
    for i, url in enumerate(HOSTILE):
        save_extraction(db, Extraction(Document(id=f"d{i}", path=f"d{i}.md", text=BODY, url=url)))
    urls = [u for (u,) in db.conn.execute("select url from documents")]
    db.close()
    assert urls == [None] * len(HOSTILE)


@pytest.fixture(scope="module")
def poisoned_ds(hostile_db, tmp_path_factory):
    """The built database with the hostile URLs written back in raw SQL (an old or tampered file)."""
    db_path, _ = hostile_db
    write_urls_raw(db_path, HOSTILE)
    return make_datasette(db_path)


@pytest.fixture(scope="module", params=["built", "poisoned"])
def pages_ds(request, hostile_db, tmp_path_factory):
    if request.param == "built":
        return make_datasette(hostile_db[0])
    return request.getfixturevalue("poisoned_ds")


def test_company_page_links_only_to_web_urls(pages_ds):
    r = _get(pages_ds, "/-/company/BYD")
    assert r.status_code == 200
    assert "said on" in r.text  # the sources are listed
    assert _hostile_hrefs(r.text) == []
    assert "javascript:" not in html.unescape(r.text).lower()


@pytest.mark.parametrize("path", ["/-/companies", "/kb/documents", "/kb/statements", "/kb/company_timeline",
                                  "/kb/atom_statements"])
def test_other_pages_link_only_to_web_urls(pages_ds, path):
    r = _get(pages_ds, path, **({"company": "BYD", "market": ""} if "atom" in path or "timeline" in path else {}))
    assert r.status_code == 200, (path, r.status_code)
    assert _hostile_hrefs(r.text) == []


def test_atom_feed_links_only_to_web_urls(pages_ds):
    r = _get(pages_ds, "/kb/atom_statements.atom", company="BYD", market="")
    assert r.status_code == 200
    entries = ET.fromstring(r.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert entries
    hrefs = [link.get("href") for e in entries for link in e.findall("{http://www.w3.org/2005/Atom}link")]
    assert hrefs
    for href in hrefs:
        assert href.startswith(("http://", "https://", "urn:market-entry-kb:")), href
