"""Dates and counts as people read them: '2017-SU' is 'summer 2017', 'FUTURE_REF' is 'in the
future', '2026-W05-WE' is 'weekend of 31 Jan 2026'. The stored TIMEX3 value stays the data (in
the tables, JSON, CSV and exports); pages show this beside it (kb/plugins/readable.py).
"""
from __future__ import annotations

import datetime as dt
import re

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SEASONS = {"SP": "spring", "SU": "summer", "FA": "autumn", "AU": "autumn", "WI": "winter"}
REFERENCES = {"PAST_REF": "in the past", "PRESENT_REF": "now", "FUTURE_REF": "in the future"}
HALVES = {"1": "first half of", "2": "second half of"}
QUARTERS = {"1": "first quarter of", "2": "second quarter of", "3": "third quarter of", "4": "fourth quarter of"}

_DAY = re.compile(r"^(\d{4}|XXXX)-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4}|XXXX)-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})(?:-(WE|\d))?$")
_OTHER = re.compile(r"^(\d{4})-(?:Q(?P<q>[1-4])|H(?P<h>[12])|(?P<season>SP|SU|FA|AU|WI))$")

# What a raw TIMEX3 value looks like in text (everything but a plain ISO day, month or year):
# pages must not show these without the readable form (tests/test_browser.py looks for them).
RAW_TIMEX = re.compile(r"\b(?:\d{4}-(?:SP|SU|FA|AU|WI|Q[1-4]|H[12]|W\d{2}(?:-WE|-\d)?)|PAST_REF|PRESENT_REF|FUTURE_REF"
                       r"|XXXX-\d{2}(?:-\d{2})?)(?![\w-])")


def _day(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def human_date(value: str | None) -> str | None:
    """A readable form of a TIMEX3 date value, or None when `value` is not one.

    >>> human_date("2017-SU"), human_date("2026-W05-WE"), human_date("2025-07-15")
    ('summer 2017', 'weekend of 31 Jan 2026', '15 Jul 2025')
    """
    if not isinstance(value, str) or not value:
        return None
    value = value.strip()
    if value in REFERENCES:
        return REFERENCES[value]
    base = value.split("T", 1)[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", value) else value
    try:
        if m := _DAY.match(base):
            if m[1] == "XXXX":
                return f"{int(m[3])} {MONTHS[int(m[2]) - 1]}, year unknown"
            return _day(dt.date(int(m[1]), int(m[2]), int(m[3])))
        if m := _MONTH.match(base):
            month = MONTHS[int(m[2]) - 1]
            return f"{month}, year unknown" if m[1] == "XXXX" else f"{month} {m[1]}"
        if m := _WEEK.match(base):
            monday = dt.date.fromisocalendar(int(m[1]), max(1, int(m[2])), 1)
            if m[3] == "WE":
                return f"weekend of {_day(monday + dt.timedelta(days=5))}"
            if m[3]:
                return _day(monday + dt.timedelta(days=int(m[3]) - 1))
            return f"week of {_day(monday)}"
        if m := _OTHER.match(base):
            if m["q"]:
                return f"{QUARTERS[m['q']]} {m[1]}"
            if m["h"]:
                return f"{HALVES[m['h']]} {m[1]}"
            return f"{SEASONS[m['season']]} {m[1]}"
    except (ValueError, IndexError):
        return None
    if re.fullmatch(r"\d{4}", base):
        return base
    if re.fullmatch(r"\d{3}X?", base):
        return f"the {base[:3]}0s"
    if re.fullmatch(r"\d{2}X{0,2}", base):
        return f"the {base[:2]}00s"
    return None


def is_plain(value: str | None) -> bool:
    """A value people read as it is: an ISO day (2025-07-15) or a year (2022)."""
    return bool(value) and bool(re.fullmatch(r"\d{4}(?:-\d{2}-\d{2})?", value))


def plural(n: int | None, word: str, words: str | None = None) -> str:
    """'1 statement', '2 statements', '0 statements'."""
    n = n or 0
    return f"{n:,} {word if n == 1 else (words or word + 's')}"
