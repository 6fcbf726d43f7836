"""The grammar of entry: predicates generated from lemmas, frames, brand-style companies, reference,
retold claims and tense. Every sentence here is written for its test (invented companies and facts)."""
from __future__ import annotations

import json
import re

import pytest

from ingest.companies import CompanyIndex
from ingest.cues import compile_phrase, find_cues
from ingest.extract import extract
from ingest.grammar import inflect, participle_only_forms, predicate_rows
from ingest.records import Document


def statements(text: str, title: str | None = None, published: str = "2024-05-06") -> list:
    doc = Document(id="t", path="t.md", text=text, title=title, published=published, meta={})
    return extract(doc).statements


def found(text: str, title: str | None = None, published: str = "2024-05-06") -> set[tuple[str, str, str]]:
    return {(s.company, s.market, s.stance) for s in statements(text, title, published)}


# --- inflection and generated cues ---------------------------------------------------------

@pytest.mark.parametrize("lemma, forms", [
    ("enter", {"base": "enter", "third": "enters", "past": "entered", "participle": "entered", "ing": "entering"}),
    ("launch", {"base": "launch", "third": "launches", "past": "launched", "participle": "launched", "ing": "launching"}),
    ("close", {"base": "close", "third": "closes", "past": "closed", "participle": "closed", "ing": "closing"}),
    ("deny", {"base": "deny", "third": "denies", "past": "denied", "participle": "denied", "ing": "denying"}),
    ("withdraw", {"base": "withdraw", "third": "withdraws", "past": "withdrew", "participle": "withdrawn",
                  "ing": "withdrawing"}),
    ("sell", {"base": "sell", "third": "sells", "past": "sold", "participle": "sold", "ing": "selling"}),
])
def test_inflect_gives_regular_and_irregular_forms(lemma, forms):
    assert inflect(lemma) == forms


def test_participle_only_forms_are_those_unlike_the_past():
    only = participle_only_forms()
    assert "withdrawn" in only and "withdrew" not in only and "sold" not in only


def test_every_generated_row_compiles_and_has_a_known_kind():
    rows = predicate_rows()
    assert rows
    for r in rows:
        assert r["kind"] in {"entry", "exit", "frame", "nominal"}
        compile_phrase(r["pattern"])


@pytest.mark.parametrize("text, kind", [
    ("Kestrel Foods sells its frozen dumplings in Chile", "entry"),
    ("Kestrel Foods is bringing its dumpling bars to Peru", "entry"),
    ("Kestrel Foods rolled out its app across Mexico", "entry"),
    ("Kestrel Foods pulled out of Peru", "exit"),
    ("Kestrel Foods is shuttering its Peruvian bakery business", "exit"),
    ("Kestrel Foods has ceased operations in Chile", "exit"),
    ("Kestrel Foods was banned from Peru", "exit"),
])
def test_each_inflection_is_a_cue(text, kind):
    assert kind in {cue.kind for cue, _, _ in find_cues(text)}


# --- statements in sentences of every shape ------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Orion Motors has no plans to sell its pickup trucks in Canada, its head of exports said.",
     {("Orion Motors", "CA", "no_plans")}),
    ("Lumo Bank is exploring whether to enter Indonesia and Vietnam.",
     {("Lumo Bank", "ID", "considering"), ("Lumo Bank", "VN", "considering")}),
    ("Kestrel Foods said it had decided to close shop in Chile.", {("Kestrel Foods", "CL", "withdrawn")}),
    ("Kestrel Foods said it would wind down its sales, design and support operations in Chile and Peru.",
     {("Kestrel Foods", "CL", "withdrawn"), ("Kestrel Foods", "PE", "withdrawn")}),
    ("Halden Freight Ltd sold its depots in Peru to a local rival last year.", {("Halden Freight", "PE", "withdrawn")}),
    ("Halden Freight Ltd postponed its plan to open a depot in Chile.", {("Halden Freight", "CL", "delayed")}),
])
def test_predicates_with_objects_and_frames(text, expected):
    assert found(text) == expected


def test_a_dropped_plan_is_withdrawn_whatever_the_tense():
    title = "Streamvale drops Korea"
    assert found("Streamvale is shelving its attempt to bring its service to Korea, citing regulators.", title) \
        == {("Streamvale", "KR", "withdrawn")}
    assert found("Streamvale shelved its plans to sell subscriptions in Korea.", title) \
        == {("Streamvale", "KR", "withdrawn")}


def test_an_exit_and_a_refusal_to_return_are_two_statements():
    text = "Redwood Motor Co., which left the Brazilian market in 2019, says it won't return to Brazil."
    assert found(text) == {("Redwood Motor", "BR", "withdrawn"), ("Redwood Motor", "BR", "no_plans")}


def test_a_count_after_sell_is_a_sales_figure():
    assert found("Marisol Foods Inc sold 4,210 crates of mangoes in Peru in March.") == set()


def test_a_participle_describing_a_noun_is_not_the_subjects_act():
    text = "Skyline Air Ltd has applied for the landing slots withdrawn from a rival in Qatar and Oman."
    assert found(text) == set()


