"""Precision rules of the extractor: who the subject is, home markets, seats and cue senses that are not entry.

Each test is a sentence written for it (wire-copy style), with what must and must not come out.
"""
from __future__ import annotations

import pytest

from ingest.companies import CompanyIndex
from ingest.extract import extract
from ingest.homes import read_homes
from ingest.markets import find_markets
from ingest.records import Document


def found(text: str, dateline: str | None = None, published: str = "1987-03-12") -> set[tuple[str, str, str]]:
    doc = Document(id="t", path="t.md", text=text, published=published, meta={"dateline": dateline} if dateline else {})
    return {(s.company, s.market, s.stance) for s in extract(doc).statements}


def test_a_statement_needs_a_company_as_its_subject():
    text = ("Maple Leaf Brokers Ltd said it would list its shares in Toronto.\n\n"
            "Foreign firms that entered Canada after 1971 can own no more than 10 pct of a Canadian broker.")
    assert not any(market == "CA" for _, market, _ in found(text))


@pytest.mark.parametrize("text", [
    "The Bank of Japan re-entered the market after the midday Tokyo lunch break, dealers said.",
    "The Finance Ministry said it will allow more foreign brokers to open offices in Tokyo from April.",
    "The Federal Reserve entered the government securities market to arrange repurchase agreements.",
    "The Asian Development Bank will open an office in Jakarta later this year, a bank official said.",
])
def test_institutions_are_not_companies_and_their_it_is_theirs(text):
    assert found(text) == set()


def test_a_person_named_like_a_company_is_not_one():
    text = ("U.S. Agriculture Secretary Richard Lyng said he will visit Tokyo next month.\n\n"
            "Lyng does not intend to discuss wheat exports to the Soviet Union at the meeting, an aide said.")
    assert found(text) == set()


def test_home_market_is_not_entered_but_a_foreign_one_is():
    assert found("Xiaomi plans to open stores in China and India next year.", published="2026-02-20") == {
        ("Xiaomi", "IN", "plans")}  # the known list's home
    assert found("Hexagon Corp said it plans to build a manufacturing plant in Chandler, Arizona.",
                 dateline="CHANDLER, Ariz., March 3") == set()
    assert found("Vitron Corp said it plans to build a plant in Plymouth, England, to serve European customers.",
                 dateline="NEWMARKET, N.H., March 12") == {("Vitron", "GB", "plans"), ("Vitron", "europe", "plans")}


def test_a_state_market_of_the_home_country_is_still_a_market():
    text = "Legal Shield Inc said it will start marketing its contracts in the state of Washington today."
    assert found(text, dateline="ADA, Okla., March 23") == {("Legal Shield", "US-WA", "entered")}


def test_a_region_around_home_is_not_home():
    # "the Asian markets" for a Chinese company means the others; "continental Europe" for a British one
    assert ("Xiaomi", "asia", "plans") in found("Xiaomi plans to enter the European and Asian markets in 2027.",
                                                 published="2026-02-20")
    text = ("Parcelink Plc, a British parcels firm, is seeking to expand business, first in continental Europe "
            "and later in the U.S., its spokesman said.")
    assert ("Parcelink", "europe", "plans") in found(text, dateline="LONDON, April 9")


def test_a_partner_seat_is_not_a_target():
    text = "Basalt Inc said it formed a joint venture with Monier Ltd of Australia to make concrete ties in Mexico."
    out = found(text, dateline="GREENWICH, Conn., April 2")
    assert ("Basalt", "MX", "entered") in out
    assert not any(market == "AU" for _, market, _ in out)


def test_coordinated_subjects_and_their_homes():
    text = ("Nippon Steel Corp <NSTC.T> and <Inland Steel Co> of the U.S. are negotiating to set up a joint "
            "steel venture in Indiana, a Nippon Steel spokesman said.")
    assert found(text) == {("Nippon Steel", "US", "considering")}


def test_joint_venture_partner_enters_too():
    text = ("Sweden's Nordbanken AB said it will set up a joint venture in London with U.S. brokerage firm "
            "Equity Partners Corp of Nashville, Tenn., next month.")
    out = {(c, m) for c, m, _ in found(text)}
    assert out == {("Nordbanken", "GB"), ("Equity Partners", "GB")}


@pytest.mark.parametrize("text", [
    "A judgment was entered against Aristo Chemical Corp in Texas State Court for nine mln dlrs.",
    "Alza Corp said it plans to make an offering in Europe of 75 mln dlrs of convertible debentures.",
    "Home Shop Inc said it entered a definitive contract to buy a television station in San Francisco.",
    "Compu Corp said its founder will enter a masters program in Houston this summer.",
    "The Yokohama bond would be launched in London later this month, Daiwa Securities Co Ltd said.",
    "\"It will allow Renault SA to continue its export programme to the U.S.,\" he said.",
    "Cominco Ltd said it is forming a company to explore its mineral holdings outside Canada and Australia.",
    "Sponsors of a campaign to pressure Royal Dutch Petroleum Co to suspend operations in South Africa met.",
    "Royal Gold Inc has agreed to sell its oil and gas properties to Victoria Exploration NL of Perth, Australia.",
])
def test_senses_of_entry_words_that_are_not_market_entry(text):
    assert found(text, dateline="NEW YORK, April 1") == set()


