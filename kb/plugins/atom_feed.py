"""Datasette plugin: the .atom renderer of datasette-atom, for feeds a reader can use.

datasette-atom (kept as a dependency: its feed generator and HTML cleaning are used here)
fails on a query with no rows, always titles a canned query's feed with the query's title,
and needs every entry's link in the SQL. This renderer replaces it for the `.atom` extension
(registered trylast, so it wins) and:

- gives an empty feed, not an error or a placeholder entry, when nothing matches;
- titles a filtered feed with its filter ("... about Tesla in IN");
- links an entry without an http(s) `atom_link` to the statement's page here (from its
  `statement_id` column), an absolute URL a feed reader can open.
"""
from __future__ import annotations

import datetime as dt
import re

from datasette import __version__, hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

REQUIRED_COLUMNS = {"atom_id", "atom_updated", "atom_title"}


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """The text without the characters XML cannot carry (NUL, other controls): a filter given as
    ?company=%00, or a stored quote with a form feed, gives a feed, not a 500."""
    return _NOT_XML.sub("", str(value))


def feed_title(base: str, request) -> str:
    """The query's title, plus its filters: 'Newest market-entry statements about Tesla in IN'."""
    company = xml_text(request.args.get("company") or "").strip()
    market = xml_text(request.args.get("market") or "").strip()
    if company:
        base += f" about {company}"
    if market:
        base += f" in {market}"
    return base


def render_atom(datasette, request, sql, columns, rows, database, table, query_name, view_name, data):
    from datasette.views.base import DatasetteError
    from feedgen.feed import FeedGenerator

    if not REQUIRED_COLUMNS.issubset(columns):
        raise DatasetteError("SQL query must return columns {}".format(", ".join(sorted(REQUIRED_COLUMNS))),
                             status=400)
    fg = FeedGenerator()
    fg.generator(generator="Datasette", version=__version__, uri="https://github.com/simonw/datasette")
    fg.id(request.url)
    fg.link(href=request.url, rel="self")
    # An empty feed is still a valid feed: it was last updated now.
    fg.updated(max((row["atom_updated"] for row in rows), default=None)
               or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    title = None
    if query_name:
        try:
            title = datasette.metadata(database=database)["queries"][query_name]["title"]
        except (KeyError, TypeError):
            title = None
    fg.title(xml_text(feed_title(title or request.args.get("_feed_title") or (table or "Datasette query"), request)))
    try:
        from datasette_atom import clean
    except ImportError:  # pragma: no cover - datasette-atom is a dependency
        from markupsafe import escape as clean
    for row in reversed(rows):
        entry = fg.add_entry()
        entry.id(str(row["atom_id"]))
        if "atom_content_html" in columns:
            entry.content(clean(xml_text(row["atom_content_html"])), type="html")
        elif "atom_content" in columns:
            entry.content(xml_text(row["atom_content"]), type="text")
        entry.updated(row["atom_updated"])
        entry.title(xml_text(row["atom_title"]))
        link = row["atom_link"] if "atom_link" in columns else None
        if not link and "statement_id" in columns and row["statement_id"]:
            link = datasette.absolute_url(
                request, datasette.urls.row(database, "statements", tilde_encode(str(row["statement_id"]))))
        if link:
            entry.link(href=link)
        if "atom_author_name" in columns and row["atom_author_name"]:
            entry.author({"name": xml_text(row["atom_author_name"])})
    return Response(fg.atom_str(pretty=True), content_type="application/xml; charset=utf-8", status=200)


def can_render_atom(columns):
    return REQUIRED_COLUMNS.issubset(columns)


@hookimpl(trylast=True)
def register_output_renderer(datasette):
    return {"extension": "atom", "render": render_atom, "can_render": can_render_atom}
