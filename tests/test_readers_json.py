"""JSON and JSON Lines exports: records with text and metadata fields."""
import json
from pathlib import Path

import pytest

from ingest.readers import PartialReadError, read_path
from ingest.records import ReadError

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def test_newsapi_wrapper():
    docs = read_path(FIXTURES / "newsapi_export.json")
    assert [d.title for d in docs] == ["Suzuran Pharmacy to open in Taiwan next year", "Quarry Cola exits Argentina"]
    suzuran, quarry = docs
    assert suzuran.publisher == "Pacific Trade Wire"  # {"name": ...} source
    assert suzuran.author == "Hana Sato"
    assert suzuran.published == "2026-01-20"  # publishedAt
    assert suzuran.text.endswith("five stores in Taipei...")  # NewsAPI's "[+1840 chars]" marker removed
    assert suzuran.format == "json"
    assert suzuran.meta["description"].startswith("The Japanese drugstore chain")
    assert quarry.published == "2025-12-02"  # 22:40 -03:00 stays on its own day
    assert quarry.author is None
    assert quarry.id.startswith("json-")


def test_jsonl_field_variants():
    docs = read_path(FIXTURES / "analyst_export.jsonl")
    assert len(docs) == 3  # the blank line is ignored
    halvard, ostara, mirelle = docs
    assert halvard.id == "ax-1001"
    assert halvard.url == "https://skylines.example/halvard-air-canada"  # link
    assert halvard.publisher == "Skylines Weekly"  # source as a string
    assert halvard.author == "Pia Holm, Jon Berg"  # authors list
    assert halvard.published == "2026-04-02"  # published_at
    assert halvard.text.split("\n\n")[1] == "The airline said it had no plans to fly to the United States before 2028."
    assert halvard.meta["tags"] == ["airlines", "canada"]
    assert halvard.format == "jsonl"
    assert ostara.publisher == "Energy Desk" and ostara.author == "Marta Ruiz"
    assert ostara.published == "2026-03-30"  # "March 30, 2026" in `date`
    assert ostara.text.count("\n\n") == 1  # a list of paragraphs
    assert mirelle.published == "2026-03-23"  # epoch milliseconds
    assert mirelle.id.endswith("-r3") and mirelle.title == "Mirelle Cosmetics weighs India launch"


def test_ids_stable():
    assert [d.id for d in read_path(FIXTURES / "analyst_export.jsonl")] == \
        [d.id for d in read_path(FIXTURES / "analyst_export.jsonl")]


def test_jsonl_bad_records_keep_the_good_ones():
    with pytest.raises(PartialReadError) as info:
        read_path(FIXTURES / "partial.jsonl")
    err = info.value
    assert isinstance(err, ReadError)  # callers that only know ReadError still report the file
    assert [d.id for d in err.documents] == ["p-1", "p-4"]
    assert str(err).startswith("2 of 4 records skipped")
    assert "record 2 (line 2): no text field (looked for 'text', 'body', 'content'" in str(err)
    assert "record 3 (line 3): invalid JSON at column" in str(err)
    assert len(err.problems) == 2


def test_json_without_text_field():
    with pytest.raises(ReadError) as info:
        read_path(FIXTURES / "no_text.json")
    msg = str(info.value)
    assert not isinstance(info.value, PartialReadError)
    assert "record 1: no text field" in msg and "'text', 'body', 'content'" in msg


def test_list_where_no_record_has_text(tmp_path):
    f = tmp_path / "list.json"
    f.write_text('[{"title": "a"}, {"title": "b", "text": ""}, 42]')
    with pytest.raises(ReadError) as info:
        read_path(f)
    msg = str(info.value)
    assert not isinstance(info.value, PartialReadError)
    assert msg.startswith("no usable record among 3")
    assert "record 1: no text field" in msg
    assert "record 2: field 'text' is empty" in msg
    assert "record 3: is a number, not an object" in msg


def test_invalid_json_names_line_and_column():
    with pytest.raises(ReadError, match=r"invalid JSON at line 3, column 3: Expecting ',' delimiter"):
        read_path(FIXTURES / "invalid.json")


def test_bad_date_is_a_record_problem(tmp_path):
    f = tmp_path / "dates.jsonl"
    f.write_text('{"id": "d1", "text": "Brisa Bikes enters Peru.", "published": "2026"}\n'
                 '{"id": "d2", "text": "Brisa Bikes enters Chile.", "published": "2026-02-10"}\n')
    with pytest.raises(PartialReadError, match=r"record 1 \(line 1\): field 'published' is not a full date: '2026'"):
        read_path(f)


def test_duplicate_ids_within_a_file(tmp_path):
    f = tmp_path / "dups.json"
    f.write_text('[{"id": "same", "text": "one"}, {"id": "same", "text": "two"}]')
    with pytest.raises(PartialReadError, match="record 2: id 'same' already used by record 1"):
        read_path(f)


def test_single_object_and_scalar(tmp_path):
    one = tmp_path / "one.json"
    one.write_text('{"title": "Solo", "content": "Kaito Ramen opens in Berlin."}')
    (doc,) = read_path(one)
    assert doc.title == "Solo" and doc.text == "Kaito Ramen opens in Berlin."
    scalar = tmp_path / "scalar.json"
    scalar.write_text('"just a string"')
    with pytest.raises(ReadError, match="JSON holds a string"):
        read_path(scalar)


def test_gold_files_are_not_articles(tmp_path):
    """NAME.gold.json beside an article is its answer file: kb build leaves it out; the JSON reader
    knows nothing of the format (an answer object under another name has no text: an error)."""
    from kb.build import iter_files
    from ingest.readers import supported

    (tmp_path / "article.md").write_text("Orla Bikes opened a store in Malta.\n")
    gold = tmp_path / "article.gold.json"
    gold.write_text('{"document": "article.md", "statements": []}')
    assert not supported(gold) and read_path(gold) == []
    assert [p.name for p in iter_files([tmp_path])] == ["article.md"]
    other = tmp_path / "annotations.json"
    other.write_text('{"document": "article.md", "published": "2026-02-10", "statements": [], "events": []}')
    with pytest.raises(ReadError, match="no text field"):
        read_path(other)


def test_json_feed(tmp_path):
    f = tmp_path / "feed.json"
    f.write_text(json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Retail Notes",
        "items": [
            {"id": "j1", "url": "https://retailnotes.example/j1", "title": "Larkspur Books in Dublin",
             "content_html": "<p>Larkspur Books opened in Dublin.</p><p>Scotland follows in 2026.</p>",
             "date_published": "2025-11-12T10:15:00+00:00", "authors": [{"name": "Aoife Byrne"}]},
        ],
    }))
    (doc,) = read_path(f)
    assert doc.text == "Larkspur Books opened in Dublin.\n\nScotland follows in 2026."
    assert (doc.published, doc.author, doc.id) == ("2025-11-12", "Aoife Byrne", "j1")


def test_json_lines_in_a_json_file_gets_a_hint(tmp_path):
    f = tmp_path / "export.json"
    f.write_text('{"text": "a"}\n{"text": "b"}\n')
    with pytest.raises(ReadError, match=r"line 2, column 1: Extra data; .*name the file \.jsonl"):
        read_path(f)
