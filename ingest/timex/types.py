"""The Timex record."""
from __future__ import annotations

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