def test_the_market_after_an_exit_must_be_what_is_left():
    text = "Halden Freight Ltd halted grain shipments through Panama after the strike."
    assert found(text) == set()
    text = "Halden Freight Ltd has closed depots in several countries lately, such as Peru and Chile."
    assert found(text) == {("Halden Freight", "PE", "withdrawn"), ("Halden Freight", "CL", "withdrawn")}


def test_markets_kept_for_a_focus_are_not_left():
    text = "Halden Freight Ltd will exit Peru to concentrate on Chile and Brazil."
    assert found(text) == {("Halden Freight", "PE", "withdrawn")}


# --- companies without legal forms -----------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("Chinese scooter maker Voltra will open showrooms in Chile next year.", "Voltra"),
    ("Pennywise, the British digital bank, announced plans to launch in Mexico.", "Pennywise"),
    ("The deal was struck after Japan's Koyama opened its first store in Peru.", "Koyama"),
    ("Analysts expect more. Zentro has pulled out of Peru, its second exit this year.", "Zentro"),
])
def test_brand_names_are_found_where_they_stand_as_companies(text, name):
    assert name in CompanyIndex.build(text).companies


@pytest.mark.parametrize("text", [
    "Operations in Peru have become harder, and operations elsewhere too.",
    "Rob Tanner, chief executive of the group, said sales rose. Tanner said the plan would continue.",
    "Education Minister Ana Ruiz said campuses would open in Peru.",
])
def test_common_words_people_and_titles_are_not_brands(text):
    assert not ({"Operations", "Tanner", "Ana Ruiz", "Minister Ana Ruiz"} & set(CompanyIndex.build(text).companies))


# --- reference ---------------------------------------------------------------------------------

def test_the_company_refers_to_the_subject_not_a_rival_named_in_passing():
    text = ("Brewhouse Coffee Inc expanded faster than rival Beanery Ltd last year.\n\n"
            "The Seattle-based chain will open its first cafes in Chile in 2025.")
    assert found(text) == {("Brewhouse Coffee", "CL", "plans")}


def test_the_country_and_there_refer_to_the_country_named_last():
    text = ("Marisol Foods Inc has waited two years for a licence in Peru.\n\n"
            "The company will launch in the country on Saturday.")
    assert ("Marisol Foods", "PE", "plans") in found(text) or ("Marisol Foods", "PE", "entered") in found(text)


# --- time and tense ------------------------------------------------------------------------------

def test_a_retold_claim_takes_the_date_it_was_made():
    text = "In March 2019 Kestrel Foods Inc said it would open stores in Chile within a year."
    (s,) = statements(text, published="2024-05-06")
    assert (s.market, s.stance, s.said_on) == ("CL", "plans", "2019-03")


def test_a_move_under_way_is_a_plan_and_a_return_is_an_entry():
    assert found("Voltra Mobility Ltd is expanding into Chile, with two showrooms due next year.") \
        == {("Voltra Mobility", "CL", "plans")}
    assert found("Shopwell Ltd, blocked by regulators in 2020, is selling in Peru again.") \
        == {("Shopwell", "PE", "entered")}


def test_an_entry_dated_after_publication_is_a_plan():
    text = "Kestrel Foods Inc announced its entry into Chile and Peru in the autumn of 2025."
    assert found(text, published="2025-02-01") == {("Kestrel Foods", "CL", "plans"), ("Kestrel Foods", "PE", "plans")}
    assert found(text, published="2026-02-01") == {("Kestrel Foods", "CL", "entered"), ("Kestrel Foods", "PE", "entered")}


def test_no_plans_words_do_not_leak_into_other_sentences():
    text = "Kestrel Foods Inc has no plans for Chile.\n\nIt opened its first store in Peru in 2021."
    assert ("Kestrel Foods", "PE", "entered") in found(text)
    assert not re.search("no_plans", str([s for s in statements(text) if s.market == "PE"]))


def test_a_plans_month_without_a_year_is_the_next_one():
    (s,) = statements("Kestrel Foods Inc plans to launch in Peru in March.", published="2024-05-06")
    assert s.target == "2025-03"
    (s,) = statements("Kestrel Foods Inc plans to launch in Peru in June.", published="2024-05-06")
    assert s.target == "2024-06"
    (s,) = statements("Kestrel Foods Inc plans to launch in Peru in March 2024.", published="2024-05-06")
    assert s.target == "2024-03"  # the text says so


# --- more shapes of news sentences -------------------------------------------------------------

def test_quotation_marks_inside_a_phrase_do_not_break_it():
    assert found('Kestrel Foods Inc said it had "no current" plans to enter Chile.') == {("Kestrel Foods", "CL", "no_plans")}


def test_a_coordinated_predicate_shares_the_market():
    text = "Kestrel Foods Inc entered Peru in 2001 and closed its stores in 2019."
    assert found(text) == {("Kestrel Foods", "PE", "entered"), ("Kestrel Foods", "PE", "withdrawn")}


def test_a_fronted_market_belongs_to_a_predicate_without_one():
    text = "Pennywise Ltd grew fast last year.\n\nIn Chile, its app has been available since May."
    assert found(text) == {("Pennywise", "CL", "entered")}


