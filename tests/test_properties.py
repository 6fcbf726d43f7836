"""Property tests: the extractor and the date tagger never raise, and offsets stay inside the text."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.extract import extract
from ingest.records import Document
from ingest.timex import tag

WORDS = ["Tesla", "Xiaomi", "plans", "to", "enter", "India", "the", "U.S.", "in", "2027", "no", "plans",
         "said", "on", "Monday", "today", "next", "year", "launched", "withdrew", "from", "Europe", ",", ".",
         "\n\n", "\u201c", "\u201d", '"', "Inc", "Corp", "Mr.", "Q3", "by", "2030", "-", "(", ")", "'s"]
texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(WORDS), max_size=80).map(" ".join),
)
dates = st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=texts, published=dates, title=st.one_of(st.none(), st.text(max_size=60)))
def test_extract_never_raises_and_quotes_match_offsets(text, published, title):
    doc = Document(id="p", path="p.md", text=text, title=title, published=published)
    result = extract(doc)
    for record in [*result.statements, *result.events]:
        assert 0 <= record.quote_start <= record.quote_end <= len(text)
        assert record.quote == text[record.quote_start:record.quote_end]


@SETTINGS
@given(text=texts, dct=dates)
def test_timex_tag_never_raises_and_offsets_are_inside(text, dct):
    for t in tag(text, dct):
        assert 0 <= t.start <= t.end <= len(text)
        assert t.text == text[t.start:t.end]
