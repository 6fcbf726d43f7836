"""Parameters checked with a message on the page, and company URLs that work for any name."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from kb.build import EXAMPLES, build_paths
from kb.datasette_app import make_datasette
from kb.plugins.params import parse_as_of

from .test_current_stance import COMPANIES, generated_db

AS_OF_SQL = json.loads((Path(__file__).resolve().parent.parent / "kb" / "metadata.json").read_text())[
    "databases"]["kb"]["queries"]["as_of"]["sql"]


def get(ds, path, **params):
    async def go():
        return await ds.client.get(path, params=params or None)
    return asyncio.run(go())


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    path = tmp_path_factory.mktemp("params") / "kb.db"
    build_paths([EXAMPLES], path, workers=1)
    return make_datasette(path)


@pytest.fixture(scope="module")
def names_ds(tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "kb.db"
    generated_db(path, 7)
    return make_datasette(path)


DATES = ["", "2019", "2019-06", "2019-02", "2020-02", "2019-06-30", "2020-02-29", "2019-02-29", "2019-02-30",
         "2019-06-31", "2019-13-45", "2019-00", "abc", "2019-6", "19", " 2019-06-30 ", "2019-06-30T10:00",
         "30/06/2019", "2019-W05"]


@pytest.mark.parametrize("value", DATES)
def test_the_page_and_the_sql_read_dates_alike(ds, value):
    """parse_as_of (the page's message) and the as_of SQL accept exactly the same values."""
    day, problem = parse_as_of(value, today=dt.date.today())
    conn = sqlite3.connect(":memory:")
    (sql_day,) = conn.execute("with params as " + AS_OF_SQL.split("with params as", 1)[1].split("),\nknown", 1)[0]
                              + ") select as_of from params", {"date": value}).fetchone()
    assert sql_day == day
    assert (problem is None) == (day is not None)


def test_month_and_year_end_where_they_end():
    assert parse_as_of("2019-06")[0] == "2019-06-30"  # not 2019-06-31
    assert parse_as_of("2020-02")[0] == "2020-02-29"
    assert parse_as_of("2019-12")[0] == "2019-12-31"
    assert parse_as_of("2019")[0] == "2019-12-31"


@pytest.mark.parametrize("value", ["2019-13-45", "abc", "2019-02-30"])
def test_an_invalid_as_of_date_says_so_and_gives_no_rows(ds, value):
    r = get(ds, "/kb/as_of", date=value, company="")
    assert r.status_code == 200
    assert 'class="message-error"' in r.text and "is not a date" in r.text and "YYYY-MM-DD" in r.text
    assert get(ds, "/kb/as_of.json", date=value, company="", _shape="array").json() == []


def test_a_valid_as_of_date_has_no_message(ds):
    r = get(ds, "/kb/as_of", date="2019-06", company="")
    assert "message-error" not in r.text
    rows = get(ds, "/kb/as_of.json", date="2019-06", company="", _shape="array").json()
    assert rows and {x["as_of"] for x in rows} == {"2019-06-30"}


def test_unknown_company_market_and_region_say_so(ds):
    for path, params in [("/kb/latest_stance", {"company": "Nobody Motors"}),
                         ("/kb/as_of", {"company": "Nobody Motors", "date": ""}),
                         ("/-/dashboards/market-entry", {"company": "Nobody Motors"})]:
        r = get(ds, path, **params)
        assert r.status_code == 200 and "No company called “Nobody Motors”" in r.text, path
    r = get(ds, "/kb/company_timeline", company="", market="Atlantis")
    assert "No market or region with the code “Atlantis”" in r.text
    r = get(ds, "/-/dashboards/market-entry", region="Atlantis")
    assert "No market or region with the code “Atlantis”" in r.text
    assert "message-warning" not in get(ds, "/kb/latest_stance", company="tesla").text


def test_market_codes_in_any_case(ds):
    upper = get(ds, "/kb/company_timeline.json", company="Tesla", market="IN", _shape="array").json()
    lower = get(ds, "/kb/company_timeline.json", company="Tesla", market="in", _shape="array").json()
    assert upper and upper == lower


# Company URLs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", COMPANIES)
def test_company_pages_open_for_any_name(names_ds, name):
    r = get(names_ds, "/-/company/" + quote(name, safe=""))
    assert r.status_code == 200, name
    assert f"<h1>{name.replace('&', '&amp;')}</h1>" in r.text
    index = get(names_ds, "/-/companies").text
    assert 'href="/-/company/' + quote(name, safe="") + '"' in index


def test_company_urls_in_other_spellings(names_ds):
    for path in ["/-/company/Walt%20Disney", "/-/company/Walt+Disney", "/-/company/Walt~20Disney",
                 "/-/company/walt%20disney", "/-/company/Nestl%C3%A9", "/-/company/Nestl~C3~A9",
                 "/-/company/Marks%20%26%20Spencer", "/-/company/C%2BD%20Motors", "/-/company/AC%2FDC%20Foods",
                 "/-/company/Walt%20Disney/"]:
        r = get(names_ds, path)
        assert r.status_code == 200, path


def test_company_without_a_name_or_unknown(names_ds):
    for path in ("/-/company/", "/-/company"):
        r = get(names_ds, path)
        assert r.status_code == 200 and "Pick a company" in r.text and "Walt Disney" in r.text, path
    r = get(names_ds, "/-/company/Walt%20Disnee")
    assert r.status_code == 404
    assert "No company called “Walt Disnee”" in r.text and "Did you mean Walt Disney" in r.text
    assert "Database not found" not in r.text
