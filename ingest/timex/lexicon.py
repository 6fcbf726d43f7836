"""Load the tagger's word lists and rules (ingest/data/timex/) and compile the rules."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ..datafiles import data_rows
from ..textsearch import LiteralGate, first_chars

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "timex"

# placeholder in a rule -> lexicon key holding the word list
_WORDLIST_PLACEHOLDERS = {
    "MONTH": "months",
    "WEEKDAY": "weekdays",
    "SEASON": "seasons",
    "ORDINAL": "ordinals",
    "UNIT": "units",
    "DECADE": "decade_words",
    "POD": "parts_of_day",
    "VAGUE": "vague_numbers",
    "REFERENCE": "references",
    "TIMEZONE": "timezones",
    "HOLIDAY": "holidays",
}
_PLACEHOLDER = re.compile(r"%([A-Z]+)%")


@dataclass
class Rule:
    index: int
    name: str
    regex: re.Pattern
    norm: str
    type: str = "DATE"
    params: dict = field(default_factory=dict)
    capitalized: str | None = None  # group whose first letter must be upper case
    # the strings of which every match contains one (ingest.textsearch): a text holding none of them
    # cannot match, and the rule is not run
    gate: LiteralGate = LiteralGate(None)


@dataclass
class Lexicon:
    data: dict
    rules: list[Rule]
    modifier_regex: re.Pattern
    modifiers: dict[str, tuple[str, str]]


def _word_alternation(words, capitalized_only: set[str]) -> str:
    alts = []
    for w in sorted(set(words), key=lambda s: (-len(s), s)):
        body = re.escape(w).replace(r"\ ", r"\s+").replace(" ", r"\s+")
        if w.isalpha() and len(w) <= 5 and w in capitalized_only:
            # abbreviations and ambiguous words: only with a capital letter
            body = f"(?-i:{re.escape(w.capitalize())}|{re.escape(w.upper())})"
        if w.isalpha() and len(w) <= 5 and _is_abbreviation(w):
            body += r"\.?"
        alts.append(body)
    return r"(?<![\w'])(?:" + "|".join(alts) + r")(?![\w])"


_ABBREVIATIONS = {
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "yr", "yrs", "mo", "wk", "hr", "hrs", "min", "mins",
}


def _is_abbreviation(w: str) -> bool:
    return w in _ABBREVIATIONS


def expand(pattern: str, data: dict, shared: dict[str, str], _depth: int = 0) -> str:
    cap = set(data.get("capitalized_only", []))

    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name in shared:
            return "(?:" + expand(shared[name], data, shared, _depth + 1) + ")"
        if name in ("MONTHNAME", "WEEKDAYNAME"):
            # full names only: an abbreviation standing alone is too often a name ("Lei Jun", "Sun")
            words = data["months" if name == "MONTHNAME" else "weekdays"]
            return _word_alternation([w for w in words if w not in _ABBREVIATIONS], cap)
        key = _WORDLIST_PLACEHOLDERS.get(name)
        if key is None:
            raise KeyError(f"unknown placeholder %{name}% in timex rules")
        return _word_alternation(data[key], cap)

    if _depth > 5:
        raise ValueError("placeholders nested too deeply")
    return _PLACEHOLDER.sub(sub, pattern)


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compile_rule(body: str, gated: bool = True) -> re.Pattern:
    """A rule's regex: whole words only, with the first-character gate in front unless `gated` is False."""
    first = first_chars(body) if gated else None
    gate = f"(?={first})" if first else ""
    return re.compile(gate + r"(?<![\w])(?:" + body + r")(?![\w])", re.I)


@lru_cache(maxsize=1)
def load() -> Lexicon:
    data = json.loads((DATA_DIR / "lexicon.json").read_text(encoding="utf-8"))
    # reporting verbs are kept with the others (data/reporting_verbs.csv): those the tagger reads as cues
    reporting = [r for r in data_rows("reporting_verbs.csv") if r["date_cue"] == "yes"]
    data["tense_cues"]["reporting"] = [r["form"] for r in reporting]
    data["tense_cues"]["past_reporting"] = [r["form"] for r in reporting if r["tense"] == "past"]
    spec = yaml.load((DATA_DIR / "rules.yaml").read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    shared = spec.get("patterns", {})
    rules = []
    for i, r in enumerate(spec["rules"]):
        body = expand(r["pattern"], data, shared)
        regex = compile_rule(body)
        rules.append(Rule(i, r["name"], regex, r["norm"], r.get("type", "DATE"), r.get("params") or {}, r.get("capitalized"),
                          LiteralGate.of(body, re.I)))
    mods = {k.lower(): tuple(v) for k, v in data["modifiers"].items()}
    alts = []
    for w in sorted(mods, key=lambda s: -len(s)):
        body = re.escape(w).replace(r"\ ", r"\s+").replace(" ", r"\s+")
        alts.append(body if w.endswith("-") else body + r"[\s-]+" if not w.endswith("of") else body + r"\s+")
    mod_re = re.compile(r"(?<![\w-])(?P<the>the\s+)?(?P<mod>" + "|".join(alts) + r")$", re.I)
    return Lexicon(data, rules, mod_re, mods)
