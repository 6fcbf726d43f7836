"""Claims, stance history, as-of, facets, dashboard, company pages, search and feed, on the examples,
through Datasette's in-process client (asyncio.run: no pytest-asyncio needed)."""
from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET

import pytest

from kb.build import EXAMPLES, build_paths
from kb.datasette_app import load_metadata, make_datasette
from kb.export import export_rows
from kb.plugins.fts_escape import escape_fts


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("timeline") / "kb.db"
    report = build_paths([EXAMPLES], path, workers=1)
    assert report.failed == 0, report.errors
    return path


@pytest.fixture(scope="module")
def ds(db_path):
    return make_datasette(db_path)


def get(ds, path, **params):
    async def go():
        return await ds.client.get(path, params=params or None)
    return asyncio.run(go())


def rows(ds, path, **params):
    r = get(ds, path, _shape="objects", **params)
    assert r.status_code == 200, r.text[:500]
    return r.json()["rows"]


def sql(ds, query, **params):
    return rows(ds, "/kb.json", sql=query, **params)


# Claims -------------------------------------------------------------------

def test_every_statement_has_a_claim_and_export_carries_it(ds, db_path):
    assert sql(ds, "select count(*) as n from statements where claim_id is null")[0]["n"] == 0
    exported = list(export_rows(db_path))
    assert exported and all(r["claim_id"] for r in exported)
    claim_ids = {r["id"] for r in sql(ds, "select id from claims")}
    assert {r["claim_id"] for r in exported} <= claim_ids


def test_lei_jun_weibo_denial_is_one_claim_from_several_outlets(ds):
    claims = sql(ds, "select * from claims where company = 'Xiaomi' and market = 'US' and stance = 'no_plans' "
                     "and speaker = 'Lei Jun'")
    assert len(claims) == 1
    c = claims[0]
    publishers = set(json.loads(c["publishers"]))
    assert {"Example Auto Wire", "Example China Desk", "Example EV Journal", "Example Gadget Wire"} <= publishers
    assert c["sources"] == len(publishers) and c["documents"] >= 4
    assert c["first_said_on"].startswith("2026-02")
    # One outlet dates the post 9 February ("on Monday"), the others 10 February: both kept, flagged.
    values = {v["said_on"] for v in json.loads(c["said_on_values"])}
    assert {"2026-02-09", "2026-02-10"} <= values
    assert c["disagreement"] == 1
    members = sql(ds, "select count(*) as n from statements where claim_id = :id", id=c["id"])[0]["n"]
    assert members == c["statements"]


def test_multi_outlet_stories_group_with_the_right_counts(ds):
    counts = {
        (r["company"], r["market"], r["stance"], r["first_said_on"][:7]): r["sources"]
        for r in sql(ds, "select * from claims where sources > 1")
    }
    assert counts.get(("Tesla", "IN", "entered", "2025-07")) == 3
    assert counts.get(("Tesla", "IN", "plans", "2020-10")) == 2
    assert counts.get(("Starbucks", "IT", "entered", "2018-09")) == 2
    assert counts.get(("Google", "CN", "withdrawn", "2010-03")) == 2
    # Stella Li's two no-plans statements, months apart, stay two claims.
    assert len(sql(ds, "select id from claims where company = 'BYD' and market = 'US'")) == 2


def test_claims_table_facets(ds):
    r = get(ds, "/kb/claims.json", _facet="disagreement", _facet_array="publishers")
    assert r.status_code == 200
    facets = r.json()["facet_results"]
    assert {v["value"] for v in facets["disagreement"]["results"]} <= {0, 1}


# Stance history --------------------------------------------------------------

def test_tesla_india_history_in_order(ds):
    history = rows(ds, "/kb/stance_history.json", company="Tesla", market="IN", _sort="seq")
    stances = [h["stance"] for h in history]
    dates = [h["effective_on"] for h in history]
    assert dates == sorted(dates)
    assert stances[0] == "plans" and dates[0].startswith("2017")
    shelved = [h for h in history if h["stance"] == "withdrawn"]
    assert shelved and all(h["effective_on"].startswith("2022") for h in shelved)
    assert stances[-1] == "entered" and dates[-1] == "2025-07-15" and history[-1]["is_current"] == 1
    first_shelving = stances.index("withdrawn")
    assert "plans" in stances[:first_shelving] and "entered" not in stances[:first_shelving]
    assert [h["seq"] for h in history] == list(range(1, len(history) + 1))


