"""Company mentions: names with corporate suffixes, tickers, known names, and their short forms.

`CompanyIndex.build(text, title)` finds the companies a document names and
every alias each is written as; `mentions` lists them with offsets so the
extractor can pick the subject of a cue ("Orvella plans to...").
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from .cues import company_noun_alternation, company_noun_set, reporting_alternation, speech_verb_regex
from .datafiles import data_rows
from .markets import find_markets
from .textsearch import ByStart, find_phrases


@lru_cache(maxsize=1)
def legal_forms() -> dict[str, str]:
    """Legal form -> the country it belongs to ("" when several), from data/legal_forms.csv."""
    return {row["form"]: row["country"] or "" for row in data_rows("legal_forms.csv")}


def phrase_alternation(phrases: Iterable[str]) -> str:
    """Phrases as a regex alternation, longest first, each space matching any whitespace."""
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))


LEGAL_SUFFIXES = phrase_alternation(legal_forms())  # as a regex alternation
BUSINESS_WORDS = (
    r"Bank|Bancorp|Bancshares|Banking|Motors?|Industries|Airlines?|Airways|Enterprises|Partners|Securities|"
    r"Electric|Electronics|Steel|Chemicals?|Petroleum|Oil|Gas|Mining|Insurance|Life|Trust|Capital|Financial|"
    r"Communications|Technologies|Technology|Systems|Pharmaceuticals?|Foods?|Brewing|Breweries|Stores|"
    r"Resources|Energy|Mines|Telecom|Airline|Automotive|Auto|Investments?|Properties|Land|Shipping|Trading|"
    r"Pharma|Biotech|Labs?|Logistics|Hotels|Resorts|Retail|Cosmetics|Beverages|Apparel"
)
_CAP = r"(?:[A-Z][\w&'’.-]*|[A-Z]{2,}|&)"
_CONNECT = r"(?:and|of|de|du|des|der|del|della|di|la|le|von|van|für|et|y|the)"
_NAME = rf"{_CAP}(?:\s+(?:{_CONNECT}\s+)?{_CAP}){{0,5}}"
SUFFIX_NAME = re.compile(rf"\b({_NAME})\s*,?\s+(?:{LEGAL_SUFFIXES})\b\.?")
BUSINESS_NAME = re.compile(rf"\b({_CAP}(?:\s+{_CAP}){{0,3}}\s+(?:{BUSINESS_WORDS}))\b")
# universities and colleges open campuses abroad as companies open stores ("University of Kestrel", "Kestrel University")
EDUCATION_NAME = re.compile(rf"\b((?:University|College|Institute)[ ]+of[ ]+(?:the[ ]+)?{_CAP}(?:[ ]+{_CAP}){{0,2}}"
                            rf"|(?!The\b|A\b){_CAP}(?:[ ]+{_CAP}){{0,2}}[ ]+(?:University|College))\b")
TICKER_NAME = re.compile(rf"\b({_NAME})\s*<[A-Z0-9.]{{1,10}}>")
BRACKETED = re.compile(r"<([A-Z][^<>]{1,80}?)>")
ACRONYM_NAME = re.compile(r"\b((?:[A-Z][\w&'-]+\s+(?:of\s+|and\s+|for\s+)?){1,6}[A-Z][\w&'-]+)\s*\(([A-Z][A-Za-z]{1,6})\)")
LEGAL_FORM = re.compile(rf"({LEGAL_SUFFIXES})\.?$")
STRIP_SUFFIX = re.compile(rf"(?:\s*,?\s+(?:{LEGAL_SUFFIXES})\.?)+$")
ACRONYM = re.compile(r"\(([A-Z][A-Za-z&]{1,7})\)|-([A-Z]{2,6})$")

# Capitalized words that open a sentence or a phrase, never a name: dropped from a name's start.
FUNCTION_WORDS = frozenset(
    """The A An And But For In On At By Of To With From As It Its He She They We I This That These Those
    Mr Mrs Ms Dr Sir Lord President Chairman Minister Officials Analysts Sources Government Ministry
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday Reuters However Meanwhile Also
    While When After Before Under Since If Although According Some Many Most Other Both Each Its
    Last Next Earlier Later Today Yesterday Tomorrow Now Then One Two Three Several Besides Like Unlike
    There Here What Who Why How Such Any All No Not Only Also Even Still Yet Nor So Or""".split()
)
# Words that may start a name ("New Hampshire Mutual", "United Pumps", "Federal Cartons") but are
# not a company on their own.
NAME_STARTERS = frozenset(
    """New North South East West Central Western Eastern Northern Southern United National International
    State Federal Foreign First Second Third""".split()
)
NOT_NAMES = FUNCTION_WORDS | NAME_STARTERS
SENTENCE_BREAK = re.compile(r"(?<=[a-z]{2})\.\s+(?=[A-Z])")  # "Danish. The Council": two sentences


@lru_cache(maxsize=1)
def known_companies() -> dict[str, str]:
    """alias -> canonical name, from data/companies.csv."""
    out: dict[str, str] = {}
    for row in data_rows("companies.csv"):
        out[row["name"]] = row["name"]
        for alias in filter(None, (row["aliases"] or "").split("|")):
            out[alias] = row["name"]
    return out


@lru_cache(maxsize=1)
def known_homes() -> dict[str, str]:
    """canonical name -> home country, from the home column of data/companies.csv."""
    return {row["name"]: row["home"] for row in data_rows("companies.csv") if row.get("home")}


def canonical_name(name: str) -> str:
    """Short common name: legal suffixes and tickers dropped ("Harlow Mills AG" -> "Harlow Mills")."""
    name = re.sub(r"\s+", " ", name).strip(" ,.")
    name = re.sub(r"\s*<[^>]*>", "", name)
    name = re.sub(r"^(?:The|the)\s+", "", name)
    name = ACRONYM.sub("", name).strip(" ,-")
    short = STRIP_SUFFIX.sub("", name).strip(" ,")
    short = re.sub(r"\s+(?:and|&|of|de|et)$", "", short)  # "K.L. Varga and Co" -> "K.L. Varga"
    return short or name


@dataclass
class Company:
    name: str  # canonical short name
    aliases: set[str] = field(default_factory=set)
    first: int = 0  # offset of the first mention


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    company: str


@dataclass
class CompanyIndex:
    companies: dict[str, Company] = field(default_factory=dict)
    alias_to_name: dict[str, str] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    institutions: set[str] = field(default_factory=set)  # names of bodies that are not companies, as written
    corporate: set[str] = field(default_factory=set)  # companies named with a legal form, ticker or on the known list
    legal_forms: dict[str, set[str]] = field(default_factory=dict)  # company -> legal forms it is written with
    by_start: ByStart[Mention] = field(default_factory=lambda: ByStart([]))  # the mentions, for mentions_between

    def add(self, surface: str, offset: int, corporate: bool = False, legal_form: bool = False) -> str | None:
        """Register a company written as `surface` (`legal_form`: written with one, so a leading title
        is part of the name); returns its canonical name."""
        surface = re.sub(r"\s+", " ", surface).strip(" ,.")
        surface = _trim_leading(SENTENCE_BREAK.split(surface)[-1], legal_form)  # the part after a sentence end
        surface = re.sub(r"(?:'s|’s)$", "", re.sub(r"^\S+-based\s+", "", surface))  # "Lyon-based Marcelline"
        if "'s " in surface or "’s " in surface:  # "Quillon Inc's Pumpkin Rail unit": the unit is named last
            owner, _, rest = surface.replace("’s ", "'s ").rpartition("'s ")
            place = find_markets(owner)
            surface = rest if len(rest.split()) >= 2 or place and place[0].alias == owner else owner  # "Sweden's X"
        if not surface or surface.split()[0] in NOT_NAMES and len(surface.split()) == 1 or len(surface) < 2:
            return None
        known = known_companies()
        name = known.get(surface) or known.get(canonical_name(surface)) or canonical_name(surface)
        words = name.split()
        for n in range(len(words) - 1, 0, -1):  # "Orvella Zest 5" is Orvella's product
            prefix = " ".join(words[:n])
            if prefix in known:
                name = known[prefix]
                break
        if not name or name in NOT_NAMES or not re.search(r"[A-Za-z]", name) or re.fullmatch(LEGAL_SUFFIXES, name):
            return None
        if re.fullmatch(BUSINESS_WORDS, name):
            return None  # "the Bank": a common noun at a sentence start
        if not corporate and name not in known and _place_and_business_words(name):
            return None  # "U.S. Bank officials", "Chilean Steel": a description unless written with a legal form
        if is_institution(name):  # "Finance Ministry", "Riksbank": found, so they are nobody's alias
            self.institutions.update({surface, name})
            return None
        if " " not in name and name not in known and name not in self.alias_to_name:
            owners = {n for a, n in self.alias_to_name.items() if a.split()[0] == name}
            if len(owners) == 1:  # "Tamsin said it..." after "Tamsin Copper Corp"
                name = owners.pop()
        parent = self._parent_of(name)
        if parent:
            name = parent
        if any(found and found[0].alias == n for n in (name, name + ".") for found in [find_markets(n)]):
            return None  # "Europe Inc." is rare; a bare place name ("U.S", its dot stripped) is not a company
        existing = self.alias_to_name.get(name)
        if existing:
            name = existing
        company = self.companies.setdefault(name, Company(name, first=offset))
        if corporate:
            self.corporate.add(name)
        for alias in {surface, name, *_short_forms(surface, name)}:
            if alias and alias not in NOT_NAMES:
                company.aliases.add(alias)
                self.alias_to_name.setdefault(alias, name)
        return name

    def _parent_of(self, name: str) -> str | None:
        """A subsidiary named after its parent plus a place ("Orvella Software Canada") is the parent."""
        words = name.split()
        for n in range(len(words) - 1, 0, -1):
            prefix, rest = " ".join(words[:n]), words[n:]
            parent = self.alias_to_name.get(prefix)
            if parent and parent != name and all(find_markets(w, any_case=True) or w in SUBSIDIARY_WORDS for w in rest):
                return parent
        return None

    def mentions_between(self, start: int, end: int) -> list[Mention]:
        """Mentions starting in [start, end), by bisection over the sorted mentions."""
        return self.by_start.between(start, end)

    def resolve(self, surface: str) -> str | None:
        return self.alias_to_name.get(re.sub(r"\s+", " ", surface).strip(" ,."))

    @classmethod
    def build(cls, text: str, title: str | None = None) -> "CompanyIndex":
        """Find the companies named in a document's text (and its title)."""
        index = cls()
        # shorter names first, so "Lumo Corp" is Lumo and "Lumo Appliances (Thailand)" one of its units
        # whichever the text names first (short forms are taken by the first company that claims them)
        found = [(len(m.group(1).split()), i, m.start(1), pattern, m)
                 for i, pattern in enumerate((TICKER_NAME, BRACKETED, SUFFIX_NAME)) for m in pattern.finditer(text)]
        for *_, pattern, m in sorted(found, key=lambda f: f[:3]):
            surface = m.group(1)
            if pattern is BRACKETED and re.fullmatch(r"[A-Z0-9.]{1,10}", surface):
                continue  # a ticker
            titled = pattern is SUFFIX_NAME
            name = index.add(_trim_leading(surface, titled), m.start(1), corporate=True, legal_form=titled)
            form = LEGAL_FORM.search(m.group(0)[len(m.group(1)):].strip(" ,.>"))
            if name and form:  # "Orvella Shokuhin KK": where the company is incorporated
                index.legal_forms.setdefault(name, set()).add(re.sub(r"\s+", " ", form.group(1)))
        for m in ACRONYM_NAME.finditer(text):  # "Ghana Cocoa Growers Union (GCGU)"
            initials = "".join(w[0] for w in m.group(1).split() if w[0].isupper())
            if m.group(2).upper() == initials.upper():
                index.add(_trim_leading(m.group(0)), m.start(1))
        for m in BUSINESS_NAME.finditer(text):
            index.add(_trim_leading(m.group(1)), m.start(1))
        for m in EDUCATION_NAME.finditer(text):
            index.add(_trim_leading(m.group(1)), m.start(1))
        known = known_companies()
        if known:
            for m in _known_pattern().finditer(text):
                prev = re.search(r"([A-Z][\w'-]*)\s+$", text[max(0, m.start() - 30):m.start()])
                if prev and prev.group(1) not in FUNCTION_WORDS:
                    continue  # "the Coral Sea", "Ada Lovelace": part of another name
                index.add(re.sub(r"\s+", " ", m.group(0)), m.start(), corporate=True)
        # Capitalized subjects of typical company verbs ("Foo said it", "Foo plans to").
        person_like: dict[str, bool] = {}
        for m in re.finditer(
            rf"(?<![\w.])({_CAP}(?:\s+{_CAP}){{0,2}})(?:'s|’s)?\s+(?:(?:{reporting_alternation('company_cue')}) it|plans to|planned to|intends to|"
            rf"aims to|has agreed to|agreed to|announced|has no plans)\b",
            text,
        ):
            surface = m.group(1)
            if len(surface.split()) == 1 and surface.lower() in _COMMON_CAPS:
                continue
            trimmed = _trim_leading(surface)
            if surface not in person_like:  # one search of the text per distinct name, with and without a title
                person_like[surface] = any(_person_name(name, text) for name in dict.fromkeys((surface, trimmed)))
            if person_like[surface]:
                continue  # "President Ruiz announced": a person, with or without the title
            index.add(trimmed, m.start(1))
        _add_brand_names(index, text, title)
        index._find_mentions(text)
        return index

    def _find_mentions(self, text: str) -> None:
        """Every mention of a company; an institution's mentions carry company "" (a subject, not a company)."""
        names = {**{i: "" for i in self.institutions if i not in self.alias_to_name}, **self.alias_to_name}
        aliases = sorted(names, key=len, reverse=True)
        if not aliases:
            return
        self.mentions = []
        found = find_phrases(text, aliases)  # the alternation below, without compiling it per document
        if found is not None:
            self.mentions = [Mention(start, end, alias, names[alias]) for start, end, alias in found]
        else:
            pattern = re.compile(r"(?<![\w])(" + "|".join(_spaced(a) for a in aliases) + r")(?![\w])")
            for m in pattern.finditer(text):
                surface = re.sub(r"\s+", " ", m.group(1))
                self.mentions.append(Mention(m.start(), m.end(), surface, names[surface]))
        self.by_start = ByStart(self.mentions)


