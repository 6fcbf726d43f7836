"""Saved web pages: main text without boilerplate, metadata from the page itself."""
import hashlib
import json
from pathlib import Path

import pytest

from ingest.readers import read_path, READERS
from ingest.records import ReadError

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def read_one(name):
    docs = read_path(FIXTURES / name)
    assert len(docs) == 1
    return docs[0]


def test_html_suffixes_registered():
    assert {".html", ".htm"} <= set(READERS)


def test_news_page_main_text_without_boilerplate():
    doc = read_one("news_article.html")
    assert doc.format == "html"
    assert doc.text.startswith("Norvik Motors, the electric-car maker based in Trondheim")
    assert "no plans to enter the United Kingdom" in doc.text
    for junk in ("Subscribe for 1 euro", "We use cookies", "Most read", "take my money", "Comments (3)",
                 "All rights reserved", "trackPageView", "Read more: Battery prices", "Privacy policy"):
        assert junk not in doc.text, junk
    # paragraphs stay separated by blank lines; the headline is the title, not repeated in the text
    assert doc.text.count("\n\n") == 4
    assert not doc.text.startswith("Norvik Motors to enter Europe in 2027")


def test_news_page_metadata():
    doc = read_one("news_article.html")
    assert doc.title == "Norvik Motors to enter Europe in 2027"
    assert doc.publisher == "The Harbour Ledger"
    assert doc.author == "Ingrid Solberg"  # JSON-LD author
    assert doc.published == "2026-03-14"
    # rel=canonical wins over og:url (which carries a tracking parameter)
    assert doc.url == "https://www.harbourledger.example/business/2026/03/norvik-motors-europe-2027/"
    assert doc.id.startswith("url-")


def test_provenance_hash_of_original_bytes():
    doc = read_one("news_article.html")
    raw = (FIXTURES / "news_article.html").read_bytes()
    assert doc.meta["source_sha256"] == hashlib.sha256(raw).hexdigest()
    assert doc.path.endswith("news_article.html")


def test_blog_page_time_element_and_meta_tags():
    doc = read_one("blog_post.html")
    assert doc.title == "Why Bramble & Bean is leaving Portugal"
    assert doc.publisher == "Retail Notes"
    assert doc.author == "Tomás Ferreira"
    assert doc.published == "2025-11-03"
    assert doc.meta["published_from"] == "<time datetime>"
    assert doc.url == "https://retailnotes.example/2025/11/bramble-bean-leaves-portugal"  # og:url
    assert "What happens to the staff\n\nAbout 180 employees" in doc.text
    assert "Share on X" not in doc.text and "Powered by" not in doc.text and "Tags:" not in doc.text


def test_page_without_metadata_keeps_path_id():
    doc = read_one("press_release.htm")
    assert doc.title == "Kestrel Foods opens first stores in Vietnam"
    assert doc.url is None and doc.published is None and doc.publisher is None
    assert doc.id.startswith("press_release-")
    assert "Investors" not in doc.text
    assert doc.text.startswith("Kestrel Foods Ltd today opened")


def test_ids_are_stable_across_copies(tmp_path):
    copy = tmp_path / "elsewhere.html"
    copy.write_bytes((FIXTURES / "news_article.html").read_bytes())
    assert read_path(copy)[0].id == read_one("news_article.html").id


def test_navigation_only_page_is_an_error():
    with pytest.raises(ReadError, match="no article text found in the page"):
        read_path(FIXTURES / "nav_only.html")


def test_empty_and_binary_pages(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"  \n")
    with pytest.raises(ReadError, match="empty"):
        read_path(empty)
    pdf = tmp_path / "report.html"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    with pytest.raises(ReadError, match="PDF"):
        read_path(pdf)


ARTICLE_BODY = """
<p>Valtra Robotics will open a sales office in Brazil in 2026, the Finnish company said on Wednesday.</p>
<p>The firm said it has no plans to enter Argentina, where import rules make its machines too expensive.</p>
"""


def page(head, body=ARTICLE_BODY):
    return f"<html><head>{head}</head><body><article>{body}</article></body></html>"


def test_json_ld_date_author_publisher(tmp_path):
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Valtra heads to Brazil",
          "datePublished": "2026-06-03T23:30:00-03:00", "author": {"@type": "Person", "name": "Rui Costa"},
          "publisher": {"@type": "Organization", "name": "Nordic Machines"},
          "mainEntityOfPage": {"@id": "https://nordicmachines.example/valtra-brazil"}}
    f = tmp_path / "ld.html"
    f.write_text(page(f'<script type="application/ld+json">{json.dumps(ld)}</script>'), encoding="utf-8")
    doc = read_path(f)[0]
    assert doc.published == "2026-06-03"  # the day as written, not shifted to UTC
    assert doc.meta["published_from"] == "JSON-LD datePublished"
    assert (doc.author, doc.publisher, doc.title) == ("Rui Costa", "Nordic Machines", "Valtra heads to Brazil")
    assert doc.url == "https://nordicmachines.example/valtra-brazil"


def test_broken_json_ld_is_ignored_and_meta_used(tmp_path):
    f = tmp_path / "broken.html"
    f.write_text(page('<script type="application/ld+json">{"headline": oops</script>'
                      '<meta property="article:published_time" content="2026-06-04">'
                      '<meta name="author" content="By Rui Costa">'
                      '<link rel="canonical" href="/valtra-brazil">'
                      '<meta property="og:url" content="https://nordicmachines.example/x/valtra?utm_source=fb">'),
                 encoding="utf-8")
    doc = read_path(f)[0]
    assert doc.published == "2026-06-04"
    assert doc.author == "Rui Costa"
    assert doc.url == "https://nordicmachines.example/valtra-brazil"  # relative canonical resolved


def test_unparseable_meta_date_is_not_an_error(tmp_path):
    f = tmp_path / "baddate.html"
    f.write_text(page('<meta property="article:published_time" content="sometime soon">'), encoding="utf-8")
    doc = read_path(f)[0]
    assert doc.published is None


def test_legacy_encoding(tmp_path):
    f = tmp_path / "latin1.html"
    html = page('<meta charset="windows-1252"><title>Caf\xe9 chain</title>',
                "<p>Caf\xe9 Lum\xe9 will open its first caf\xe9s in Belgium in 2026, the owner said on Monday.</p>"
                "<p>It has no plans to enter the Netherlands before 2028, according to the owner of the business.</p>")
    f.write_bytes(html.encode("cp1252"))
    doc = read_path(f)[0]
    assert "Café Lumé will open its first cafés in Belgium" in doc.text


def test_url_from_kb_add_manifest(tmp_path):
    f = tmp_path / "fetched.html"
    f.write_text(page("<title>Valtra heads to Brazil</title>"), encoding="utf-8")
    (tmp_path / ".kb-sources.json").write_text(json.dumps(
        {"fetched.html": {"url": "http://127.0.0.1:9/valtra", "final_url": "http://127.0.0.1:9/valtra/"}}))
    doc = read_path(f)[0]
    assert doc.url == "http://127.0.0.1:9/valtra/"
    assert doc.meta["fetched_url"] == "http://127.0.0.1:9/valtra"
    assert doc.id.startswith("url-")
