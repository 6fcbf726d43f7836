"""Who makes a claim: people and their roles, reporting verbs, "according to".

`People.build(text)` collects the people a document introduces with a role
("Ines Valk, the founder, chair and CEO of Orvella"; "Quillon president Tomas
Ober"). `attribute(sentence, ...)` finds the speaker of one sentence.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field

from .companies import ROLE_WORDS, CompanyIndex
from .cues import company_nouns, reporting_alternation, speech, speech_verb_regex
from .textsearch import FoldedText, gate_of, stands_alone

_ROLE = rf"(?i:{ROLE_WORDS})"
_PERSON = r"[A-Z][a-zA-Z'’-]+(?:\s+(?:[A-Z]\.\s*)?[A-Z][a-zA-Z'’-]+){1,2}"
_ROLE_PHRASE = rf"(?:(?:the|a|an|its|their)\s+)?(?:[\w&.’'-]+,?\s+(?:and\s+)?){{0,6}}{_ROLE}(?:\s+(?:of|at|for|in)\s+[^,.;:]{{1,60}}?)?"
APPOSITION = re.compile(rf"\b({_PERSON}),\s+({_ROLE_PHRASE})(?=\s*[,.;:]|\s+(?:{reporting_alternation()}|has|had|is|was|took))")
TITLED = re.compile(rf"\b((?:[A-Z][\w&-]*\s+)?(?:[Vv]ice\s+)?{_ROLE}(?:\s+(?:of|at|for)\s+[A-Z][\w&-]*(?:\s+[A-Z][\w&-]*)*)?)\s+({_PERSON})\b")
_PERSON_RE = re.compile(_PERSON)


@dataclass
class Person:
    name: str
    role: str | None = None
    org: str | None = None  # a company named in the role


@dataclass
class People:
    people: dict[str, Person] = field(default_factory=dict)
    by_surname: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, role: str | None, companies: CompanyIndex) -> None:
        name = re.sub(r"\s+", " ", name).strip()
        if companies.resolve(name) or name.split()[0].lower() in _NOT_FIRST:
            return
        role = re.sub(r"\s+", " ", role).strip(" ,") if role else None
        if role:
            role = re.sub(r"^(?:the|a|an)\s+", "", role, flags=re.IGNORECASE)
        person = self.people.get(name)
        if person is None:
            person = self.people[name] = Person(name)
            self.by_surname.setdefault(name.split()[-1], name)
            self.by_surname.setdefault(name.split()[0], name)  # Chinese names: family name first ("Zhou")
        if role and not person.role:
            person.role = role
            org = _company_in(role, companies)
            if org:
                person.org = org

    def find(self, surface: str) -> Person | None:
        surface = re.sub(r"\s+", " ", surface).strip()
        if surface in self.people:
            return self.people[surface]
        full = self.by_surname.get(surface) or self.by_surname.get(surface.split()[-1]) if surface else None
        return self.people.get(full) if full else None

    @classmethod
    def build(cls, text: str, companies: CompanyIndex) -> "People":
        people = cls()
        folded = FoldedText(text)
        if gate_of(APPOSITION).may_match(folded):
            for m in APPOSITION.finditer(text):
                people.add(m.group(1), m.group(2), companies)
        if gate_of(TITLED).may_match(folded):
            for m in TITLED.finditer(text):
                people.add(m.group(2), m.group(1), companies)
                person = people.people.get(re.sub(r"\s+", " ", m.group(2)).strip())
                if person and not person.org:  # "Orvella Foods chief executive Pia Roos": the company before the role
                    before = [c for c in companies.mentions_between(max(0, m.start() - 80), m.start() + 1)
                              if c.company and re.fullmatch(r"(?:'s|’s)?[^.;:,\n]{0,40}", text[c.end:m.start(1)])]
                    if before:
                        person.org = before[-1].company
        return people


_NOT_FIRST = frozenset("the a an and but in on at by for of to with from as its his her their this that however while".split())


def _company_in(text: str, companies: CompanyIndex) -> str | None:
    for alias in sorted(companies.alias_to_name, key=len, reverse=True):
        if stands_alone(alias, text):
            return companies.alias_to_name[alias]
    return None


@dataclass
class Attribution:
    speaker: str | None
    role: str | None
    kind: str  # person, company, self (pronoun for the company), analyst, government, media
    org: str | None  # the organisation the speaker speaks for, when known
    verb_start: int  # offsets of the reporting cue in the document, -1 when none
    verb_end: int
    rule: str


ANALYST = re.compile(r"analyst|economist|strategist|research|consultan|broker", re.IGNORECASE)
GOVERNMENT = re.compile(r"minister|ministry|government|official|regulator|commission|authorit|governor|secretary of|president of (?:the )?(?:republic|country)|embassy|parliament|congress|senator", re.IGNORECASE)
MEDIA = re.compile(r"\b(?:report|reports|reported|rumou?rs?|sources|newspaper|media|press)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _self_phrase() -> str:
    """Words by which a company itself speaks ("it", "a spokesman", "the Swedish retailer"), as a regex."""
    words = "|".join(re.escape(w) for w in sorted(speech()["company_self"], key=len, reverse=True))
    nouns = "|".join(company_nouns("self"))
    return rf"(?:{words})|(?:the|its)\s+(?:[\w-]+\s+){{0,2}}?(?:{nouns})"


@lru_cache(maxsize=1)
def _self_regex() -> re.Pattern[str]:
    return re.compile(_self_phrase(), re.IGNORECASE)


@lru_cache(maxsize=1)
def _subject_regex() -> re.Pattern[str]:
    """The speaker right before a reporting verb: "X, ROLE, said" / "X said" / "the company said"."""
    return re.compile(
        rf"({_self_phrase()}|{_PERSON}|[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*){{0,4}}|he|she|they|[A-Z][\w&.-]*\s+(?:officials|executives|spokesman|spokeswoman|sources))"
        rf"(?:\s*<[^>]*>)?(?:,\s+[^,]{{2,90}},)?\s+(?:also\s+|later\s+|earlier\s+|has\s+|had\s+|have\s+)?$",
        re.IGNORECASE,
    )


def attribute(sentence: str, offset: int, companies: CompanyIndex, people: People) -> Attribution | None:
    """The speaker a sentence attributes its claim to, or None when it has no attribution."""
    # "according to X"
    m = re.search(r"\b(?i:according\s+to)\s+((?:the\s+)?[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*){0,3}|it|the company)", sentence)
    if m:
        return _who(m.group(1), sentence, offset + m.start(), offset + m.end(), companies, people, "according to")
    for v in speech_verb_regex().finditer(sentence):
        before = sentence[: v.start()]
        subj = _subject_regex().search(before)
        if subj:
            return _who(subj.group(1), sentence, offset + v.start(), offset + v.end(), companies, people, "X " + v.group(1))
        # inverted: "..., said Karl Lund, executive vice president"
        after = sentence[v.end():]
        inv = re.match(rf"\s+({_PERSON}|[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){{0,3}})(?:,\s+([^,.;]{{2,90}}))?", after)
        if inv and re.search(r"[,”\"]\s*$", before):
            who = _who(inv.group(1), sentence, offset + v.start(), offset + v.end(), companies, people, v.group(1) + " X")
            if who and inv.group(2) and not who.role and re.search(ROLE_WORDS, inv.group(2), re.IGNORECASE):
                who.role = inv.group(2).strip()
            return who
    # "a spokesman for Y said"
    m = re.search(r"\b(?:a\s+)?(spokes(?:man|woman|person)|official|executive)\s+for\s+([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})", sentence)
    if m:
        org = companies.resolve(m.group(2))
        return Attribution(org or m.group(2), m.group(1), "company", org, offset + m.start(), offset + m.end(), "spokesman for X")
    return None


def _who(surface: str, sentence: str, start: int, end: int, companies: CompanyIndex, people: People, rule: str) -> Attribution | None:
    surface = re.sub(r"\s+", " ", surface).strip()
    lowered = surface.lower()
    if _self_regex().fullmatch(surface):
        role = surface if "spokes" in lowered or "official" in lowered or "executive" in lowered else None
        return Attribution(None, role, "self", None, start, end, rule)
    if lowered in ("he", "she", "they"):
        return Attribution(None, None, "pronoun", None, start, end, rule)
    company = companies.resolve(surface)
    if company:
        return Attribution(company, None, "company", company, start, end, rule)
    trailing = re.match(r"(.+?)\s+(officials|executives|spokesman|spokeswoman|sources)$", surface, re.IGNORECASE)
    if trailing:
        owner = re.sub(r"^(?:.*?\s)?(?:[Aa]|[Aa]n|[Tt]he)\s+(?=[A-Z])", "", trailing.group(1))  # "(last week) a Quillon spokesman"
        org = companies.resolve(owner)
        kind = "government" if GOVERNMENT.search(surface) else ("media" if "sources" in lowered else "company")
        return Attribution(org or owner, surface if org else None, kind, org, start, end, rule)
    person = people.find(surface)
    if person:
        return Attribution(person.name, person.role, "person", person.org, start, end, rule)
    if _PERSON_RE.fullmatch(surface):
        return Attribution(surface, None, "person", None, start, end, rule)
    if MEDIA.search(surface):
        return Attribution(None, None, "media", None, start, end, rule)
    if surface[:1].isupper() and len(surface.split()) <= 2 and surface.split()[-1] in people.by_surname:
        p = people.find(surface)
        if p:
            return Attribution(p.name, p.role, "person", p.org, start, end, rule)
    return None
