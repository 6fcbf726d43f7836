"""Cue phrases loaded from data files and compiled once.

`data/cues.csv` holds stance frames, entry/exit/delay actions, nominal
positions and blocking contexts; `data/reporting_verbs.csv` reporting verbs;
`data/speech.csv` the words by which a company speaks; `data/company_nouns.csv`
the nouns that name one;
`data/event_cues.csv` event kinds. Code only combines them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .datafiles import data_rows
from .grammar import DIRECT
from .textsearch import FoldedText, LiteralGate


@dataclass(frozen=True)
class Cue:
    kind: str  # frame, entry, exit, delay, nominal, block (or an event kind)
    stance: str  # the stance the cue gives, or ""
    pattern: str  # the source pattern, shown by --explain
    regex: re.Pattern[str]
    generated: bool = False  # written by ingest.grammar from data/predicates.csv (its market follows its preposition)
    label: str = ""  # for a generated cue, its predicates.csv row ("exit: cease business in|"), shown instead of the regex


def compile_phrase(pattern: str) -> re.Pattern[str]:
    """A data-file phrase as a regex: case-insensitive, whole words, any whitespace for a space."""
    body = pattern.replace(" ", r"\s+")
    tail = r"(?!\w)" if re.search(r"[\w)]$", pattern) and not pattern.endswith(("?", DIRECT)) else ""
    return re.compile(rf"(?<![\w-])(?:{body}){tail}", re.IGNORECASE)


def _gated(cues: tuple[Cue, ...]) -> tuple[tuple[Cue, LiteralGate], ...]:
    return tuple((cue, LiteralGate.of(cue.regex.pattern, cue.regex.flags)) for cue in cues)


@lru_cache(maxsize=1)
def _gated_stance_cues() -> tuple[tuple[Cue, LiteralGate], ...]:
    return _gated(stance_cues())


@lru_cache(maxsize=1)
def _gated_event_cues() -> tuple[tuple[Cue, LiteralGate], ...]:
    return _gated(event_cues())


def find_cues(text: str) -> list[tuple[Cue, int, int]]:
    """(cue, start, end) of every stance-cue match in `text`: exactly what
    `[(cue, m.start(), m.end()) for cue in stance_cues() for m in cue.regex.finditer(text)]` gives, in
    the same order, but a cue whose required literals (ingest.textsearch) are all absent from the text
    is not run."""
    folded = FoldedText(text)
    return [(cue, m.start(), m.end()) for cue, gate in _gated_stance_cues() if gate.may_match(folded)
            for m in cue.regex.finditer(text)]


def event_cue_matches(text: str) -> list[tuple[Cue, re.Match[str]]]:
    """(cue, first match) for every event cue that matches `text`, in cue order: exactly the cues
    and matches of `for cue in event_cues(): m = cue.regex.search(text)` with a match, found by
    skipping the cues whose required literals are all absent from the text."""
    folded = FoldedText(text)
    out: list[tuple[Cue, re.Match[str]]] = []
    for cue, gate in _gated_event_cues():
        m = cue.regex.search(text) if gate.may_match(folded) else None
        if m:
            out.append((cue, m))
    return out


@lru_cache(maxsize=1)
def stance_cues() -> tuple[Cue, ...]:
    """data/cues.csv's frames, actions and blocks, then the entry and exit predicates generated from lemmas."""
    from .grammar import predicate_rows

    rows = (*data_rows("cues.csv"), *predicate_rows())
    cues = []
    for r in rows:
        pattern = r["pattern"].replace("%FINANCE%", "|".join(finance_words()))
        cues.append(Cue(r["kind"], r["stance"] or "", pattern, compile_phrase(pattern), "generated" in r, r.get("label", "")))
    return tuple(cues)


@lru_cache(maxsize=1)
def finance_words() -> tuple[str, ...]:
    """The words of data/finance_words.csv, in file order: "X market" after one is a financial market."""
    return tuple(r["word"] for r in data_rows("finance_words.csv"))


@lru_cache(maxsize=1)
def event_cues() -> tuple[Cue, ...]:
    return tuple(Cue(r["kind"], "", r["pattern"], compile_phrase(r["pattern"])) for r in data_rows("event_cues.csv"))


@lru_cache(maxsize=1)
def speech() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in data_rows("speech.csv"):
        out.setdefault(r["kind"], []).extend(p.strip() for p in r["pattern"].split("|"))
    return out


@lru_cache(maxsize=None)
def company_nouns(use: str) -> tuple[str, ...]:
    """The forms of data/company_nouns.csv with one use ("self", "relation", "descriptor"...), in file order."""
    return tuple(r["form"] for r in data_rows("company_nouns.csv") if use in r["uses"].split())


@lru_cache(maxsize=None)
def company_noun_set(use: str) -> frozenset[str]:
    """The company nouns of one use, for membership tests ("rival", "carmaker")."""
    return frozenset(company_nouns(use))


@lru_cache(maxsize=None)
def company_noun_alternation(use: str) -> str:
    """The company nouns of one use as a regex alternation, longest first."""
    return "|".join(sorted(company_nouns(use), key=len, reverse=True))


@lru_cache(maxsize=None)
def reporting_verbs(use: str) -> tuple[str, ...]:
    """The forms of data/reporting_verbs.csv marked for one use ("speaker_cue", "date_cue"), in file order."""
    return tuple(r["form"] for r in data_rows("reporting_verbs.csv") if r[use] == "yes")


@lru_cache(maxsize=None)
def reporting_alternation(use: str = "speaker_cue") -> str:
    """The reporting verbs of one use (data/reporting_verbs.csv) as a regex alternation, longest first."""
    return "|".join(re.escape(v) for v in sorted(reporting_verbs(use), key=len, reverse=True))


@lru_cache(maxsize=1)
def speech_verb_regex() -> re.Pattern[str]:
    """A reporting verb standing as a word ("said", "announces")."""
    return re.compile(r"(?<![\w-])(" + reporting_alternation() + r")(?!\w)")
