"""Where companies are based, read from the text: the home market a company cannot "enter".

The spec's judgement calls: a launch in the company's home market is not a
statement, and "Quillon Ltd of Chile" names a partner's seat, not a market
anyone enters. `read_homes` finds, for each company in a document, the
evidence the text gives, strongest first:

1. the text itself: "Norway's Fjellsted Bank", "U.S. brokerage firm Harlow
   Partners", "Orvella Corp of Japan", "Tamsin Life, Japan's third-biggest
   insurer", "Lyon-based Marcelline";
2. an exchange code: <QRLN.T>, (HRLW.L), (HKEX: 1234), or the home column of
   the known companies list (data/companies.csv);
3. the name: "Ghana Cocoa Growers Union", "Farm Credit Bank of Kenya" (not a
   place at the end, which names a local unit: "Orvella Foods Canada");
4. a legal form that belongs to one country (data/legal_forms.csv): KK, Bhd, Oyj, Plc...;
5. a Reuters bare ticker (<QRX>: listed in New York), or the dateline for the
   story's lead company ("DENVER - Pumpkin Rail Inc said...");
6. with nothing else, a story datelined in the US: a company it names without
   any foreign tie is taken as American (wire copy from US bureaus is mostly
   about US companies; foreign ones come with a ticker, a nationality or a seat).

The places of kind 1 are also returned as seats, so the extractor does not
take them for target markets. Hints are data (data/home_hints.csv, data/legal_forms.csv,
data/company_nouns.csv).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

from .companies import LEGAL_SUFFIXES, CompanyIndex, known_companies, known_homes, legal_forms, phrase_alternation
from .cues import company_nouns
from .datafiles import data_rows
from .markets import MarketMention, country_of, find_markets, markets


@dataclass
class Homes:
    home: dict[str, str] = field(default_factory=dict)  # company -> country code
    rule: dict[str, str] = field(default_factory=dict)  # company -> which evidence gave it
    seats: list[tuple[int, int]] = field(default_factory=list)  # spans of places that are a company's seat

    def is_seat(self, start: int, end: int) -> bool:
        return any(s <= start and end <= e for s, e in self.seats)

    def is_home(self, company: str, code: str) -> bool:
        """True when `code` is the company's home country. A region around it is not (a Chinese firm
        entering "the Asian markets" means the others), nor is a state of it ("the Texas market")."""
        return self.home.get(company) == code


@lru_cache(maxsize=1)
def _hints() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for row in data_rows("home_hints.csv"):
        out.setdefault(row["kind"], {})[row["value"]] = row["code"] or ""
    return out


@lru_cache(maxsize=1)
def _national_forms() -> dict[str, str]:
    """The legal forms that belong to one country ("KK", "Oyj"), with its code."""
    return {form: country for form, country in legal_forms().items() if country}


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    hints = _hints()
    descriptors = "|".join(re.escape(d) for d in sorted(company_nouns("descriptor"), key=len, reverse=True))
    suffixes = phrase_alternation(_national_forms())
    exchanges = "|".join(re.escape(e) for e in sorted(hints["exchange"], key=len, reverse=True))
    tail = rf"[.>)]*(?:\s*[<(][^<>()]{{1,12}}[>)])*(?:\s*,?\s+(?:{LEGAL_SUFFIXES})\.?>?)*"  # "Ltd>", " <QRLN.T>"
    return {
        # right after a mention: "<TSBA.T>", "(CAWL.L)", "(HKEX: 1810)"
        "ticker": re.compile(r"[.>]*\s*[<(]\s*[A-Z0-9&]{1,10}\.([A-Z]{1,2})\s*[>)]"),
        "bare_ticker": re.compile(r"[.>]*\s*<[A-Z]{1,6}>"),
        "exchange": re.compile(rf"\s*\(\s*({exchanges})\s*:\s*[\w.]+\s*\)"),
        # "Orvella Corp <ORVL.T> of Japan", "Lumo Verkstad, of Sweden"
        "place_apposition": re.compile(tail + r"\s*,\s*(?:the\s+)?$"),
        "of_place": re.compile(tail + r"\s*,?\s+(?:of|based\s+in|headquartered\s+in)\s+(?:the\s+)?$"),
        # ", Japan's third-biggest insurer", ", the Danish toy group", ", a Lyon-based maker"
        "apposition": re.compile(tail + r"\s*,\s+(?:the\s+|a\s+|an\s+|one\s+of\s+)?(?:[A-Z][\w-]*\s+){0,2}$"),
        "descriptor_after": re.compile(rf"^,?(?:'s|’s|-based)?(?:\s+[\w-]+){{0,4}}?\s+(?:{descriptors})\b"),
        "possessive_after": re.compile(r"^(?:'s|’s|-based|\s+based)\b"),
        # before a mention: "Norway's ", "U.S. brokerage firm ", "Lyon-based ", "Chile's state-owned <"
        "before": re.compile(rf"(?:(?:'s|’s|-based|\s+based)(?:\s+[\w-]+){{0,3}}|(?:\s+[\w-]+){{0,3}}\s+(?:{descriptors}))\s+<?$"),
        "suffix": re.compile(rf"(?:^|[\s,])({suffixes})\.?$"),
    }


def read_homes(text: str, companies: CompanyIndex, dateline: str | None = None, year: int | None = None) -> Homes:
    """Each company's home country and the spans of places that are companies' seats."""
    homes = Homes()
    found: dict[str, dict[int, tuple[str, str]]] = {}  # company -> {tier: (code, rule)}
    pats = _patterns()
    hints = _hints()
    national = _national_forms()
    places = find_markets(text, year)
    starts = [p.start for p in places]

    def note(company: str, tier: int, code: str | None, rule: str) -> None:
        if code and code in markets() and markets()[code].kind != "region":
            found.setdefault(company, {}).setdefault(tier, (country_of(code), rule))

    for m in companies.mentions:
        if not m.company:
            continue
        # 1. the text around the mention
        i = bisect_left(starts, m.end)
        for place in places[i:i + 3]:  # after the mention: "of Japan", ", Japan's largest..."
            gap = text[m.end:place.start]
            if len(gap) > 40:
                break
            span = _seat_span(place, places, text, starts)  # "Darwin, Northern Territory", "Geelong, Australia"
            after = text[span[1]:span[1] + 60]
            if pats["place_apposition"].fullmatch(gap) and not place.adjective and re.match(r"\s*[,.;]", after):
                note(m.company, 1, place.code, "place after name")  # "Quillon Co Ltd, Osaka, Japan, to..."
                homes.seats.append(span)
                break
            if pats["of_place"].fullmatch(gap) and not place.adjective:
                note(m.company, 1, place.code, "of place")
                homes.seats.append(span)
                break
            if pats["apposition"].fullmatch(gap) and (
                    pats["possessive_after"].match(after) or pats["descriptor_after"].match(after)):
                note(m.company, 1, place.code, "apposition")
                homes.seats.append(span)
                break
        j = bisect_left(starts, m.start)
        for place in reversed(places[max(0, j - 2):j]):  # before: "Sweden's X", "U.S. brokerage firm X"
            gap = text[place.end:m.start]
            if len(gap) <= 45 and pats["before"].fullmatch(gap) and "\n\n" not in gap:
                note(m.company, 1, place.code, "before name")
                homes.seats.append((place.start, place.end))
                break
        # 2. exchange codes
        after = text[m.end:m.end + 40]
        t = pats["ticker"].match(after)
        if t and t.group(1) in hints["ticker"]:
            note(m.company, 2, hints["ticker"][t.group(1)], f"ticker .{t.group(1)}")
        e = pats["exchange"].match(after)
        if e:
            note(m.company, 2, hints["exchange"][e.group(1)], f"exchange {e.group(1)}")
        if pats["bare_ticker"].match(after):
            note(m.company, 5, "US", "bare ticker")
    lead = next((m.company for m in companies.mentions if m.company), None)
    for name, company in companies.companies.items():
        # 3. the name itself
        code = _name_country(name, year)
        if code:
            note(name, 3, code, "name")
        # 4. legal forms; 5. a US legal form in a story from the US
        for alias in company.aliases:
            s = pats["suffix"].search(alias)
            if s:
                note(name, 4, national[re.sub(r"\s+", " ", s.group(1))], f"legal form {s.group(1)}")
        for form in companies.legal_forms.get(name, ()):
            if form in national:
                note(name, 4, national[form], f"legal form {form}")
        if dateline and name == lead and name in companies.corporate and name not in known_companies() \
                and not any(_ends_with_place(alias, year) for alias in company.aliases):
            note(name, 5, dateline, "the story's lead company, by its dateline")
        if dateline == "US" and name not in known_companies() \
                and not any(_ends_with_place(alias, year) for alias in company.aliases):
            note(name, 6, "US", "no other evidence, in a story from the US")
    for name, home in known_homes().items():  # the known list's homes, for names this text uses
        if name in companies.companies:
            note(name, 2, home, "known company")
    for company, tiers in found.items():
        code, rule = tiers[min(tiers)]
        homes.home[company], homes.rule[company] = code, rule
    return homes


_SEAT_GAP = re.compile(r",\s*")


def _seat_span(place: MarketMention, places: list[MarketMention], text: str,
               starts: list[int] | None = None) -> tuple[int, int]:
    """"of Darwin, Northern Territory": the seat runs over a place and the region or country after it.

    `places` are in order of start (`starts` their starts, for bisect). Only the places from the
    seat's end on are looked at, and the look stops at the first one that is not after ", ": any
    later one has that same gap at its beginning (a gap that is not "," and blanks never becomes
    one by growing), so cannot follow either. Linear in the places it runs over, not in all the
    document's places for each mention."""
    end = place.end
    if starts is None:
        starts = [p.start for p in places]
    i = bisect_left(starts, end)
    while i < len(places):
        other = places[i]
        i += 1
        if other.start < end:  # inside what the seat already runs over
            continue
        if _SEAT_GAP.fullmatch(text, end, other.start):
            end = other.end
        elif other.start > end:  # an empty gap (a place right at the end) may yet grow into ", "
            break
    return place.start, end


def _ends_with_place(alias: str, year: int | None) -> bool:
    """"Lumo Motor America", "Orvella Foods Canada": a local unit, whose story's dateline says nothing of the parent."""
    found = find_markets(alias, year)  # a country or region ("First Idaho" is a bank, not a unit)
    return bool(found) and found[-1].end == len(alias) and found[-1].start > 0 and "-" not in found[-1].code


def _name_country(name: str, year: int | None) -> str | None:
    """"Ghana Cocoa Growers Union" -> GH; "Bank of Oslo" -> NO; "Orvella Foods Canada" -> None."""
    words = name.split()
    if len(words) < 2:
        return None
    hint = _hints()["name_word"].get(words[0])
    if hint:
        return hint
    of = re.search(r"\bof\s+(?:the\s+)?(.+)$", name)
    if of:
        found = find_markets(of.group(1), year)
        if found and found[0].start == 0 and found[0].end == len(of.group(1)):
            return found[0].code
    found = find_markets(name, year)
    if found and found[0].start == 0 and found[0].end < len(name) and not name[found[0].end:].startswith("'"):
        return found[0].code
    return None
