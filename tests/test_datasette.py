"""Datasette itself on a built knowledge base: facets, CSV, canned queries, full-text search."""
from __future__ import annotations

import asyncio
import csv
import io

import pytest

from kb.build import build_paths
from kb.datasette_app import make_datasette

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("ds") / "kb.db"
    build_paths([EXAMPLES], db_path, workers=1)
    return make_datasette(db_path)


def get(ds, path: str):
    return asyncio.run(ds.client.get(path))


def test_statements_facets_match_the_table(ds):
    response = get(ds, "/kb/statements.json?_size=max&_extra=facet_results")
    assert response.status_code == 200
    data = response.json()
    facets = data["facet_results"]
    assert {"company", "market", "stance", "speaker_type", "said_on_year"} <= set(facets)
    rows = get(ds, "/kb/statements.json?_shape=array&_size=max").json()
    by_stance = {}
    for row in rows:
        by_stance[row["stance"]] = by_stance.get(row["stance"], 0) + 1
    facet_counts = {f["value"]: f["count"] for f in facets["stance"]["results"]}
    assert facet_counts == by_stance
    assert not any(f.get("timed_out") for f in data.get("facets_timed_out", []))


def test_statements_sorted_by_said_on_descending(ds):
    rows = get(ds, "/kb/statements.json?_shape=array&_size=max").json()
    starts = [r["said_on_start"] for r in rows if r["said_on_start"]]
    assert starts == sorted(starts, reverse=True)


def test_csv_download(ds):
    response = get(ds, "/kb/statements.csv?_size=max")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and {"company", "market", "stance", "quote"} <= set(rows[0])


def test_company_timeline_query_with_and_without_parameter(ds):
    everyone = get(ds, "/kb/company_timeline.json?_shape=array").json()
    assert {r["company"] for r in everyone} >= {"Xiaomi", "Google", "Tesla"}
    xiaomi = get(ds, "/kb/company_timeline.json?_shape=array&company=xiaomi").json()
    assert xiaomi and {r["company"] for r in xiaomi} == {"Xiaomi"}
    assert [r["said_on"] for r in xiaomi] == sorted(r["said_on"] for r in xiaomi)


def test_latest_stance_query(ds):
    rows = get(ds, "/kb/latest_stance.json?_shape=array").json()
    pairs = [(r["company"], r["market"]) for r in rows]
    assert len(pairs) == len(set(pairs))  # one row per company and market
    tesla_india = [r for r in rows if (r["company"], r["market"]) == ("Tesla", "IN")]
    assert tesla_india and tesla_india[0]["stance"] in ("entered", "withdrawn")
    html = get(ds, "/kb/latest_stance")
    assert html.status_code == 200 and "Xiaomi" in html.text


def test_full_text_search_on_quotes(ds):
    rows = get(ds, "/kb/statements.json?_shape=array&_search=showroom").json()
    assert rows and all("showroom" in r["quote"].lower() for r in rows)
    docs = get(ds, "/kb/documents.json?_shape=array&_search=espresso").json()
    assert [d["id"] for d in docs] == ["example-starbucks-italy-2016"]


def test_metadata_describes_every_visible_column(ds):
    import json
    from pathlib import Path

    import sqlite_utils

    meta = json.loads((Path(__file__).resolve().parent.parent / "kb" / "metadata.json").read_text())
    tables = meta["databases"]["kb"]["tables"]
    db = sqlite_utils.Database(ds.databases["kb"].path)
    for table in ("statements", "documents", "events", "companies", "markets", "stances", "market_regions"):
        described = set(tables[table].get("columns", {}))
        assert set(db[table].columns_dict) <= described, table
