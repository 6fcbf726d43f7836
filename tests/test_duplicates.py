"""Duplicate documents: the same article saved twice is stored once, with every path it came from."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from kb.build import build_paths

from .conftest import write_article

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"
ARTICLE_URL = "https://www.harbourledger.example/business/2026/03/norvik-motors-europe-2027"


def rows(db_path: Path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_html_page_and_feed_entry_are_one_document_with_both_paths(tmp_path, db_path):
    src = tmp_path / "sources"
    src.mkdir()
    html = Path(shutil.copy(FORMATS / "news_article.html", src / "a-news_article.html"))
    feed = Path(shutil.copy(FORMATS / "harbour_ledger.rss", src / "b-harbour_ledger.rss"))
    report = build_paths([src], db_path, workers=1)
    assert report.failed == 0 and report.duplicates == 1
    assert "1 duplicates" in report.summary()
    docs = rows(db_path, "select id, path, paths from documents where canonical_url = ?", ARTICLE_URL)
    assert len(docs) == 1
    doc_id, path, paths = docs[0]
    assert path == str(html)
    assert json.loads(paths) == [str(html), str(feed)]
    # the feed's other entry is a different article: stored on its own
    assert rows(db_path, "select count(*) from documents")[0][0] == 2
    statements = rows(db_path, "select count(*) from statements where document_id = ?", doc_id)[0][0]

    again = build_paths([src], db_path, workers=1)
    assert again.failed == 0 and again.new == 0 and again.changed == 0
    assert rows(db_path, "select count(*) from documents")[0][0] == 2
    assert json.loads(rows(db_path, "select paths from documents where id = ?", doc_id)[0][0]) == [str(html), str(feed)]
    assert rows(db_path, "select count(*) from statements where document_id = ?", doc_id)[0][0] == statements


def test_feed_first_then_html_keeps_the_feed_entry(tmp_path, db_path):
    build_paths([FORMATS / "harbour_ledger.rss"], db_path, workers=1)
    report = build_paths([FORMATS / "news_article.html"], db_path, workers=1)
    assert report.duplicates == 1 and report.new == 0 and report.failed == 0
    (doc_id, paths), = rows(db_path, "select id, paths from documents where canonical_url = ?", ARTICLE_URL)
    assert doc_id.startswith("feed-")
    assert json.loads(paths) == [str(FORMATS / "harbour_ledger.rss"), str(FORMATS / "news_article.html")]


def test_same_html_saved_twice_is_a_duplicate_not_an_error(tmp_path, db_path):
    src = tmp_path / "pages"
    src.mkdir()
    first = Path(shutil.copy(FORMATS / "news_article.html", src / "copy1.html"))
    second = Path(shutil.copy(FORMATS / "news_article.html", src / "copy2.html"))
    report = build_paths([src], db_path, workers=1)
    assert report.failed == 0 and report.errors == []
    assert (report.new, report.duplicates) == (1, 1)
    (paths,), = rows(db_path, "select paths from documents")
    assert json.loads(paths) == [str(first), str(second)]
    again = build_paths([src], db_path, workers=1)
    assert again.failed == 0 and rows(db_path, "select count(*) from documents")[0][0] == 1


def test_same_id_with_different_text_is_still_an_error(tmp_path, db_path):
    write_article(tmp_path / "a", "one.md", "Acme Motors plans to enter Brazil in 2028.", id="same")
    write_article(tmp_path / "b", "two.md", "Zeta Foods has entered Chile.", id="same")
    report = build_paths([tmp_path / "a", tmp_path / "b"], db_path, workers=1)
    assert report.failed == 1 and "already used" in report.errors[0][1]


def test_same_text_in_two_markdown_files_is_stored_once(tmp_path, db_path):
    write_article(tmp_path, "one.md", "Acme Motors plans to enter Brazil in 2028.", id="one")
    write_article(tmp_path, "two.md", "Acme Motors  plans to enter BRAZIL in 2028!", id="two")
    report = build_paths([tmp_path], db_path, workers=1)
    assert report.duplicates == 1
    assert rows(db_path, "select id from documents") == [("one",)]