def test_an_exit_read_from_the_same_words_wins_over_an_entry():
    text = "Bow Valley Industries Ltd said it agreed to sell its wholly owned Norwegian subsidiary to Elf Norge A/S."
    assert found(text, dateline="CALGARY, April 2") == {("Bow Valley Industries", "NO", "withdrawn")}


def test_home_evidence_kinds():
    text = ("Sweden's Nordbanken AB met U.S. brokerage firm Equity Partners Corp. <Sony Corp> of Japan, "
            "Quebecor Inc, one of Canada's largest printers, and Toshiba Corp <TSBA.T> also attended.")
    companies = CompanyIndex.build(text)
    homes = read_homes(text, companies)
    assert {c: homes.home[c] for c in ("Nordbanken", "Equity Partners", "Sony", "Quebecor", "Toshiba")} == {
        "Nordbanken": "SE", "Equity Partners": "US", "Sony": "JP", "Quebecor": "CA", "Toshiba": "JP"}
    assert {text[s:e] for s, e in homes.seats} >= {"Sweden", "U.S.", "Japan", "Canada"}


@pytest.mark.parametrize("text,codes", [
    ("a retail banking office in Vienna, Va., as", ["US-VA"]),
    ("Equity Partners Corp of Nashville, Tenn., said", ["US-TN"]),
    ("a store in Berlin, N.J. opened", ["US-NJ"]),
    ("offices in Vienna and Paris", ["AT", "FR"]),
    ("London, Paris and Tokyo", ["GB", "FR", "JP-13"]),
    ("in Perth, Western Australia", ["AU", "AU-WA"]),
])
def test_a_place_followed_by_a_state_is_in_that_state(text, codes):
    assert [m.code for m in find_markets(text)] == codes


@pytest.mark.parametrize("surface,name", [
    ("Federal Paperboard Co", "Federal Paperboard"),
    ("C. Itoh and Co", "C. Itoh"),
    ("New York Life Insurance Co", "New York Life Insurance"),
    ("Lloyds Bank Plc's", "Lloyds Bank"),
])
def test_company_names_keep_leading_place_words_and_lose_trailing_connectors(surface, name):
    index = CompanyIndex()
    assert index.add(surface, 0, corporate=True) == name  # found by its legal form


@pytest.mark.parametrize("surface", ["The Bank", "Finance Ministry", "Bundesbank", "U.S.", "S"])
def test_not_company_names(surface):
    assert CompanyIndex().add(surface, 0) is None


@pytest.mark.parametrize("text,expected", [
    ("Japan's Kestrel Corp recently obtained tax incentives to invest in a project here to produce ovens.",
     {("Kestrel", "TH", "plans")}),
    ("Chinese automaker Chery plans to produce cars in Spain from 2025.", {("Chery", "ES", "plans")}),
    ("Toyota will build cars in Japan.", set()),  # the known list's home
    ("Zepto Technologies Pvt Ltd plans to launch in Dubai next year.", {("Zepto Technologies", "AE", "plans")}),
])
def test_investment_and_production_as_first_steps(text, expected):
    assert found(text, dateline="BANGKOK, March 2", published="2026-03-02") == expected


def test_capital_markets_are_not_markets_to_enter():
    text = ("Nissan Motor Co Ltd <NSAN.T> is studying setting up its own finance company to improve access "
            "to U.S. and European capital markets, a spokesman said.")
    assert found(text, dateline="TOKYO, April 2") == set()


def test_in_a_us_story_a_company_with_no_foreign_tie_is_american():
    text = "Carteret Savings Bank said it has opened a retail banking office in Vienna, Va."
    assert found(text, dateline="MORRISTOWN, N.J., March 20") == set()
    # the same words from a foreign bureau, or with a nationality given, stay statements
    assert found(text.replace("Carteret", "Japan's Carteret"), dateline="MORRISTOWN, N.J., March 20") == {
        ("Carteret Savings Bank", "US", "entered")}


@pytest.mark.parametrize("dateline", ["MILWAUKEE, WIS., March 3", "PITTSBURGH, March 3", "BOCA RATON, Fla, March 2"])
def test_datelines_in_capitals_and_us_cities_place_the_story(dateline):
    text = "Tower Industries Inc said it will close its plant in Dayton, Tenn., by March 1, 1988."
    assert found(text, dateline=dateline) == set()  # a US company closing a US plant


def test_a_unit_named_after_its_parent_comes_after_the_parent_whatever_the_order():
    text = ("<Kestrel Appliances (Thailand) Ltd> will make ovens. Kestrel Corp will set up a subsidiary in "
            "Thailand to make microwave ovens, a company spokesman said.")
    assert ("Kestrel", "TH", "plans") in found(text, dateline="TOKYO, April 8")


@pytest.mark.parametrize("text,expected", [
    ("Volkswagen is expected to fare very well both in its home market and in Europe.", set()),
    ("Toshiba Corp said the affair would not hurt the parent company's exports to the U.S.", set()),
    ("Analysts said Sterling Retail Inc may be looking to break into the Texas market.",
     {("Sterling Retail", "US-TX", "considering")}),
])
def test_nouns_that_look_like_entry_verbs_and_maybe_plans(text, expected):
    assert found(text, dateline="LONDON, June 1") == expected
