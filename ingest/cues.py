"""Cue phrases loaded from data files and compiled once.

`data/cues.csv` holds stance frames, entry/exit/delay actions, nominal
positions and blocking contexts; `data/speech.csv` reporting verbs;
`data/event_cues.csv` event kinds. Code only combines them.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Cue:
    kind: str  # frame, entry, exit, delay, nominal, block (or an event kind)
    stance: str  # the stance the cue gives, or ""
    pattern: str  # the source pattern, shown by --explain
    regex: re.Pattern[str]


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ingest").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#")))


def compile_phrase(pattern: str) -> re.Pattern[str]:
    """A data-file phrase as a regex: case-insensitive, whole words, any whitespace for a space."""
    body = pattern.replace(" ", r"\s+")
    tail = r"(?!\w)" if re.search(r"[\w)]$", pattern) and not pattern.endswith("?") else ""
    return re.compile(rf"(?<![\w-])(?:{body}){tail}", re.IGNORECASE)


@lru_cache(maxsize=1)
def stance_cues() -> tuple[Cue, ...]:
    return tuple(Cue(r["kind"], r["stance"] or "", r["pattern"], compile_phrase(r["pattern"])) for r in _rows("cues.csv"))


@lru_cache(maxsize=1)
def event_cues() -> tuple[Cue, ...]:
    return tuple(Cue(r["kind"], "", r["pattern"], compile_phrase(r["pattern"])) for r in _rows("event_cues.csv"))


@lru_cache(maxsize=1)
def speech() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in _rows("speech.csv"):
        out.setdefault(r["kind"], []).extend(p.strip() for p in r["pattern"].split("|"))
    return out


@lru_cache(maxsize=1)
def speech_verb_regex() -> re.Pattern[str]:
    verbs = sorted(speech()["verb"], key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(v) for v in verbs) + r")(?!\w)")
