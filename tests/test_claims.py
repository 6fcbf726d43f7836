"""Claims grouping (kb/claims.py GROUPING RULE) and stance-history ordering."""
from __future__ import annotations

import json


from kb.claims import WINDOW_DAYS, compute_claims, date_range, group_statements


def st(id, said_on, company="Xiaomi", market="US", stance="no_plans", speaker="Lei Jun",
       speaker_type="company", publisher=None, document_id=None, target=None, published=None, said_on_rule=None):
    return {"said_on_rule": said_on_rule,
        "id": id, "document_id": document_id or f"doc-{id}", "company": company, "market": market,
        "stance": stance, "speaker": speaker, "speaker_type": speaker_type, "said_on": said_on,
        "target": target, "quote": f"quote {id}", "claim_id": None,
        "publisher": publisher or f"Outlet {id}", "published": published, "document_name": f"{id}.md",
    }


def groups(statements):
    return sorted(sorted(s["id"] for s in g) for g in group_statements(statements))


def test_window_is_seven_days():
    assert WINDOW_DAYS == 7


def test_same_day_different_outlets_group():
    assert groups([st("a", "2026-02-10"), st("b", "2026-02-10"), st("c", "2026-02-11")]) == [["a", "b", "c"]]


def test_exactly_window_apart_groups_and_one_more_day_splits():
    assert groups([st("a", "2026-02-01"), st("b", "2026-02-08")]) == [["a", "b"]]
    assert groups([st("a", "2026-02-01"), st("b", "2026-02-09")]) == [["a"], ["b"]]


def test_chain_grouping_single_linkage():
    # Feb 1 - Feb 7 - Feb 13: each within 7 days of the previous, so one claim of 12 days.
    assert groups([st("a", "2026-02-01"), st("b", "2026-02-07"), st("c", "2026-02-13")]) == [["a", "b", "c"]]


def test_different_key_never_groups():
    out = groups([
        st("a", "2026-02-10"),
        st("b", "2026-02-10", stance="plans"),
        st("c", "2026-02-10", market="CA"),
        st("d", "2026-02-10", speaker="Lu Weibing"),
        st("e", "2026-02-10", company="BYD"),
    ])
    assert out == [["a"], ["b"], ["c"], ["d"], ["e"]]


def test_speaker_case_insensitive_and_null_speakers_group_by_type():
    assert groups([st("a", "2026-02-10"), st("b", "2026-02-10", speaker="LEI JUN")]) == [["a", "b"]]
    out = groups([
        st("m1", "2026-02-10", speaker=None, speaker_type="media"),
        st("m2", "2026-02-11", speaker=None, speaker_type="media"),
        st("g", "2026-02-10", speaker=None, speaker_type="government"),
        st("n", "2026-02-10", speaker="Reuters", speaker_type="media"),
    ])
    assert out == [["g"], ["m1", "m2"], ["n"]]


def test_month_joins_the_day_claim_it_overlaps_but_does_not_chain():
    # 2026-02 overlaps both day claims; it joins the bigger one and does not merge them.
    out = groups([
        st("a", "2026-02-02"), st("b", "2026-02-03"),
        st("c", "2026-02-24"),
        st("m", "2026-02"),
    ])
    assert out == [["a", "b", "m"], ["c"]]


def test_week_is_precise_and_chains():
    assert groups([st("w", "2026-W07"), st("d", "2026-02-20")]) == [["d", "w"]]  # W07 ends Feb 15


def test_vague_values_without_a_precise_claim_group_by_overlap():
    out = groups([st("y", "2018"), st("m", "2018-03"), st("other", "2019-03")])
    assert out == [["m", "y"], ["other"]]


def test_unanchored_values_stay_apart():
    out = groups([st("p1", "PAST_REF"), st("p2", "PAST_REF"), st("x", "XXXX-02-10"), st("n", None),
                  st("d", "2026-02-10")])
    assert out == [["d"], ["n"], ["p1"], ["p2"], ["x"]]


