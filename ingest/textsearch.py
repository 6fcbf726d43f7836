"""Fast text search that finds exactly what the plain regex search finds: the one place that does it.

Public interface:

* `is_word_char(ch)`: what `\\w` matches in a str pattern.
* `fold(text)`: `text` lower-cased so that an IGNORECASE literal of a pattern is a substring of it.
* `required_literals(pattern, flags)`: strings one of which every match of `pattern` contains.
* `first_chars(pattern)`: a character class holding every character a match can start with.
* `LiteralGate` / `FoldedText`: skip a regex whose required literals are all absent from a text.
* `find_phrases(text, phrases)`, `stands_alone(word, text)`: two regex searches without compiling one.
* `ByStart`: items sorted by start offset, the ones starting in a range found by bisection.

`required_literals` and `first_chars` read the parse tree of Python's private `re._parser`, which
changes between Python versions. When it is missing, or a pattern uses syntax the walk does not know,
they return None and callers run the regex unconditionally: the same results, only slower
(tests/test_textsearch.py checks this by making the walk fail).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

try:  # Python's private regex parser: a speed-up only, never needed for a result
    from re import _constants as _c
    from re import _parser as _re_parser
except ImportError:  # pragma: no cover - another Python: every gate is off
    _c = _re_parser = None


def _parse(pattern: str, flags: int) -> Any:
    """The parse tree of `pattern` (raises when the private parser is missing: callers then skip gating)."""
    if _re_parser is None:
        raise RuntimeError("re._parser is not available")
    return _re_parser.parse(pattern, flags)


def is_word_char(ch: str) -> bool:
    """True for a character `\\w` matches in a str pattern."""
    return ch.isalnum() or ch == "_"


# Characters that re.IGNORECASE equates with an ASCII letter but str.lower() does not turn into it
# ("İ" lowers to two characters, "ı", "ſ" and the Kelvin sign stay as they are).
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold(text: str) -> str:
    """`text` case-folded for literal gates: every character an IGNORECASE regex matches against an
    ASCII letter becomes that lower-case letter (other characters are kept or lowered)."""
    return (text.translate(_FOLD) if not text.isascii() else text).lower()


def required_literals(pattern: str, flags: int = re.IGNORECASE) -> frozenset[str] | None:
    """Lower-case ASCII strings of which every match of `pattern` contains at least one, or None.

    Computed from the parsed pattern: a literal run, or an alternation whose every branch has its own
    literals, that a match cannot skip. When none of them is in `fold(text)`, the pattern cannot match
    `text` (an IGNORECASE literal only matches characters that `fold` turns into it), so the regex
    need not run. The set is chosen to make that test as selective as possible (longest shortest
    string); None when the pattern has no such literal, uses syntax the walk does not know, or the
    private parser is unavailable.
    """
    try:
        parsed = _parse(pattern, flags)
    except Exception:  # noqa: BLE001 - no parser, or a pattern the walk does not know: no gate
        return None
    c = _c
    repeats = tuple(op for op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)) if op is not None)

    def better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
        if a is None or not a:
            return b
        if b is None or not b:
            return a
        ka, kb = (min(map(len, a)), -len(a)), (min(map(len, b)), -len(b))
        return a if ka >= kb else b

    space = frozenset(map(ord, " \t\n\r\f\v"))

    def exact(op, av) -> set[str] | None:
        """Every string the item can match, lower-cased, when that is a small set of ASCII literals."""
        if op is c.LITERAL:
            return {chr(av).lower()} if av < 128 and av not in space else None
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            return {""}  # zero width: the strings around it stay adjacent
        if op is c.IN:
            if all(iop is c.LITERAL and iav < 128 and iav not in space for iop, iav in av):
                return {chr(iav).lower() for _, iav in av}
            return None
        if op is c.SUBPATTERN:
            return exact_seq(av[-1])
        if op is c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                f = exact_seq(alt)
                if f is None:
                    return None
                out |= f
            return out
        if op in repeats and av[1] <= 1:
            f = exact_seq(av[2])
            return None if f is None else (f | {""} if av[0] == 0 else f)
        return None

    def exact_seq(items) -> set[str] | None:
        acc = {""}
        for op, av in items:
            f = exact(op, av)
            if f is None or len(acc) * len(f) > 256:
                return None
            acc = {a + b for a in acc for b in f}
        return acc

    def seq(items) -> frozenset[str] | None:
        """The best required set of a sequence: a run of exact items (their product), or one item's."""
        best: frozenset[str] | None = None
        run = {""}
        for op, av in list(items) + [(None, None)]:
            f = exact(op, av) if op is not None else None
            if f is not None and len(run) * len(f) <= 256:
                run = {a + b for a in run for b in f}
                continue
            if "" not in run:
                best = better(best, frozenset(run))
            run = {""} if f is None else f
            if op is not None and f is None:
                best = better(best, one(op, av))
        return best

    def one(op, av) -> frozenset[str] | None:
        if op is c.SUBPATTERN:
            return seq(av[-1])
        if op is getattr(c, "ATOMIC_GROUP", None):
            return seq(av)
        if op is c.BRANCH:
            out: set[str] = set()
            for alt in av[1]:
                f = seq(alt)
                if not f:
                    return None  # a branch without literals: the alternation gives none
                out |= f
            return frozenset(out)
        if op in repeats:
            return seq(av[2]) if av[0] >= 1 else None
        return None

    try:
        found = seq(parsed)
    except Exception:  # noqa: BLE001 - a parse tree of a shape the walk does not know: no gate
        return None
    if not found or "" in found:
        return None
    # drop strings that contain another one of the set (the shorter is found whenever the longer is)
    return frozenset(s for s in found if not any(o != s and o in s for o in found))


