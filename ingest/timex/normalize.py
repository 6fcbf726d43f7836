"""Turn a rule match (its named groups) into a TIMEX3 type, value and mod.

Every normalizer takes a `Context` (the DCT, the text, the expression's
offsets, the discourse state) and the match's groups, and returns
(type, value, mod) or None to drop the match. The words it reads come from
the lexicon (ingest/data/timex/lexicon.json).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

from .lexicon import Lexicon

Result = tuple[str, str, "str | None"]


@dataclass
class State:
    """What the document has said so far, for anaphoric expressions ("the quarter", "that year")."""

    last_quarter: str | None = None
    last_year: str | None = None


@dataclass
class Context:
    lex: Lexicon
    dct: dt.date | None
    text: str
    start: int
    end: int
    state: State = field(default_factory=State)
    _tense: str | None = None
    _tense_done: bool = False

    @property
    def words(self) -> dict:
        return self.lex.data

    def strong_tense(self) -> str | None:
        """The tense from a listed cue within four words (no guessing from "-ed")."""
        return detect_tense(self.lex, self.text, self.start, self.end, near=4)

    def tense(self) -> str | None:
        if not self._tense_done:
            self._tense = detect_tense(self.lex, self.text, self.start, self.end)
            self._tense_done = True
        return self._tense


# ---------------------------------------------------------------- helpers

_SENTENCE_END = re.compile(r"[.!?;]\s+(?=[A-Z\"'(])|\n\s*\n")
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|'ll")


def _sentence_window(text: str, start: int, end: int, width: int = 120) -> tuple[str, str]:
    left = text[max(0, start - width):start]
    right = text[end:end + width]
    cut = None
    for m in _SENTENCE_END.finditer(left):
        cut = m.end()
    if cut is not None:
        left = left[cut:]
    m = _SENTENCE_END.search(right)
    if m:
        right = right[:m.start()]
    return left, right


def detect_tense(lex: Lexicon, text: str, start: int, end: int, near: int | None = None) -> str | None:
    """'future', 'past', 'reporting' (only a reporting verb such as "said" is near) or None.

    The nearest tense cue in the same sentence decides; a participle after
    "be" ("will be held") is not a past cue.
    """
    cues = lex.data["tense_cues"]
    fut = set(cues["future"])
    past = set(cues["past"])
    reporting = set(cues["reporting"])
    past_reporting = set(cues["past_reporting"])  # "said in a letter on Monday": the verb's own past
    left, right = _sentence_window(text, start, end)
    ltoks = _TOKEN.findall(left.lower())
    rtoks = _TOKEN.findall(right.lower())
    best: tuple[int, str] | None = None

    def kind_at(tokens: list[str], i: int, dist_of=lambda i: 0, guess_within: int | None = near) -> str | None:
        w = tokens[i]
        two = w + " " + tokens[i + 1] if i + 1 < len(tokens) else ""
        three = two + " " + tokens[i + 2] if i + 2 < len(tokens) else ""
        if w in fut or two in fut or three in fut:
            return "future"
        if i > 0 and tokens[i - 1] in ("be", "being", "to"):
            return None  # "will be held", "to be completed"
        if w in reporting:
            return "reporting"
        if w in past or ((guess_within is None or dist_of(i) <= 3) and len(w) > 4 and w.endswith("ed")
                         and w not in ("need", "speed", "indeed", "proceed", "exceed")):
            return "past"
        return None

    def consider(tokens: list[str], order, left: bool = False) -> None:
        nonlocal best
        found_reporting = None
        for dist, i in order:
            # after the date, a word in "-ed" is a guess only close by: "markets untouched by" is no verb
            k = kind_at(tokens, i, lambda _i, _d=dist: _d, near if left else 3)
            if k == "reporting":
                if left and tokens[i] in past_reporting and best is None:
                    best = (dist, "past")  # "said in a letter on Monday": the reporting verb's own past
                    return
                found_reporting = found_reporting or dist
                continue
            if k:
                if best is None or dist < best[0]:
                    best = (dist, k)
                return
        if found_reporting is not None and (best is None or best[1] == "reporting" and found_reporting < best[0]):
            best = (found_reporting, "reporting")

    opens_sentence = len(ltoks) <= 2
    if near is not None:
        ltoks, rtoks = ltoks[-near:], rtoks[:near]
    consider(ltoks, [(len(ltoks) - i, i) for i in range(len(ltoks) - 1, -1, -1)], left=True)
    if best is None and opens_sentence:
        # the date opens the sentence: "On Monday, the company announced plans to ..." dates the announcement
        for i, w in enumerate(rtoks[:4]):
            if w in past_reporting and not (i > 0 and rtoks[i - 1] in ("be", "being", "to", "been")):
                best = (i + 1, "past")
                return "past"
            if kind_at(rtoks, i):
                break
    consider(rtoks, [(i + 1, i) for i in range(len(rtoks))])
    return best[1] if best else None


def parse_number(s: str | None, lex: Lexicon) -> float | None:
    """Digits or number words -> number; vague quantities ('several') -> None."""
    if s is None:
        return None
    t = re.sub(r"\s+", " ", s.lower().strip()).replace("-", " ")
    if t in lex.data["vague_numbers"]:
        return None
    half = 0.0
    if t.endswith(" and a half"):
        half, t = 0.5, t[: -len(" and a half")]
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?(?: (\d)/(\d))?", t)
    if m:
        v = float(m.group(1) + ("." + m.group(2) if m.group(2) else ""))
        if m.group(3):
            v += int(m.group(3)) / max(1, int(m.group(4)))
        return v + half
    nums = {k.replace("-", " "): v for k, v in lex.data["numbers"].items()}
    if t in nums:
        return nums[t] + half
    total, cur = 0.0, 0.0
    words = t.split()
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("and", "of"):
            i += 1
            continue
        if w in lex.data["multipliers"]:
            cur = (cur or 1) * lex.data["multipliers"][w]
            if w == "thousand":
                total += cur
                cur = 0
        elif w in nums:
            cur += nums[w]
        elif i + 1 < len(words) and f"{w} {words[i + 1]}" in nums:
            cur += nums[f"{w} {words[i + 1]}"]
            i += 1
        else:
            return None
        i += 1
    return total + cur + half


def fmt_num(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else f"{n:g}"


def year_from_words(s: str) -> int | None:
    t = re.sub(r"[\s-]+", " ", s.lower()).strip()
    small = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
             "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
             "seventeen": 17, "eighteen": 18, "nineteen": 19}
    tens = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}

    def two(ws: list[str]) -> int | None:
        if not ws:
            return 0
        if ws[0] == "oh" and len(ws) == 2 and ws[1] in small:
            return small[ws[1]]
        if len(ws) == 1 and ws[0] in small:
            return small[ws[0]]
        if ws[0] in tens:
            if len(ws) == 1:
                return tens[ws[0]]
            if len(ws) == 2 and ws[1] in small and small[ws[1]] < 10:
                return tens[ws[0]] + small[ws[1]]
        return None

    ws = [w for w in t.split() if w != "and"]
    if len(ws) >= 2 and ws[0] == "two" and ws[1] == "thousand":
        rest = two(ws[2:])
        return None if rest is None else 2000 + rest
    if ws and ws[0] in ("eighteen", "nineteen", "twenty"):
        century = {"eighteen": 18, "nineteen": 19, "twenty": 20}[ws[0]]
        if ws[1:] == ["hundred"]:
            return century * 100
        rest = two(ws[1:])
        return None if rest is None else century * 100 + rest
    return None


def quarter_of(d: dt.date) -> int:
    return (d.month - 1) // 3 + 1


def iso_week(d: dt.date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def _lookup(table: dict, word: str | None):
    if word is None:
        return None
    w = re.sub(r"\s+", " ", word.lower().rstrip(".").strip())
    return table.get(w)


def month_num(ctx: Context, g: dict) -> int | None:
    if g.get("mnum"):
        return int(g["mnum"])
    return _lookup(ctx.words["months"], g.get("month"))


def weekday_num(ctx: Context, word: str | None) -> int | None:
    return _lookup(ctx.words["weekdays"], word)


def _unit_code(ctx: Context, word: str | None) -> str | None:
    return _lookup(ctx.words["units"], word)


def _rel_value(ctx: Context, word: str | None) -> int | None:
    if word is None:
        return None
    return _lookup(ctx.words["relative_words"], word)


_NEAR_DAYS = 31


def anchor_year(ctx: Context, month: int, day: int | None = None) -> int | None:
    """Year of a month (and day) written without one.

    A tense cue right next to it decides ("sales fell in March": before the
    DCT; "will open in March": after). Otherwise the occurrence nearest the
    DCT if it is within about three months, else the tense of the sentence,
    else the DCT's year. A reporting verb ("said") says nothing about the
    date's own time.
    """
    d = ctx.dct
    if d is None:
        return None
    try:
        this = dt.date(d.year, month, min(day or 15, 28))
    except ValueError:
        return d.year
    ref = d if day else dt.date(d.year, d.month, 15)
    if this == ref or (not day and month == d.month):
        return d.year
    if this < ref:
        before, after = this, dt.date(d.year + 1, this.month, this.day)
        yb, ya = d.year, d.year + 1
    else:
        before, after = dt.date(d.year - 1, this.month, this.day), this
        yb, ya = d.year - 1, d.year
    back, fwd = (ref - before).days, (after - ref).days
    if day and min(back, fwd) <= _NEAR_DAYS:
        # a day within a month of the DCT is that one, whatever the verb ("was extended to Nov. 16")
        return yb if back <= fwd else ya
    by_tense = {"future": ya, "past": yb}
    strong = ctx.strong_tense()
    if strong in by_tense:
        return by_tense[strong]
    if min(back, fwd) <= 100:
        return yb if back <= fwd else ya
    return by_tense.get(ctx.tense(), d.year)


def resolve_weekday(ctx: Context, wd: int, rel: int | None = None) -> dt.date | None:
    d = ctx.dct
    if d is None:
        return None
    cur = d.isoweekday()
    if rel is None:
        tense = ctx.tense()
        if tense == "future" and not (wd == cur):
            delta = (wd - cur) % 7
        else:
            delta = -((cur - wd) % 7)
    elif rel > 0:
        delta = (wd - cur) % 7 or 7
    elif rel < 0:
        delta = -((cur - wd) % 7 or 7)
    else:  # "this Friday": within the current week, forward if the tense says so
        delta = wd - cur
        if ctx.tense() == "future" and delta < 0:
            delta += 7
    return d + dt.timedelta(days=delta)


def shift(ctx: Context, unit: str, n: int) -> str | None:
    """The DCT moved n units, written at that unit's precision."""
    d = ctx.dct
    if d is None:
        return {"Y": "XXXX", "M": "XXXX-XX", "W": "XXXX-WXX", "D": "XXXX-XX-XX", "Q": "XXXX-QX",
                "DE": "XXX", "CE": "XX", "WE": "XXXX-WXX-WE"}.get(unit)
    if unit == "Y":
        return f"{d.year + n:04d}"
    if unit == "M":
        x = d + relativedelta(months=n)
        return f"{x.year:04d}-{x.month:02d}"
    if unit == "W":
        return iso_week(d + dt.timedelta(weeks=n))
    if unit == "WE":
        return iso_week(d + dt.timedelta(weeks=n)) + "-WE"
    if unit == "D":
        return (d + dt.timedelta(days=n)).isoformat()
    if unit == "Q":
        q = d.year * 4 + quarter_of(d) - 1 + n
        return f"{q // 4:04d}-Q{q % 4 + 1}"
    if unit == "DE":
        return f"{d.year // 10 + n:03d}"
    if unit == "CE":
        return f"{d.year // 100 + n:02d}"
    if unit in ("TH", "TM", "TS"):
        return d.isoformat()
    return None