def test_stance_changes_and_current_stances(ds):
    changes = rows(ds, "/kb/stance_changes.json", company="Tesla", market="IN")
    pairs = {(c["from_stance"], c["to_stance"]) for c in changes}
    assert ("plans", "entered") in pairs
    assert all(c["from_stance"] != c["to_stance"] for c in changes)
    current = rows(ds, "/kb/current_stances.json", company="Tesla")
    assert [(c["market"], c["stance"]) for c in current] == [("IN", "entered")]
    xiaomi = {c["market"]: c["stance"] for c in rows(ds, "/kb/current_stances.json", company="Xiaomi")}
    assert xiaomi["US"] == "no_plans" and xiaomi["europe"] == "plans"


def test_region_roll_up(ds):
    europe = rows(ds, "/kb/regional_current_stances.json", region="europe", company="NIO")
    assert len(europe) == 1 and europe[0]["markets_with_claims"] >= 4  # DE, NL, SE, DK, NO
    history = rows(ds, "/kb/regional_stance_history.json", region="europe", company="NIO")
    assert {"DE", "NL", "SE", "DK"} <= {h["market"] for h in history}
    assert not rows(ds, "/kb/regional_stance_history.json", region="asia", company="NIO")


# As-of -------------------------------------------------------------------------

def test_as_of_2019_shows_what_was_known_then(ds):
    known = {(r["company"], r["market"]): r for r in rows(ds, "/kb/as_of.json", date="2019-06-30", company="")}
    assert known[("Tesla", "IN")]["stance"] == "plans"
    assert known[("Xiaomi", "US")]["stance"] == "no_plans"
    assert known[("Google", "CN")]["stance"] == "no_plans"  # Dragonfly's end came in July 2019
    assert ("NIO", "DE") not in known
    assert all(r["since"] <= "2019-06-30" and r["as_of"] == "2019-06-30" for r in known.values())


def test_as_of_partial_dates_and_company_filter(ds):
    year = rows(ds, "/kb/as_of.json", date="2018", company="xiaomi")
    assert {r["company"] for r in year} == {"Xiaomi"} and year[0]["as_of"] == "2018-12-31"
    assert {r["market"]: r["stance"] for r in year}["US"] == "plans"
    month = rows(ds, "/kb/as_of.json", date="2025-07", company="Tesla")
    assert month[0]["as_of"] == "2025-07-31" and month[0]["stance"] == "entered"
    before = rows(ds, "/kb/as_of.json", date="2025-07-12", company="Tesla")
    assert before[0]["stance"] == "plans"


def test_as_of_without_parameters_defaults_to_today(ds):
    r = get(ds, "/kb/as_of")
    assert r.status_code == 200
    today = rows(ds, "/kb/as_of.json", date="", company="")
    assert today and len({r["as_of"] for r in today}) == 1
    assert {(r["company"], r["market"]): r["stance"] for r in today}[("Tesla", "IN")] == "entered"


# Facets ---------------------------------------------------------------------------

def test_year_and_month_facets(ds):
    r = get(ds, "/kb/statements.json", _facet=["said_on_year", "said_on_month", "target_year", "target_month"],
            _facet_size="max")
    assert r.status_code == 200
    facets = r.json()["facet_results"]
    years = {v["value"]: v["count"] for v in facets["said_on_year"]["results"]}
    assert years[2026] >= 5 and 2014 in years
    months = {v["value"] for v in facets["said_on_month"]["results"]}
    assert "2026-02" in months and all(len(m) == 7 for m in months)
    assert 2027 in {v["value"] for v in facets["target_year"]["results"]}
    selected = rows(ds, "/kb/statements.json", said_on_month="2026-02")
    assert selected and all(r["said_on_month"] == "2026-02" for r in selected)


# Dashboard ------------------------------------------------------------------------

def test_dashboard_page_and_chart_queries(ds):
    r = get(ds, "/-/dashboards/market-entry")
    assert r.status_code == 200
    for slug in ("per-year", "grid", "company-timeline", "n-claims"):
        assert f"chart-{slug}" in r.text
    assert "vega-lite.min.js" in r.text
    dashboard = load_metadata("kb.db")["plugins"]["datasette-dashboards"]["market-entry"]
    for options in ({}, {"company": "Tesla"}, {"region": "europe"}):
        for slug, chart in dashboard["charts"].items():
            query = chart["query"]
            for key in ("company", "region"):  # what datasette-dashboards does with [[ ... ]]
                import re
                query = re.sub(r"\[\[(.*?:%s.*?)\]\]" % key, r"\1" if key in options else "", query)
            result = sql(ds, query, **options)
            assert result, (slug, options)
    filtered = get(ds, "/-/dashboards/market-entry", company="Tesla")
    assert filtered.status_code == 200 and "Tesla" in filtered.text


