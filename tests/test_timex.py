"""The TIMEX3 tagger (ingest.timex): one test per family of expressions, the DCT on both sides."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.timex import Timex, tag
from kb.cli import cli

DCT = "2026-02-20"  # a Friday


def one(text: str, dct: str | None = DCT) -> Timex:
    found = tag(text, dct)
    assert len(found) == 1, found
    return found[0]


def values(text: str, dct: str | None = DCT) -> list[tuple[str, str, str]]:
    return [(t.text, t.type, t.value) for t in tag(text, dct)]


# ---- the Dates table of the statements spec ----

@pytest.mark.parametrize("text, expected_text, value", [
    ("Xiaomi will enter the US in 2027.", "2027", "2027"),
    ("Sales are starting in 2027.", "2027", "2027"),
    ("It plans to launch next year.", "next year", "2027"),
    ("The company said on February 10 that it would wait.", "February 10", "2026-02-10"),
    ("Lei Jun said today that there are no plans.", "today", "2026-02-20"),
    ("The company said on Tuesday that it had no plans.", "Tuesday", "2026-02-17"),
    ("It will start selling phones in March.", "March", "2026-03"),
    ("It had promised to open by the end of 2018.", "the end of 2018", "2018"),
    ("Stores opened in late 2018.", "late 2018", "2018"),
    ("It will launch in the second half of this year.", "the second half of this year", "2026-H2"),
    ("Deliveries will begin in the third quarter.", "the third quarter", "2026-Q3"),
    ("It launched in the summer of 2025.", "the summer of 2025", "2025-SU"),
    ("It hopes to enter the market in the near future.", "the near future", "FUTURE_REF"),
    ("It will launch soon.", "soon", "FUTURE_REF"),
    ("It stopped sales some time ago.", "some time ago", "PAST_REF"),
    ("It previously sold accessories there.", "previously", "PAST_REF"),
])
def test_statements_spec_dates(text, expected_text, value):
    t = one(text)
    assert (t.text, t.type, t.value) == (expected_text, "DATE", value)
    assert text[t.start:t.end] == t.text


def test_no_dct_leaves_partial_values():
    assert one("It opened on February 10.", None).value == "XXXX-02-10"
    assert one("It will open next year.", None).value == "XXXX"
    assert one("It opened today.", None).value == "XXXX-XX-XX"
    assert one("It opened in 2019.", None).value == "2019"


def test_modifiers():
    t = one("by the end of 1988")
    assert (t.text, t.value, t.mod) == ("the end of 1988", "1988", "END")
    assert one("in early 1990").mod == "START"
    t = one("in the mid-1990s")
    assert (t.text, t.value, t.mod) == ("the mid-1990s", "199", "MID")
    t = one("for more than four hours")
    assert (t.text, t.value, t.mod) == ("more than four hours", "PT4H", "MORE_THAN")
    assert one("nearly two years").mod == "APPROX"


# ---- explicit dates ----

@pytest.mark.parametrize("text, value", [
    ("Nov. 9, 1989", "1989-11-09"),
    ("Thursday, April 9, 1998", "1998-04-09"),
    ("9 November 1989", "1989-11-09"),
    ("November 1989", "1989-11"),
    ("10/30/89", "1989-10-30"),
    ("2026-02-10", "2026-02-10"),
    ("fiscal 1989", "1989"),
    ("nineteen ninety-six", "1996"),
    ("the year two thousand", "2000"),
    ("March eighth", "2026-03-08"),
])
def test_explicit_dates(text, value):
    t = one(text)
    assert t.value == value and t.text == text


# ---- anchoring month and weekday names by tense (DCT on either side) ----

def test_month_anchoring_by_tense():
    # DCT in February: a past March is last year's, a future March this year's
    assert one("Sales fell in March.", "2026-02-20").value == "2025-03"
    assert one("Sales will start in March.", "2026-02-20").value == "2026-03"
    # DCT in October: a future March is next year's, a past one this year's
    assert one("It will open in March.", "2026-10-20").value == "2027-03"
    assert one("It opened in March.", "2026-10-20").value == "2026-03"


def test_weekday_anchoring():
    assert one("He said on Tuesday.", DCT).value == "2026-02-17"
    assert one("The vote will be held on Tuesday.", DCT).value == "2026-02-24"
    assert one("It happened last Friday.", DCT).value == "2026-02-13"
    assert one("It will happen next Monday.", DCT).value == "2026-02-23"


def test_month_day_without_year():
    assert one("Shares fell on Dec. 3.", DCT).value == "2025-12-03"
    assert one("It will open on Dec. 3.", DCT).value == "2026-12-03"


# ---- relative expressions ----

@pytest.mark.parametrize("text, value", [
    ("last year", "2025"), ("this year", "2026"), ("next month", "2026-03"), ("last month", "2026-01"),
    ("this week", "2026-W08"), ("last week", "2026-W07"), ("next week", "2026-W09"),
    ("the current quarter", "2026-Q1"), ("last quarter", "2025-Q4"),
    ("yesterday", "2026-02-19"), ("tomorrow", "2026-02-21"),
    ("two years ago", "2024"), ("three months ago", "2025-11"), ("five days ago", "2026-02-15"),
    ("last fall", "2025-FA"), ("this summer", "2026-SU"), ("last November", "2025-11"),
])
def test_relative(text, value):
    t = one(text)
    assert (t.text, t.value) == (text, value)


def test_weekend():
    t = one("Talks broke down over the weekend.", "2026-02-02")  # a Monday
    assert (t.text, t.value) == ("the weekend", "2026-W05-WE")
    assert one("We will meet this weekend.", "2026-02-02").value == "2026-W06-WE"


def test_part_of_unit():
    t = one("Troops should arrive by the end of the month.")
    assert (t.text, t.value, t.mod) == ("the end of the month", "2026-02", "END")
    t = one("It opens at the beginning of next year.")
    assert (t.text, t.value, t.mod) == ("the beginning of next year", "2027", "START")


def test_rate_is_a_set():
    t = one("It earns $33 million a year.")
    assert (t.text, t.type, t.value) == ("a year", "SET", "P1Y")


def test_quarter_ended_date():
    found = tag("For the quarter ended Sept. 30, profit rose.", "1989-10-30")
    assert (found[0].text, found[0].value) == ("the quarter", "1989-Q3")


def test_earlier_this_year():
    t = one("Earlier this year sales fell.")
    assert (t.value, t.mod) == ("2026", "START")


# ---- quarters, halves, seasons, decades, centuries ----

@pytest.mark.parametrize("text, value", [
    ("the third quarter of 1989", "1989-Q3"), ("the 1989 third quarter", "1989-Q3"), ("third-quarter", "2026-Q3"),
    ("the first half of 1990", "1990-H1"), ("the second half", "2026-H2"),
    ("the summer of 2025", "2025-SU"), ("the winter of nineteen ninety-four", "1994-WI"),
    ("1990s", "199"), ("the '80s", "198"), ("the nineties", "199"), ("the 20th century", "19"),
])
def test_calendar_periods(text, value):
    t = one(text)
    assert (t.text, t.value) == (text, value)


def test_decade_extent_leaves_out_the():
    t = one("It grew in the 1990s.")
    assert (t.text, t.value) == ("1990s", "199")
    t = one("It grew in the early 1990s.")
    assert (t.text, t.value, t.mod) == ("the early 1990s", "199", "START")


def test_quarter_fractions_are_not_durations():
    assert tag("About three-quarters of the shares were sold.", DCT) == []
    assert tag("A quarter of the staff left.", DCT) == []


def test_year_ago_follows_quarter_under_discussion():
    found = tag("Profit rose in the third quarter from $5 million a year ago.", "1989-10-30")
    assert [t.value for t in found] == ["1989-Q3", "1988-Q3"]


# ---- durations ----

@pytest.mark.parametrize("text, value", [
    ("two years", "P2Y"), ("three hours", "PT3H"), ("six months", "P6M"), ("a month", "P1M"),
    ("five-year", "P5Y"), ("the past two months", "P2M"), ("the next three quarters", "P9M"),
    ("several years", "PXY"), ("a few days", "PXD"), ("years", "PXY"), ("24 hours", "PT24H"),
    ("a decade", "P10Y"), ("twenty four hours", "PT24H"),
])
def test_durations(text, value):
    t = one("for " + text)
    assert (t.text, t.type, t.value) == (text, "DURATION", value)


# ---- sets ----

@pytest.mark.parametrize("text, value", [
    ("every month", "P1M"), ("each year", "P1Y"), ("daily", "P1D"), ("annually", "P1Y"),
    ("every Thursday", "XXXX-WXX-4"), ("every other week", "P2W"),
])
def test_sets(text, value):
    t = one("It reports " + text)
    assert (t.text, t.type, t.value) == (text, "SET", value)


# ---- times ----

@pytest.mark.parametrize("text, value", [
    ("8 p.m.", "2026-02-20T20:00"), ("10:30 a.m. EST", "2026-02-20T10:30"), ("noon", "2026-02-20T12:00"),
    ("this morning", "2026-02-20TMO"), ("last night", "2026-02-19TNI"), ("Wednesday night", "2026-02-18TNI"),
    ("tonight", "2026-02-20TNI"),
])
def test_times(text, value):
    t = one("It happened " + text + " in town")
    assert (t.text, t.type, t.value) == (text, "TIME", value)


# ---- references ----

@pytest.mark.parametrize("text, value", [
    ("now", "PRESENT_REF"), ("currently", "PRESENT_REF"), ("recently", "PAST_REF"), ("the future", "FUTURE_REF"),
])
def test_references(text, value):
    t = one("It is " + text + " on sale")
    assert (t.text, t.value) == (text, value)


# ---- things that are not time expressions ----

@pytest.mark.parametrize("text", [
    "He may go.", "They march on.", "It costs $1,989.", "Revenue was 2019 million.", "It has 1,500 stores.",
    "She was second in line.", "Fall in prices.",
])
def test_not_timexes(text):
    assert tag(text, DCT) == []


def test_sorted_and_offsets():
    text = "On Tuesday it said sales rose 5% in 2025 and will rise next year."
    found = tag(text, DCT)
    assert [t.start for t in found] == sorted(t.start for t in found)
    for t in found:
        assert text[t.start:t.end] == t.text
        assert t.rule
    assert [t.to_dict()["value"] for t in found] == ["2026-02-17", "2025", "2027"]
    assert set(found[0].to_dict()) == {"start", "end", "text", "type", "value"}


def test_bad_dct_raises_value_error():
    with pytest.raises(ValueError):
        tag("today", "20/02/2026")


def test_long_single_line_is_fast():
    import time

    text = ("Sales rose 5% on Tuesday, two years ago and in the third quarter of 1989; " * 14000)[:1_000_000]
    t0 = time.perf_counter()
    found = tag(text, DCT)
    assert time.perf_counter() - t0 < 60
    assert len(found) > 10000


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.from_regex(
    r"(?:[a-zA-Z0-9 ,.'\-]|the |last |next |year|May |Nov\. |1989|ago|p\.m\.|quarter|weekend|half )*", fullmatch=True),
    st.sampled_from([None, "2026-02-20", "1989-10-30", "2000-01-01"]))
def test_property_never_raises_and_offsets_fit(text, dct):
    found = tag(text, dct)
    last = -1
    for t in found:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start:t.end] == t.text
        assert t.type in ("DATE", "TIME", "DURATION", "SET")
        assert t.value
        assert t.start >= last
        last = t.start


# ---- the command line ----

def test_cli_stdin():
    r = CliRunner().invoke(cli, ["timex", "--dct", "2026-02-20"], input="It will launch next year.")
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.output.splitlines()]
    assert rows == [{"start": 15, "end": 24, "text": "next year", "type": "DATE", "value": "2027"}]


def test_cli_file(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("Sales fell on February 10.", encoding="utf-8")
    r = CliRunner().invoke(cli, ["timex", str(p)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["value"] == "XXXX-02-10"


def test_cli_batch(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"doc": "a", "dct": "2026-02-20", "text": "today"}) + "\n"
                 + json.dumps({"doc": "b", "dct": "1998-01-08", "text": "It rose last year."}) + "\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["timex", "--batch", str(p)])
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.output.splitlines()]
    assert [(x["doc"], x["value"]) for x in rows] == [("a", "2026-02-20"), ("b", "1997")]


def test_cli_bad_dct_names_option():
    r = CliRunner().invoke(cli, ["timex", "--dct", "yesterday"], input="x")
    assert r.exit_code == 2
    assert "--dct" in r.output


def test_cli_batch_bad_line(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text("not json\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["timex", "--batch", str(p)])
    assert r.exit_code != 0 and "line 1" in r.output


def test_cli_help_has_example():
    r = CliRunner().invoke(cli, ["timex", "--help"])
    assert "--dct" in r.output and "--batch" in r.output and "Example" in r.output