def test_an_ing_form_after_after_is_something_that_happened():
    text = "Kestrel Foods Inc is leaving Peru only months after starting operations there."
    assert found(text) == {("Kestrel Foods", "PE", "withdrawn"), ("Kestrel Foods", "PE", "entered")}


@pytest.mark.parametrize("text, stance", [
    ("Kestrel Foods Inc is hiring staff for its likely entry into Chile.", "plans"),
    ("Kestrel Foods Inc is hiring staff for a possible launch in Chile.", "considering"),
])
def test_a_hedged_entry_noun_is_a_plan_or_a_possibility(text, stance):
    assert found(text) == {("Kestrel Foods", "CL", stance)}


def test_a_speaker_without_a_company_subject_speaks_for_their_company():
    text = ("Kestrel Foods Inc chief executive Ana Ruiz spoke to investors on Monday.\n\n"
            "Ruiz said the priority will be exiting operations in Peru and Bolivia.")
    assert found(text) == {("Kestrel Foods", "PE", "withdrawn"), ("Kestrel Foods", "BO", "withdrawn")}


def test_a_weekday_by_a_reporting_verb_is_when_it_was_said():
    (s,) = statements("Kestrel Foods Inc said Tuesday it was closing its stores in Peru.", published="2024-05-09")
    assert s.said_on == "2024-05-07"
    (s,) = statements("Kestrel Foods Inc on Tuesday announced its exit from Peru.", published="2024-05-09")
    assert s.said_on == "2024-05-07"


def test_the_country_is_not_the_seat_in_a_possessive():
    text = "Kanzo Corp has struggled in Peru for years.\n\nJapan's Kanzo sold its assets in the country last year."
    assert found(text) == {("Kanzo", "PE", "withdrawn")}


def test_no_longer_turns_an_entry_into_an_exit():
    assert found("Kestrel Foods Inc will no longer sell its frozen meals in Chile.") == {("Kestrel Foods", "CL", "withdrawn")}


def test_a_sentence_opening_with_the_company_noun_refers_back():
    text = ("Voltra Motors Ltd reported record sales.\n\n"
            "The carmaker told dealers last spring of its plan to enter the Peruvian market.")
    assert ("Voltra Motors", "PE", "plans") in found(text)


def test_a_partner_named_before_a_brand_does_not_make_it_a_person():
    text = "Kestrel Foods and its local partner Zentro announced they would leave Peru.\n\nZentro has confirmed its plan to leave Peru."
    assert "Zentro" in CompanyIndex.build(text).companies


def test_stop_operating_is_an_exit_and_a_presence_is_not_an_entry():
    assert found("Kestrel Foods Inc will cease operating in Chile on March 1.") == {("Kestrel Foods", "CL", "withdrawn")}
    assert found("Kestrel Foods Inc operates in Chile, Peru and Bolivia.") == set()


# --- the two stages ------------------------------------------------------------------------------

def dropped(text: str, published: str = "2024-05-06") -> list[dict]:
    doc = Document(id="t", path="t.md", text=text, published=published, meta={})
    return [c for c in extract(doc, trace=True).candidates if c["dropped_by"]]


@pytest.mark.parametrize("text, name", [
    ("Kestrel Foods Inc was asked whether it would enter Peru.", "blocking context"),
    ("Kestrel Foods Inc has signed a deal to open stores.", "no market in scope"),
    ("Two smaller grocers hope to enter Peru next year.", "no company as subject"),
    ("Kanzo Corp of Japan will open its first store in Japan.", "home market"),
])
def test_every_dropped_candidate_names_its_filter(text, name):
    assert name in {d["dropped_by"] for d in dropped(text)}


def test_filters_and_rewrites_are_ordered_named_lists():
    from ingest.extract import ACTION_FILTERS, REWRITES, STATEMENT_FILTERS
    names = [n for n, _ in ACTION_FILTERS + STATEMENT_FILTERS + REWRITES]
    assert len(names) == len(set(names)) and all(names)
    text = "Kestrel Foods Inc is waiting for a licence before it opens stores in Peru."
    (s,) = statements(text)
    assert (s.stance, s.explain["rewrite"]) == ("plans", "future clause: a plan")


def test_a_relative_clause_with_commas_is_skipped_back_to_the_subject():
    text = ("Kestrel Cafe Ltd opened in Lima last year.\n\n"
            "The chain, which sells tea, pastries and soup, is weighing whether to begin trading in Chile.")
    assert ("Kestrel Cafe", "CL", "considering") in found(text)


@pytest.mark.parametrize("text", [
    "Voltra Motors Ltd built and sold nearly 80,000 vans in Chile last year.",
    "Kestrel Foods Inc said copies of its meals were being sold in Lima stores.",
    "Kestrel Foods Inc director Ana Ruiz said she will return to Peru next week.",
])
def test_sales_figures_goods_on_sale_and_people_travelling_are_not_entries(text):
    assert found(text) == set()


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Foods Inc will close all 9 of its stores in Chile when the leases end.", {("Kestrel Foods", "CL", "withdrawn")}),
    ("In 2016 Pennywise Ltd launched a localized version of its app in Chile.", {("Pennywise", "CL", "entered")}),
    ("Pennywise Ltd has paused its Chilean rollout for now.", {("Pennywise", "CL", "delayed")}),
    ("Brokers say Kestrel Foods Inc's eventual entry into Chile remains likely.",
     {("Kestrel Foods", "CL", "considering")}),
])
def test_determiners_long_objects_and_nominal_entries(text, expected):
    assert found(text) == expected


