"""Cue phrases loaded from data files and compiled once.

`data/cues.csv` holds stance frames, entry/exit/delay actions, nominal
positions and blocking contexts; `data/speech.csv` reporting verbs;
`data/event_cues.csv` event kinds. Code only combines them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .datafiles import data_rows
from .grammar import DIRECT


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
    string); None when the pattern has no such literal (or uses syntax the walk does not know).
    """
    try:
        from re import _constants as c
        from re import _parser
    except ImportError:  # another Python: no gate
        return None
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
        parsed = _parser.parse(pattern, flags)
    except Exception:  # noqa: BLE001 - a pattern the walk does not know: no gate
        return None
    found = seq(parsed)
    if not found or "" in found:
        return None
    # drop strings that contain another one of the set (the shorter is found whenever the longer is)
    return frozenset(s for s in found if not any(o != s and o in s for o in found))


@dataclass(frozen=True)
class _Gated:
    cue: Cue
    literals: tuple[str, ...] | None  # None: always run the regex

    def may_match(self, folded: str) -> bool:
        """False when none of the cue's required literals is in the folded text (the regex cannot match)."""
        return self.literals is None or any(lit in folded for lit in self.literals)


def _gated(cues: tuple[Cue, ...]) -> tuple[_Gated, ...]:
    out = []
    for cue in cues:
        lits = required_literals(cue.regex.pattern, cue.regex.flags)
        out.append(_Gated(cue, tuple(sorted(lits, key=len)) if lits else None))
    return tuple(out)


@lru_cache(maxsize=1)
def _gated_stance_cues() -> tuple[_Gated, ...]:
    return _gated(stance_cues())


@lru_cache(maxsize=1)
def _gated_event_cues() -> tuple[_Gated, ...]:
    return _gated(event_cues())


def find_cues(text: str) -> list[tuple[Cue, int, int]]:
    """(cue, start, end) of every stance-cue match in `text`: exactly what
    `[(cue, m.start(), m.end()) for cue in stance_cues() for m in cue.regex.finditer(text)]` gives, in
    the same order, but a cue whose required literals (see `required_literals`) are all absent from
    the text is not run."""
    folded = fold(text)
    return [(g.cue, m.start(), m.end()) for g in _gated_stance_cues() if g.may_match(folded)
            for m in g.cue.regex.finditer(text)]


def event_cue_matches(text: str) -> list[tuple[Cue, re.Match[str]]]:
    """(cue, first match) for every event cue that matches `text`, in cue order: exactly the cues
    and matches of `for cue in event_cues(): m = cue.regex.search(text)` with a match, found by
    skipping the cues whose required literals are all absent from the text."""
    folded = fold(text)
    out: list[tuple[Cue, re.Match[str]]] = []
    for g in _gated_event_cues():
        m = g.cue.regex.search(text) if g.may_match(folded) else None
        if m:
            out.append((g.cue, m))
    return out


@lru_cache(maxsize=1)
def stance_cues() -> tuple[Cue, ...]:
    """data/cues.csv's frames, actions and blocks, then the entry and exit predicates generated from lemmas."""
    from .grammar import predicate_rows

    rows = (*data_rows("cues.csv"), *predicate_rows())
    return tuple(Cue(r["kind"], r["stance"] or "", r["pattern"], compile_phrase(r["pattern"]), "generated" in r,
                     r.get("label", "")) for r in rows)


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
def speech_alternation(kind: str) -> str:
    """The words of one speech.csv kind ("company_noun") as a regex alternation, longest first."""
    return "|".join(sorted(speech()[kind], key=len, reverse=True))


@lru_cache(maxsize=1)
def speech_verb_regex() -> re.Pattern[str]:
    verbs = sorted(speech()["verb"], key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(v) for v in verbs) + r")(?!\w)")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what \w matches in a str pattern


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
            if i not in found and (i == 0 or not _is_word_char(text[i - 1])):
                j = i + len(first)
                for part in parts[1:]:
                    k = j
                    while k < n and text[k].isspace():
                        k += 1
                    if k == j or not text.startswith(part, k):
                        break
                    j = k + len(part)
                else:
                    if j == n or not _is_word_char(text[j]):
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
