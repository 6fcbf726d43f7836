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


_KINDS = ("strict", "relaxed", "type_ok", "value_ok")


@dataclass
class Counts:
    """Counts for one slice (overall, one type, one corpus).

    Correct pairs are counted twice: on the gold side (for recall) and on the
    system side (for precision). Overall and per corpus the two are equal;
    per type, a pair counts for recall under the gold type and for precision
    under the system's type.
    """

    gold: int = 0
    system: int = 0
    g: dict = field(default_factory=lambda: dict.fromkeys(_KINDS, 0))
    s: dict = field(default_factory=lambda: dict.fromkeys(_KINDS, 0))

    def add(self, other: "Counts") -> None:
        self.gold += other.gold
        self.system += other.system
        for k in _KINDS:
            self.g[k] += other.g[k]
            self.s[k] += other.s[k]

    @property
    def strict(self) -> int:
        return self.g["strict"]

    @property
    def relaxed(self) -> int:
        return self.g["relaxed"]

    @property
    def type_ok(self) -> int:
        return self.g["type_ok"]

    @property
    def value_ok(self) -> int:
        return self.g["value_ok"]

    def _prf(self, kind: str) -> tuple[float, float, float]:
        p = self.s[kind] / self.system if self.system else 0.0
        r = self.g[kind] / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def strict_prf(self):
        return self._prf("strict")

    def relaxed_prf(self):
        return self._prf("relaxed")

    def type_prf(self):
        return self._prf("type_ok")

    def value_prf(self):
        return self._prf("value_ok")


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

    Per type: gold items and recall count under the gold type, system items
    and precision under the system's type.
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
        ok = {"strict": int(m.strict), "relaxed": 1, "type_ok": int(m.gold.type == m.system.type),
              "value_ok": int(m.gold.value == m.system.value)}
        gb, sb = bucket(m.gold.type), bucket(m.system.type)
        for k, v in ok.items():
            total.g[k] += v
            total.s[k] += v
            gb.g[k] += v
            sb.s[k] += v
    return total, by_type, matches