def test_a_counted_list_of_markets_belongs_to_the_phrase_that_counts_them():
    text = "Kestrel Foods Inc plans to enter other South American markets next year, among them Chile and Peru."
    assert found(text) >= {("Kestrel Foods", "CL", "plans"), ("Kestrel Foods", "PE", "plans")}


def test_a_place_name_without_its_diacritics_is_found():
    assert found("Kestrel Foods Inc has no plans to expand into the Indian state of Karnataka.") \
        == {("Kestrel Foods", "IN-KA", "no_plans")}
    assert found("Kestrel Foods Inc does not intend to open stores in the southern state of Karnataka.") \
        == {("Kestrel Foods", "IN-KA", "no_plans")}


def test_kb_extract_explain_lists_dropped_candidates(tmp_path):
    from click.testing import CliRunner

    from kb.cli import cli

    article = tmp_path / "a.md"
    article.write_text("---\npublished: 2024-05-06\n---\n\nKanzo Corp of Japan will open its first store in Japan.\n")
    result = CliRunner().invoke(cli, ["extract", str(article), "--explain"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["statements"] == [] and {d["dropped_by"] for d in out["dropped"]} == {"home market"}


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Foods Inc said it plans to enter the frozen food business in Chile.", {("Kestrel Foods", "CL", "plans")}),
    ("Voltra Motors Ltd said all its vehicles sold in Peru are made in Chile.", set()),
    ("The trucks are made by Voltra Motors Ltd in Chile and distributed by a dealer in Peru.", set()),
])
def test_an_entry_into_a_business_in_a_market_and_goods_sold_there(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, target", [
    ("Kestrel Foods Inc said that on Feb 1 it will stop selling in Peru, and that it will pay a fine in December.", "2024-02-01"),
    ("Kestrel Foods Inc earlier this year wound up its business in Peru, two years after quitting Chile.", "2024"),
])
def test_the_target_is_the_date_of_the_predicate_not_of_the_next_clause(text, target):
    targets = {s.market: s.target for s in statements(text, published="2024-01-10")}
    assert targets["PE"] == target


@pytest.mark.parametrize("text", [
    "Kestrel Foods Inc sponsors Tango, a quiz show that had been banned in Peru until May.",
    "The newly created Peruvian subsidiary of Kestrel Foods Inc will be run from Lima.",
])
def test_a_things_clause_and_an_adjectival_participle_are_not_the_companys_moves(text):
    assert found(text) == set()


@pytest.mark.parametrize("text, expected", [
    ("Voltra Ltd has opened its first showroom in Jakarta, marking its entry into Southeast Asia.",
     {("Voltra", "ID", "entered"), ("Voltra", "southeast-asia", "entered")}),
    ("Meridian Air Ltd has dropped plans to fly to Lagos, citing weak demand.", {("Meridian Air", "NG", "withdrawn")}),
    ("Skyline Air Ltd will resume flights to Kenya in June after a two-year pause.", {("Skyline Air", "KE", "plans")}),
    ("Skyline Air Ltd will axe its route to Kenya in June.", {("Skyline Air", "KE", "withdrawn")}),
    ("Kestrel Foods Inc's chief executive Ana Ruiz flew to Lima on Monday.", set()),
    ("Analysts said Lumo's expansion into Canada has been delayed until 2026.", {("Lumo", "CA", "delayed")}),
    ("Tavola has no intention of entering China, chief executive Anna Berg told reporters.", {("Tavola", "CN", "no_plans")}),
])
def test_routes_trips_and_moves_owned_by_a_name(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Pennywise Ltd expects to go live in Mexico in the third quarter.", {("Pennywise", "MX", "plans")}),
    ("Kestrel Foods Inc will no longer operate in Belarus.", {("Kestrel Foods", "BY", "withdrawn")}),
    ("Kestrel Foods Inc has decided against entering the US market.", {("Kestrel Foods", "US", "no_plans")}),
    ("Kestrel Foods Inc has put its plans for a Canadian launch on hold.", {("Kestrel Foods", "CA", "delayed")}),
    ("Kestrel Foods Inc opened its doors in Dubai on Friday.", {("Kestrel Foods", "AE", "entered")}),
    ("Kestrel Foods Inc is pulling its frozen meals from the Chinese market.", {("Kestrel Foods", "CN", "withdrawn")}),
    ("Kestrel Foods Inc announced its departure from Argentina on Tuesday.", {("Kestrel Foods", "AR", "withdrawn")}),
])
def test_more_predicates_of_entry_and_exit(text, expected):
    assert found(text) == expected


def test_a_rival_named_by_its_relation_is_a_company_with_its_own_statement():
    text = "Unlike rival Brightmart, which left Peru in 2020, Kestrel Foods Inc plans to stay and open more stores."
    assert found(text) == {("Brightmart", "PE", "withdrawn")}