def test_date_range():
    import datetime as dt
    assert date_range("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28), "month")
    assert date_range("2024-Q4")[1] == dt.date(2024, 12, 31)
    assert date_range("2025-SU")[:2] == (dt.date(2025, 6, 1), dt.date(2025, 8, 31))
    assert date_range("2026-H2")[1] == dt.date(2026, 12, 31)
    assert date_range("PAST_REF") is None and date_range(None) is None


def test_claim_row_sources_disagreement_and_stable_id():
    members = [
        st("gt", "2026-02-09", publisher="Global Times", published="2026-02-10"),
        st("cn", "2026-02-10", publisher="CnEVPost", published="2026-02-10"),
        st("cn2", "2026-02-10", publisher="CnEVPost", published="2026-02-11"),
        st("xt", "2026-02", publisher="Xiaomi Time", published="2026-02-12"),
    ]
    claims, assignment = compute_claims(members)
    assert len(claims) == 1
    c = claims[0]
    assert set(assignment.values()) == {c["id"]}
    assert (c["statements"], c["documents"], c["sources"]) == (4, 4, 3)
    assert json.loads(c["publishers"]) == ["CnEVPost", "Global Times", "Xiaomi Time"]
    assert (c["first_said_on"], c["last_said_on"]) == ("2026-02-09", "2026-02-10")  # not the month's 1st
    assert c["disagreement"] == 1
    values = {v["said_on"]: v["publishers"] for v in json.loads(c["said_on_values"])}
    assert values == {"2026-02-09": ["Global Times"], "2026-02-10": ["CnEVPost"], "2026-02": ["Xiaomi Time"]}
    assert c["earliest_document_id"] == "doc-gt"  # same publication day: earlier said_on first
    assert c["precise_document_id"] == "doc-cn"  # day precision, earliest published, then id
    assert c["said_on"] == "2026-02-10" and c["quote"] == "quote cn"
    # stable: same input, same id, whatever the order
    again, _ = compute_claims(list(reversed(members)))
    assert again[0]["id"] == c["id"]


def test_a_month_inside_the_day_is_not_a_disagreement():
    claims, _ = compute_claims([st("a", "2026-02-10"), st("b", "2026-02")])
    assert claims[0]["disagreement"] == 0


def test_history_order_changes_and_current():
    claims, _ = compute_claims([
        st("p17", "2017-02-07", company="Tesla", market="IN", stance="plans", speaker="Elon Musk", target="2017-SU"),
        st("p20", "2020-10-02", company="Tesla", market="IN", stance="plans", speaker="Elon Musk", target="2021"),
        st("w22", "2022-02-20", company="Tesla", market="IN", stance="withdrawn", speaker=None, speaker_type="media"),
        st("e25a", "2025-07-15", company="Tesla", market="IN", stance="entered", speaker=None, speaker_type="media"),
        st("e25b", "2025-07-15", company="Tesla", market="IN", stance="entered", speaker=None, speaker_type="media"),
        # a 2025 article recalling the 2022 shelving goes to 2022, not after the opening
        st("w25", "2025-07-15", company="Tesla", market="IN", stance="withdrawn", speaker="Reuters",
           speaker_type="media", target="2022"),
        st("old", "PAST_REF", company="Tesla", market="IN", stance="plans", speaker="Elon Musk"),
    ])
    history = sorted((c for c in claims if c["seq"]), key=lambda c: c["seq"])
    assert [c["stance"] for c in history] == ["plans", "plans", "withdrawn", "withdrawn", "entered"]
    # a year-only occasion stays a year: no source said 1 January
    assert [c["effective_on"] for c in history][2:4] == ["2022", "2022-02-20"]
    assert [c["effective_start"] for c in history][2:4] == ["2022-01-01", "2022-02-20"]
    assert history[2]["effective_basis"] == "target" and history[3]["effective_basis"] == "said_on"
    assert history[2]["first_said_on"] == "2025-07-15"  # said in 2025, about 2022
    assert [c["previous_stance"] for c in history] == [None, "plans", "plans", "withdrawn", "withdrawn"]
    assert [c["is_current"] for c in history] == [0, 0, 0, 0, 1]
    unanchored = [c for c in claims if not c["seq"]]
    assert len(unanchored) == 1 and unanchored[0]["is_current"] == 0


def test_best_attested_claim_of_the_latest_day_is_current():
    claims, _ = compute_claims([
        st("w", "2025-07-15", company="Tesla", market="IN", stance="withdrawn", speaker=None, speaker_type="media"),
        st("e1", "2025-07-15", company="Tesla", market="IN", stance="entered", speaker=None, speaker_type="media"),
        st("e2", "2025-07-15", company="Tesla", market="IN", stance="entered", speaker=None, speaker_type="media"),
    ])
    current = [c for c in claims if c["is_current"]]
    assert [c["stance"] for c in current] == ["entered"]


# The occasion: what a statement dates ------------------------------------------------------------

def test_outlets_reporting_a_dated_opening_on_different_days_are_one_claim_without_disagreement():
    # Three outlets report an opening "on Tuesday" (15 July); one publishes on Wednesday and its
    # said_on is only that publication date: same occasion, no disagreement.
    pub = "publication date"
    claims, _ = compute_claims([
        st("a", "2025-07-15", company="Orla", market="IN", stance="entered", speaker=None, speaker_type="media",
           target="2025-07-15", published="2025-07-15", said_on_rule=pub),
        st("b", "2025-07-16", company="Orla", market="IN", stance="entered", speaker=None, speaker_type="media",
           target="2025-07-15", published="2025-07-16", said_on_rule=pub),
    ])
    assert len(claims) == 1
    c = claims[0]
    assert c["disagreement"] == 0 and c["sources"] == 2
    assert (c["effective_on"], c["effective_basis"], c["known_on"]) == ("2025-07-15", "target", "2025-07-15")


def test_publication_dates_a_day_apart_are_not_a_disagreement():
    pub = "publication date"
    claims, _ = compute_claims([st("a", "2026-02-10", said_on_rule=pub), st("b", "2026-02-11", said_on_rule=pub)])
    assert len(claims) == 1 and claims[0]["disagreement"] == 0
    given, _ = compute_claims([st("a", "2026-02-10"), st("b", "2026-02-11")])
    assert given[0]["disagreement"] == 1  # both texts date it, differently


def test_a_fact_recalled_years_later_joins_the_report_of_its_time():
    # "Earlier this year it shelved its plans" (May 2022) and "in 2022 it shelved its plans" (2025).
    claims, assignment = compute_claims([
        st("then", "2022-05-28", company="Orla", market="IN", stance="withdrawn", speaker=None, speaker_type="media",
           target="2022", published="2022-05-28"),
        st("later", "2025-07-15", company="Orla", market="IN", stance="withdrawn", speaker=None, speaker_type="media",
           target="2022", published="2025-07-15"),
        st("open", "2025-07-15", company="Orla", market="IN", stance="entered", speaker=None, speaker_type="media",
           target="2025-07-15", published="2025-07-15"),
    ])
    assert assignment["then"] == assignment["later"]
    shelved = next(c for c in claims if c["stance"] == "withdrawn")
    assert shelved["effective_on"] == "2022-05-28" and shelved["known_on"] == "2022-05-28"
    assert shelved["sources"] == 2 and shelved["disagreement"] == 0
    assert [c["stance"] for c in sorted(claims, key=lambda c: c["seq"])] == ["withdrawn", "entered"]


def test_a_year_only_fact_stays_a_year():
    claims, _ = compute_claims([
        st("y", "2025-03-01", company="Orla", market="BR", stance="entered", speaker=None, speaker_type="media",
           target="2019", published="2025-03-02"),
    ])
    c = claims[0]
    assert (c["effective_on"], c["effective_start"], c["effective_precision"]) == ("2019", "2019-01-01", "year")
    assert c["known_on"] == "2025-03-02"  # known from its publication, not from 2019


def test_occasion():
    from kb.claims import occasion
    plan = occasion(st("p", "2025-07-11", stance="plans", target="2025-07-15"))
    assert (plan.value, plan.basis) == ("2025-07-11", "said_on")
    future_entry = occasion(st("f", "2025-07-11", stance="entered", target="2025-09"))
    assert future_entry.basis == "said_on"
    same_year = occasion(st("s", "2025-07-11", stance="entered", target="2025"))
    assert same_year.basis == "said_on"  # a year around the day it was said: the day says more
    assert occasion(st("n", None)) is None and occasion(st("r", "PAST_REF")) is None