# A brand-style name: capitalized words, digits after the first ("Pier 7"), "&" and "+" ("Q&R", "Lumo+").
_BRAND = r"[A-Z][\w&+'’.-]*[\w+]|[A-Z]"
_BRAND_NAME = rf"(?:{_BRAND})(?:[^\S\n]+(?:{_BRAND}|[0-9]+[\w+]*|&)){{0,3}}"  # one line: a dateline above is not part of it


@lru_cache(maxsize=1)
def brand_patterns() -> tuple[re.Pattern[str], ...]:
    """Where a name without a legal form shows it is a company: after a company noun ("battery maker
    Voltra"), before an apposition that names one ("Pennywise, the British digital bank,"), as the
    subject of a verb companies are subjects of ("Zentro has pulled out"), after a country's
    possessive ("Japan's Kanzo"), as the owner of a move ("Lumo's expansion into Canada") and as the owner
    of what is done to its products or business ("Lumo's app was banned in", "Lumo's cars will go on sale")."""

    nouns, relations = company_noun_alternation("self"), company_noun_alternation("relation")
    after_noun = re.compile(rf"(?<![\w-])(?:{nouns}|{relations})s?\s+({_BRAND_NAME})")
    apposition = re.compile(
        rf"(?<![\w&+'’.-])({_BRAND_NAME}),\s+(?:(?:the|a|an)\s+|[A-Z][\w.-]*(?:'s|’s)\s+)(?:[\w'’-]+\s+){{0,4}}?"
        rf"(?:{nouns}|{relations})\b")
    from .grammar import forms as verb_forms

    # finite forms only: an -ing form after a name is as often a noun ("Persian Gulf shipping")
    forms = sorted(verb_forms("base", "third", "past", "participle"), key=len, reverse=True)
    subject = re.compile(
        rf"(?<![\w&+'’.-])({_BRAND_NAME})(?:'s|’s)?(?:,\s+which\s+[^,.;]{{1,80}},)?\s+(?:(?:has|have|had|is|was|will|would|also|now|then|already|"
        rf"recently|previously|officially|formally|first|since|finally|[a-z]+ly)\s+)*(?:(?P<strong>{'|'.join(forms)}|announced|announces|"
        rf"plans|planned|intends|aims|wants|hopes|expects|seeks|(?:has|have|had)\s+no\s+(?:[a-z]+\s+)?(?:plans?|intention|interest))|(?:is|was)\s+(?:set|due|expected|\w+ing)|will\s+(?!be\b)\w+|(?:has|had)\s+(?!been\b)\w+(?:ed|en)|"
        rf"(?:{reporting_alternation('company_cue')})(?:\s+(?:on|in|at|last|this)\s+[\w ]{{1,20}}?)?,?\s+(?:that\s+)?its?)\b")
    place_owned = re.compile(rf"(?<![\w-])([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)?)(?:'s|’s)\s+({_BRAND_NAME})")
    possessive_move = re.compile(  # "Lumo's expansion into Canada", "Zentro's exit from Peru"
        rf"(?<![\w&+'’.-])({_BRAND_NAME})(?:'s|’s)\s+(?:[a-z-]+\s+){{0,2}}(?:expansion|entry|launch|exit|withdrawal|debut|"
        rf"rollout|arrival|retreat|pullout|foray|(?:app|apps|service|services|platform|products|cars|vehicles|phones|"
        rf"smartphones|stores|shops|business|operations|unit|subsidiary|brand|network)\s+(?:was|were|has|have|had|will|is|are|went|go|goes)\b)\b")
    return after_noun, apposition, subject, place_owned, possessive_move