def _year_of(ctx: Context, g: dict) -> int | None:
    if g.get("year"):
        y = g["year"]
        if y.isdigit():
            if len(y) == 2:
                return _two_digit_year(ctx, int(y))
            return int(y)
        return year_from_words(y)
    if g.get("yearw"):
        return year_from_words(g["yearw"])
    if g.get("yy"):
        return _two_digit_year(ctx, int(g["yy"].lstrip("'")))
    return None


def _two_digit_year(ctx: Context, yy: int) -> int:
    base = ctx.dct.year if ctx.dct else 2000
    best = None
    for c in (base // 100 - 1, base // 100, base // 100 + 1):
        y = c * 100 + yy
        if best is None or abs(y - base) < abs(best - base):
            best = y
    return best


def _ord(ctx: Context, word: str | None) -> int | None:
    if word is None:
        return None
    w = word.lower().replace(" ", "-")
    if w in ("final", "last", "latter"):
        return -1
    return ctx.words["ordinals"].get(w) or ctx.words["ordinals"].get(w.replace("-", " "))


# ---------------------------------------------------------------- normalizers


def norm_date(ctx: Context, g: dict, params: dict) -> Result | None:
    year = _year_of(ctx, g)
    rel = _rel_value(ctx, g.get("rel"))
    if year is None and rel is not None and ctx.dct:
        year = ctx.dct.year + rel
    month = month_num(ctx, g)
    day = None
    if g.get("day"):
        day = int(re.sub(r"\D", "", g["day"]))
    elif g.get("dayw"):
        day = _ord(ctx, g["dayw"])
        if day is None or day < 1:
            return None
    if month is not None:
        if day is not None:
            if not 1 <= day <= 31:
                return None
            if year is None:
                year = anchor_year(ctx, month, day)
            try:
                dt.date(year or 2000, month, day)
            except ValueError:
                return None
            return "DATE", f"{_y(year)}-{month:02d}-{day:02d}", None
        if year is None:
            year = anchor_year(ctx, month)
        return "DATE", f"{_y(year)}-{month:02d}", None
    season = _lookup(ctx.words["seasons"], g.get("season"))
    if season:
        if year is None and ctx.dct:
            year = ctx.dct.year
        return "DATE", f"{_y(year)}-{season}", None
    q = g.get("q") or g.get("q2")
    if q:
        qn = int(q) if q.isdigit() else _ord(ctx, q)
        if qn == -1:
            qn = 4
        if not qn or not 1 <= qn <= 4:
            return None
        if year is None:
            year = _anchor_quarter_year(ctx, qn)
        v = f"{_y(year)}-Q{qn}"
        return "DATE", v, None
    h = g.get("h")
    if h:
        hn = int(h) if h.isdigit() else _ord(ctx, h)
        if hn == -1:
            hn = 2
        if hn not in (1, 2):
            return None
        if year is None and ctx.dct:
            year = ctx.dct.year
        return "DATE", f"{_y(year)}-H{hn}", None
    if year is not None:
        return "DATE", f"{year:04d}", None
    return None


def _anchor_quarter_year(ctx: Context, qn: int) -> int | None:
    """Year of "the third quarter": the DCT's, or the year before for a quarter
    still to come that the sentence puts in the past, or when the document is
    already talking about last year's quarters."""
    if ctx.dct is None:
        return None
    cq = quarter_of(ctx.dct)
    year = ctx.dct.year
    if qn > cq:
        lq = ctx.state.last_quarter
        if ctx.strong_tense() == "past" or (lq and lq[:4].isdigit() and int(lq[:4]) == year - 1):
            return year - 1
    return year


def _y(year: int | None) -> str:
    return "XXXX" if year is None else f"{year:04d}"


def norm_month_relative_year(ctx: Context, g: dict, params: dict) -> Result | None:
    month = month_num(ctx, g)
    rel = _rel_value(ctx, g.get("rel"))
    if month is None:
        return None
    year = ctx.dct.year + (rel or 0) if ctx.dct else None
    return "DATE", f"{_y(year)}-{month:02d}", None


def norm_relative_named(ctx: Context, g: dict, params: dict) -> Result | None:
    """'last November', 'next spring', 'this summer'."""
    rel = _rel_value(ctx, g.get("rel"))
    if rel is None:
        return None
    d = ctx.dct
    month = month_num(ctx, g)
    if month is not None:
        if d is None:
            return "DATE", f"XXXX-{month:02d}", None
        if rel < 0:
            year = d.year if month < d.month else d.year - 1
        elif rel > 0:
            year = d.year if month > d.month else d.year + 1
        else:
            year = d.year
        return "DATE", f"{year:04d}-{month:02d}", None
    season = _lookup(ctx.words["seasons"], g.get("season"))
    if season:
        if d is None:
            return "DATE", f"XXXX-{season}", None
        start_month = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}[season]
        relword = re.sub(r"\s+", " ", (g.get("rel") or "").lower())
        if rel < 0 and relword in ("this past", "the most recent", "the past"):
            year = d.year if d.month >= start_month + 3 else d.year - 1
        elif rel < 0:
            year = d.year - 1
        elif rel > 0:
            year = d.year + 1 if d.month >= start_month else d.year
        else:
            year = d.year
            if season == "WI" and d.month <= 3:
                year = d.year - 1
        return "DATE", f"{year:04d}-{season}", None
    return None