def test_markets_coordinated_across_a_time_phrase():
    text = "Kestrel Foods Inc is considering whether to begin trading in Peru in the year from April 2026 and in Chile after that."
    assert found(text, published="2025-06-01") == {("Kestrel Foods", "PE", "considering"), ("Kestrel Foods", "CL", "considering")}


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Foods Inc said it was not targeting Peru for its expansion.", {("Kestrel Foods", "PE", "no_plans")}),
    ("Kestrel Foods Inc has sold its affiliates in Peru to a local trust.", {("Kestrel Foods", "PE", "withdrawn")}),
    ("Kestrel Canada, a unit of Kestrel Foods Inc, will market the new meals in Canada.", set()),
])
def test_negated_targets_affiliates_and_a_units_home(text, expected):
    assert found(text) == expected


def test_where_goods_are_made_is_not_where_they_are_sold():
    text = "Halden Ltd will sell meals made in Peru to Kestrel Foods Inc."
    assert not any(market == "PE" for _, market, _ in found(text))


def test_a_past_events_month_without_a_year_is_the_last_one():
    (s,) = statements("Temu, the Chinese shopping app, launched in Japan in July.", published="2024-05-06")
    assert (s.stance, s.target) == ("entered", "2023-07")


@pytest.mark.parametrize("text, name", [
    ("Disney+ will launch in India in March, the company said.", "Disney+"),
    ("VinFast plans to enter Indonesia next year.", "VinFast"),
    ("Zeekr has opened its first store in Mexico.", "Zeekr"),
])
def test_brand_style_names_are_subjects(text, name):
    assert name in {c for c, _, _ in found(text)}


def test_an_executive_travelling_is_not_the_company_entering():
    text = "With talks stalled, Ana Ruiz -- Kestrel Foods Inc's vice president of government affairs -- flew to Lima."
    assert found(text) == set()


def test_the_sale_of_a_unit_named_by_its_market_is_an_exit():
    assert found("Kestrel Foods Inc on Monday closed the sale of its Peruvian joint venture to a pension fund.") \
        == {("Kestrel Foods", "PE", "withdrawn")}


@pytest.mark.parametrize("text, expected", [
    ("The government said it would pull Peru out of its economic crisis.", set()),
    ("Halden Corp has decided to sell a mill in Chile to a local group.", {("Halden", "CL", "withdrawn")}),
    ("On Friday the government of President Jose Ruiz announced that it plans to enter talks.", set()),
    ('"Most of our vans (sold in Peru) will be built in Chile," Voltra Motors Ltd said.', set()),
    ("Minister Ana Ruiz, chairman of the Kestrel Foods Inc board, is expected to arrive in Lima on Monday.", set()),
])
def test_unseen_wire_copy_false_readings(text, expected):
    assert found(text) == expected


def test_a_company_named_for_a_market_is_at_home_there():
    assert found("Kestrel Systems (U.K.) Ltd hopes to move into the British office software market soon.") == set()
    assert found("Kestrel Belgian Airways said it began flights between Brussels and Toronto today.") \
        == {("Kestrel Belgian Airways", "CA", "entered")}


# --- owners, "where" clauses, titled names, fronted phrases ---------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Analysts say Brightmart's planned entry into Peru will shake up the market.", ("Brightmart", "PE", "plans")),
    ("Investors think Lumo's eventual entry into Chile is only a matter of time.", ("Lumo", "CL", "considering")),
    ("The news of Zentro's exit from the Kenyan payments market worried its staff.", ("Zentro", "KE", "withdrawn")),
])
def test_the_owner_of_a_nominal_move_is_its_subject(text, expected):
    assert expected in found(text)


def test_a_where_clause_refers_to_the_market_named_before_it():
    text = ("Kestrel Bank will focus on bigger economies in the region, such as Peru, where it has opened "
            "its first branch, and Chile.")
    assert found(text) == {("Kestrel Bank", "PE", "entered")}


def test_a_company_named_with_a_title_and_a_legal_form_keeps_the_title():
    index = CompanyIndex.build("Last spring, Mr Thrift Holdings (MTH) said it would close its shops in Ghana.")
    assert "Mr Thrift" in index.companies


def test_a_fronted_phrase_does_not_hide_the_sentence_subject():
    text = ("Orion Foods said it would expand in Kenya. Earlier this year, Lumo Holdings said it will close its "
            "stores in Ghana. This comes a year after it shut its operations in Zambia.")
    assert ("Lumo", "ZM", "withdrawn") in found(text)


@pytest.mark.parametrize("text, expected", [
    ("Besides Orion Motors, Lumo Motors and the Zentro Group are the other carmakers that plan to enter Peru soon.",
     {("Lumo Motors", "PE", "plans"), ("Zentro", "PE", "plans")}),
    ("Kestrel Foods is the latest retailer to pull out of Russia.", {("Kestrel Foods", "RU", "withdrawn")}),
    ("Kestrel University was the first overseas college to set up a campus in Peru.",
     {("Kestrel University", "PE", "entered")}),
    ("Kestrel University will be the second overseas college to set up a campus in Peru.",
     {("Kestrel University", "PE", "plans")}),
])
def test_subjects_joined_by_a_copula_and_a_company_noun(text, expected):
    assert found(text) == expected


