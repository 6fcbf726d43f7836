"""Claims across sources and stance history, recomputed after every build.

GROUPING RULE (the one place it is defined; docs/timeline.md explains it)
=========================================================================

Two statements belong to the same **claim** when they have the same

- company and market (exact codes) and stance,
- speaker (case-insensitive); a statement with no speaker is keyed by its
  speaker_type instead, so the outlets' own voice ("media") groups with itself
  but never with a named person,

and their said_on dates are close, judged on the date *range* each TIMEX3
value covers (2026-02-10 covers one day, 2026-W07 a week, 2026-02 a month,
2026 a year):

1. **Precise** statements (said_on to the day or week) are chained: sorted by
   start, a statement joins the current claim when its range starts at most
   ``WINDOW_DAYS`` (7) days after the latest end seen in that claim
   (single linkage, so Feb 1, Feb 7 and Feb 13 form one claim).
2. **Vague** statements (month, quarter, season, half, year) never chain
   claims together. Each one joins the precise claim whose span overlaps its
   range (several: the one with most statements, then the earliest); with
   none, vague statements form their own claims, finest first, joining a
   vague claim when their range overlaps that claim's first (finest) range.
3. **Unanchored** statements (PAST_REF, FUTURE_REF, XXXX-02-10, no said_on)
   stay apart: one claim each. Nothing says *when* they were made, so any
   grouping would be a guess.

A claim's id is a hash of its key, its first said_on start and its first
member statement (in date order): stable across rebuilds of the same
documents; it changes only when a new source becomes the claim's first.

Disagreement: the claim's members give said_on values whose ranges do not
overlap (one outlet says 9 February, another 10 February). Both are kept in
``said_on_values`` with their publishers and ``disagreement`` is 1. A month
next to a day inside it is just less precise, not a disagreement.

STANCE HISTORY: the anchored claims of each company and market in order of
``effective_on``: the first said_on, except for a retrospective claim (stance
entered, withdrawn or delayed with a target before its said_on: "in 2022 it
shelved its plans", reported in 2025), which takes its target's start, so a
2025 article recalling the 2022 shelving puts it in 2022 and not after the
2025 opening. Ties: a retrospective claim first, then the claim with fewer
documents first, so the best-attested claim of the latest day is the current
stance. ``seq``, ``previous_stance`` and ``is_current`` are stored on the
claim; the views in kb/schema.py (stance_history, stance_changes,
current_stances, regional_*) read them.
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
    said_on, id) into claims by the GROUPING RULE above. Deterministic."""
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for s in statements:
        by_key[claim_key(s)].append(s)
    out: list[list[dict[str, Any]]] = []
    window = dt.timedelta(days=window_days)
    for key in sorted(by_key):
        precise, vague, loose = [], [], []
        for s in by_key[key]:
            r = date_range(s.get("said_on"))
            if r is None:
                loose.append(s)
            elif r[2] in PRECISE:
                precise.append((r, s))
            else:
                vague.append((r, s))
        groups: list[_Group] = []
        for (first, last, _), s in sorted(precise, key=lambda x: (x[0][0], x[0][1], x[1]["id"])):
            g = groups[-1] if groups else None
            if g is not None and first <= g.last + window:
                g.members.append(s)
                g.last = max(g.last, last)
            else:
                groups.append(_Group([s], first, last))
        vague_groups: list[tuple[tuple[dt.date, dt.date], _Group]] = []
        for (first, last, precision), s in sorted(
            vague, key=lambda x: (PRECISION_RANK[x[0][2]], x[0][0], x[1]["id"])
        ):
            hits = [g for g in groups if g.first <= last and first <= g.last]
            if hits:
                best = sorted(hits, key=lambda g: (-len(g.members), g.first))[0]
                best.members.append(s)
                continue
            for anchor, g in vague_groups:
                if anchor[0] <= last and first <= anchor[1]:
                    g.members.append(s)
                    break
            else:
                vague_groups.append(((first, last), _Group([s], first, last)))
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


def _source(s: dict[str, Any]) -> str:
    """A source is the publisher; a document without one counts as its own source."""
    return s.get("publisher") or s.get("document_name") or s["document_id"]


def build_claim(members: list[dict[str, Any]]) -> dict[str, Any]:
    """One claims row from its member statements (dicts as read by `recompute`)."""
    def date_order(s):
        r = date_range(s.get("said_on"))
        return (r[0] if r else dt.date.max, _precision_rank(s.get("said_on")), s["id"])

    ordered = sorted(members, key=date_order)
    first_member = ordered[0]
    key = claim_key(first_member)
    ranges = [r for r in (date_range(s.get("said_on")) for s in members) if r]
    # first/last said_on come from the precise members when there are any: a month-only
    # report of a 10 February post must not move the claim to 1 February.
    starts = [r[0] for r in ranges if r[2] in PRECISE] or [r[0] for r in ranges]
    first = min(starts).isoformat() if starts else None
    last = max(starts).isoformat() if starts else None
    id_source = "\x1f".join([*key, first or "", first_member["id"]])
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
    return {
        "id": hashlib.sha1(id_source.encode("utf-8")).hexdigest()[:16],
        "company": first_member["company"], "market": first_member["market"], "stance": first_member["stance"],
        "speaker": speakers[0] if speakers else None, "speaker_type": first_member.get("speaker_type"),
        "said_on": precise.get("said_on"), "first_said_on": first, "last_said_on": last, "effective_on": None,
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
        "disagreement": int(_ranges_disagree([v["said_on"] for v in said_on_values])),
        "seq": None, "previous_claim_id": None, "previous_stance": None, "is_current": 0,
    }


RETROSPECTIVE_STANCES = {"entered", "withdrawn", "delayed"}


def _retrospective(claim: dict[str, Any]) -> bool:
    """The claim reports something that had already happened (target before said_on)."""
    if claim["stance"] not in RETROSPECTIVE_STANCES:
        return False
    t = date_range(claim.get("target"))
    return bool(t and claim["first_said_on"] and t[1].isoformat() < claim["first_said_on"])


def effective_on(claim: dict[str, Any]) -> str | None:
    """When the claimed stance took hold, for ordering: the target of a retrospective claim,
    else the first said_on."""
    if _retrospective(claim):
        return date_range(claim["target"])[0].isoformat()
    return claim["first_said_on"]


def order_history(claims: list[dict[str, Any]]) -> None:
    """Set seq, previous_claim_id, previous_stance and is_current on each company and market's claims."""
    by_market: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for c in claims:
        c["effective_on"] = effective_on(c)
        if c["first_said_on"]:
            by_market[(c["company"], c["market"])].append(c)
    for history in by_market.values():
        history.sort(key=lambda c: (c["effective_on"], not _retrospective(c), c["documents"], c["last_said_on"],
                                    c["id"]))
        previous = None
        for seq, c in enumerate(history, start=1):
            c["seq"] = seq
            if previous:
                c["previous_claim_id"], c["previous_stance"] = previous["id"], previous["stance"]
            previous = c
        history[-1]["is_current"] = 1


STATEMENTS_SQL = """
select s.id, s.document_id, s.company, s.market, s.stance, s.speaker, s.speaker_type,
  s.said_on, s.target, s.quote, s.claim_id, d.publisher, d.published, d.name as document_name
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