def norm_relative_unit(ctx: Context, g: dict, params: dict) -> Result | None:
    rel = params.get("rel")
    if rel is None:
        rel = _rel_value(ctx, g.get("rel"))
    if rel is None:
        return None
    unit = params.get("unit") or g.get("unit")
    code = _unit_code(ctx, unit)
    if code is None:
        return None
    mod = None
    if g.get("mod"):
        mod = "START" if g["mod"].lower().startswith("earl") else "END"
    relword = (g.get("rel") or "").lower()
    if code == "WE":
        if rel == 0 and "this" not in relword:
            # "the weekend": the one just past, unless the sentence looks ahead
            d = ctx.dct
            if d is not None and ctx.tense() != "future" and d.isoweekday() < 6:
                rel = -1
        return "DATE", shift(ctx, "WE", rel), mod
    if code == "D" and relword.endswith("same"):
        return None
    v = shift(ctx, code, rel)
    if v is None:
        return None
    return "DATE", v, mod


def norm_weekday(ctx: Context, g: dict, params: dict) -> Result | None:
    wd = weekday_num(ctx, g.get("wd"))
    if wd is None:
        return None
    relword = (g.get("rel") or "").lower()
    if relword.startswith("the day"):
        base = resolve_weekday(ctx, wd, None)
        delta = -1 if "before" in relword else 1
        day = base + dt.timedelta(days=delta) if base else None
    else:
        rel = _rel_value(ctx, relword) if relword else None
        day = resolve_weekday(ctx, wd, rel)
    dv = day.isoformat() if day else f"XXXX-WXX-{wd}"
    pod = g.get("pod") or g.get("pod2")
    if pod:
        code = _lookup(ctx.words["parts_of_day"], pod)
        if code:
            return "TIME", dv + (code if code.startswith("T") else "T" + code), None
    return "DATE", dv, None


