"""Synthetic market-entry articles, generated at run time (never committed as data).

`write_corpus(folder, n)` writes `n` Markdown articles with YAML front matter
in the corpus form: newswire-length bodies (about 1.5 to 3 KB, several
paragraphs of filler around a few market-entry sentences), every stance,
hundreds of companies, dozens of markets, several date forms and speakers.
Deterministic for a given seed, so runs are comparable.

`statement_rows(n)` yields rows for the `statements` table directly (for the
serving benchmark, which needs a million statements without extracting them).

    python -m benchmarks.synthetic /tmp/synth 1000
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys
from collections.abc import Iterator
from pathlib import Path

_PREFIX = """Norvane Helio Quantel Brisk Corvid Lumen Arden Tessar Vantor Oberon Kestrel Marlow Pyxis Solent
Tamarin Zephyr Calder Eskar Fenwick Galen Halcyon Istra Juniper Kaldor Lyric Meridian Nimbus Orrin Pellan Quill
Rowan Sable Torvik Umbra Verity Wexford Xylo Yarrow Zenith Aster Borea Cygnal Delmar Everly Fjord Grist Hollis""".split()
_SUFFIX = """Motors Foods Airlines Energy Pharmaceuticals Electronics Steel Insurance Telecom Shipping Brewing
Industries Technologies Chemicals Stores Financial""".split()
_LEGAL = ["Inc", "Corp", "Ltd", "AG", "SA", "Group", "plc", ""]
COMPANIES = [f"{p} {s}" for p in _PREFIX for s in _SUFFIX]  # 47 * 16 = 752 names

# (name as written, code) for markets the extractor knows by name.
MARKETS = [
    ("India", "IN"), ("China", "CN"), ("Japan", "JP"), ("Germany", "DE"), ("France", "FR"), ("Brazil", "BR"),
    ("Mexico", "MX"), ("Canada", "CA"), ("Australia", "AU"), ("Indonesia", "ID"), ("Vietnam", "VN"),
    ("Thailand", "TH"), ("South Korea", "KR"), ("Italy", "IT"), ("Spain", "ES"), ("Poland", "PL"),
    ("Turkey", "TR"), ("Egypt", "EG"), ("Nigeria", "NG"), ("Kenya", "KE"), ("South Africa", "ZA"),
    ("Argentina", "AR"), ("Chile", "CL"), ("Peru", "PE"), ("Colombia", "CO"), ("Sweden", "SE"),
    ("Norway", "NO"), ("the Philippines", "PH"), ("Malaysia", "MY"), ("Singapore", "SG"),
    ("the United States", "US"), ("Britain", "GB"), ("Saudi Arabia", "SA"), ("Israel", "IL"),
    ("Pakistan", "PK"), ("Bangladesh", "BD"), ("Europe", "europe"), ("Africa", "africa"),
]
FIRST = "Anna Rahul Chen Maria Kenji Olga Samuel Fatima Lukas Ines Diego Mei Tomas Priya Ahmed Sofia".split()
LAST = "Okafor Lindqvist Moreau Tanaka Reyes Novak Haddad Kowalski Brennan Sato Mehta Varga Costa Ivanova".split()
ROLES = ["chief executive", "chief financial officer", "head of international business", "a spokeswoman",
         "a spokesman", "regional director", "chairman"]
ANALYST_FIRMS = ["Brightline Research", "Halden Securities", "Corvus Capital"]
PUBLISHERS = ["Synthetic Wire", "Example Business Daily", "Market Ledger", "The Trade Desk"]

# One sentence per stance; {c} company, {m} market, {y} year, {p} speaker attribution, {d} date phrase.
STANCE_TEMPLATES = {
    "plans": [
        "{c} plans to enter {m} in {y}, {p} said {d}.",
        "{c} intends to launch its products in {m} by {y}, {p} said.",
        "{c} is preparing to open its first store in {m} next year, {p} told reporters {d}.",
    ],
    "considering": [
        "{c} is considering entering {m}, {p} said {d}.",
        "{c} is studying an entry into {m}, {p} said, adding that no decision had been made.",
    ],
    "no_plans": [
        "{c} has no plans to enter {m}, {p} said {d}.",
        "{c} does not plan to sell its cars in {m} for now, {p} said.",
    ],
    "entered": [
        "{c} opened its first showroom in {m} {d}, {p} said.",
        "{c} launched its services in {m} {d}.",
    ],
    "delayed": [
        "{c} has postponed its launch in {m} to {y}, {p} said {d}.",
        "{c} delayed its entry into {m} until {y}, {p} said.",
    ],
    "withdrawn": [
        "{c} will pull out of {m} by the end of {y}, {p} said {d}.",
        "{c} scrapped its plans to enter {m}, {p} said {d}.",
    ],
}
STANCES = list(STANCE_TEMPLATES)

FILLER = [
    "Shares in the company rose {n} percent in early trading, outperforming a broadly weaker market.",
    "The group reported a net profit of {n} mln dlrs for the quarter, against {n2} mln a year earlier.",
    "Revenue from its home market has slowed over the past two years as competition intensified.",
    "Analysts have long said that the company needs new markets to sustain its growth rate.",
    "The company employs about {n},000 people and operates {n2} factories at home.",
    "Trade officials said tariffs on imported goods remain a concern for foreign manufacturers.",
    "Competitors have cut prices sharply this year, squeezing margins across the industry.",
    "The board will meet next month to review the capital spending plan for the coming year.",
    "Its previous attempt to expand abroad ended with a costly writedown, according to filings.",
    "Demand for consumer goods in emerging economies grew faster than expected last year.",
    "The company did not disclose how much it expects to invest over the next five years.",
    "Industry data showed sales volumes in the sector rose {n} percent in the first half.",
    "Executives declined to comment on the outlook for the currency or on pricing.",
    "A dealer network and after-sales service would take several years to build, people familiar said.",
    "The announcement came a day after a rival reported weaker than expected results.",
]
WEEKDAYS = ["on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "today", "on March 3", "last week"]


def _speaker(rng: random.Random, company: str) -> str:
    kind = rng.random()
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if kind < 0.6:
        return f"{name}, {rng.choice(ROLES)} of {company},"
    if kind < 0.8:
        return f"{name}, an analyst at {rng.choice(ANALYST_FIRMS)},"
    return "the company"


def article(i: int, seed: int = 7) -> tuple[str, dict]:
    """The Markdown text of synthetic article `i`, and what it was built to say."""
    rng = random.Random(seed * 1_000_003 + i)
    published = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(16 * 365))
    company = rng.choice(COMPANIES)
    legal = rng.choice(_LEGAL)
    full_name = f"{company} {legal}".strip()
    claims = []
    paragraphs = []
    for _ in range(rng.randint(1, 4)):
        stance = rng.choice(STANCES)
        market, code = rng.choice(MARKETS)
        tmpl = rng.choice(STANCE_TEMPLATES[stance])
        c = full_name if not claims else company
        sentence = tmpl.format(c=c, m=market, y=published.year + rng.randint(0, 3), p=_speaker(rng, company),
                               d=rng.choice(WEEKDAYS))
        sentence = sentence[0].upper() + sentence[1:]
        filler = " ".join(
            rng.choice(FILLER).format(n=rng.randint(2, 40), n2=rng.randint(2, 40)) for _ in range(rng.randint(2, 4))
        )
        paragraphs.append(f"{sentence} {filler}")
        claims.append((stance, code))
    for _ in range(rng.randint(0, 2)):
        paragraphs.append(" ".join(
            rng.choice(FILLER).format(n=rng.randint(2, 40), n2=rng.randint(2, 40)) for _ in range(rng.randint(3, 6))
        ))
    title = f"{company} weighs {rng.choice(MARKETS)[0]} move"
    front = (
        f"---\nid: synth-{i}\ntitle: \"{title}\"\npublished: {published.isoformat()}\n"
        f"publisher: {rng.choice(PUBLISHERS)}\nurl: https://example.org/synthetic/{i}\n---\n\n"
    )
    return front + "\n\n".join(paragraphs) + "\n", {"company": company, "claims": claims}


def write_corpus(folder: str | Path, n: int, seed: int = 7, per_dir: int = 1000) -> Path:
    """Write `n` articles under `folder` (in sub-folders of `per_dir`); returns the folder."""
    folder = Path(folder)
    for i in range(n):
        sub = folder / f"{i // per_dir:04d}"
        if i % per_dir == 0:
            sub.mkdir(parents=True, exist_ok=True)
        text, _ = article(i, seed)
        (sub / f"synth-{i}.md").write_text(text, encoding="utf-8")
    return folder


def statement_rows(n: int, seed: int = 11, docs: int | None = None) -> Iterator[dict]:
    """`n` rows for the statements table, with skewed (realistic) facet distributions."""
    from kb.schema import TABLES

    rng = random.Random(seed)
    docs = docs or max(1, n // 4)
    speakers = [f"{f} {l}" for f in FIRST for l in LAST]
    # Zipf-like company popularity: a few companies get most statements.
    weights = [1 / (k + 1) ** 0.8 for k in range(len(COMPANIES))]
    company_choices = rng.choices(COMPANIES, weights=weights, k=50_000)
    cols = TABLES["statements"]["columns"]
    for i in range(n):
        year = rng.randint(1987, 2026)
        said = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        target_year = year + rng.randint(0, 4)
        stance = rng.choice(STANCES)
        market, code = rng.choice(MARKETS)
        company = company_choices[i % len(company_choices)] if i % 7 else rng.choice(COMPANIES)
        doc = rng.randrange(docs)
        row = dict.fromkeys(cols)
        row.update(
            id=hashlib.sha1(f"s{i}".encode()).hexdigest()[:16], document_id=f"synth-{doc}", company=company,
            market=code, stance=stance, speaker=rng.choice(speakers), speaker_role=rng.choice(ROLES),
            speaker_type=rng.choice(["company", "company", "analyst", "media", "government", "other"]),
            said_on=said.isoformat(), said_on_start=said.isoformat(), said_on_precision="day",
            said_on_year=year, said_on_month=said.isoformat()[:7],
            target=str(target_year), target_start=f"{target_year}-01-01", target_precision="year",
            target_year=target_year, target_month=None,
            quote=rng.choice(STANCE_TEMPLATES[stance]).format(
                c=company, m=market, y=target_year, p=rng.choice(speakers), d=rng.choice(WEEKDAYS)),
            quote_start=0, quote_end=100, confidence=round(rng.uniform(0.5, 0.95), 2), corrected=0,
        )
        if i % 29 == 3:  # some statements say nothing about when (no calendar anchor)...
            row.update(said_on=rng.choice([None, "PAST_REF", "XXXX-02-10"]), said_on_start=None,
                       said_on_precision=None, said_on_year=None, said_on_month=None)
        if i % 11 == 5:  # ...or about the target
            row.update(target=None, target_start=None, target_precision=None, target_year=None)
        yield row


if __name__ == "__main__":
    out = write_corpus(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    print(out)
