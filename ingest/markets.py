"""Market codes and the names that point to them (data in ingest/data/*.csv).

`find_markets` finds every alias in a text, longest first, and maps it to the
spec's code: an ISO 3166-1 country, an ISO 3166-2 subdivision or a region.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .datafiles import data_rows


@dataclass(frozen=True)
class Market:
    code: str
    name: str
    kind: str  # region, country, subdivision
    parent: str | None
    regions: tuple[str, ...]  # every region a country rolls up to


@dataclass(frozen=True)
class MarketMention:
    start: int
    end: int
    alias: str
    code: str
    adjective: bool = False  # "German" rather than "Germany": a market only before market nouns


@lru_cache(maxsize=1)
def markets() -> dict[str, Market]:
    """Every known market by code."""
    out = {}
    for row in data_rows("markets.csv"):
        out[row["code"]] = Market(row["code"], row["name"], row["kind"], row["parent"] or None,
                                  tuple(row["regions"].split()))
    return out


@lru_cache(maxsize=1)
def _aliases() -> tuple[dict[str, list[tuple[str, int | None]]], re.Pattern[str], re.Pattern[str]]:
    """alias -> [(code, until_year)], plus case-sensitive and case-folding patterns."""
    table: dict[str, list[tuple[str, int | None]]] = {}

    def add(alias: str, code: str, until: int | None = None) -> None:
        entries = table.setdefault(alias, [])
        if (code, until) not in entries:
            entries.append((code, until))

    known = markets()
    for m in known.values():
        if m.code != "global":
            add(m.name, m.code)
            plain = _without_accents(m.name)
            if plain != m.name:
                add(plain, m.code)  # "Karnataka" for the ISO name "Karnātaka": news writes names plain
    for row in data_rows("market_aliases.csv"):
        if row["code"] not in known:
            raise ValueError(f"market_aliases.csv: unknown market code {row['code']!r} for {row['alias']!r}")
        add(row["alias"], row["code"], int(row["until"]) if row["until"] else None)
    pattern = re.compile(rf"(?<![\w.])(?:the\s+)?({_trie(table)})(?![\w])")
    lowered = {n.lower() for n in table}
    if all(len(n) == len(n.lower()) for n in table):
        folded = re.compile(rf"(?<![\w.])(?:the\s+)?({_trie(lowered)})(?![\w])", re.IGNORECASE)
    else:  # a name whose lower case is longer ("İ"): no folded trie, the plain alternation
        folded = _alternation_patterns(tuple(table))[1]
    return table, pattern, folded


def _without_accents(name: str) -> str:
    """A name with its diacritics dropped ("Karnātaka" -> "Karnataka", "Zürich" -> "Zurich")."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))


