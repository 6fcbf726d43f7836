"""Datasette plugin: the parameters of canned queries and the dashboard, checked, with a message
on the page (Datasette's own messages, shown at the top of every page) when one is wrong.

- `date` (as_of): YYYY-MM-DD, YYYY-MM or YYYY, or empty for today; anything else (2019-13-45,
  abc, 2019-02-30) says so and names the accepted forms. The SQL in metadata.json gives no rows
  for exactly these values (tests/test_params.py holds the two to each other).
- `company`: a name no statement has says so and points to the list of companies.
- `market` / `region`: a code that is no market or region says so.
"""
from __future__ import annotations

import datetime as dt
import re

from datasette import hookimpl
from markupsafe import Markup

ACCEPTED_DATES = ("YYYY-MM-DD (2019-06-30), YYYY-MM (2019-06, read as its last day, 2019-06-30) or YYYY "
                  "(2019, read as 2019-12-31); leave it empty for today")


def parse_as_of(value: str | None, today: dt.date | None = None) -> tuple[str | None, str | None]:
    """(the ISO day a `date` parameter stands for, None) or (None, a message saying why not)."""
    text = (value or "").strip()
    if not text:
        return (today or dt.date.today()).isoformat(), None
    try:
        if re.fullmatch(r"\d{4}", text):
            return f"{text}-12-31", None
        if re.fullmatch(r"\d{4}-\d{2}", text):
            first = dt.date(int(text[:4]), int(text[5:]), 1)
            following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return (following - dt.timedelta(days=1)).isoformat(), None
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text).isoformat(), None
    except ValueError:
        pass
    return None, f"“{text}” is not a date. Use {ACCEPTED_DATES}."


async def _exists(datasette, database: str, sql: str, value: str) -> bool:
    try:
        result = await datasette.get_database(database).execute(sql, {"v": value})
    except Exception:  # a database without these tables: nothing to check against
        return True
    return bool(result.rows)


async def check(datasette, database: str, args, query: str | None) -> list[tuple[str, int]]:
    """Messages (text, Datasette message type) for the parameters in `args`."""
    out: list[tuple[str, int]] = []
    if query == "as_of" and "date" in args:
        _, problem = parse_as_of(args.get("date"))
        if problem:
            out.append((problem, datasette.ERROR))
    company = (args.get("company") or "").strip()
    if company and not await _exists(datasette, database,
                                     "select 1 from companies where name = :v collate nocase", company):
        companies = datasette.urls.path("-/companies")
        out.append((Markup('No company called “{}”: see <a href="{}">the companies</a>.').format(company, companies),
                    datasette.WARNING))
    for name in ("market", "region"):
        code = (args.get(name) or "").strip()
        if code and not await _exists(datasette, database,
                                      "select 1 from markets where code = :v collate nocase", code):
            out.append((Markup("No market or region with the code “{}”: use an ISO country code (IN), a "
                               "subdivision (US-CA) or a region (europe, asia, global).").format(code),
                        datasette.WARNING))
    return out


def _dashboard_database(datasette, request) -> str | None:
    slug = (request.url_vars or {}).get("slug") if request else None
    config = datasette.plugin_config("datasette-dashboards") or {}
    for chart in (config.get(slug) or {}).get("charts", {}).values():
        if chart.get("db"):
            return chart["db"]
    return None


@hookimpl
def extra_template_vars(template, database, request, datasette, view_name):
    if request is None:
        return {}

    async def inner():
        if template == "query.html" and database:
            query = (request.url_vars or {}).get("table")
            if query:
                for text, kind in await check(datasette, database, request.args, query):
                    datasette.add_message(request, text, kind)
        elif template.startswith("dashboard") and request.path.startswith("/-/dashboards/"):
            db = _dashboard_database(datasette, request)
            if db:
                for text, kind in await check(datasette, db, request.args, None):
                    datasette.add_message(request, text, kind)
        return {}

    return inner