_DAYREL = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1, "overnight": 0, "this": 0, "last": -1}


def norm_dct_day(ctx: Context, g: dict, params: dict) -> Result | None:
    word = (g.get("dayrel") or g.get("rel") or "").lower()
    n = _DAYREL.get(word)
    if n is None:
        return None
    if g.get("dir"):
        n += -1 if g["dir"].lower() == "before" else 1
    pod = g.get("pod")
    if word == "tonight":
        pod = "night"
    if word == "overnight":
        pod = "night"
    if word == "last" and not pod:
        return None
    d = ctx.dct
    dv = (d + dt.timedelta(days=n)).isoformat() if d else "XXXX-XX-XX"
    if pod:
        code = _lookup(ctx.words["parts_of_day"], pod)
        if code:
            return "TIME", dv + (code if code.startswith("T") else "T" + code), None
    return "DATE", dv, None


def _offset_unit_value(ctx: Context, code: str, n: int) -> str | None:
    if code == "DE":
        return shift(ctx, "Y", 10 * n)
    if code == "CE":
        return shift(ctx, "CE", n)
    if code in ("TH", "TM", "TS"):
        return shift(ctx, "D", 0)
    if code == "FN":
        return shift(ctx, "W", 2 * n)
    return shift(ctx, code, n)