def _alternation_patterns(names: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The aliases as one alternation, longest first (what the tries in `_aliases` match, slower)."""
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return (re.compile(rf"(?<![\w.])(?:the\s+)?({alternation})(?![\w])"),
            re.compile(rf"(?<![\w.])(?:the\s+)?({alternation})(?![\w])", re.IGNORECASE))


def _trie(names) -> str:
    """The names as a regex trie that matches what their longest-first alternation matches.

    At one position the alternation takes the longest name that matches and passes the checks after
    it. In the trie every branch point tries the longer continuations before ending the name there,
    and the branches of a node start with different characters (in the case-folded trie, lower-case
    names: different letters under IGNORECASE too), so only the text's own path is walked and the
    first success is again the longest name. The regex engine then tests a few characters per
    position instead of every name's first one.
    """
    root: dict = {}
    for name in names:
        node = root
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}  # a name ends here

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch != ""]
        if not branches:
            return ""
        if len(branches) == 1 and not ends:
            return branches[0]
        return "(?:" + "|".join(branches) + ("|" if ends else "") + ")"

    return emit(root)


@lru_cache(maxsize=1)
def _adjectives() -> frozenset[str]:
    """The lower-cased aliases that market_aliases.csv marks as adjectives ("German")."""
    return frozenset(row["alias"].lower() for row in data_rows("market_aliases.csv") if row.get("form") == "adjective")


@lru_cache(maxsize=1)
def _folded_table() -> dict[str, list[tuple[str, int | None]]]:
    """The alias table keyed by lower-cased alias (for all-caps headlines)."""
    table, _, _ = _aliases()
    return {k.lower(): v for k, v in table.items()}


def resolve_alias(alias: str, year: int | None = None) -> str | None:
    """The market code an alias means in a given year (None when unknown).

    Dated entries ("Moscow" = SU until 1991) apply only when the year is known
    and not after their last year; otherwise the undated entry does.
    """
    table, _, _ = _aliases()
    entries = table.get(alias) or _folded_table().get(alias.lower())
    if not entries:
        return None
    for code, until in sorted(entries, key=lambda e: (e[1] is None, e[1] or 0)):
        if until is None or (year is not None and year <= until):
            return code
    return entries[-1][0]


def find_markets(text: str, year: int | None = None, any_case: bool = False) -> list[MarketMention]:
    """Every market alias in `text` with its code. With `any_case` (all-caps headlines, words of a name)
    aliases match in any letter case, a short one (three letters or fewer) only as written in capitals."""
    table, pattern, folded = _aliases()
    adjectives = _adjectives()
    out = []
    for m in (folded if any_case else pattern).finditer(text):
        alias = m.group(1)
        if any_case and alias.isupper() is False and len(alias) <= 3:
            continue
        code = resolve_alias(alias, year)
        if code:
            out.append(MarketMention(m.start(1), m.end(1), alias, code, alias.lower() in adjectives))
    if "market" in text or "countr" in text:
        for m in NEW_MARKETS.finditer(text):  # "more than 30 new markets": international markets in general
            if not re.search(r"\b(?:and|or)\s+$", text[max(0, m.start() - 6):m.start()]):  # not "Japan and other markets"
                out.append(MarketMention(m.start(), m.end(), m.group(0), "global"))
        out.sort(key=lambda mm: mm.start)
    return _place_then_state(text, out)


# markets counted as new ones, not named: "30 new markets", "a dozen more countries", "other markets"
NEW_MARKETS = re.compile(
    r"\b(?:(?:more\s+than|over|about|around|nearly|some|at\s+least|up\s+to)\s+)?"
    r"(?:(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|a\s+dozen|"
    r"dozens\s+of|several|many|a\s+number\s+of|a\s+few)\s+)?"
    r"(?:new|more|other|additional|further)\s+(?:international\s+|overseas\s+|foreign\s+)?(?:markets|countries)\b",
    re.IGNORECASE)


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[dict[str, str], re.Pattern[str], re.Pattern[str]]:
    """State and province abbreviations ("Tenn."), a pattern for ", Tenn." after a known place and
    one for an unknown town before it ("Newmarket, N.H.")."""
    table = {r["abbreviation"]: r["code"] for r in data_rows("subdivision_abbreviations.csv")}
    names = "|".join(re.escape(a) for a in sorted(table, key=len, reverse=True))
    after_comma = re.compile(rf",\s*({names})(?![\w])")
    town = re.compile(rf"(?<![\w.])(?:[A-Z][\w'-]*\.?\s+){{0,2}}[A-Z][\w'-]+,\s*({names})(?![\w])")
    return table, after_comma, town


def _place_then_state(text: str, found: list[MarketMention]) -> list[MarketMention]:
    """"Vienna, Va." and "Paris, Texas": a place followed by a subdivision of another country is in that one."""
    table, after_comma, _ = _abbreviations()
    known = markets()
    out: list[MarketMention] = []
    skip: set[int] = set()
    for i, m in enumerate(found):
        if i in skip:
            continue
        state = None
        ab = after_comma.match(text, m.end)
        if ab:
            state = MarketMention(ab.start(1), ab.end(1), ab.group(1), table[ab.group(1)])
        elif i + 1 < len(found) and re.fullmatch(r",\s*", text[m.end:found[i + 1].start]):
            nxt = found[i + 1]
            if known.get(nxt.code) and known[nxt.code].kind == "subdivision" and not nxt.adjective:
                state = nxt
        if state and not m.adjective and country_of(state.code) != country_of(m.code):
            out.append(MarketMention(m.start, state.end, text[m.start:state.end], state.code))
            if i + 1 < len(found) and found[i + 1].start < state.end:
                skip.add(i + 1)
            continue
        out.append(m)
    # "Newmarket, N.H.": an unknown town placed by its state
    for town in _town_then_state(text):
        if not any(m.start < town.end and town.start < m.end for m in out):
            out.append(town)
    return sorted(out, key=lambda m: m.start)


def _town_then_state(text: str) -> list[MarketMention]:
    if "," not in text:
        return []
    table, _, town = _abbreviations()
    return [MarketMention(m.start(), m.end(), m.group(0), table[m.group(1)]) for m in town.finditer(text)]


def country_of(code: str) -> str:
    """A subdivision's country (US-CA -> US); other codes unchanged."""
    market = markets().get(code)
    if market and market.kind == "subdivision" and market.parent:
        return market.parent
    return code