def _add_brand_names(index: "CompanyIndex", text: str, title: str | None) -> None:
    """Register companies written without a legal form, ticker or known name, from the places a name
    stands as a company (brand_patterns); a common word, a place or a person is not one."""
    after_noun, apposition, subject, place_owned, possessive_move = brand_patterns()
    person_like: dict[str, bool] = {}
    rejected: dict[str, bool] = {}  # per name, the whole-text checks (common word, title, surname) run once
    for rule, pattern in (("after_noun", after_noun), ("apposition", apposition), ("subject", subject),
                          ("place_owned", place_owned), ("possessive_move", possessive_move)):
        for m in pattern.finditer(text):
            group = 2 if rule == "place_owned" else 1
            if rule == "place_owned":  # "Japan's Orvella": a country's company
                owner = find_markets(m.group(1))
                if not owner or owner[0].alias != m.group(1) or owner[0].adjective:
                    continue
            surface = _trim_leading(m.group(group))
            surface = re.sub(r"(?:\s+(?:[A-Z][a-z]+day|" + "|".join(FUNCTION_WORDS_AFTER) + r"))+$", "", surface)
            if not surface or index.resolve(surface) or index.resolve(canonical_name(surface)) \
                    or surface in index.institutions:
                continue  # known already, by a legal form, ticker or the known list
            words = surface.split()
            if surface not in rejected:
                rejected[surface] = words[0] in NOT_NAMES or _common_word(surface, text) or any(
                    re.fullmatch(ROLE_WORDS, w, re.IGNORECASE) for w in words)
            if rejected[surface]:
                continue  # "Minister Hana Vesely": a person with a title
            if rule == "subject" and not m.group("strong") and _sentence_initial(text, m.start(group)) \
                    and not _named_elsewhere(surface, text, title) and not _brand_like(surface):
                continue  # "Operations in Russia have...": a capital only because a sentence starts there
            if surface not in person_like:
                person_like[surface] = _person_name(surface, text) or _people_of_a_place(surface)
            if person_like[surface]:
                continue
            if re.fullmatch(r"[A-Z][a-z]+ [A-Z]", surface):
                continue  # a first name and an initial ("Ana M. Ruiz", cut at the full stop)
            if rule in ("subject", "place_owned") and (_titled_name(surface) or _referred_to_as_person(surface, text)):
                continue  # weak signs only, and a person's title opens the name or the text goes on with "he"
            index.add(surface, m.start(group))


