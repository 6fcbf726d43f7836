"""Pages people read: columns in reading order with the technical ones folded away (still in the
JSON), column help off the first screen, canned queries without their SQL, dates in words beside
the stored TIMEX3 values, no doubled quote marks, '1 statement'."""
from __future__ import annotations

import asyncio
import html
import re

import pytest

from kb.build import EXAMPLES, build_paths
from kb.datasette_app import make_datasette
from kb.humanize import RAW_TIMEX, human_date, plural
from kb.plugins.readable import column_plan


def get(ds, path, **params):
    async def go():
        return await ds.client.get(path, params=params or None)
    return asyncio.run(go())


def visible_text(page: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attributes (tooltips)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<details class=\"kb-column-help\">.*?</details>", " ", page, flags=re.S)
    page = re.sub(r"<dl class=\"column-descriptions\">.*?</dl>", " ", page, flags=re.S)  # display: none
    page = re.sub(r"<textarea\b.*?</textarea>|<input[^>]*>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    path = tmp_path_factory.mktemp("readable") / "kb.db"
    build_paths([EXAMPLES], path, workers=1)
    return make_datasette(path)


@pytest.mark.parametrize("value,words", [
    ("2017-SU", "summer 2017"), ("FUTURE_REF", "in the future"), ("PAST_REF", "in the past"),
    ("2026-W05-WE", "weekend of 31 Jan 2026"), ("2026-W07", "week of 9 Feb 2026"), ("2025-07-15", "15 Jul 2025"),
    ("2026-02", "Feb 2026"), ("2022", "2022"), ("2024-Q4", "fourth quarter of 2024"),
    ("2026-H2", "second half of 2026"), ("XXXX-02-10", "10 Feb, year unknown"), ("201", "the 2010s"),
    ("2017-Q3", "third quarter of 2017"), ("2025-07-15T10:00", "15 Jul 2025"),
])
def test_human_date(value, words):
    assert human_date(value) == words


def test_human_date_leaves_other_things_alone():
    assert human_date("Tesla") is None and human_date(None) is None and human_date("2019-13-45") is None
    assert RAW_TIMEX.search("target 2017-SU") and RAW_TIMEX.search("FUTURE_REF") and RAW_TIMEX.search("2026-W05-WE")
    assert not RAW_TIMEX.search("2025-07-15 and 2022 and 2026-02")


def test_plural():
    assert plural(1, "statement") == "1 statement" and plural(2, "statement") == "2 statements"
    assert plural(0, "source") == "0 sources" and plural(None, "source") == "0 sources"


def test_column_plan():
    plan = column_plan({"lead": ["b", "a"], "hidden": ["*_start", "x"]}, ["a", "b", "c", "d_start", "x"])
    assert plan == {"lead": ["b", "a"], "rest": ["c"], "hidden": ["d_start", "x"]}


@pytest.mark.parametrize("table,first", [
    ("statements", ["said_on", "company", "market", "stance", "speaker", "quote", "document_id"]),
    ("claims", ["effective_on", "company", "market", "stance", "speaker", "quote"]),
    ("documents", ["published", "title", "publisher", "url"]),
    ("current_stances", ["since", "company", "market", "market_name", "stance", "speaker", "quote"]),
])
def test_tables_lead_with_what_people_read(ds, table, first):
    page = get(ds, f"/kb/{table}").text
    headers = re.findall(r'<th [^>]*data-column="([^"]+)"', page)
    assert headers[:len(first)] == first
    for technical in ("explain", "quote_start", "quote_end", "said_on_start", "said_on_precision", "path", "text",
                      "effective_start", "since_start"):
        assert technical not in headers
    # the glossary comes after the table, and each heading has its help as a tooltip
    if table != "current_stances":  # a view with no column descriptions
        assert page.index('class="rows-and-columns"') < page.index('class="kb-column-help"')
    assert "Not shown:" in page and "_kb_all=1" in page


def test_technical_columns_stay_in_the_json_and_can_be_shown(ds):
    row = get(ds, "/kb/statements.json", _shape="array", _size="1").json()[0]
    assert {"explain", "quote_start", "quote_end", "said_on_start", "said_on_precision"} <= set(row)
    page = get(ds, "/kb/statements", _kb_all="1").text
    assert 'data-column="explain"' in page


def test_no_raw_timex_or_explain_json_in_visible_text(ds):
    for path in ("/kb/statements", "/kb/claims", "/kb/timeline", "/kb/stance_history", "/kb/current_stances",
                 "/kb/events", "/kb/latest_stance", "/kb/company_timeline", "/kb/as_of", "/-/company/Tesla",
                 "/-/company/Xiaomi", "/kb/statements?_kb_all=1"):
        text = visible_text(get(ds, path).text)
        assert not RAW_TIMEX.search(text), (path, RAW_TIMEX.search(text)[0])
        assert '"frame":' not in text and '"action":' not in text, path
    text = visible_text(get(ds, "/kb/statements", _kb_all="1", target="2017-SU").text)
    assert "summer 2017" in text


def test_canned_queries_hide_their_sql(ds):
    for query, marker in (("as_of", "row_number()"), ("latest_stance", "is_current = 1"),
                          ("company_timeline", "union all"), ("atom_statements", "from market_regions where")):
        page = get(ds, f"/kb/{query}").text
        assert marker not in visible_text(page), query  # only in the hidden form field that runs it
        assert marker not in re.search(r"<title>(.*?)</title>", page, re.S)[1], query
        assert "_show_sql=1" in page


def test_company_page_quotes_and_counts(ds):
    xiaomi = get(ds, "/-/company/Xiaomi").text
    assert "““" not in xiaomi and "””" not in xiaomi
    ikea = get(ds, "/-/company/IKEA").text
    assert "1 statement," in ikea or "1 statement." in ikea
    assert "1 statements" not in ikea and "1 sources" not in ikea


def test_home_page_leads_with_statements(ds):
    home = get(ds, "/").text
    assert "market_regions" not in visible_text(home)
