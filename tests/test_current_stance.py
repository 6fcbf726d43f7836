"""One current stance: the company page, latest_stance, current_stances, as_of (today), the
dashboard's grid and the Atom feed all show the same stance, and the same 'since', for every
company and market, on the bundled examples and on generated corpora full of conflicts (same-day
contradictions, facts recalled years later, vague and undated statements, late publications).
"""
from __future__ import annotations

import asyncio
import json
import random
import re
from urllib.parse import quote

import pytest

from kb.build import EXAMPLES, build_paths, finish_build
from kb.datasette_app import load_metadata, make_datasette
from kb.humanize import human_date
from kb.schema import TABLES, open_db

STANCES = ["plans", "considering", "no_plans", "entered", "delayed", "withdrawn"]
# Names a URL must carry: a space, an accent, &, +, /.
COMPANIES = ["Walt Disney", "Nestlé", "Marks & Spencer", "C+D Motors", "AC/DC Foods", "Orla"]
MARKETS = ["IN", "US", "DE", "BR", "europe"]


def get(ds, path, **params):
    async def go():
        return await ds.client.get(path, params=params or None)
    return asyncio.run(go())


def rows(ds, path, **params):
    r = get(ds, path, _shape="objects", _size="max", **params)
    assert r.status_code == 200, (path, r.text[:300])
    return r.json()["rows"]


def stances_everywhere(ds) -> dict[str, dict[tuple[str, str], tuple[str, str]]]:
    """(company, market) -> (stance, since) as each page, query and feed shows it."""
    seen: dict[str, dict] = {}
    companies = [r["name"] for r in rows(ds, "/kb/companies.json")]
    page: dict = {}
    for name in companies:
        r = get(ds, "/-/company/" + quote(name, safe=""))
        assert r.status_code == 200, name
        for market, stance, since in re.findall(
                r'<tr data-market="([^"]*)" data-stance="([^"]*)" data-since="([^"]*)">', r.text):
            page[(name, market)] = (stance, since)
    seen["company page"] = page
    seen["latest_stance"] = {(r["company"], r["market"]): (r["stance"], r["since"])
                             for r in rows(ds, "/kb/latest_stance.json", company="")}
    seen["current_stances"] = {(r["company"], r["market"]): (r["stance"], r["since"])
                               for r in rows(ds, "/kb/current_stances.json")}
    seen["as_of today"] = {(r["company"], r["market"]): (r["stance"], r["since"])
                           for r in rows(ds, "/kb/as_of.json", date="", company="")}
    grid = load_metadata("kb.db")["plugins"]["datasette-dashboards"]["market-entry"]["charts"]["grid"]["query"]
    grid = re.sub(r"\[\[.*?\]\]", "", grid)
    seen["dashboard grid"] = {(r["company"], r["market"]): (r["stance"], r["since"])
                              for r in rows(ds, "/kb.json", sql=grid)}
    feed = {}
    for r in rows(ds, "/kb/atom_statements.json", company="", market=""):
        m = re.search(r"Current stance of .* in .*: (.+?) since (.+)\.$", r["atom_content"])
        if m:
            feed[(r["company"], r["market"])] = (m[1].replace(" ", "_"), m[2])
    seen["feed"] = feed
    return seen


def assert_all_agree(ds):
    seen = stances_everywhere(ds)
    reference = seen["current_stances"]
    assert reference
    for name, got in seen.items():
        if name == "feed":  # the newest 100 statements only, dates in words: what it shows must agree
            assert got and all((reference[k][0], human_date(reference[k][1]) or reference[k][1]) == v
                               for k, v in got.items()), name
            continue
        assert got == reference, name


@pytest.fixture(scope="module")
def examples_ds(tmp_path_factory):
    path = tmp_path_factory.mktemp("current") / "kb.db"
    build_paths([EXAMPLES], path, workers=1)
    return make_datasette(path)


def test_every_page_shows_the_same_current_stance_on_the_examples(examples_ds):
    assert_all_agree(examples_ds)
    tesla = rows(examples_ds, "/kb/latest_stance.json", company="Tesla")
    assert [(r["market"], r["stance"], r["since"]) for r in tesla] == [("IN", "entered", "2025-07-15")]


