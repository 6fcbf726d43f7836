"""Sentence splitting with character offsets, for news and hard-wrapped wire copy.

Paragraphs end at blank lines and indented lines; in text that is not
hard-wrapped every line is its own paragraph (a headline, a lead). Inside a
paragraph a sentence ends at . ! ? (and closing quotes) before a capital,
except after abbreviations listed in data/abbreviations.txt.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int  # index of the paragraph the sentence is in

    @property
    def headline(self) -> bool:
        """A line with no closing punctuation (a headline or crosshead)."""
        return not re.search(r"[.!?:;,\"'”’)\]]\s*$", self.text)


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    """(abbreviations that never end a sentence, ones that end it only before a sentence starter)."""
    text = resources.files("ingest").joinpath("data", "abbreviations.txt").read_text(encoding="utf-8")
    always, sometimes = set(), set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("?"):
            sometimes.add(line[1:].lower())
        else:
            always.add(line.lower())
    return frozenset(always), frozenset(sometimes)


_STARTERS = frozenset(
    "the he she it they we i but and this that these those its his her their a an "
    "however meanwhile in on at for".split()
)
# A candidate end: terminal punctuation, optional closing quotes/brackets, whitespace.
# Only at the start of a run of punctuation, and possessive: a run that is not followed by a
# sentence start is read once, not once per character (a line of a million dots stays linear).
# Same matches as the plain `[.!?]+[...]*(?=...)`, which can only succeed on a whole run.
_END = re.compile(r"(?<![.!?])[.!?]++[\"'”’)\]]*+(?=\s+[\"'“‘(\[]?[A-Z0-9])")
# The word after a candidate end, read in place (no copy of the rest of the paragraph).
_NEXT_WORD = re.compile(r"\s*[\"'“‘(\[]?(\w+)")
_PARA_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]+\S)")


def is_hard_wrapped(text: str) -> bool:
    """True for wire copy whose lines are wrapped at a fixed width inside sentences."""
    lines = [line for line in text.splitlines() if line.strip()]
    # A line that continues in lower case ("...said it\nplans to...") was wrapped mid-sentence.
    continued = len(re.findall(r"[a-z,]\n[ \t]*[a-z(]", text))
    if continued >= 2 or (continued >= 1 and len(lines) < 4):
        return True
    if len(lines) < 4:
        return False
    wrapped = sum(1 for line in lines if 40 <= len(line.rstrip()) <= 90 and not re.search(r"[.!?:\"”]\s*$", line))
    return wrapped >= 0.4 * len(lines)


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, blank and whitespace-only ones skipped."""
    spans = []
    pos = 0
    breaker = _PARA_BREAK if is_hard_wrapped(text) else re.compile(r"\n")
    for m in breaker.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for start, end in spans:
        segment = text[start:end]
        stripped = segment.strip()
        if not stripped:
            continue
        lead = len(segment) - len(segment.lstrip())
        out.append((start + lead, start + lead + len(stripped)))
    return out


def _ends_sentence(text: str, end_pos: int, next_word: str, start: int = 0) -> bool:
    """Whether the punctuation ending at end_pos closes a sentence (text before `start` not looked at)."""
    always, sometimes = _abbreviations()
    head = text[max(start, end_pos - 64):end_pos]  # the last token is all that matters (and keeps this linear)
    m = re.search(r"(\S+)$", head)
    token = m.group(1).rstrip("\"'”’)]").lower() if m else ""
    if not token.endswith((".",)):
        return True  # ! or ? (or a quote after them)
    if token in always:
        return False
    bare = token.rstrip(".")
    if re.fullmatch(r"[a-z]", bare):  # an initial: "J. Smith"
        return False
    if token in sometimes:
        return next_word.lower() in _STARTERS
    return True


def split(text: str) -> list[Sentence]:
    """Sentences of `text` with offsets; text[s.start:s.end] == s.text."""
    out: list[Sentence] = []
    for index, (pstart, pend) in enumerate(paragraphs(text)):
        cursor = pstart
        # Matched in `text` itself between the paragraph's bounds (pos/endpos), so that neither
        # the paragraph nor the rest of it after each sentence is copied: linear in the text.
        for m in _END.finditer(text, pstart, pend):
            next_word = _NEXT_WORD.match(text, m.end(), pend)
            if not _ends_sentence(text, m.end(), next_word.group(1) if next_word else "", pstart):
                continue
            _append(out, text, cursor, m.end(), index)
            cursor = m.end()
        _append(out, text, cursor, pend, index)
    return out


MAX_SENTENCE = 1500  # longer runs (a line of a million characters) are cut at whitespace: no real sentence is this long


def _append(out: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    while end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        _append(out, text, start, cut, paragraph)
        start = cut
    segment = text[start:end]
    lead = len(segment) - len(segment.lstrip())
    trail = len(segment) - len(segment.rstrip())
    start, end = start + lead, end - trail
    if end > start:
        out.append(Sentence(start, end, text[start:end], paragraph))


def collapse(text: str) -> str:
    """Whitespace runs (hard wraps included) to single spaces."""
    return re.sub(r"\s+", " ", text).strip()