def test_a_university_of_a_place_is_named_whole():
    text = "Orion College is expanding. The University of Kestrelton said it will open a campus in Chile."
    assert ("University of Kestrelton", "CL", "plans") in found(text)


def test_we_with_a_contraction_and_a_coordinated_predicate_is_the_speakers_company():
    text = ('Zentro Ltd runs a taxi app. "With a new focus, we’ve looked again at our markets and decided to close '
            'our taxi business in Peru," Zentro said.')
    assert found(text) == {("Zentro", "PE", "withdrawn")}


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Foods will enter Chile this spring, opening a branch in Santiago.", ("Kestrel Foods", "CL", "plans")),
    ("Kestrel Foods, which trades across Asia, will make its debut in Latin America in March, "
     "setting up a shop in Lima, Peru.", ("Kestrel Foods", "PE", "plans")),
])
def test_a_participle_clause_shares_its_main_predicates_stance(text, expected):
    assert expected in found(text)


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Bank aims to move into over 20 new countries before 2030.", {("Kestrel Bank", "global", "plans")}),
    ("Kestrel Bank said it would not move into any new countries this year.", {("Kestrel Bank", "global", "no_plans")}),
    ("Kestrel Bank plans to open branches in Peru and in four more countries.", {("Kestrel Bank", "PE", "plans")}),
    ("Kestrel Bank will sell the cards in Peru and other markets.", {("Kestrel Bank", "PE", "plans")}),
])
def test_markets_counted_as_new_ones_are_international_markets(text, expected):
    assert found(text) == expected


def test_a_name_after_a_possessive_place_is_not_the_next_sentences_subject():
    text = ("Kestrel Foods Inc said it plans to grow. The company, which is quoted on Lima's Zentro Exchange Corp, "
            "said it would not move into any new countries this year.")
    assert found(text) == {("Kestrel Foods", "global", "no_plans")}


def test_an_executive_of_the_company_the_text_is_about_speaks_for_it():
    text = ("Kestrel Telecom Group said it would leave. The group is in talks to sell its stake in its Bolivian unit, "
            "CEO Ana Ruiz told reporters. Ruiz said the priority now is exiting its operations in Peru and Chile.")
    assert found(text) == {("Kestrel Telecom", code, "withdrawn") for code in ("BO", "PE", "CL")}


def test_an_executive_does_not_speak_for_an_institution_that_acts():
    text = ("Kestrel Foods Inc reported higher sales. Ruiz, its chief executive, spoke in Lima, where the central bank "
            "has opened a new office.")
    assert found(text) == set()


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Telecom said preparations for the commercial launch in Peru were well under way.",
     {("Kestrel Telecom", "PE", "plans")}),
    ("Kestrel Motors said it is suspending operations in its Russian manufacturing facilities.",
     {("Kestrel Motors", "RU", "withdrawn")}),
    ("Kestrel Motors has decided to shut down its taxi business in its current form in Peru and Chile.",
     {("Kestrel Motors", "PE", "withdrawn"), ("Kestrel Motors", "CL", "withdrawn")}),
    ("Other carmakers such as Kestrel Motors have also invested in Thai plants.", set()),
])
def test_preparations_sites_left_and_manner_phrases(text, expected):
    assert found(text) == expected


def test_a_plant_in_a_market_the_text_says_is_served_is_not_an_entry():
    text = ("Kestrel Motors launched its first car in the Peruvian market last year. Kestrel Motors will build "
            "electric vehicles in Peru for the South American market, an official said.")
    assert found(text) == {("Kestrel Motors", "PE", "entered"), ("Kestrel Motors", "latin-america", "plans")}


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Motors launched its scooters on August 15 this year, Peru's national day.", set()),
    ("Kestrel Motors launched its scooters on August 15 in Peru.", {("Kestrel Motors", "PE", "entered")}),
])
def test_a_preposition_that_takes_a_date_does_not_take_a_market_after_it(text, expected):
    assert found(text, published="2024-09-01") == expected


def test_a_date_in_the_reported_clause_is_not_when_it_was_said():
    text = "Kestrel Coffee Corp said it will open its first cafe in Peru early next month."
    [s] = statements(text, published="2024-01-03")
    assert (s.said_on, s.target) == ("2024-01-03", "2024-02")


def test_a_definite_move_refers_to_the_companys_earlier_market():
    text = ("Kestrel Retail Corp said it would open its first store in Peru in 2019. Last May the retailer "
            "pushed back the opening to next spring, blaming builders.")
    assert ("Kestrel Retail", "PE", "delayed") in found(text)


def test_a_definite_move_without_an_earlier_market_has_none():
    assert found("Kestrel Retail Corp pushed back the opening to next spring.") == set()