def test_as_of_a_past_date_follows_the_same_history(examples_ds):
    """as_of a date is the latest claim (by seq) among those known then: never a claim that the
    stance history puts before a known later one."""
    history = rows(examples_ds, "/kb/stance_history.json")
    for date in ("2010-06-30", "2019-06-30", "2022-12", "2025-07-14", "2025"):
        got = rows(examples_ds, "/kb/as_of.json", date=date, company="")
        assert got, date
        cutoff = got[0]["as_of"]
        for r in got:
            known = [h for h in history if (h["company"], h["market"]) == (r["company"], r["market"])
                     and h["known_on"] <= cutoff]
            assert r["claim_id"] == max(known, key=lambda h: h["seq"])["claim_id"], (date, r)


# A generated corpus -----------------------------------------------------------------------------

def generated_db(path, seed: int):
    """Statements in conflict, written straight to the tables, then the end of a build."""
    rnd = random.Random(seed)
    db = open_db(path)
    cols = list(TABLES["statements"]["columns"])
    documents, statements = [], []
    from ingest.dates import timex_fields

    def date_columns(value):
        f = timex_fields(value)
        return [value, f["start"], f["precision"], f["year"], f["month"]]

    for i in range(60):
        published = f"{rnd.randint(2015, 2025)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        doc = f"gen-{seed}-{i}"
        documents.append((doc, f"/{doc}.md", f"{doc}.md", f"Outlet {rnd.randint(1, 6)}", published,
                          rnd.choice([None, f"https://news.example/{doc}"])))
        for j in range(rnd.randint(1, 3)):
            company, market, stance = rnd.choice(COMPANIES), rnd.choice(MARKETS), rnd.choice(STANCES)
            said_on = rnd.choice([published, published, published[:7], published[:4], "PAST_REF", None,
                                  published[:8] + "01"])
            target = rnd.choice([None, published[:4], str(int(published[:4]) - rnd.randint(1, 4)),
                                 str(int(published[:4]) + 1), published, f"{published[:4]}-SU"])
            row = dict.fromkeys(cols)
            sd, td = date_columns(said_on), date_columns(target)
            row.update(id=f"{doc}-{j}", document_id=doc, company=company, market=market, stance=stance,
                       speaker=rnd.choice([None, None, "Ana Ruiz", "Ben Okafor"]),
                       speaker_type=rnd.choice(["company", "media"]), quote=f"Sentence {j} of {doc}.",
                       quote_start=0, quote_end=10, corrected=0,
                       explain=json.dumps({"said_on_rule": rnd.choice(["publication date", "weekday_part_of_day"])}))
            for k, v in zip(["", "_start", "_precision", "_year", "_month"], sd):
                row[f"said_on{k}"] = v
            for k, v in zip(["", "_start", "_precision", "_year", "_month"], td):
                row[f"target{k}"] = v
            statements.append(tuple(row[c] for c in cols))
    with db.conn:
        db.conn.executemany("insert into documents (id, path, name, publisher, published, url, text, statements, "
                            "events) values (?, ?, ?, ?, ?, ?, 'text', 0, 0)", documents)
        db.conn.executemany("insert or ignore into companies (name, aliases) values (?, '[]')",
                            [(c,) for c in COMPANIES])
        db.conn.executemany(f"insert into statements ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                            statements)
    finish_build(db)
    db.close()


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_page_shows_the_same_current_stance_on_a_generated_corpus(tmp_path, seed):
    path = tmp_path / "kb.db"
    generated_db(path, seed)
    ds = make_datasette(path)
    assert_all_agree(ds)
    # each company and market with a dated claim has exactly one current stance
    claims = rows(ds, "/kb/claims.json", _col=["company", "market", "seq", "is_current"])
    dated = {(c["company"], c["market"]) for c in claims if c["seq"]}
    current = [(c["company"], c["market"]) for c in claims if c["is_current"]]
    assert sorted(current) == sorted(dated)
