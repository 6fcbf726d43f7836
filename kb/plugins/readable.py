"""Datasette plugin: pages people can read, with Datasette's own hooks.

- a Jinja filter `when` and global `plural` for our templates (kb/templates);
- render_cell: TIMEX3 values shown as people say them ('summer 2017', 'in the future',
  'weekend of 31 Jan 2026'), the value itself in the tooltip; the JSON lists of claims
  (said_on_values, occasion_values, publishers) as short text; explain as a one-line summary.
  Only the HTML changes: JSON, CSV and exports keep the stored values.
- extra_template_vars: which columns a table page leads with and which it folds away
  (kb/templates/_table.html), from each table's "kb-columns" plugin setting in metadata.json.
"""
from __future__ import annotations

import fnmatch
import json

from datasette import hookimpl
from markupsafe import Markup

from kb.humanize import human_date, is_plain, plural

# Columns that hold a TIMEX3 value, in tables, views and canned queries.
DATE_COLUMNS = {"said_on", "target", "date", "effective_on", "since", "changed_on", "first_said_on",
                "last_said_on", "reported_on", "known_on", "published", "earliest_published", "as_of"}
VALUE_LISTS = {"said_on_values": "said_on", "target_values": "target", "occasion_values": "value"}


def when(value) -> Markup:
    """A date cell: a day or year as it is, anything else in words with the value as tooltip."""
    if value is None or value == "":
        return Markup("")
    text = str(value)
    words = human_date(text)
    if words is None or is_plain(text):
        return Markup('<span class="kb-date">{}</span>').format(text)
    return Markup('<span class="kb-date" title="TIMEX3 value: {}">{}</span>').format(text, words)


def _parsed(raw: str, kind: type) -> list | dict | None:
    """A JSON cell's value when it is of `kind`, else None (the cell is then shown as it is)."""
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, kind) else None


def _value_list(raw: str, key: str) -> Markup | None:
    values = _parsed(raw, list)
    if values is None:
        return None
    parts = []
    for v in values:
        if not isinstance(v, dict) or key not in v:
            return None
        note = "" if v.get("given", True) else " (publication date)"
        parts.append(Markup("{} <small>{}{}</small>").format(when(v[key]), ", ".join(v.get("publishers") or []), note))
    return Markup("; ").join(parts)


def _explain(raw: str) -> Markup | None:
    """explain JSON as what a reader can check: the cue, market and rules, not the regexes."""
    e = _parsed(raw, dict)
    if e is None:
        return None
    bits = []
    for label, key in (("cue", "action_text"), ("frame", "frame_text"), ("market", "market_alias"),
                       ("company", "company_rule"), ("speaker", "speaker_rule"), ("said on", "said_on_rule"),
                       ("target", "target_rule")):
        if e.get(key):
            bits.append(Markup("{}: <q>{}</q>").format(label, str(e[key]).strip()))
    return Markup('<span class="kb-explain">{}</span>').format(Markup("; ").join(bits))


@hookimpl
def render_cell(value, column, table, database, datasette):
    if not isinstance(value, str) or not value:
        return None
    if column in DATE_COLUMNS:
        if human_date(value) is None or is_plain(value):
            return Markup('<span class="kb-date">{}</span>').format(value) if len(value) == 10 else None
        return when(value)
    if column in VALUE_LISTS and value.startswith("["):
        return _value_list(value, VALUE_LISTS[column])
    if column in ("publishers", "paths", "aliases") and value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            return None
        if isinstance(items, list) and all(isinstance(i, str) for i in items):
            return ", ".join(items)
    if column == "explain" and value.startswith("{"):
        return _explain(value)
    return None


def column_plan(config: dict | None, names: list[str]) -> dict[str, list[str]]:
    """Split a page's columns into those shown first (the config's "lead" order), the rest shown
    after them, and those folded away ("hidden": names or shell patterns such as *_start)."""
    config = config or {}
    hidden_patterns = config.get("hidden", [])
    hidden = [n for n in names if any(fnmatch.fnmatchcase(n, p) for p in hidden_patterns)]
    lead = [n for n in config.get("lead", []) if n in names and n not in hidden]
    rest = [n for n in names if n not in lead and n not in hidden]
    return {"lead": lead, "rest": rest, "hidden": hidden}


@hookimpl
def extra_template_vars(template, database, table, datasette, request, view_name):
    config = datasette.plugin_config("kb-columns", database=database, table=table) if table else None
    show_all = bool(request and request.args.get("_kb_all")) or view_name == "row"

    def kb_columns(display_columns):
        """Indexes of display_columns in the order to show them, and the names folded away."""
        names = [c["name"] for c in display_columns]
        if show_all or not config:
            return {"order": list(range(len(names))), "hidden": []}
        plan = column_plan(config, names)
        # Datasette's link column for tables without a primary key stays first.
        first = [n for n in names[:1] if n in ("Link", "rowid")]
        order = [names.index(n) for n in first + [n for n in plan["lead"] + plan["rest"] if n not in first]]
        return {"order": order, "hidden": plan["hidden"]}

    extra = {"kb_columns": kb_columns, "kb_show_all": show_all, "plural": plural}
    if template == "search_all.html":
        extra["kb_search_columns"] = search_columns(datasette)
    return extra


def search_columns(datasette) -> dict[str, list[str]]:
    """Per searchable table, the columns the search page shows (its "lead" columns; the primary
    key, which Datasette adds, stays)."""
    out = {}
    for name, db in datasette.databases.items():
        if name == "_internal":
            continue
        for table in ("statements", "documents", "events", "claims"):
            config = datasette.plugin_config("kb-columns", database=name, table=table) or {}
            if config.get("lead"):
                out[table] = [c for c in config["lead"] if c != "document_id" or table != "statements"][:6] + (
                    ["document_id"] if table == "statements" else [])
    return out


@hookimpl
def prepare_connection(conn):
    """kb_human_date(value): the words for a TIMEX3 value (the value itself when there are none),
    for SQL that writes text for people (the Atom feed's entries)."""
    conn.create_function("kb_human_date", 1, lambda v: None if v is None else (human_date(v) or v),
                         deterministic=True)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["when"] = when
    env.globals["plural"] = plural