def test_may_the_month_is_not_a_modal():
    text = ("Kestrel Retail Corp said it would open its first store in Peru in 2019. Last May the retailer "
            "pushed back the opening to next spring.")
    assert ("Kestrel Retail", "PE", "delayed") in found(text)


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Motors is launching two new brands in Peru before the end of the year.", set()),
    ("Kestrel Brewing launched on the Peruvian market a new beer made of sorghum.", set()),
    ("Kestrel Motors will launch its cars in Peru and New Zealand next year.",
     {("Kestrel Motors", "PE", "plans"), ("Kestrel Motors", "NZ", "plans")}),
    ("Kestrel Foods will launch in Peru, opening two new stores in Lima.", {("Kestrel Foods", "PE", "plans")}),
    ("Kestrel Oil has been exploring the Peruvian offshore area for more oil.", set()),
])
def test_new_products_and_oil_exploration_are_not_entries(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Orion Group said Mary T. Lindqvist will run its Peruvian unit; the unit also set up the offices of "
     "vice president and treasurer.", set()),
    ("Orion Oil's new president Carl P. Brandt said it could decide to close a Peruvian refinery.",
     {("Orion Oil", "PE", "withdrawn")}),
])
def test_people_with_middle_initials_and_offices_that_are_positions(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Streamo Ltd runs a music app with services in Asia. Services will now be available across 13 markets, the "
     "company said, among them Peru and Chile.", {("Streamo", "PE", "entered"), ("Streamo", "CL", "entered")}),
    ("Streamo Ltd already serves 50 countries (among them Peru and Chile, where Streamo services began in March).",
     {("Streamo", "PE", "entered"), ("Streamo", "CL", "entered")}),
])
def test_services_as_subjects_and_will_now(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Last year, Kestrel Motor Co's U.K. subsidiary formed a joint venture with Orion SpA for the supply of vans "
     "in Britain.", set()),
    ("Kestrel Motor Co formed a British subsidiary to sell vans.", {("Kestrel Motor", "GB", "entered")}),
    ("Brokers said a cargo of Kestrel Crude was sold for delivery to Peru at a discount.", set()),
])
def test_a_unit_at_home_and_goods_sold_for_delivery(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Bank Corp said its new branch, which opened in Lima, Peru, in May, serves exporters.",
     {("Kestrel Bank", "PE", "entered")}),
    ("Kestrel Stream Inc is now in 40 countries, among them Chile, where its services began in March.",
     {("Kestrel Stream", "CL", "entered")}),
    ("Kestrel Stream Inc said preparations for its launch in Peru were well advanced.",
     {("Kestrel Stream", "PE", "plans")}),
    ("Kestrel Motors Ltd obtained tax incentives to build a plant in Vietnam, the company said.",
     {("Kestrel Motors", "VN", "plans")}),
    ("A spokesman said Kestrel Motors Ltd has no such plans.", set()),
])
def test_sites_and_services_as_subjects_of_their_start_and_steps_towards_a_move(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Kestrel Telecom is weighing options for its Central American assets in Panama and Costa Rica, people "
     "familiar with the talks said.", {("Kestrel Telecom", "PA", "withdrawn"), ("Kestrel Telecom", "CR", "withdrawn")}),
    ("Kestrel Bank Corp wants a buyer for its small branch in Lima, Peru.",
     {("Kestrel Bank", "PE", "withdrawn")}),
    ("Kestrel Forklift Co Ltd may set up a European unit because of Japan's export limits.",
     {("Kestrel Forklift", "europe", "considering")}),
])
def test_a_business_put_up_for_sale_and_a_region_beside_its_countries(text, expected):
    assert found(text) == expected


def test_a_permission_on_a_condition_is_not_the_companys_plan():
    text = "Kestrel Phones Ltd will be allowed to sell handsets in Peru only if half the parts are made there, regulators said."
    assert found(text) == set()


def test_stores_closed_for_a_while_are_no_exit():
    assert found("Kestrel Pizza Inc said its Peruvian stores closed for two days during the strike.") == set()