FUNCTION_WORDS_AFTER = ("On", "In", "At", "For", "The", "This", "Last", "Next")


def _common_word(surface: str, text: str) -> bool:
    """A one-word 'name' that the text also writes in lower case ("Services", "Operations")."""
    if " " in surface or not surface[1:].islower():
        return False
    return re.search(rf"(?<![\w-]){re.escape(surface.lower())}(?![\w-])", text) is not None


def _brand_like(surface: str) -> bool:
    """A name that no sentence-opening English word looks like: several words, inner capitals or digits
    ("GoPay", "H2O"), or one word not ending in -s (plurals open sentences: "Sales have...")."""
    if " " in surface or re.search(r"[A-Z0-9&+]", surface[1:]):
        return True
    return not surface.endswith("s") and not surface.endswith("ing") and len(surface) > 2


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 3):start]
    return start == 0 or bool(re.search(r"(?:^|[.!?:\n]['\"”’)]?)\s*$", before)) or text[start - 1] in "\n“\"‘'"


def _named_elsewhere(surface: str, text: str, title: str | None) -> bool:
    """The name also stands inside a sentence, or in the title: a proper name, not a sentence opener."""
    if title and re.search(rf"(?<![\w-]){re.escape(surface)}(?![\w])", title):
        return True
    return any(not _sentence_initial(text, m.start())
               for m in re.finditer(rf"(?<![\w-]){re.escape(surface)}(?![\w])", text))


