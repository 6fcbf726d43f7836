"""Claims across sources and stance history, recomputed after every build.

This module is the one definition of a claim, of the current stance and of when a stance took
effect: every page, canned query, view, feed and the dashboard read what `recompute` stores on
the claims table (`effective_on`, `seq`, `is_current`, `known_on`) instead of working it out
again. docs/timeline.md explains it for readers.

THE OCCASION
============

Every statement is about an **occasion**, the thing whose date matters:

- a statement of intent (plans, considering, no_plans), or an entry, exit or delay dated after
  it was said, is about its own saying: the occasion is ``said_on``;
- a report of an entry, exit or delay that had already happened ("opened its first showroom on
  Tuesday", published Wednesday; "shelved its plans in 2022", written in 2025) is about that
  happening: the occasion is the ``target`` (ending no later than said_on). Such a statement
  is *retrospective*.

GROUPING RULE
=============

Two statements belong to the same **claim** when they have the same

- company and market (exact codes) and stance,
- speaker (case-insensitive); a statement with no speaker is keyed by its
  speaker_type instead, so the outlets' own voice ("media") groups with itself
  but never with a named person,

and their occasions are close, judged on the date *range* each TIMEX3 value covers
(2026-02-10 covers one day, 2026-W07 a week, 2026-02 a month, 2026 a year):

1. **Precise** occasions (to the day or week) are chained: sorted by start, a statement joins
   the current claim when its range starts at most ``WINDOW_DAYS`` (7) days after the latest
   end seen in that claim (single linkage, so Feb 1, Feb 7 and Feb 13 form one claim).
2. **Vague** occasions (month, quarter, season, half, year) never chain claims together. Each
   one joins the precise claim whose span overlaps its range (several: the one with most
   statements, then the earliest); with none, vague statements form their own claims, finest
   first, joining a vague claim when their range overlaps that claim's first (finest) range.
   So "shelved in 2022" written in 2025 joins a May 2022 report of the shelving.
3. **Unanchored** statements (said_on PAST_REF, FUTURE_REF, XXXX-02-10, none) stay apart: one
   claim each. Nothing says *when* they were made, so any grouping would be a guess.

A claim's id is a hash of its key, its first occasion start and its first member statement (in
date order): stable across rebuilds of the same documents; it changes only when a new source
becomes the claim's first.

Disagreement: sources *give* dates for the same thing that cannot both be right (one outlet
says the post was on 9 February, another on 10 February). A said_on that only repeats the
publication date (explain's said_on_rule "publication date") is not a date the source gave, so
an outlet publishing a day later never disagrees; said_on values are compared with said_on
values, targets with targets. Every value is kept in ``occasion_values`` (with its publishers
and whether the text gave it). A month next to a day inside it is just less precise.

WHEN IT TOOK EFFECT AND THE CURRENT STANCE
==========================================

``effective_on`` is the claim's occasion as a TIMEX3 value: the earliest of its finest
occasions (a day when a member gives one; "2022" when the claim only knows the year, never
an invented 2022-01-01). ``effective_start`` is its first day, for ordering, and
``effective_basis`` says whether it is when the claim was said or the target of a
retrospective report.

STANCE HISTORY: the anchored claims of each company and market in order of effective_start.
Ties: a retrospective claim first, then the claim with fewer documents first, so the
best-attested claim of the latest day is the current stance. ``seq``, ``previous_stance`` and
``is_current`` are stored on the claim. ``known_on`` is the first day the claim could be known
(the earliest of its statements by max(said_on, published)): the stance as of a date is the
claim with the highest seq among those known by then, so as of today it is the current one.
"""
from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ingest.dates import timex_fields

WINDOW_DAYS = 7

PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "quarter": 3, "season": 3, "half": 4, "year": 5}
PRECISE = {"day", "week"}
VAGUE = {"month", "quarter", "season", "half", "year"}


def date_range(value: str | None) -> tuple[dt.date, dt.date, str] | None:
    """The first and last day a TIMEX3 value covers, and its precision; None without an anchor."""
    fields = timex_fields(value)
    start, precision = fields["start"], fields["precision"]
    if not start or precision not in PRECISION_RANK:
        return None
    first = dt.date.fromisoformat(start)
    if precision == "day":
        last = first
    elif precision == "week":
        last = first + dt.timedelta(days=6)
    elif precision == "month":
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    elif precision in ("quarter", "season"):
        last = _add_months(first, 3) - dt.timedelta(days=1)
    elif precision == "half":
        last = _add_months(first, 6) - dt.timedelta(days=1)
    else:
        last = dt.date(first.year, 12, 31)
    return first, last, precision


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