@pytest.mark.parametrize("text, expected", [
    ("Zentro, the Swedish fintech, said it would launch in Brazil and Mexico by the end of 2025.",
     {("Zentro", "BR", "plans"), ("Zentro", "MX", "plans")}),
    ("Lumo Foods is weighing an entry into the Indian market, according to people familiar with the matter.",
     {("Lumo Foods", "IN", "considering")}),
    ("Kestrel Pharma received approval to sell its diabetes drug in China, the company said.",
     {("Kestrel Pharma", "CN", "plans")}),
    ("Kestrel Hotels has opened its first property in Saudi Arabia, in Riyadh.", {("Kestrel Hotels", "SA", "entered")}),
])
def test_more_company_nouns_name_words_and_sites(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("count", ["nine", "9", "twenty-two"])
def test_closing_all_of_a_counted_set_of_stores(count):
    assert found(f"Kestrel Fashion Inc will close all {count} of its stores in Chile.") == {
        ("Kestrel Fashion", "CL", "withdrawn")}


def test_a_date_opening_the_clause_before_an_auxiliary_is_the_target_of_a_coming_exit():
    [s] = statements("Kestrel Pay Inc told customers that from 6th June it is halting its payment "
                     "operations in Peru.", published="2024-03-05")
    assert (s.stance, s.target) == ("withdrawn", "2024-06-06")


# --- the same claim on an earlier occasion ----------------------------------------------------

@pytest.mark.parametrize("text, said_on", [
    ("Last week a Nordmart spokesman told analysts that the retailer had no plans to enter Chile, repeating "
     "a statement made in July last year.", {"2024-W18", "2023-07"}),
    ("Nordmart will not enter Chile, its chief executive told reporters on Monday, reiterating comments he "
     "first made in 2022.", {"2024-05-06", "2022"}),
    ("Nordmart will open its first store in Chile in October, repeating a pledge made last November.",
     {"2024-05-07", "2023-11"}),  # the article's date, and last November
])
def test_a_claim_repeated_from_an_earlier_occasion_is_a_statement_of_each_occasion(text, said_on):
    found = statements(text, published="2024-05-07")
    assert {s.company for s in found} == {"Nordmart"}  # not "Last week a Nordmart"
    assert {s.said_on for s in found} == said_on
    assert all(s.target in (None, "2024-10") for s in found)  # neither occasion is the target


def test_a_claim_said_once_is_one_statement():
    found = statements("Nordmart will open its first store in Chile in October, a spokesman said last week.",
                       published="2024-05-07")
    assert len(found) == 1


@pytest.mark.parametrize("text, expected", [
    ("Brightmart Coffee Co runs 900 cafes in Peru. The chain's first store outside Peru opened in Quito in April 2016.",
     {("Brightmart Coffee", "EC", "entered")}),
    ("Brightmart Coffee Co runs 900 cafes in Peru. Its first store in Ecuador opened in Quito in April 2016.",
     {("Brightmart Coffee", "EC", "entered")}),
    ("Brightmart Coffee Co runs 900 cafes in Peru. The city's first store outside Peru opened in Quito in 2016.",
     set()),  # a city's store: no company's
])
def test_a_companys_first_site_as_the_subject_of_its_opening(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Brightmart Inc skipped the fair, but like Zentro Motors (with its vans) and Lumo Motors (with its trucks) it "
     "planned to enter India by 2022.",
     {("Brightmart", "IN", "plans"), ("Zentro Motors", "IN", "plans"), ("Lumo Motors", "IN", "plans")}),
    ("Brightmart Inc skipped the fair, but unlike Zentro Motors it plans to enter India.", {("Brightmart", "IN", "plans")}),
])
def test_it_after_a_comparison_is_the_subject_before_it_and_like_shares_the_move(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Zentro Motors to exit Russia, sources say.", {("Zentro Motors", "RU", "withdrawn")}),
    ("Zentro Motors bows out of the Chinese market.", {("Zentro Motors", "CN", "withdrawn")}),
    ("Zentro Motors plans foray into Brazil.", {("Zentro Motors", "BR", "plans")}),
    ("Zentro Motors is preparing its launch in Peru.", {("Zentro Motors", "PE", "plans")}),
    ("Zentro Motors scraps Peru launch.", {("Zentro Motors", "PE", "withdrawn")}),
    ("Zentro Motors halts sales in Russia.", {("Zentro Motors", "RU", "withdrawn")}),
    ("Zentro Motors is pulling the plug on its Russian business.", {("Zentro Motors", "RU", "withdrawn")}),
    ("Zentro Motors pulled the plug on its plan to enter Chile.", {("Zentro Motors", "CL", "withdrawn")}),
    ("Zentro Motors pulled the plug on its India launch.", {("Zentro Motors", "IN", "withdrawn")}),
    ("Zentro will stop selling its products in Russia.", {("Zentro", "RU", "withdrawn")}),
    ("Zentro Motors stopped selling cars in Iran last year.", {("Zentro Motors", "IR", "withdrawn")}),
    ("Lumo Arms Ltd was asked to stop selling weapons to Iraq.", set()),  # trade, and someone else's wish
    ("Zentro has no immediate plans to launch its service in Africa, a spokesperson said.",
     {("Zentro", "africa", "no_plans")}),
    ("Zentro, which sells phones in 40 countries, is now eyeing Latin America.",
     {("Zentro", "latin-america", "considering")}),
    ("Zentro has quietly withdrawn from South Africa.", {("Zentro", "ZA", "withdrawn")}),
    # what is done to a company's products or business names the company
    ("Zentro's app was banned in India in 2020.", {("Zentro", "IN", "withdrawn")}),
    ("Zentro's cars will go on sale in Japan in April.", {("Zentro", "JP", "plans")}),
    ("Peru's products were banned in Chile.", set()),
])
def test_headline_and_wire_forms(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Zentro Motors will launch in Spain in March, with Italy and Poland to follow next year.",
     {("Zentro Motors", "ES", "2024-03"), ("Zentro Motors", "IT", "2025"), ("Zentro Motors", "PL", "2025")}),
    ("Zentro Motors will open stores in Spain this year, followed by Italy in 2026.",
     {("Zentro Motors", "ES", "2024"), ("Zentro Motors", "IT", "2026")}),
    ("Zentro Motors opened in Spain in 2019, with sales rising to follow.", {("Zentro Motors", "ES", "2019")}),
])
def test_markets_that_follow_in_a_trailing_clause(text, expected):
    assert {(s.company, s.market, s.target) for s in statements(text, published="2024-03-05")} == expected
