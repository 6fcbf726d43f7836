"""Datasette plugin: a page per company (/-/company/<name>) and an index (/-/companies).

A `datasette` entry point (pyproject.toml), templates from kb/templates. A company page shows its markets
with the current stance, the roll-up to regions, every stance change, and the
timeline of claims with each source that reported them.
"""
from __future__ import annotations

import json
from collections import defaultdict
from urllib.parse import quote, unquote

import datetime as dt

from datasette import hookimpl
from markupsafe import Markup, escape
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Response

from ingest.fingerprint import safe_url
from kb.humanize import human_date, plural


STANCE_COLORS = {
    "plans": "#1f77b4", "considering": "#9467bd", "no_plans": "#8c8c8c",
    "entered": "#2ca02c", "delayed": "#ff7f0e", "withdrawn": "#d62728",
}


def timeline_svg(claims: list[dict], width: int = 900) -> Markup:
    """A server-side SVG: one row per market, one dot per claim at the first day of its
    effective_on (effective_start), coloured by stance, sized by the number of outlets (no
    JavaScript needed)."""
    dated = [c for c in claims if c.get("effective_start")]
    if not dated:
        return Markup("")
    markets = sorted({c["market"] for c in dated}, key=lambda m: min(c["effective_start"] for c in dated if c["market"] == m))
    days = [dt.date.fromisoformat(c["effective_start"]).toordinal() for c in dated]
    lo, hi = min(days), max(days)
    first_year, last_year = dt.date.fromordinal(lo).year, dt.date.fromordinal(hi).year + 1
    lo, hi = dt.date(first_year, 1, 1).toordinal(), dt.date(last_year, 1, 1).toordinal()
    left, right, row_h, top = 110, 20, 34, 24
    height = top + row_h * len(markets) + 10
    span = max(1, hi - lo)

    def x(day: int) -> float:
        return left + (width - left - right) * (day - lo) / span

    parts = [f'<svg class="company-timeline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="Timeline of claims by market">']
    step = max(1, (last_year - first_year) // 12)
    for year in range(first_year, last_year + 1, step):
        xx = x(dt.date(year, 1, 1).toordinal())
        parts.append(f'<line x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - 8}" stroke="#eee"/>'
                     f'<text x="{xx:.1f}" y="{top - 10}" font-size="10" text-anchor="middle" fill="#666">{year}</text>')
    for i, market in enumerate(markets):
        y = top + row_h * i + row_h / 2
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end">{escape(market)}</text>'
                     f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ccc"/>')
        for c in (c for c in dated if c["market"] == market):
            cx = x(dt.date.fromisoformat(c["effective_start"]).toordinal())
            r = 4 + 2 * min(c.get("sources") or 1, 6)
            title = escape(f'{human_date(c["effective_on"]) or c["effective_on"]}: {c["stance"]} '
                           f'({c.get("speaker") or c.get("speaker_type")}, {plural(c.get("sources"), "source")})')
            parts.append(f'<circle class="claim-dot" cx="{cx:.1f}" cy="{y:.1f}" r="{r}" fill="{STANCE_COLORS.get(c["stance"], "#333")}" '
                         f'fill-opacity="0.85"><title>{title}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _db(datasette):
    for name, database in datasette.databases.items():
        if name != "_internal" and not database.is_memory:
            return database
    return datasette.get_database()


async def _rows(db, sql, params=None):
    result = await db.execute(sql, params or {})
    return [dict(row) for row in result.rows]


async def companies_index(datasette, request):
    return await _companies(datasette, request)


async def _companies(datasette, request, message: str | None = None, status: int = 200):
    db = _db(datasette)
    companies = await _rows(db, """
        select c.name, c.statements, c.first_said_on, c.last_said_on,
          (select count(*) from claims where claims.company = c.name) as claims,
          (select count(*) from current_stances cs where cs.company = c.name) as markets,
          (select count(*) from stance_changes sc where sc.company = c.name) as changes
        from companies c order by c.statements desc, c.name
    """)
    for c in companies:
        c["url"] = company_url(datasette, c["name"])
    context = {"companies": companies, "database": db.name, "message": message}
    return Response.html(await datasette.render_template("companies.html", context, request=request), status=status)


def company_url(datasette, name: str) -> str:
    """The company page's path: the name percent-encoded whole (spaces, accents, &, +, / too)."""
    return datasette.urls.path(f"-/company/{quote(name, safe='')}")


def name_candidates(raw: str) -> list[str]:
    """What a /-/company/<raw> path segment may mean, most likely first: percent-encoded (our
    links, browsers), tilde-encoded (Datasette redirects a 404 with % to ~), '+' for a space."""
    out = []
    for name in (unquote(raw), tilde_decode(raw) if "~" in raw else None, raw.replace("+", " "), raw):
        if name and name not in out:
            out.append(name)
    return out


async def company_missing(datasette, request):
    """/-/company/ without a name: the list of companies, with a word on what goes there."""
    return await _companies(datasette, request, message="Pick a company: its page is /-/company/ followed by "
                                                             "its name, e.g. /-/company/Tesla.")


async def company_page(datasette, request):
    db = _db(datasette)
    raw = request.url_vars["name"]
    found = []
    for name in name_candidates(raw):
        found = await _rows(db, "select name, aliases, statements, first_said_on, last_said_on from companies "
                                "where name = :name collate nocase", {"name": name})
        if found:
            break
    if not found:
        name = name_candidates(raw)[0]
        similar = await _rows(db, "select name from companies where name like :like order by statements desc limit 5",
                              {"like": f"%{name[:4]}%"})
        hint = f" Did you mean {', '.join(s['name'] for s in similar)}?" if similar else ""
        return await _companies(datasette, request, message=f"No company called “{name}”.{hint}", status=404)
    company = found[0]
    params = {"company": company["name"]}
    markets = await _rows(db, "select * from current_stances where company = :company "
                              "order by since_start desc, market", params)
    regions = await _rows(db, """
        select region, region_name, stance, market, market_name, since, markets_with_claims
        from regional_current_stances where company = :company and region != market
        order by region""", params)
    changes = await _rows(db, "select * from stance_changes where company = :company order by changed_on", params)
    claims = await _rows(db, """
        select claims.*, markets.name as market_name from claims left join markets on markets.code = claims.market
        where company = :company
        order by coalesce(effective_start, '9999'), market, seq""", params)
    sources = await _rows(db, """
        select s.claim_id, s.id, s.said_on, s.target, s.quote, s.speaker, s.speaker_role,
          d.id as document_id, d.title, d.publisher, d.published, d.url
        from statements s join documents d on d.id = s.document_id
        where s.company = :company
        order by d.published, d.publisher""", params)
    by_claim = defaultdict(list)
    for s in sources:
        s["document_url"] = datasette.urls.row(db.name, "documents", tilde_encode(s["document_id"]))
        s["link"] = safe_url(s["url"])  # a link only to http(s): a stored javascript: URL is never clickable
        by_claim[s["claim_id"]].append(s)
    for c in claims:
        c["sources_list"] = by_claim.get(c["id"], [])
        c["claim_url"] = datasette.urls.row(db.name, "claims", tilde_encode(c["id"]))
        c["occasion_values"] = [v for v in json.loads(c["occasion_values"] or "[]") if v.get("given")]
    company["aliases"] = json.loads(company["aliases"] or "[]")
    context = {
        "company": company, "markets": markets, "regions": regions, "changes": changes, "claims": claims,
        "database": db.name, "stance_colors": STANCE_COLORS, "timeline_svg": timeline_svg(claims),
        "dashboard_url": datasette.urls.path(f"-/dashboards/market-entry?company={quote(company['name'], safe='')}"),
        "statements_url": datasette.urls.table(db.name, "statements") + f"?company={quote(company['name'], safe='')}",
        "feed_url": datasette.urls.database(db.name) + f"/atom_statements.atom?company={quote(company['name'], safe='')}",
        "as_of_url": datasette.urls.database(db.name) + f"/as_of?company={quote(company['name'], safe='')}",
    }
    return Response.html(await datasette.render_template("company.html", context, request=request))


@hookimpl
def register_routes():
    return [
        (r"^/-/companies/?$", companies_index),
        (r"^/-/company/?$", company_missing),
        (r"^/-/company/(?P<name>[^/]+)/?$", company_page),
    ]


@hookimpl
def menu_links(datasette, actor):
    return [
        {"href": datasette.urls.path("-/companies"), "label": "Companies"},
        {"href": datasette.urls.path("-/dashboards/market-entry"), "label": "Dashboard"},
    ]
