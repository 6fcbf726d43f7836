"""TIMEX3 values for the spec's date table, and the fields faceting derives from them."""
from __future__ import annotations

import pytest

from ingest.dates import parse_publication_date, timex_fields
from ingest.records import ReadError
from ingest.timex import tag

DCT = "2026-02-20"


def value_of(text: str, dct: str | None = DCT) -> str:
    found = [t for t in tag(text, dct) if t.type == "DATE"]
    assert found, f"no date found in {text!r}"
    return found[0].value


# The table in shared/spec/STATEMENTS.md ("Dates"), document published 2026-02-20.
@pytest.mark.parametrize("text,value", [
    ("Xiaomi plans to enter Europe in 2027.", "2027"),
    ("Xiaomi plans to enter Europe starting in 2027.", "2027"),
    ("The launch is planned for next year.", "2027"),
    ("Lei Jun spoke on February 10.", "2026-02-10"),
    ("Lei Jun said today that it has no plans.", "2026-02-20"),
    ("Lei Jun said on Tuesday that it has no plans.", "2026-02-17"),
    ("The car will go on sale in March.", "2026-03"),
    ("It hoped to launch by the end of 2018.", "2018"),
    ("It hoped to launch in late 2018.", "2018"),
    ("Sales start in the second half of this year.", "2026-H2"),
    ("Sales start in the third quarter.", "2026-Q3"),
    ("It opened in the summer of 2025.", "2025-SU"),
    ("It will arrive in the near future.", "FUTURE_REF"),
    ("It will arrive soon.", "FUTURE_REF"),
    ("Some time ago, a car was seen.", "PAST_REF"),
])
def test_spec_date_table(text, value):
    assert value_of(text) == value


def test_without_publication_date_values_stay_partial():
    assert value_of("Lei Jun spoke on February 10.", None) == "XXXX-02-10"


@pytest.mark.parametrize("value,start,precision,year,month", [
    ("2027", "2027-01-01", "year", 2027, None),
    ("2026-02-10", "2026-02-10", "day", 2026, "2026-02"),
    ("2026-02", "2026-02-01", "month", 2026, "2026-02"),
    ("2026-Q3", "2026-07-01", "quarter", 2026, None),
    ("2026-H2", "2026-07-01", "half", 2026, None),
    ("2025-SU", "2025-06-01", "season", 2025, None),
    ("2026-W07", "2026-02-09", "week", 2026, "2026-02"),
    ("FUTURE_REF", None, "reference", None, None),
    ("XXXX-02-10", None, "partial", None, None),
    ("199", None, "decade", None, None),
    (None, None, None, None, None),
])
def test_timex_fields(value, start, precision, year, month):
    assert timex_fields(value) == {"start": start, "precision": precision, "year": year, "month": month}


def test_publication_dates():
    import datetime as dt

    assert parse_publication_date(dt.date(2026, 2, 10)) == "2026-02-10"
    assert parse_publication_date("10 February 2026") == "2026-02-10"
    with pytest.raises(ReadError, match="not a date"):
        parse_publication_date("the day after the launch")
    with pytest.raises(ReadError, match="not a full date"):
        parse_publication_date("2027")
