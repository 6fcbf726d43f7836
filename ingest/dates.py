"""TIMEX3 date values: publication dates in, facet-friendly fields out.

A TIMEX3 value is truncated to what the text says (`2027`, `2026-02`,
`2026-Q3`, `2026-W07`, `XXXX-02-10`, `FUTURE_REF`). Datasette facets need a
sortable start date, a precision and a year; `timex_fields` derives them.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dateutil import parser as dateutil_parser

from .records import ReadError

_SENTINELS = (dt.datetime(1900, 1, 1), dt.datetime(1904, 2, 2))  # two defaults expose missing parts


def parse_publication_date(value: Any) -> str:
    """A front-matter date (date object or string) as an ISO day, or ReadError."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        # Parse twice with different defaults: a part that changes was not in the text.
        a = dateutil_parser.parse(text, default=_SENTINELS[0])
        b = dateutil_parser.parse(text, default=_SENTINELS[1])
    except (ValueError, OverflowError) as e:
        raise ReadError(f"front matter field 'published' is not a date: {text!r}") from e
    if a.year != b.year or a.month != b.month or a.day != b.day:
        raise ReadError(f"front matter field 'published' is not a full date (year, month, day): {text!r}")
    return a.date().isoformat()


_SEASON_MONTH = {"SP": 3, "SU": 6, "FA": 9, "AU": 9, "WI": 12}
_VALUE = re.compile(
    r"^(?P<year>\d{4})"
    r"(?:-(?:(?P<month>\d{2})(?:-(?P<day>\d{2}))?|Q(?P<q>[1-4])|H(?P<h>[12])|W(?P<w>\d{2})(?:-(?:WE|\d))?"
    r"|(?P<season>SP|SU|FA|AU|WI)))?"
    r"(?:T.*)?$"
)


def timex_fields(value: str | None) -> dict[str, Any]:
    """Derive start (ISO day), precision, year and month from a TIMEX3 date value.

    Values with no calendar anchor (`FUTURE_REF`, `XXXX-02-10`, `199`) keep
    start and year empty, so faceting never invents a date.
    """
    fields: dict[str, Any] = {"start": None, "precision": None, "year": None, "month": None}
    if not value:
        return fields
    if value in ("PAST_REF", "PRESENT_REF", "FUTURE_REF"):
        fields["precision"] = "reference"
        return fields
    m = _VALUE.match(value)
    if not m:
        if re.fullmatch(r"\d{3}X?|\d{2}X{0,2}", value):
            fields["precision"] = "decade" if len(value.rstrip("X")) == 3 else "century"
        elif value.startswith("XXXX"):
            fields["precision"] = "partial"
        return fields
    year = int(m["year"])
    fields["year"] = year
    try:
        if m["day"]:
            start, precision = dt.date(year, int(m["month"]), int(m["day"])), "day"
        elif m["month"]:
            start, precision = dt.date(year, int(m["month"]), 1), "month"
        elif m["q"]:
            start, precision = dt.date(year, 3 * int(m["q"]) - 2, 1), "quarter"
        elif m["h"]:
            start, precision = dt.date(year, 1 if m["h"] == "1" else 7, 1), "half"
        elif m["w"]:
            start, precision = dt.date.fromisocalendar(year, max(1, int(m["w"])), 1), "week"
        elif m["season"]:
            start, precision = dt.date(year, _SEASON_MONTH[m["season"]], 1), "season"
        else:
            start, precision = dt.date(year, 1, 1), "year"
    except ValueError:
        return {"start": None, "precision": "invalid", "year": year, "month": None}
    fields["start"] = start.isoformat()
    fields["precision"] = precision
    if precision in ("day", "month", "week"):
        fields["month"] = start.strftime("%Y-%m")
    return fields