def _surname(surface: str, text: str) -> bool:
    """A single word the text also writes after a first name ("Tomas Ober" ... "Ober said"): a person."""
    if " " in surface:
        return False
    if re.search(rf"\b[A-Z][a-z]+\s+[A-Z]\.\s+{re.escape(surface)}\b", text):
        return True  # "John M. Huston": a first name and a middle initial before it
    for m in re.finditer(rf"\b([A-Z][a-z]+)\s+{re.escape(surface)}\b(?!\s+[A-Z])", text):
        first = m.group(1)
        if first not in NOT_NAMES and not find_markets(first) and not re.fullmatch(BUSINESS_WORDS, first) \
                and re.search(rf"\b{first}\s+{re.escape(surface)}\s*(?:,|\s+(?:{reporting_alternation('person_cue')}))", text):
            return True
    return False


def _person_name(surface: str, text: str) -> bool:
    """The text shows the name is a person's: a role next to it, a title before it ("Mr Ruiz",
    "President Ruiz"), a first name before it where it stands alone elsewhere, or "who" after it
    ("Ruiz, who flies to Lima today")."""
    return (" " in surface and _looks_like_person(surface, text)) or _titled_person(surface, text) \
        or _surname(surface, text) or re.search(rf"(?<![\w-]){re.escape(surface)},\s+who\b", text) is not None


