"""TIMEX3 tagger: the families added or corrected after the TempEval-3 error analysis.

Every sentence here is made up for the test; each family is checked with the
DCT before and after the date it resolves to.
"""
from __future__ import annotations

import pytest

from ingest.timex import Timex, tag


def one(text: str, dct: str | None) -> Timex:
    found = tag(text, dct)
    assert len(found) == 1, found
    return found[0]


def values(text: str, dct: str | None) -> list[tuple[str, str, str]]:
    return [(t.text, t.type, t.value) for t in tag(text, dct)]


# ---- "the year ended March 31": a twelve-month period, not the DCT's year ----

@pytest.mark.parametrize("text, dct", [
    ("Acme earned $5 million for the year ended March 31.", "2026-05-10"),
    ("Acme expects a loss in the fiscal year ending June 30, 2027.", "2026-05-10"),
    ("Revenue for the year that ended Sept. 30 rose 4%.", "1995-01-12"),
])
def test_year_ended_is_a_one_year_duration(text, dct):
    t = tag(text, dct)[0]
    assert (t.type, t.value) == ("DURATION", "P1Y")
    assert t.text in ("the year", "the fiscal year")


def test_the_year_without_end_date_stays_the_dcts_year():
    assert one("Profit for the year rose 4%.", "2026-05-10").value == "2026"


# ---- a quarter of a relative year is one expression ----

@pytest.mark.parametrize("text, dct, value", [
    ("The service may launch in the third quarter of next year.", "2016-10-18", "2017-Q3"),
    ("Sales fell in the second quarter of last year.", "2016-10-18", "2015-Q2"),
    ("Stores open in the first quarter of this year.", "2031-02-01", "2031-Q1"),
])
def test_quarter_of_relative_year(text, dct, value):
    t = one(text, dct)
    assert (t.type, t.value) == ("DATE", value)
    assert t.text.startswith("the ") and t.text.endswith(" year")


# ---- "soon" as a conjunction, ages ----

def test_soon_as_a_conjunction_is_not_a_reference():
    assert values("He resigned soon after the merger closed.", "2026-02-20") == []
    # the weekday is the expression, and "as soon as" looks ahead: next Tuesday, not last
    assert values("The team could arrive as soon as Tuesday.", "2026-02-20") == [("Tuesday", "DATE", "2026-02-24")]
    assert values("The team could arrive as early as Tuesday.", "2026-02-25") == [("Tuesday", "DATE", "2026-03-03")]
    assert values("It will launch soon.", "2026-02-20") == [("soon", "DATE", "FUTURE_REF")]


@pytest.mark.parametrize("text", [
    "Ms. Rivera, 52 years old, will lead the unit.",
    "The offer is open to staff 55 years old or older.",
])
def test_ages_are_not_durations(text):
    assert tag(text, "2026-02-20") == []


def test_durations_next_to_old_words_still_found():
    assert values("The plant ran for 40 years.", "2026-02-20") == [("40 years", "DURATION", "P40Y")]


# ---- a date that opens the sentence, then a reporting verb ----

@pytest.mark.parametrize("dct, value", [
    ("2030-10-20", "2030-09"),  # DCT after September: this year's
    ("2030-02-20", "2029-09"),  # DCT before September: the announcement was last year's
])
def test_date_opening_sentence_dates_the_announcement(dct, value):
    t = one("In September, Acme announced plans to build a plant.", dct)
    assert t.value == value


def test_future_cue_before_the_date_still_wins():
    # the reporting verb comes last and the sentence looks ahead
    assert one("Shipments will begin in March, Acme said.", "2030-10-20").value == "2031-03"


# ---- a day close to the DCT is that day, whatever the verb ----

@pytest.mark.parametrize("text, dct, value", [
    ("The tender offer was extended to Nov. 16.", "2030-10-30", "2030-11-16"),  # DCT before the day
    ("The tender offer was extended to Nov. 16.", "2030-12-02", "2030-11-16"),  # DCT after the day
    ("Acme said it will redeem the notes on Oct. 31.", "2030-10-27", "2030-10-31"),
    ("The notes were redeemed on Oct. 31.", "2030-11-03", "2030-10-31"),
])
def test_day_within_a_month_of_dct(text, dct, value):
    assert one(text, dct).value == value


def test_day_far_from_dct_still_follows_tense():
    assert one("Shares fell on Dec. 3.", "2026-02-20").value == "2025-12-03"
    assert one("It will open on Dec. 3.", "2026-02-20").value == "2026-12-03"


# ---- an adverb inside a noun phrase or a passive is no reference ----

@pytest.mark.parametrize("text", [
    "It cited a previously announced restructuring.",
    "The gain came from the previously disclosed sale.",
    "The move follows the recently passed law.",
    "The suspects remain in custody, as was previously reported.",
])
def test_adverb_modifying_a_participle_is_not_a_reference(text):
    assert tag(text, "2026-02-20") == []


def test_adverb_of_the_clause_stays_a_reference():
    # the statements spec: "previously" dates the clause
    assert values("It previously sold accessories there.", "2026-02-20") == [("previously", "DATE", "PAST_REF")]
    assert values("Sales have recently slowed.", "2026-02-20") == [("recently", "DATE", "PAST_REF")]


# ---- "a year earlier" follows the quarter being reported, not a forecast ----

@pytest.mark.parametrize("dct, reported, year_ago", [
    ("1995-10-26", "1995-Q3", "1994-Q3"),  # DCT after the reported quarter
    ("2031-02-03", "2030-Q4", "2029-Q4"),  # reported quarter of the year before the DCT
])
def test_year_ago_skips_forecast_quarters(dct, reported, year_ago):
    y = int(reported[:4])
    q = reported[-1]
    ordinal = {"1": "first", "2": "second", "3": "third", "4": "fourth"}[q]
    text = (f"Acme earned $5 million in the {ordinal} quarter of {y}. It expects a recovery in the "
            f"{ordinal} quarter of {y + 1}. In the year-ago period, it earned $7 million.")
    found = values(text, dct)
    assert found[0][2] == reported
    assert found[1][2] == f"{y + 1}-Q{q}"
    assert found[2] == ("the year-ago period", "DATE", year_ago)


# ---- "and a half" ----

@pytest.mark.parametrize("text, value", [
    ("a minute and a half", "PT1M30S"), ("two hours and a half", "PT2H30M"), ("a year and a half", "P1Y6M"),
])
def test_and_a_half(text, value):
    assert values(f"It lasted {text}.", "2026-02-20") == [(text, "DURATION", value)]


# ---- a word in "-ed" far after the date is no past-tense cue ----

@pytest.mark.parametrize("dct, value", [
    ("2030-02-13", "2030-08"),  # August still ahead
    ("2030-12-20", "2031-08"),  # August of next year
])
def test_future_verb_before_month_beats_distant_adjective_after(dct, value):
    text = "Acme will double its flights between the two cities by August in the search for markets untouched by the crisis."
    assert one(text, dct).value == value


# ---- a number in a product code is not a year ----

@pytest.mark.parametrize("text, expected", [
    ("Mitel will sell SX-2000 switches to Canadian customers.", []),
    ("Boeing delivered the first A-1990 parts.", []),
    ("Sales begin in mid-1989.", [("mid-1989", "DATE", "1989")]),
    ("Output stays below pre-1989 levels.", [("pre-1989", "DATE", "1989")]),
])
def test_a_code_with_a_four_digit_number_is_not_a_year(text, expected):
    assert values(text, "1987-04-01") == expected