def first_chars(pattern: str) -> str | None:
    """A character class holding every character a match of `pattern` can start with, or None.

    Computed from the parsed pattern (a superset; the class is meant to be matched case-insensitively).
    Put in a lookahead in front of a pattern, it lets the regex engine drop most start positions with
    one test instead of trying every alternative of its first word lists; the matches are the same.
    None when any character may start a match, or the walk cannot tell (see the module docstring).
    """
    try:
        parsed = _parse(pattern, re.I)
    except Exception:  # noqa: BLE001 - no parser, or a pattern the walk does not know: no gate
        return None
    c = _c

    def seq(items) -> tuple[set | None, bool]:
        acc: set = set()
        for op, av in items:
            f, nullable = one(op, av)
            if f is None:
                return None, False
            acc |= f
            if not nullable:
                return acc, False
        return acc, True

    def one(op, av) -> tuple[set | None, bool]:
        if op is c.LITERAL:
            return {chr(av).lower()}, False  # matched with IGNORECASE: [s] also admits "S" and "ſ"
        if op is c.IN:
            out: set = set()
            for iop, iav in av:
                if iop is c.LITERAL:
                    out.add(chr(iav).lower())
                elif iop is c.RANGE and iav[1] - iav[0] < 128:
                    out |= {chr(code).lower() for code in range(iav[0], iav[1] + 1)}
                elif iop is c.CATEGORY and iav in (c.CATEGORY_DIGIT, c.CATEGORY_UNI_DIGIT):
                    out |= set("0123456789")
                else:  # \w, \s, negated sets, big ranges: anything may start
                    return None, False
            return out, False
        if op is c.BRANCH:
            acc: set = set()
            nullable = False
            for alt in av[1]:
                f, n = seq(alt)
                if f is None:
                    return None, False
                acc |= f
                nullable = nullable or n
            return acc, nullable
        if op is c.SUBPATTERN:
            return seq(av[-1])
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            f, n = seq(av[2])
            return f, n or av[0] == 0
        if op is getattr(c, "ATOMIC_GROUP", None):
            return seq(av)
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            return set(), True  # zero width
        return None, False

    try:
        chars, nullable = seq(parsed)
    except Exception:  # noqa: BLE001 - a parse tree of a shape the walk does not know: no gate
        return None
    if chars is None or nullable or not chars:
        return None
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]"


