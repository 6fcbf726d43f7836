"""Find temporal expressions with the rules of ingest/data/timex/rules.yaml."""
from __future__ import annotations

import datetime as dt
import re

from ..textsearch import FoldedText
from .lexicon import Lexicon, load
from .normalize import NORMALIZERS, Context, State, detect_tense
from .types import Timex

_DCT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_DATE_MODS = {"START", "END", "MID"}
# rules whose values become the discourse reference ("the quarter" after "the third quarter of 1989")
_SETS_REFERENCE = {"date", "relative_unit", "month_relative_year", "relative_named", "anaphoric"}


def parse_dct(dct) -> dt.date | None:
    if dct is None or dct == "":
        return None
    if isinstance(dct, dt.datetime):
        return dct.date()
    if isinstance(dct, dt.date):
        return dct
    m = _DCT.match(str(dct).strip())
    if not m:
        raise ValueError(f"dct must be YYYY-MM-DD, got {dct!r}")
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _candidates(lex: Lexicon, text: str):
    folded = FoldedText(text)
    for rule in lex.rules:
        if not rule.gate.may_match_shared(folded):
            continue  # none of the strings every match holds is in the text: no match to find
        for m in rule.regex.finditer(text):
            s, e = m.span("t") if "t" in rule.regex.groupindex and m.group("t") else m.span()
            if e <= s:
                continue
            if rule.capitalized:
                word = m.group(rule.capitalized)
                if word and not word[0].isupper():
                    continue
            yield s, e, rule, m


def _select(text: str, cands) -> list:
    """Longest extent first; on a tie the longer match, then the earlier rule; no two selected overlap."""
    # a rule that needed more context (its match is longer than its extent) is more specific
    ordered = sorted(cands, key=lambda c: (-(c[1] - c[0]), -(c[3].end() - c[3].start()), c[2].index, c[0]))
    taken: dict[int, int] = {}
    chosen = []
    spans: list[tuple[int, int]] = []
    import bisect

    for c in ordered:
        s, e = c[0], c[1]
        i = bisect.bisect_left(spans, (s, -1))
        if i > 0 and spans[i - 1][1] > s:
            continue
        if i < len(spans) and spans[i][0] < e:
            continue
        spans.insert(i, (s, e))
        chosen.append(c)
    del taken
    return sorted(chosen, key=lambda c: c[0])


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while e > s and text[e - 1] in " \t\n,;:-'\"":
        e -= 1
    while s < e and text[s] in " \t\n,;:-'\"":
        s += 1
    return s, e


def _sentence_final_dot(text: str, e: int) -> bool:
    """A dot at e-1 that also ends the sentence (TimeML leaves it out)."""
    rest = text[e:e + 3]
    return rest == "" or rest[:1] == "\n" or bool(re.match(r"\s+[A-Z\"]", rest) and not re.match(r"\s+(?:[A-Z][a-z]{2,}day|EST|EDT|GMT|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)", text[e:e + 12]))


def tag_text(text: str, dct=None) -> list[Timex]:
    lex = load()
    d = parse_dct(dct)
    if not isinstance(text, str) or not text:
        return []
    chosen = _select(text, _candidates(lex, text))
    out: list[Timex] = []
    state = State()
    prev_end = 0
    for idx, (s, e, rule, m) in enumerate(chosen):
        s, e = _strip(text, s, e)
        if e <= s:
            continue
        if text[e - 1] == "." and e - s > 1 and _sentence_final_dot(text, e):
            e -= 1
        ctx = Context(lex, d, text, s, e, state)
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        try:
            res = NORMALIZERS[rule.norm](ctx, g, rule.params)
        except (ValueError, KeyError, OverflowError, TypeError, IndexError, ZeroDivisionError, AttributeError):
            res = None
        if res is None:
            continue
        typ, value, mod = res
        if value is None:
            continue
        if rule.type != "DATE" and typ == "DATE":
            typ = rule.type
        # a modifier just before the expression ("the end of", "late", "nearly")
        next_start = chosen[idx + 1][0] if idx + 1 < len(chosen) else len(text)
        left = text[max(prev_end, s - 40):s]
        mm = lex.modifier_regex.search(left) if rule.norm != "weekday" else None
        if mm:
            word = re.sub(r"[\s-]+$", "", re.sub(r"\s+", " ", mm.group("mod").lower()))
            spec = lex.modifiers.get(word) or lex.modifiers.get(word + "-")
            if spec:
                mval, scope = spec
                if scope == "ANY" or scope == typ:
                    ms = s - len(left) + (mm.start("mod") if (mm.group("the") is None or mval not in _DATE_MODS) else mm.start())
                    if mm.group("the") is not None and mval in _DATE_MODS:
                        ms = s - len(left) + mm.start()
                    s = ms
                    mod = mod or mval
        del next_start
        if typ == "DATE" and rule.norm in _SETS_REFERENCE:
            # results are reported for quarters already over (or a fiscal quarter just ended): a forecast
            # ("the third quarter of 1990", "expects a loss in the fourth quarter") does not become the
            # quarter that "a year earlier" is compared with
            if re.fullmatch(r"\d{4}-Q\d", value):
                current = f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}" if d else None
                if current is None or value < current or (value == current and detect_tense(lex, text, s, e) != "future"):
                    state.last_quarter = value
            if re.match(r"\d{4}", value):
                state.last_year = value[:4]
        out.append(Timex(s, e, text[s:e], typ, value, mod, rule.name))
        prev_end = e
    return out