def norm_offset(ctx: Context, g: dict, params: dict) -> Result | None:
    code = _unit_code(ctx, g.get("unit"))
    if code is None:
        return None
    direction = re.sub(r"\s+", " ", (g.get("dir") or "ago").lower())
    sign = -1 if direction in ("ago", "earlier", "before", "back") else 1
    n = parse_number(g.get("num"), ctx.lex)
    if n is None:
        return "DATE", "PAST_REF" if sign < 0 else "FUTURE_REF", None
    if not float(n).is_integer():
        n = round(n)
    n = int(n)
    if code == "Y" and n == 1 and ctx.state.last_quarter and ctx.state.last_quarter[:4].isdigit():
        y = int(ctx.state.last_quarter[:4]) + sign
        return "DATE", f"{y:04d}{ctx.state.last_quarter[4:]}", None
    v = _offset_unit_value(ctx, code, sign * n)
    if v is None:
        return None
    return "DATE", v, None


def norm_year_ago_reference(ctx: Context, g: dict, params: dict) -> Result | None:
    unit = (g.get("unit") or "").lower()
    lq = ctx.state.last_quarter
    if unit in ("", "quarter", "period") and lq and lq[:4].isdigit():
        return "DATE", f"{int(lq[:4]) - 1:04d}{lq[4:]}", None
    d = ctx.dct
    if d is None:
        return "DATE", "XXXX", None
    if unit in ("quarter", "period"):
        q = d.year * 4 + quarter_of(d) - 2
        return "DATE", f"{q // 4 - 1:04d}-Q{q % 4 + 1}", None
    return "DATE", f"{d.year - 1:04d}", None


