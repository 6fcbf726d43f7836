"""RSS 2.0 and Atom files: one document per entry with text."""
import html
import sqlite3
from pathlib import Path

import pytest

from ingest.fingerprint import canonical_url, normalized_text_hash
from ingest.readers import read_path
from ingest.records import ReadError

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def by_title(docs):
    return {d.title: d for d in docs}


def test_rss_entries_with_text_become_documents():
    docs = read_path(FIXTURES / "harbour_ledger.rss")
    assert len(docs) == 2  # the podcast item has no text and is skipped
    norvik, tindra = docs
    assert norvik.title == "Norvik Motors to enter Europe in 2027"
    assert norvik.format == "feed"
    assert norvik.publisher == "The Harbour Ledger – Business"
    assert norvik.author == "Ingrid Solberg"  # dc:creator
    assert norvik.published == "2026-03-14"
    assert norvik.url.startswith("https://www.harbourledger.example/business/2026/03/norvik-motors-europe-2027/")
    assert norvik.meta["text_from"] == "content"  # content:encoded preferred over description
    assert norvik.meta["categories"] == ["Autos"]
    assert "alert(" not in norvik.text
    assert norvik.text.count("\n\n") == 4


def test_rss_summary_author_and_local_day():
    tindra = by_title(read_path(FIXTURES / "harbour_ledger.rss"))["Tindra Telecom shelves plan for Baltic launch"]
    assert tindra.meta["text_from"] == "summary"
    assert tindra.author == "Ola Nygaard"  # from "desk@... (Ola Nygaard)"
    assert tindra.published == "2026-03-16"  # 00:30 +0100: the feed's own day, not UTC's 15th
    assert tindra.text == (
        "Tindra Telecom has put its plan to launch mobile services in Estonia, Latvia and Lithuania on hold, "
        "chief executive Sofie Lind said on Sunday.\n\n"
        '"We are not entering the Baltic market this year," Lind said, citing the cost of spectrum licences.'
    )


def test_atom_entries():
    docs = by_title(read_path(FIXTURES / "retail_notes.atom"))
    assert len(docs) == 3
    bramble = docs["Why Bramble & Bean is leaving Portugal"]
    assert bramble.published == "2025-11-03"  # published, not updated
    assert bramble.author == "Tomás Ferreira"  # inherited from the feed
    assert bramble.publisher == "Retail Notes"
    assert bramble.url == "https://retailnotes.example/2025/11/bramble-bean-leaves-portugal"
    assert "What happens to the staff\n\nAbout 180" in bramble.text
    larkspur = docs["Larkspur Books opens in Ireland and eyes Scotland"]  # type="html" title made plain
    assert larkspur.author == "Aoife Byrne"
    assert larkspur.published == "2025-11-12" and larkspur.meta["published_from"] == "updated"
    assert 'said,\nadding that a move into continental Europe was "not on the table".' in larkspur.text  # <br/>
    reading = docs["Weekend reading list"]
    assert reading.meta["text_from"] == "summary"


def test_entry_ids_are_stable_and_distinct():
    first = [d.id for d in read_path(FIXTURES / "harbour_ledger.rss")]
    again = [d.id for d in read_path(FIXTURES / "harbour_ledger.rss")]
    assert first == again
    assert len(set(first)) == len(first)
    assert all(i.startswith("feed-") for i in first)


def test_same_article_as_html_and_feed_entry_matches_by_url_and_text():
    html = read_path(FIXTURES / "news_article.html")[0]
    entry = read_path(FIXTURES / "harbour_ledger.rss")[0]
    assert html.id != entry.id
    assert canonical_url(html.url) == canonical_url(entry.url)
    assert normalized_text_hash(html.text) == normalized_text_hash(entry.text)
    blog = read_path(FIXTURES / "blog_post.html")[0]
    atom = read_path(FIXTURES / "retail_notes.atom")[0]
    assert canonical_url(blog.url) == canonical_url(atom.url)
    assert normalized_text_hash(blog.text) == normalized_text_hash(atom.text)


def test_not_xml_is_an_error():
    with pytest.raises(ReadError, match=r"not a feed: not well-formed XML .*line"):
        read_path(FIXTURES / "not_a_feed.rss")


def test_xml_that_is_not_a_feed_is_an_error():
    with pytest.raises(ReadError, match="neither RSS nor Atom"):
        read_path(FIXTURES / "sitemap.xml")


def test_feed_without_entries_or_text(tmp_path):
    empty = tmp_path / "empty.rss"
    empty.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>')
    with pytest.raises(ReadError, match="feed has no entries"):
        read_path(empty)
    textless = tmp_path / "textless.rss"
    textless.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                        '<item><title>Only a title</title><link>https://x.example/1</link></item></channel></rss>')
    with pytest.raises(ReadError, match="1 entries but none has text"):
        read_path(textless)
    blank = tmp_path / "blank.atom"
    blank.write_bytes(b"")
    with pytest.raises(ReadError, match="empty"):
        read_path(blank)


def test_unreadable_entry_date_is_kept_raw(tmp_path):
    f = tmp_path / "odd.rss"
    f.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
                 '<item><title>A</title><guid>a-1</guid><pubDate>next Tuesday-ish</pubDate>'
                 '<description>Lumo Games will open a studio in Poland in 2026, the company said.</description>'
                 '</item></channel></rss>')
    doc = read_path(f)[0]
    assert doc.published is None
    assert doc.meta["published_raw"] == "next Tuesday-ish"


def _feed_with_a_deep_entry(depth: int) -> str:
    deep = html.escape("<p>Opening words of the deep entry.</p>" + "<div>" * depth
                       + "Marlow Ferries will start a route to Iceland in May.<script>alert(1)</script>"
                       + "</div>" * depth + "<p>Closing words &amp; thanks.</p>")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Quay Bulletin</title>
<item><title>Shallow</title><link>https://quay.example/a</link>
<description>Orla Bikes opened a store in Malta on Friday.</description></item>
<item><title>Deep</title><link>https://quay.example/b</link><description>{deep}</description></item>
</channel></rss>"""


@pytest.mark.parametrize("depth", [100, 300, 5000])
def test_an_entry_nested_deeper_than_libxml2_parses_is_read_whole(tmp_path, depth):
    """Issue 14, finding 8: past 255 nested elements lxml stopped and the entry came back empty,
    so it was dropped without a word; now its text is read tag by tag, scripts still left out."""
    path = tmp_path / "deep.rss"
    path.write_text(_feed_with_a_deep_entry(depth), encoding="utf-8")
    docs = by_title(read_path(path))
    assert set(docs) == {"Shallow", "Deep"}
    assert docs["Deep"].text == ("Opening words of the deep entry.\n\n"
                                 "Marlow Ferries will start a route to Iceland in May.\n\n"
                                 "Closing words & thanks.")


def test_a_deep_entry_is_stored_by_kb_build(tmp_path):
    from kb.build import build_paths

    (tmp_path / "deep.rss").write_text(_feed_with_a_deep_entry(1000), encoding="utf-8")
    report = build_paths([tmp_path / "deep.rss"], tmp_path / "kb.db", workers=1)
    assert (report.new, report.failed) == (2, 0)
    conn = sqlite3.connect(tmp_path / "kb.db")
    texts = dict(conn.execute("select title, text from documents"))
    conn.close()
    assert "route to Iceland" in texts["Deep"]
