"""Extraction on the project's own example articles: every field of every statement."""
from __future__ import annotations

import pytest

from ingest.extract import extract
from ingest.readers import read_path

from .conftest import EXAMPLES

FIELDS = ("company", "market", "stance", "speaker", "speaker_role", "speaker_type", "said_on", "target", "target_qualifier")


def statements(name: str) -> list[tuple]:
    doc = read_path(EXAMPLES / name)[0]
    return sorted(tuple(getattr(s, f) for f in FIELDS) for s in extract(doc).statements)


def test_xiaomi_denial_and_europe_plan():
    assert statements("xiaomi-2026-us-and-europe.md") == sorted([
        ("Xiaomi", "US", "no_plans", "Lei Jun", "founder and chief executive of Xiaomi", "company",
         "2026-02-10", None, None),
        ("Xiaomi", "europe", "plans", "Lu Weibing", "president of Xiaomi Group", "company",
         "2026-02-10", "2027", None),
    ])


def test_xiaomi_sighting_event():
    doc = read_path(EXAMPLES / "xiaomi-2026-us-and-europe.md")[0]
    events = extract(doc).events
    assert [(e.company, e.kind, e.date, e.place, e.product) for e in events] == [
        ("Xiaomi", "sighting", "2026-02-09", "US", "YU7 Max")
    ]
    assert doc.text[events[0].quote_start:events[0].quote_end] == events[0].quote


def test_starbucks_plans_with_relative_dates():
    assert statements("starbucks-italy-2016.md") == [
        ("Starbucks", "IT", "plans", "Starbucks", None, "company", "2016-02-28", "2017", None),
    ]


def test_google_considering_and_past_withdrawal():
    assert statements("google-china-2018.md") == sorted([
        ("Google", "CN", "considering", "Sundar Pichai", "chief executive of Google", "company",
         "2018-10-15", None, None),
        ("Google", "CN", "withdrawn", None, None, "media", "2018-10-16", "2010", None),
    ])


def test_ikea_delay_with_new_date():
    assert statements("ikea-india-2018.md") == [
        ("IKEA", "IN", "delayed", "IKEA", None, "company", "2018-07-13", "2018-08-09", None),
    ]


def test_netflix_withdrawn_said_on_the_reporting_verbs_day():
    rows = statements("netflix-china-2016.md")
    assert ("Netflix", "CN", "withdrawn", "Netflix", None, "company", "2016-10-17", None, None) in rows
    assert [r[:3] for r in rows if r[1] == "VN"] == [("Netflix", "VN", "considering")]


def test_netflix_media_report_target_quarter_of_next_year():
    rows = statements("netflix-china-2016.md")
    assert ("Netflix", "VN", "considering", None, None, "media", "2016-10-18", "2017-Q3", None) in rows


def test_tesla_entry_and_earlier_shelving():
    rows = statements("tesla-india-2025.md")
    assert ("Tesla", "IN", "entered", None, None, "media", "2025-07-15", "2025-07-15", None) in rows
    assert ("Tesla", "IN", "withdrawn", None, None, "media", "2025-07-15", "2022", None) in rows
    # "a second showroom" is expansion inside a market already entered, not a statement
    assert not [r for r in rows if r[2] == "plans"]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.md")), ids=lambda p: p.name)
def test_quotes_are_exact_text_of_the_document(path):
    for doc in read_path(path):
        for s in extract(doc).statements:
            assert doc.text[s.quote_start:s.quote_end] == s.quote