def norm_anaphoric(ctx: Context, g: dict, params: dict) -> Result | None:
    unit = (g.get("unit") or "").lower()
    text = ctx.text[ctx.start:ctx.end].lower()
    d = ctx.dct
    if unit in ("quarter", "period"):
        m = _ENDED.match(ctx.text, ctx.end)
        if m:
            month = _lookup(ctx.words["months"], m.group("month"))
            if month:
                year = int(m.group("year")) if m.group("year") else anchor_year(ctx, month, int(m.group("day")))
                if year:
                    return "DATE", f"{year:04d}-Q{(month - 1) // 3 + 1}", None
    if unit == "quarter":
        if "current" in text or "this" in text:
            return "DATE", shift(ctx, "Q", 0), None
        if ctx.state.last_quarter:
            return "DATE", ctx.state.last_quarter, None
        return "DATE", shift(ctx, "Q", -1), None
    if unit == "period":
        if ctx.state.last_quarter:
            return "DATE", ctx.state.last_quarter, None
        return None
    if unit == "year":
        if "current" in text:
            return "DATE", shift(ctx, "Y", 0), None
        if ctx.state.last_year:
            return "DATE", ctx.state.last_year, None
        if "latest" in text:
            return "DATE", shift(ctx, "Y", 0), None
        return None
    return None


_ENDED = re.compile(r"\s+(?:that\s+|which\s+)?(?:ended|ending|ends|that\s+ended)\s+(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2})(?:,?\s+(?P<year>\d{4}))?")


def norm_the_year(ctx: Context, g: dict, params: dict) -> Result | None:
    return "DATE", shift(ctx, "Y", 0), None


def norm_year_end(ctx: Context, g: dict, params: dict) -> Result | None:
    return "DATE", shift(ctx, "Y", 0), "END"


def norm_constant(ctx: Context, g: dict, params: dict) -> Result | None:
    """A fixed type and value given by the rule ("the year ended March 31": DURATION P1Y)."""
    return params.get("type", "DATE"), params["value"], params.get("mod")


def norm_reference(ctx: Context, g: dict, params: dict) -> Result | None:
    v = _lookup(ctx.words["references"], g.get("ref"))
    if v is None:
        return None
    return "DATE", v, None


_DUR_UNIT = {"Y": "Y", "M": "M", "W": "W", "D": "D", "TH": "H", "TM": "M", "TS": "S", "Q": "Q", "DE": "DE", "CE": "CE",
             "ML": "ML", "WE": "WE", "FN": "W"}


_IN_SMALLER_UNITS = {"Q": (3, "M"), "DE": (10, "Y"), "CE": (100, "Y"), "ML": (1000, "Y"), "FN": (2, "W"), "WE": (2, "D")}


def duration_value(n: float | None, code: str) -> str:
    if n is None:
        u = {"DE": "E", "CE": "C", "ML": "L", "Q": "Q", "WE": "WE"}.get(code, _DUR_UNIT[code])
        return ("PTX" if code in ("TH", "TM", "TS") else "PX") + u
    if code in _IN_SMALLER_UNITS:  # a quarter is 3 months, a decade 10 years, a fortnight 2 weeks...
        times, code = _IN_SMALLER_UNITS[code]
        n = n * times
    prefix = "PT" if code in ("TH", "TM", "TS") else "P"
    if not float(n).is_integer():
        # 2.5 years -> P2Y6M, 1.5 hours -> PT1H30M
        smaller = {"Y": ("M", 12), "M": ("D", 30), "W": ("D", 7), "D": ("TH", 24), "TH": ("TM", 60), "TM": ("TS", 60)}
        if code in smaller:
            code2, f = smaller[code]
            whole, rest = int(n), (n - int(n)) * f
            if float(rest).is_integer():
                head = f"{whole}{_DUR_UNIT[code]}" if whole else ""
                if code2.startswith("T") and not code.startswith("T"):
                    return f"P{head}T{int(rest)}{_DUR_UNIT[code2]}"
                return f"{prefix}{head}{int(rest)}{_DUR_UNIT[code2]}"
    return f"{prefix}{fmt_num(n)}{_DUR_UNIT[code]}"


def norm_duration(ctx: Context, g: dict, params: dict) -> Result | None:
    code = _unit_code(ctx, g.get("unit"))
    if code is None:
        return None
    numtext = (g.get("num") or "").lower()
    unitw = (g.get("unit") or "").lower()
    if unitw == "second" and numtext in ("a", "an", "one"):
        return None
    if code == "Q" and (numtext in ("a", "an", "one") or (numtext == "three" and "-" in ctx.text[ctx.start:ctx.end])
                        or re.match(r"\s+of\b", ctx.text[ctx.end:ctx.end + 4])):
        return None  # "a quarter of", "three-quarters of": fractions
    if params.get("vague"):
        return "DURATION", duration_value(None, code), None
    n = parse_number(g.get("num"), ctx.lex)
    if n is not None and 1500 <= n <= 2100 and re.fullmatch(r"\d{4}", numtext or ""):
        return None  # "the 1988 quarter" and the like are not durations
    if n is not None and (params.get("half") or g.get("half")):
        n += 0.5
    return "DURATION", duration_value(n, code), None