RETROSPECTIVE_STANCES = {"entered", "withdrawn", "delayed"}
PUBLICATION_RULE = "publication date"  # explain's said_on_rule when said_on only repeats it


@dataclass(frozen=True)
class Occasion:
    """What a statement dates: `value` (TIMEX3), the range it covers (`first`, `last`, clipped to
    said_on for a retrospective report), `precision`, `basis` ('said_on' or 'target') and
    whether the text gave the date (`given`: False for a said_on taken from the publication)."""
    value: str
    first: dt.date
    last: dt.date
    precision: str
    basis: str
    given: bool


def said_on_given(s: dict[str, Any]) -> bool:
    """False when said_on is only the document's publication date (the text did not date it)."""
    rule = s.get("said_on_rule")
    if rule is None and s.get("explain"):
        try:
            rule = (json.loads(s["explain"]) or {}).get("said_on_rule")
        except (TypeError, ValueError, AttributeError):
            rule = None
    return rule != PUBLICATION_RULE


def occasion(s: dict[str, Any]) -> Occasion | None:
    """The statement's occasion (see THE OCCASION above); None without an anchored said_on."""
    said = date_range(s.get("said_on"))
    if said is None:
        return None
    if s.get("stance") in RETROSPECTIVE_STANCES and s.get("target"):
        t = date_range(s["target"])
        if t and (t[1] < said[0] or (t[2] in PRECISE and t[0] <= said[1])):
            return Occasion(s["target"], t[0], min(t[1], said[1]), t[2], "target", True)
    return Occasion(s["said_on"], said[0], said[1], said[2], "said_on", said_on_given(s))


def claim_key(s: dict[str, Any]) -> tuple[str, str, str, str]:
    """company, market, stance, speaker (or 'type:' + speaker_type when there is none)."""
    speaker = (s.get("speaker") or "").strip().lower()
    return (s["company"], s["market"], s["stance"], speaker or f"type:{s.get('speaker_type') or ''}")


@dataclass
class _Group:
    members: list[dict[str, Any]] = field(default_factory=list)
    first: dt.date | None = None
    last: dt.date | None = None  # latest end of a precise member (the chaining edge)


def group_statements(statements: list[dict[str, Any]], window_days: int = WINDOW_DAYS) -> list[list[dict[str, Any]]]:
    """Partition statements (dicts with company, market, stance, speaker, speaker_type,
    said_on, target, id, optionally said_on_rule or explain) into claims by the GROUPING RULE
    above. Deterministic."""
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for s in statements:
        by_key[claim_key(s)].append(s)
    out: list[list[dict[str, Any]]] = []
    window = dt.timedelta(days=window_days)
    for key in sorted(by_key):
        precise, vague, loose = [], [], []
        for s in by_key[key]:
            o = occasion(s)
            if o is None:
                loose.append(s)
            elif o.precision in PRECISE:
                precise.append((o, s))
            else:
                vague.append((o, s))
        groups: list[_Group] = []
        for o, s in sorted(precise, key=lambda x: (x[0].first, x[0].last, x[1]["id"])):
            g = groups[-1] if groups else None
            if g is not None and o.first <= g.last + window:
                g.members.append(s)
                g.last = max(g.last, o.last)
            else:
                groups.append(_Group([s], o.first, o.last))
        vague_groups: list[tuple[tuple[dt.date, dt.date], _Group]] = []
        for o, s in sorted(vague, key=lambda x: (PRECISION_RANK[x[0].precision], x[0].first, x[1]["id"])):
            hits = [g for g in groups if g.first <= o.last and o.first <= g.last]
            if hits:
                best = sorted(hits, key=lambda g: (-len(g.members), g.first))[0]
                best.members.append(s)
                continue
            for anchor, g in vague_groups:
                if anchor[0] <= o.last and o.first <= anchor[1]:
                    g.members.append(s)
                    break
            else:
                vague_groups.append(((o.first, o.last), _Group([s], o.first, o.last)))
        for g in [*groups, *(g for _, g in vague_groups)]:
            out.append(g.members)
        for s in sorted(loose, key=lambda s: s["id"]):
            out.append([s])
    return out