def _people_of_a_place(surface: str) -> bool:
    """A group named for where it comes from ("Canadians", "300 Peruvians"): people, not a company."""
    last = surface.split()[-1]
    if not last.endswith("s") or len(last) < 5:
        return False
    found = find_markets(last[:-1])
    return bool(found) and found[0].adjective and found[0].alias == last[:-1]


# A pronoun that takes up a name: a person's, or a thing's ("it", "its"); "they" could be either
_PRONOUN = re.compile(r"(?<![\w'’-])(he|she|his|her|him|it|its)(?![\w'’-])", re.IGNORECASE)
_CAPITALIZED = re.compile(r"(?<![\w'’.-])(?!(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b|(?:January|February|March|April|"
                          r"May|June|July|August|September|October|November|December)\b)[A-Z][\w'’-]*")


def _referred_to_as_person(surface: str, text: str) -> bool:
    """The text takes the name up as "he" or "she" more often than as "it": a person ("Ana Ruiz landed
    in Lima. She said her visit..."). At each place the name stands, the first pronoun up to the end
    of the next sentence votes, unless another name comes first (the pronoun may be that one's) or it
    is a speaker's "he said" (a quotation's speaker, not the name)."""
    person = thing = 0
    for m in re.finditer(rf"(?<![\w-]){re.escape(surface)}(?![\w-])", text):
        window = text[m.end():m.end() + 400]
        ends = [e.end() for e in re.finditer(r"[.!?][\"”’']?\s", window)]
        window = window[:ends[1] if len(ends) > 1 else len(window)]
        for p in _PRONOUN.finditer(window):
            if any(not _sentence_initial(window, c.start()) and not find_markets(c.group())
                   for c in _CAPITALIZED.finditer(window, 0, p.start())):
                break  # another name stands between: the pronoun may be its
            word = p.group(1).lower()
            if word in ("he", "she") and speech_verb_regex().match(window, p.end() + 1):
                continue  # "..., he said": the speaker of a quotation
            if word in ("it", "its"):
                thing += 1
            else:
                person += 1
            break
    return person > thing