_SET_ADVERBS = {"daily": "P1D", "weekly": "P1W", "monthly": "P1M", "yearly": "P1Y", "annually": "P1Y",
                "quarterly": "P3M", "hourly": "PT1H", "nightly": "P1D", "biweekly": "P2W",
                "semiannually": "P6M", "semi-annually": "P6M", "biannually": "P6M"}


def norm_set(ctx: Context, g: dict, params: dict) -> Result | None:
    unitw = (g.get("unit") or "").lower()
    if unitw in _SET_ADVERBS:
        return "SET", _SET_ADVERBS[unitw], None
    if g.get("wd"):
        wd = weekday_num(ctx, g["wd"].rstrip("sS") if g["wd"].lower().endswith("days") else g["wd"])
        if wd is None:
            return None
        v = f"XXXX-WXX-{wd}"
        if g.get("pod"):
            code = _lookup(ctx.words["parts_of_day"], g["pod"])
            if code:
                v += "T" + code
        return "SET", v, None
    if g.get("month"):
        m = month_num(ctx, g)
        return ("SET", f"XXXX-{m:02d}", None) if m else None
    season = _lookup(ctx.words["seasons"], unitw)
    if season:
        return "SET", f"XXXX-{season}", None
    pod = _lookup(ctx.words["parts_of_day"], unitw)
    if pod:
        return "SET", f"XXXX-XX-XXT{pod}", None
    code = _unit_code(ctx, unitw)
    if code is None:
        return None
    n = 1.0
    num = (g.get("num") or "").lower()
    if g.get("other"):
        n = 2.0
    elif num and not re.search(r"once|twice|thrice|times", num):
        n = parse_number(num, ctx.lex) or 1.0
    return "SET", duration_value(n, code), None


def norm_time(ctx: Context, g: dict, params: dict) -> Result | None:
    d = ctx.dct
    day = None
    if g.get("wd"):
        wd = weekday_num(ctx, g["wd"])
        day = resolve_weekday(ctx, wd, None) if wd else None
        dv = day.isoformat() if day else f"XXXX-WXX-{wd}"
    elif g.get("month") and g.get("day"):
        res = norm_date(ctx, {"month": g["month"], "day": g["day"]}, {})
        if res is None:
            return None
        dv = res[1]
    elif g.get("dayrel"):
        n = _DAYREL.get(g["dayrel"].lower(), 0)
        dv = (d + dt.timedelta(days=n)).isoformat() if d else "XXXX-XX-XX"
    else:
        dv = d.isoformat() if d else "XXXX-XX-XX"
    pod = (g.get("pod") or "").lower()
    if g.get("hour") or g.get("hourw"):
        if g.get("hour"):
            h = int(g["hour"])
        else:
            hn = parse_number(g["hourw"], ctx.lex)
            if hn is None:
                return None
            h = int(hn)
        if not 0 <= h <= 24:
            return None
        minute = int(g["minute"]) if g.get("minute") else 0
        ampm = (g.get("ampm") or "").lower().replace(".", "").replace(" ", "")
        if ampm == "pm" or "afternoon" in pod or "evening" in pod or "night" in pod:
            if h < 12:
                h += 12
        elif ampm == "am" and h == 12:
            h = 0
        return "TIME", f"{dv}T{h:02d}:{minute:02d}", None
    if pod:
        code = _lookup(ctx.words["parts_of_day"], pod)
        if code:
            return "TIME", dv + (code if code.startswith("T") else "T" + code), None
    return None


def _holiday_date(spec: str, year: int) -> dt.date | None:
    if spec.startswith("easter"):
        e = easter(year)
        m = re.fullmatch(r"easter([+-]\d+)?", spec)
        return e + dt.timedelta(days=int(m.group(1) or 0)) if m else e
    if spec == "election":
        nov1 = dt.date(year, 11, 1)
        first_monday = nov1 + dt.timedelta(days=(0 - nov1.weekday()) % 7)
        return first_monday + dt.timedelta(days=1)
    m = re.fullmatch(r"(\d\d)-(\d\d)", spec)
    if m:
        return dt.date(year, int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"(\d\d)-(MO|TU|WE|TH|FR|SA|SU)(-?\d)", spec)
    if m:
        month, wd, nth = int(m.group(1)), ["MO", "TU", "WE", "TH", "FR", "SA", "SU"].index(m.group(2)), int(m.group(3))
        if nth > 0:
            first = dt.date(year, month, 1)
            return first + dt.timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
        last = dt.date(year, month, 1) + relativedelta(months=1, days=-1)
        return last - dt.timedelta(days=(last.weekday() - wd) % 7)
    return None