def test_dashboard_database_is_renamed_with_the_file(tmp_path):
    meta = load_metadata(tmp_path / "market.db")
    charts = meta["plugins"]["datasette-dashboards"]["market-entry"]["charts"]
    assert {c["db"] for c in charts.values()} == {"market"}


# Company pages ------------------------------------------------------------------------

def test_company_page(ds):
    r = get(ds, "/-/company/Tesla")
    assert r.status_code == 200
    text = r.text
    assert "<h1>Tesla</h1>" in text
    assert "stance-entered" in text and "India" in text
    assert "<svg" in text and "claim-dot" in text
    assert "Example Asia Times" in text and "Example Markets Daily" in text  # sources listed
    assert "atom_statements.atom?company=Tesla" in text
    assert get(ds, "/-/company/tesla").status_code == 200  # case-insensitive
    assert get(ds, "/-/company/Nobody").status_code == 404


def test_company_page_shows_disagreement_and_regions(ds):
    text = get(ds, "/-/company/Xiaomi").text
    assert "sources disagree" in text and "2026-02-09" in text
    nio = get(ds, "/-/company/NIO").text
    assert "europe" in nio  # region roll-up table


def test_companies_index(ds):
    r = get(ds, "/-/companies")
    assert r.status_code == 200
    for name in ("Xiaomi", "Tesla", "Google", "NIO"):
        assert f"/-/company/{name}" in r.text


# Search -------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ['"', '*', "AND OR", "NEAR(", "(", "^", "-", "'", '"Lei', 'a"b', "NOT", ""])
def test_search_input_is_escaped(ds, q):
    for table in ("statements", "documents"):
        r = get(ds, f"/kb/{table}.json", _search=q)
        assert r.status_code == 200, (table, q, r.text[:200])


def test_search_finds_words_and_phrases(ds):
    assert rows(ds, "/kb/statements.json", _search="Weibo")
    assert rows(ds, "/kb/documents.json", _search='"Bandra Kurla"')
    assert rows(ds, "/kb/statements.json", _search="no plans US")
    page = get(ds, "/-/search", q="Tesla India")
    assert page.status_code == 200 and "statements" in page.text and "documents" in page.text


def test_escape_fts():
    assert escape_fts('"') == '""'
    assert escape_fts("AND OR") == '"AND" "OR"'
    assert escape_fts("NEAR(") == '"NEAR("'
    assert escape_fts('"Lei Jun" US') == '"Lei Jun" "US"'
    assert escape_fts('a"b') == '"a" "b"'
    assert escape_fts("") == '""'


# Atom feed ------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(ds, **params):
    r = get(ds, "/kb/atom_statements.atom", **params)
    assert r.status_code == 200, r.text[:300]
    assert "xml" in r.headers["content-type"]
    return ET.fromstring(r.content).findall(f"{ATOM}entry")


def test_atom_feed_newest_statements(ds):
    entries = feed(ds)
    assert 10 <= len(entries) <= 100
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert all(" / " in t for t in titles)


def test_atom_feed_filtered_by_company_and_region(ds):
    tesla = feed(ds, company="Tesla")
    assert tesla and all(e.find(f"{ATOM}title").text.startswith("Tesla / ") for e in tesla)
    europe = rows(ds, "/kb/atom_statements.json", company="", market="europe")
    assert europe and {"DE", "europe", "IT"} & {r["market"] for r in europe}
    assert all(r["market"] not in ("US", "IN", "CN") for r in europe)


def test_atom_feed_for_a_company_with_nothing_yet_is_empty(ds):
    r = get(ds, "/kb/atom_statements.atom", company="Nobody Motors")
    assert r.status_code == 200
    root = ET.fromstring(r.content)
    assert root.findall(f"{ATOM}entry") == []
    assert "1970" not in r.text
    assert root.find(f"{ATOM}title").text.endswith("about Nobody Motors")


def test_atom_feed_market_codes_in_any_case_and_links(ds):
    upper, lower = feed(ds, market="IN"), feed(ds, market="in")
    assert upper and [e.find(f"{ATOM}id").text for e in upper] == [e.find(f"{ATOM}id").text for e in lower]
    assert [e.find(f"{ATOM}id").text for e in feed(ds, market="EUROPE")] == \
        [e.find(f"{ATOM}id").text for e in feed(ds, market="europe")]
    for e in feed(ds):
        href = e.find(f"{ATOM}link").get("href")
        assert href.startswith(("http://", "https://")), href  # the source, or the statement's page here
    r = get(ds, "/kb/atom_statements.atom", company="tesla", market="in")
    assert ET.fromstring(r.content).find(f"{ATOM}title").text.endswith("about tesla in in")
