"""TimeML reading and TempEval-3 task A scoring (time expressions), for benchmarks.

Only the TIMEX3 layer and the DCT are used. The text of a document is the
content of <TEXT>...</TEXT> with every tag removed and entities decoded;
gold offsets are character offsets into that text.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

_TAG = re.compile(r"<(/?)([A-Za-z0-9_]+)([^>]*?)(/?)>", re.S)
_ATTR = re.compile(r'([A-Za-z_:][\w:.-]*)\s*=\s*"([^"]*)"')
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")


@dataclass
class GoldTimex:
    start: int
    end: int
    text: str
    type: str
    value: str
    mod: str | None = None


@dataclass
class Document:
    name: str
    dct: str | None
    text: str
    timexes: list[GoldTimex] = field(default_factory=list)


def _unescape(s: str) -> str:
    return html.unescape(s)


def parse_timeml(source: str, name: str = "") -> Document:
    """Parse one TimeML document (string) into text, DCT and gold TIMEX3s (DCT excluded)."""
    dct = None
    m = re.search(r"<DCT>(.*?)</DCT>", source, re.S)
    if m:
        v = re.search(r'value="([^"]*)"', m.group(1))
        if v:
            dct = v.group(1)[:10]
    m = re.search(r"<TEXT>(.*)</TEXT>", source, re.S)
    body = m.group(1) if m else ""
    out: list[str] = []
    pos = 0  # length of text built so far
    timexes: list[GoldTimex] = []
    open_tx: list[tuple[int, dict]] = []
    last = 0
    for tm in _TAG.finditer(body):
        chunk = _unescape(body[last:tm.start()])
        out.append(chunk)
        pos += len(chunk)
        last = tm.end()
        closing, tag, attrs, selfclose = tm.group(1), tm.group(2), tm.group(3), tm.group(4)
        if tag != "TIMEX3":
            continue
        if closing:
            if open_tx:
                start, a = open_tx.pop()
                timexes.append(GoldTimex(start, pos, "", a.get("type", ""), a.get("value", ""), a.get("mod")))
        elif not selfclose:
            open_tx.append((pos, dict(_ATTR.findall(attrs))))
    out.append(_unescape(body[last:]))
    text = "".join(out)
    for t in timexes:
        t.text = text[t.start:t.end]
    timexes.sort(key=lambda t: (t.start, t.end))
    return Document(name, dct, text, timexes)


def read_timeml(path) -> Document:
    from pathlib import Path

    p = Path(path)
    return parse_timeml(p.read_text(encoding="utf-8"), p.name)


@dataclass
class Counts:
    """Counts for one slice (overall, one type, one corpus)."""

    gold: int = 0
    system: int = 0
    strict: int = 0
    relaxed: int = 0
    type_ok: int = 0
    value_ok: int = 0

    def add(self, other: "Counts") -> None:
        for k in ("gold", "system", "strict", "relaxed", "type_ok", "value_ok"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @staticmethod
    def _prf(correct: int, system: int, gold: int) -> tuple[float, float, float]:
        p = correct / system if system else 0.0
        r = correct / gold if gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def strict_prf(self):
        return self._prf(self.strict, self.system, self.gold)

    def relaxed_prf(self):
        return self._prf(self.relaxed, self.system, self.gold)

    def type_prf(self):
        return self._prf(self.type_ok, self.system, self.gold)

    def value_prf(self):
        return self._prf(self.value_ok, self.system, self.gold)


@dataclass
class Match:
    gold: object | None
    system: object | None
    strict: bool = False


def align(gold: list, system: list) -> list[Match]:
    """Pair gold and system timexes (objects with start, end): each at most once.

    Exact-extent pairs first, then overlapping pairs by largest overlap.
    Returns one Match per pair, plus unmatched gold and unmatched system items.
    """
    gold = sorted(gold, key=lambda t: (t.start, t.end))
    system = sorted(system, key=lambda t: (t.start, t.end))
    used_g: set[int] = set()
    used_s: set[int] = set()
    matches: list[Match] = []
    exact = {}
    for j, s in enumerate(system):
        exact.setdefault((s.start, s.end), []).append(j)
    for i, g in enumerate(gold):
        for j in exact.get((g.start, g.end), []):
            if j not in used_s:
                used_g.add(i)
                used_s.add(j)
                matches.append(Match(g, system[j], True))
                break
    cands = []
    for i, g in enumerate(gold):
        if i in used_g:
            continue
        for j, s in enumerate(system):
            if j in used_s:
                continue
            ov = min(g.end, s.end) - max(g.start, s.start)
            if ov > 0:
                cands.append((-ov, i, j))
    for _, i, j in sorted(cands):
        if i in used_g or j in used_s:
            continue
        used_g.add(i)
        used_s.add(j)
        matches.append(Match(gold[i], system[j], False))
    for i, g in enumerate(gold):
        if i not in used_g:
            matches.append(Match(g, None))
    for j, s in enumerate(system):
        if j not in used_s:
            matches.append(Match(None, s))
    return matches


def score(gold: list, system: list) -> tuple[Counts, dict[str, Counts], list[Match]]:
    """Score one document. Returns overall counts, counts per type, and the alignment.

    Per type: gold items count under their gold type, system items under their
    system type; a match counts under the gold type.
    """
    total = Counts(gold=len(gold), system=len(system))
    by_type: dict[str, Counts] = {}

    def bucket(t: str) -> Counts:
        return by_type.setdefault(t, Counts())

    for g in gold:
        bucket(g.type).gold += 1
    for s in system:
        bucket(s.type).system += 1
    matches = align(gold, system)
    for m in matches:
        if m.gold is None or m.system is None:
            continue
        c = bucket(m.gold.type)
        for x in (total, c):
            x.relaxed += 1
            x.strict += m.strict
            x.type_ok += m.gold.type == m.system.type
            x.value_ok += m.gold.value == m.system.value
    return total, by_type, matches