def norm_holiday(ctx: Context, g: dict, params: dict) -> Result | None:
    spec = _lookup(ctx.words["holidays"], g.get("holiday"))
    if spec is None:
        return None
    year = _year_of(ctx, g)
    rel = _rel_value(ctx, g.get("rel"))
    if year is None and ctx.dct:
        year = ctx.dct.year + (rel or 0)
        if rel is None:
            probe = _holiday_date(spec, year)
            tense = ctx.tense()
            if probe and tense == "past" and probe > ctx.dct + dt.timedelta(days=7):
                year -= 1
            elif probe and tense == "future" and probe < ctx.dct - dt.timedelta(days=7):
                year += 1
    if year is None:
        m = re.fullmatch(r"(\d\d)-(\d\d)", spec)
        return ("DATE", f"XXXX-{spec}", None) if m else None
    day = _holiday_date(spec, year)
    if day is None:
        return None
    return "DATE", day.isoformat(), None


def norm_decade(ctx: Context, g: dict, params: dict) -> Result | None:
    if g.get("dec"):
        return "DATE", g["dec"], None
    if g.get("ydec"):
        century = 19
        if ctx.dct is not None:
            # '20s said in 2026 are the 2020s; '80s are the 1980s
            century = ctx.dct.year // 100 if int(g["ydec"]) * 10 <= ctx.dct.year % 100 + 10 else ctx.dct.year // 100 - 1
        return "DATE", f"{century}{g['ydec']}", None
    n = _lookup(ctx.words["decade_words"], g.get("decw"))
    if n is None:
        return None
    century = 19
    if ctx.dct is not None:
        century = ctx.dct.year // 100 if n * 10 <= ctx.dct.year % 100 + 10 else ctx.dct.year // 100 - 1
    return "DATE", f"{century}{n}", None


def norm_century(ctx: Context, g: dict, params: dict) -> Result | None:
    c = g.get("cent") or ""
    n = int(re.sub(r"\D", "", c)) if re.match(r"\d", c) else _ord(ctx, c)
    if not n or n < 1:
        return None
    return "DATE", f"{n - 1:02d}", None


def norm_week_of(ctx: Context, g: dict, params: dict) -> Result | None:
    res = norm_date(ctx, g, params)
    if res is None or not re.fullmatch(r"\d{4}-\d\d-\d\d", res[1]):
        return None
    return "DATE", iso_week(dt.date.fromisoformat(res[1])), None


def norm_year_period(ctx: Context, g: dict, params: dict) -> Result | None:
    """'the 1988 period', "last year's quarter": the quarter under discussion, in that year."""
    year = _year_of(ctx, g)
    rel = _rel_value(ctx, g.get("rel"))
    if year is None and rel is not None and ctx.dct:
        year = ctx.dct.year + rel
    if year is None:
        return None
    lq = ctx.state.last_quarter
    if lq and lq[:4].isdigit():
        return "DATE", f"{year:04d}{lq[4:]}", None
    return "DATE", f"{year:04d}", None


_PART_MOD = {"end": "END", "close": "END", "beginning": "START", "start": "START", "middle": "MID"}


def norm_part_of_unit(ctx: Context, g: dict, params: dict) -> Result | None:
    """'the end of the month', 'the beginning of next year'."""
    code = _unit_code(ctx, g.get("unit"))
    relword = (g.get("rel") or "").lower()
    rel = 0 if relword in ("the", "this") else _rel_value(ctx, relword)
    if code is None or rel is None:
        return None
    v = shift(ctx, code, rel)
    return ("DATE", v, _PART_MOD.get((g.get("part") or "").lower())) if v else None


NORMALIZERS = {
    "part_of_unit": norm_part_of_unit,
    "week_of": norm_week_of,
    "year_period": norm_year_period,
    "date": norm_date,
    "month_relative_year": norm_month_relative_year,
    "relative_named": norm_relative_named,
    "relative_unit": norm_relative_unit,
    "weekday": norm_weekday,
    "dct_day": norm_dct_day,
    "offset": norm_offset,
    "year_ago_reference": norm_year_ago_reference,
    "anaphoric": norm_anaphoric,
    "the_year": norm_the_year,
    "year_end": norm_year_end,
    "reference": norm_reference,
    "constant": norm_constant,
    "duration": norm_duration,
    "set": norm_set,
    "time": norm_time,
    "holiday": norm_holiday,
    "decade": norm_decade,
    "century": norm_century,
}