def _titled_name(surface: str) -> bool:
    """A title and one name ("King Farouk", "Mayor Ruiz"): a person's name, not a company's."""
    words = surface.split()
    return len(words) == 2 and re.fullmatch(PERSON_TITLES, words[0]) is not None \
        and not re.fullmatch(BUSINESS_WORDS, words[1])


def _titled_person(surface: str, text: str) -> bool:
    """A name written after Mr/Ms/Dr or a title ("President Ana Ruiz", "Minister Ruiz")."""
    if re.search(rf"\b(?:Mr|Mrs|Ms|Dr|Sir|Madam)\.?\s+{re.escape(surface)}\b", text):
        return True
    return re.search(rf"\b{PERSON_TITLES}\s+{re.escape(surface)}\b", text) is not None


# Capitalized titles written before a person's name ("President Jose Ruiz"); not "partner", "head" or "rival"
PERSON_TITLES = (r"(?:President|Vice President|Chairman|Chairwoman|Minister|Prime Minister|Governor|Secretary|Senator|"
                 r"Premier|Chancellor|King|Queen|Prince|Princess|Sheikh|Judge|Mayor|Ambassador|General|CEO)")


SUBSIDIARY_WORDS = frozenset("International Holdings Group Overseas Europe Asia America Americas Pacific".split())
GENERIC_FIRST_WORDS = frozenset(
    "Banca Banco Banque Bank Compagnie Compania Societe Société Sociedad Credit Crédit General First "
    "American British Royal Union Universal Global Standard Pacific Atlantic Continental Allied".split()
)
_COMMON_CAPS = frozenset(w.lower() for w in NOT_NAMES)


@lru_cache(maxsize=1)
def _known_pattern() -> re.Pattern[str]:
    names = sorted(known_companies(), key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(_spaced(n) for n in names) + r")(?![\w])")


def _spaced(name: str) -> str:
    """A name as a regex in which each space matches any whitespace (hard-wrapped wire copy)."""
    return r"\s+".join(re.escape(part) for part in name.split(" "))