@dataclass(frozen=True)
class LiteralGate:
    """The required literals of one regex (None: the regex always runs)."""

    literals: tuple[str, ...] | None

    @classmethod
    def of(cls, pattern: str, flags: int = re.IGNORECASE) -> "LiteralGate":
        """The gate of a pattern: its required literals, shortest first (tested first)."""
        found = required_literals(pattern, flags)
        return cls(tuple(sorted(found, key=lambda lit: (len(lit), lit))) if found else None)

    def may_match(self, text: "FoldedText") -> bool:
        """False only when the regex cannot match the text: none of its required literals is in it."""
        if self.literals is None:
            return True
        folded = text.folded
        return any(lit in folded for lit in self.literals)

    def may_match_shared(self, text: "FoldedText") -> bool:
        """`may_match`, the answer kept in `text` for other gates with the same literals (the month
        rules of the date tagger share theirs); slower than `may_match` for a gate of its own."""
        return self.literals is None or text.has_any(self.literals)


@lru_cache(maxsize=None)
def gate_of(regex: re.Pattern[str]) -> LiteralGate:
    """The gate of a compiled regex (computed once per regex)."""
    return LiteralGate.of(regex.pattern, regex.flags)


@dataclass
class FoldedText:
    """A text folded once (`fold`) for the gates, and their answers per literal set (`has_any`)."""

    text: str
    folded: str = field(init=False)
    _seen: dict[tuple[str, ...], bool] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.folded = fold(self.text)

    def has_any(self, literals: tuple[str, ...]) -> bool:
        """True when one of `literals` is in the folded text (each set tested once)."""
        found = self._seen.get(literals)
        if found is None:
            found = self._seen[literals] = any(lit in self.folded for lit in literals)
        return found


def find_phrases(text: str, phrases: list[str]) -> list[tuple[int, int, str]] | None:
    r"""(start, end, phrase) of what `re.finditer` finds in `text` with the pattern
    `(?<![\w])(P1|P2|...)(?![\w])`, each phrase written with `\s+` for its spaces and the phrases in
    the order given, without compiling that pattern (for a document's own company names, compiled
    once per document, the compile cost more than the search).

    At each start the regex takes the first phrase in the list that matches there and is followed by a
    non-word character; the matches do not overlap, the leftmost first. A phrase is a run of non-space
    parts separated by single spaces, so its end at a start is unique. None when a phrase is empty or
    has other whitespace (a caller then uses the regex).
    """
    n = len(text)
    found: dict[int, tuple[int, str]] = {}  # start -> (end, phrase) of the first phrase that matches there
    for phrase in phrases:
        parts = phrase.split(" ")
        if any(not part or any(ch.isspace() for ch in part) for part in parts):
            return None
        first = parts[0]
        i = text.find(first)
        while i >= 0:
            if i not in found and (i == 0 or not is_word_char(text[i - 1])):
                j = i + len(first)
                for part in parts[1:]:
                    k = j
                    while k < n and text[k].isspace():
                        k += 1
                    if k == j or not text.startswith(part, k):
                        break
                    j = k + len(part)
                else:
                    if j == n or not is_word_char(text[j]):
                        found[i] = (j, phrase)
            i = text.find(first, i + 1)
    out = []
    pos = 0
    for start in sorted(found):
        if start >= pos:
            end, phrase = found[start]
            out.append((start, end, phrase))
            pos = end
    return out


def stands_alone(word: str, text: str) -> bool:
    r"""`re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None`, without compiling a pattern per word."""
    i = text.find(word)
    n = len(word)
    while i >= 0:
        if (i == 0 or not is_word_char(text[i - 1])) and (i + n >= len(text) or not is_word_char(text[i + n])):
            return True
        i = text.find(word, i + 1)
    return False


T = TypeVar("T")


class ByStart(Generic[T]):
    """Items in order of a key (their start offset, by default), and those whose key falls in a range,
    found by bisection: a document's mentions or dates, asked for sentence by sentence."""

    def __init__(self, items: Sequence[T], key: Callable[[T], int] = lambda item: item.start) -> None:
        self.items = list(items)
        self.keys = [key(item) for item in self.items]

    def between(self, start: int, end: int) -> list[T]:
        """The items whose key is in [start, end)."""
        return self.items[bisect_left(self.keys, start):bisect_left(self.keys, end)]

    def last_before(self, offset: int) -> T | None:
        """The last item whose key is below `offset`, or None."""
        i = bisect_left(self.keys, offset)
        return self.items[i - 1] if i else None