def _precision_rank(value: str | None) -> int:
    r = date_range(value)
    return PRECISION_RANK[r[2]] if r else 9


def _ranges_disagree(values: list[str]) -> bool:
    ranges = [r for r in (date_range(v) for v in values) if r]
    for i, a in enumerate(ranges):
        for b in ranges[i + 1:]:
            if a[1] < b[0] or b[1] < a[0]:
                return True
    return False


def _values_with_publishers(members: list[dict], column: str) -> list[dict[str, Any]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for s in members:
        if s.get(column):
            seen[s[column]].add(_source(s))
    return [{column: v, "publishers": sorted(p)} for v, p in sorted(seen.items())]


def _occasion_values(members: list[dict], occasions: dict[str, Occasion]) -> list[dict[str, Any]]:
    """Every distinct (date, basis, given) the members give for the occasion, with publishers."""
    seen: dict[tuple[str, str, bool], set[str]] = defaultdict(set)
    for s in members:
        o = occasions.get(s["id"])
        if o:
            seen[(o.value, o.basis, o.given)].add(_source(s))
    return [{"value": v, "basis": b, "given": g, "publishers": sorted(p)}
            for (v, b, g), p in sorted(seen.items(), key=lambda kv: (kv[0][0], kv[0][1], not kv[0][2]))]


def _disagree(values: list[dict[str, Any]]) -> bool:
    """Dates the sources gave for the same thing (said_on with said_on, target with target)
    whose ranges cannot both be right."""
    for basis in ("said_on", "target"):
        if _ranges_disagree([v["value"] for v in values if v["given"] and v["basis"] == basis]):
            return True
    return False


def _source(s: dict[str, Any]) -> str:
    """A source is the publisher; a document without one counts as its own source."""
    return s.get("publisher") or s.get("document_name") or s["document_id"]


def _known_on(s: dict[str, Any]) -> str | None:
    """The first day a statement could be known: its said_on start, or its document's
    publication when later (a 2025 article about 2022 was not known in 2022)."""
    r = date_range(s.get("said_on"))
    if r is None:
        return None
    said = r[0].isoformat()
    published = s.get("published")
    return max(said, published) if published else said


def build_claim(members: list[dict[str, Any]]) -> dict[str, Any]:
    """One claims row from its member statements (dicts as read by `recompute`)."""
    occasions = {s["id"]: o for s in members if (o := occasion(s)) is not None}

    def date_order(s):
        o = occasions.get(s["id"])
        return (o.first if o else dt.date.max, PRECISION_RANK[o.precision] if o else 9, s["id"])

    ordered = sorted(members, key=date_order)
    first_member = ordered[0]
    key = claim_key(first_member)
    said_ranges = [r for r in (date_range(s.get("said_on")) for s in members) if r]
    # first/last said_on come from the precise members when there are any: a month-only
    # report of a 10 February post must not move the claim to 1 February.
    starts = [r[0] for r in said_ranges if r[2] in PRECISE] or [r[0] for r in said_ranges]
    first = min(starts).isoformat() if starts else None
    last = max(starts).isoformat() if starts else None
    # The claim's occasion: the earliest of its finest occasions (a given date before one
    # taken from a publication date, then the statement id).
    effective = min(occasions.values(), key=lambda o: (PRECISION_RANK[o.precision], o.first, not o.given, o.value),
                    default=None)
    id_source = "\x1f".join([*key, effective.first.isoformat() if effective else (first or ""), first_member["id"]])
    earliest = sorted(members, key=lambda s: (s.get("published") or "9999", date_order(s)))[0]
    precise = sorted(members, key=lambda s: (_precision_rank(s.get("said_on")), s.get("published") or "9999",
                                             s["id"]))[0]
    targets = sorted(members, key=lambda s: (_precision_rank(s.get("target")) if s.get("target") else 99,
                                             s.get("published") or "9999", s["id"]))
    said = timex_fields(precise.get("said_on"))
    target_value = targets[0].get("target")
    target = timex_fields(target_value)
    speakers = [s["speaker"] for s in ordered if s.get("speaker")]
    said_on_values = _values_with_publishers(members, "said_on")
    target_values = _values_with_publishers(members, "target")
    occasion_values = _occasion_values(members, occasions)
    known = [k for k in (_known_on(s) for s in members) if k]
    return {
        "id": hashlib.sha1(id_source.encode("utf-8")).hexdigest()[:16],
        "company": first_member["company"], "market": first_member["market"], "stance": first_member["stance"],
        "speaker": speakers[0] if speakers else None, "speaker_type": first_member.get("speaker_type"),
        "said_on": precise.get("said_on"), "first_said_on": first, "last_said_on": last,
        "effective_on": effective.value if effective else None,
        "effective_start": effective.first.isoformat() if effective else None,
        "effective_precision": effective.precision if effective else None,
        "effective_basis": effective.basis if effective else None,
        "known_on": min(known) if known else None,
        "said_on_year": said["year"], "said_on_month": said["month"],
        "target": target_value, "target_year": target["year"], "target_month": target["month"],
        "statements": len(members),
        "documents": len({s["document_id"] for s in members}),
        "sources": len({_source(s) for s in members}),
        "publishers": json.dumps(sorted({_source(s) for s in members}), ensure_ascii=False),
        "earliest_document_id": earliest["document_id"], "earliest_published": earliest.get("published"),
        "precise_document_id": precise["document_id"], "precise_statement_id": precise["id"],
        "quote": precise.get("quote"),
        "said_on_values": json.dumps(said_on_values, ensure_ascii=False),
        "target_values": json.dumps(target_values, ensure_ascii=False),
        "occasion_values": json.dumps(occasion_values, ensure_ascii=False),
        "disagreement": int(_disagree(occasion_values)),
        "seq": None, "previous_claim_id": None, "previous_stance": None, "is_current": 0,
    }


def order_history(claims: list[dict[str, Any]]) -> None:
    """Set seq, previous_claim_id, previous_stance and is_current on each company and market's
    claims: THE definition of the stance history and the current stance."""
    by_market: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for c in claims:
        if c["effective_start"]:
            by_market[(c["company"], c["market"])].append(c)
    for history in by_market.values():
        history.sort(key=lambda c: (c["effective_start"], c["effective_basis"] != "target", c["documents"],
                                    c["last_said_on"] or "", c["id"]))
        previous = None
        for seq, c in enumerate(history, start=1):
            c["seq"] = seq
            if previous:
                c["previous_claim_id"], c["previous_stance"] = previous["id"], previous["stance"]
            previous = c
        history[-1]["is_current"] = 1


STATEMENTS_SQL = """
select s.id, s.document_id, s.company, s.market, s.stance, s.speaker, s.speaker_type,
  s.said_on, s.target, s.quote, s.claim_id, d.publisher, d.published, d.name as document_name,
  json_extract(s.explain, '$.said_on_rule') as said_on_rule
from statements s join documents d on d.id = s.document_id
"""


def compute_claims(statements: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Claims rows (history ordered) and statement id -> claim id."""
    claims, assignment = [], {}
    for members in group_statements(statements):
        claim = build_claim(members)
        claims.append(claim)
        for s in members:
            assignment[s["id"]] = claim["id"]
    order_history(claims)
    return claims, assignment


def recompute(db: sqlite_utils.Database) -> int:
    """Rebuild the claims table and statements.claim_id from the stored statements, in
    one transaction. Returns the number of claims. Called at the end of every build."""
    from .schema import TABLES

    cursor = db.conn.execute(STATEMENTS_SQL)
    names = [d[0] for d in cursor.description]
    statements = [dict(zip(names, row)) for row in cursor]
    claims, assignment = compute_claims(statements)
    columns = list(TABLES["claims"]["columns"])
    insert = f"insert into claims ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
    changed = [(assignment[s["id"]], s["id"]) for s in statements if s["claim_id"] != assignment[s["id"]]]
    with db.conn:
        db.conn.execute("PRAGMA defer_foreign_keys = ON")  # statements point at claims being replaced
        db.conn.execute("delete from claims")
        db.conn.executemany(insert, [tuple(c[col] for col in columns) for c in claims])
        db.conn.executemany("update statements set claim_id = ? where id = ?", changed)
    return len(claims)