def _place_and_business_words(name: str) -> bool:
    """True for names made only of a place and business words ("U.S. Bank", "Danish Pump Makers")."""
    found = find_markets(name)
    if not found or found[0].start != 0:
        return False
    rest = name[found[0].end:].split()
    return bool(rest) and all(re.fullmatch(BUSINESS_WORDS, w) or w.lower() in company_noun_set("place_name_tail") for w in rest)


def _trim_leading(surface: str, legal_form: bool = False) -> str:
    """A name without the lowercase, function and role words that open it; a title stays when the name
    carries a legal form ("Mr Pumpkin Holdings", "Dr. Kestrel Laboratories Ltd" are companies)."""
    words = surface.split()
    titled = legal_form or re.search(rf"\s(?:{LEGAL_SUFFIXES})\.?$", surface) is not None
    while len(words) > 1 and (words[0] in FUNCTION_WORDS and not (titled and words[0] in ("Mr", "Mrs", "Ms", "Dr"))
                              or words[0].islower() or words[0].isdigit() or re.fullmatch(ROLE_WORDS, words[0], re.I)
                              or words[0].lower() in company_noun_set("relation")):  # "Rival Lumo Corp"
        words = words[1:]
    return " ".join(words)


@lru_cache(maxsize=1)
def _institutions() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(words, last words, names) from data/not_companies.csv."""
    rows = data_rows("not_companies.csv")
    pick = lambda kind: frozenset(r["value"].lower() for r in rows if r["kind"] == kind)  # noqa: E731
    return pick("word"), pick("last"), pick("name")


def is_institution(name: str) -> bool:
    """True for governments, central banks, agencies and other bodies that are not companies."""
    words, last, names = _institutions()
    lowered = name.lower()
    parts = lowered.split()
    return lowered in names or bool(parts) and (parts[-1] in last or any(w in words for w in parts))


@lru_cache(maxsize=1)
def _person_context() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """_looks_like_person's patterns, compiled once (they were compiled for every name): ', the ROLE'
    right after a name, and a ROLE word ending at a given point."""
    after = re.compile(rf",\s+(?:the\s+|a\s+)?(?:[\w-]+\s+){{0,3}}{ROLE_WORDS}")
    role_end = re.compile(rf"(?:{ROLE_WORDS})\Z")
    return after, role_end


ROLE_WORD_MAX = 24  # no ROLE_WORDS alternative is longer ("vice president" is 14)


def _looks_like_person(surface: str, text: str) -> bool:
    """Two or three capitalized words followed somewhere by ', the/a ROLE' or preceded by a title.

    The same answer as searching the text for `surface` + ', the ROLE' and for 'ROLE' + whitespace
    + `surface`, read at each place the name stands."""
    after, role_end = _person_context()
    i = text.find(surface)
    while i >= 0:
        if after.match(text, i + len(surface)):
            return True
        k = i  # a ROLE word, then whitespace up to the name
        while k > 0 and text[k - 1].isspace():
            k -= 1
        if any(role_end.search(text, max(0, j - ROLE_WORD_MAX), j) for j in range(k, i)):
            return True
        i = text.find(surface, i + 1)
    return False


ROLE_WORDS = (
    r"(?:president|chairman|chairwoman|chair|chief|ceo|cfo|coo|cto|founder|co-founder|director|"
    r"spokesman|spokeswoman|spokesperson|analyst|minister|secretary|head|manager|officer|executive|"
    r"vice[- ]president|vp|governor|deputy|undersecretary|official|economist|strategist|partner|editor|correspondent)"
)


def _short_forms(surface: str, name: str) -> set[str]:
    """Other ways a text refers to a company: acronyms it gives, the name's distinctive first words."""
    forms = set()
    for m in ACRONYM.finditer(surface.strip()):
        forms.add(m.group(1) or m.group(2))
    words = name.split()
    if (len(words) >= 2 and words[0] not in NOT_NAMES and words[0] not in GENERIC_FIRST_WORDS
            and len(words[0]) >= 4 and not find_markets(words[0])):
        forms.add(words[0])
        if len(words) >= 3:
            forms.add(" ".join(words[:2]))
    return forms
