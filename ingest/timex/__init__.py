"""TIMEX3 tagger: find temporal expressions and normalize them against a DCT.

PROVISIONAL minimal version; the full grammar replaces it (issue 3).
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class Timex:
    """One temporal expression: character offsets into the text, type and value."""

    start: int
    end: int
    text: str
    type: str  # DATE, TIME, DURATION, SET
    value: str
    mod: str | None = None
    rule: str = ""  # the rule that produced it, for `kb extract --explain`

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "type": self.type, "value": self.value}


_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def tag(text: str, dct: str | None = None) -> list[Timex]:
    """Find temporal expressions in `text`, resolving relative ones against `dct` (YYYY-MM-DD or None)."""
    out = []
    for m in _YEAR.finditer(text):
        out.append(Timex(m.start(), m.end(), m.group(), "DATE", m.group(), rule="year"))
    if dct:
        for m in re.finditer(r"\btoday\b", text, re.I):
            out.append(Timex(m.start(), m.end(), m.group(), "DATE", dct, rule="today"))
    return sorted(out, key=lambda t: t.start)
