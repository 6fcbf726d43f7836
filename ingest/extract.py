"""Find market-entry statements and events in one document.

The path, sentence by sentence: find stance frames and entry/exit actions
(data/cues.csv), pair each action with the frame that governs it, take the
markets in the action's scope, the company that is its subject, the speaker
the sentence (or its quotation) is attributed to, and the dates from the
TIMEX3 tagger. Nothing here touches a database.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from .companies import LEGAL_SUFFIXES, PERSON_TITLES, ROLE_WORDS, CompanyIndex, Mention
from .cues import (Cue, company_noun_alternation, company_noun_set, event_cue_matches, finance_words, find_cues,
                   reporting_alternation, speech_verb_regex)
from .dates import timex_fields
from .grammar import DIRECT, forms, participle_only_forms, past_forms
from .homes import Homes, read_homes
from .markets import NEW_MARKETS, MarketMention, country_of, find_markets, markets
from .records import Document, Event, Extraction, Statement
from .sentences import Sentence, split
from .speakers import ANALYST, GOVERNMENT, Attribution, People, attribute
from .textsearch import ByStart
from .timex import Timex, tag

MAX_FRAME_GAP = 45  # characters between a frame's end and its action's start
MAX_SCOPE = 120  # characters after an action in which its markets may stand
CLAUSE_BREAK = re.compile(
    r";|\s—\s|\s--\s|,\s+(?:which|who|where|while|whereas|although|though)\b|\s(?:but|while|whereas|although)\s"
    rf"|,\s+(?:[a-z]+ed|{reporting_alternation()})\b"
    r"|\b(?:to\s+)?(?:focus|focusing|concentrate|concentrating)\s+(?:solely\s+|more\s+|only\s+)?on\b"
    r"|,\s+(?:having|and\s+that|and\s+it|and\s+the\s+company)\b"  # "..., having left Peru in 2019", "..., and that it will"
)
ATTRIBUTIVE = re.compile(
    r"\s+(?:(?!(?:after|before|the|a|an|to|in|of|for|with|by|and|or|but|from|on|at|its|their|his|her|as|than|when|while|where|since|until)\b)[a-z-]+\s+){0,2}"
    rf"(?i:{company_noun_alternation('attributive')}|"
    r"government|officials|authorities|regulators|dollar|dollars|subsidiary of|unit of|shareholders|executives|equities|"
    r"stocks|shares|bonds|securities|products|goods|imports|exports|brands|models|version|versions)\b"
)
# words that make "X market" a financial market ("capital markets"), never one a company enters
FINANCE_WORDS = "|".join(w.replace(" ", r"\s+") for w in finance_words())
MARKET_NOUNS = re.compile(
    r"^(?:(?:,|\s+and|\s+or|\s+as\s+well\s+as)\s+(?:the\s+)?[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)*\s+"
    rf"(?:(?:(?!(?:{FINANCE_WORDS})\b)"
    r"[a-z][\w-]*\s+){0,3}?markets?\b|"  # "the Japanese securities market", not "European capital markets"
    r"market|markets|consumers|customers|buyers|shoppers|drivers|motorists|users|public|economy|"
    r"operations|operation|unit|subsidiary|subsidiaries|affiliate|business|bank|company|firm|arm|venture|"
    r"marketplace|store|stores|outlet|outlets|branch|branches|showroom|launch|rollout|roll-out|debut|entry|"
    r"expansion|arm|service|services|network|platform|assets)\b"  # "its Nigerian rollout", "a South African marketplace"
)
# what a company leaves behind, after a market's adjective: "suspends operations in its Russian factories"
EXIT_SITES = re.compile(r"\s+(?:[a-z][\w-]*\s+)?(?:facilities|plants|factories|mines|sites|offices|branches)\b")
QUALIFIERS = re.compile(
    r"(?:\b(by|before|from|starting(?:\s+in|\s+from)?|beginning(?:\s+in)?|after|since|until|no\s+later\s+than|as\s+early\s+as|in|on|during|within|for)\s+(?:the\s+)?(?:end\s+of\s+|middle\s+of\s+|start\s+of\s+|beginning\s+of\s+)?)$",
    re.IGNORECASE,
)
QUALIFIER_NAMES = {"by": "by", "before": "before", "no later than": "by", "from": "from", "starting": "from",
                   "starting in": "from", "starting from": "from", "beginning": "from", "beginning in": "from",
                   "after": "after", "since": "since", "until": "until", "as early as": "from"}
COORDINATION = re.compile(
    r"^(?:\s*(?:,|and|or|as well as|&|plus|including|such as|among them|namely|notably|especially)\s*(?:[Tt]he\s+)?)+$"
    r"|^\s*(?:(?:in|by|from|during|within|over)\s+(?:the\s+)?(?:[\w-]+\s+){0,4}?)?,?\s*(?:and|or|as well as|then|later|also|first)\s+"
    r"(?:then\s+|later\s+|also\s+)?(?:[a-z-]+\s+){0,2}(?:in|to|into)\s+(?:the\s+)?$"  # "in Peru from the spring and later in Chile"
)
NOUN_BEFORE = re.compile(r"\b(?:the|a|an|its|their|his|her|our|home|domestic|local|world|overseas|foreign|"
                         r"this|that|[\w-]+'s|[\w-]+’s)\s+$", re.IGNORECASE)
FINANCIAL_MARKETS = re.compile(
    rf"(?:(?:,|\s+and|\s+or)\s+(?:the\s+)?[A-Z][\w.-]*)*\s+(?:{FINANCE_WORDS}|commercial\s+paper)\s+markets?\b")
CONDITIONAL = re.compile(r"\b(?:option|options|if|unless|proposal|proposed|possible|possibility|could|might)\b", re.IGNORECASE)
PURPOSE = re.compile(r"^\W*(?:to\s+(?:serve|supply|reach|cover)|for|serving|supplying)\s+(?:the\s+)?$")


@dataclass
class Action:
    cue: Cue
    start: int  # document offsets
    end: int


@dataclass
class DocumentIndex:
    """What extraction looks up in one document, shared by every sentence: its companies, people,
    dates, year, dateline market and where its companies are based."""

    doc: Document
    companies: CompanyIndex
    people: People
    timexes: ByStart[Timex]  # the temporal expressions, in order of start
    year: int | None
    dateline_market: str | None = None  # the dateline's market, which "here" refers to
    company_homes: Homes | None = None  # where companies are based (their home market is not entered)
    said: list[tuple[int, str, str]] = field(default_factory=list)  # (quote end, company, market) so far

    @cached_property
    def _countries(self) -> ByStart[tuple[int, str]]:
        """(end, country) of every country the text names that is not a company's seat ("Japan's Kanzo")."""
        return ByStart([(m.end, country_of(m.code)) for m in find_markets(self.doc.text, self.year)
                        if len(country_of(m.code) or "") == 2
                        and not (self.company_homes and self.company_homes.is_seat(m.start, m.end))],
                       key=lambda country: country[0])

    def country_before(self, offset: int) -> str | None:
        """The country named last before `offset` (within COUNTRY_REFERENCE_SPAN characters): what
        "the country" and "there" refer to."""
        last = self._countries.last_before(offset)
        if last and offset - last[0] <= COUNTRY_REFERENCE_SPAN:
            return last[1]
        return None

    def timexes_between(self, start: int, end: int) -> list[Timex]:
        """Temporal expressions starting in [start, end), found by bisection (sentences can be many)."""
        return self.timexes.between(start, end)


def extract(doc: Document, trace: bool = False) -> Extraction:
    """Every statement and event in one document (with `trace`, also every candidate, kept or dropped,
    in `Extraction.candidates`, with the filters that hold for it: what `kb extract --explain` shows)."""
    text = doc.text
    companies = CompanyIndex.build(text, doc.title)
    people = People.build(text, companies)
    timexes = [t for t in tag(text, doc.published) if 0 <= t.start < t.end <= len(text)]
    year = int(doc.published[:4]) if doc.published else None
    dateline_market = _dateline_market(doc, year)
    ctx = DocumentIndex(doc, companies, people, ByStart(timexes), year, dateline_market,
                        read_homes(text, companies, dateline_market, year))
    sentences = split(text)
    statements: list[Statement] = []
    candidates: list[dict] = []
    topic_company: str | None = _lead_company(companies, sentences)
    paragraph_speaker: dict[int, Attribution] = {}
    for sentence in sentences:
        attribution = attribute(sentence.text, sentence.start, companies, people)
        if attribution and attribution.kind in ("person", "company"):
            paragraph_speaker.setdefault(sentence.paragraph, attribution)
        found = _statements_in(sentence, attribution, paragraph_speaker.get(sentence.paragraph), topic_company, ctx,
                               candidates if trace else None)
        statements.extend(found)
        ctx.said.extend((s.quote_end, s.company, s.market) for s in found)
        topic_company = _sentence_subject(sentence, companies, text) or topic_company
    return Extraction(
        document=doc,
        statements=_dedupe(_not_served_already(statements)),
        events=_events(sentences, ctx),
        companies={name: sorted(c.aliases) for name, c in companies.companies.items()},
        candidates=candidates,
    )


def _lead_company(companies: CompanyIndex, sentences: list[Sentence]) -> str | None:
    for s in sentences:
        for m in companies.mentions_between(s.start, s.end):
            if m.company:
                return m.company
    return None


QUOTE_MARKS = str.maketrans({c: " " for c in "\"“”‘’«»"})


def _cues_in(sentence: Sentence) -> list[Action]:
    """The cues of a sentence, read with quotation marks as spaces (the retailer had "no current" plans):
    the same offsets, and a quoted word does not break a phrase."""
    out = []
    for cue, start, end in find_cues(sentence.text.translate(QUOTE_MARKS).replace(" s ", "'s ")):
        out.append(Action(cue, sentence.start + start, sentence.start + end))
    return sorted(out, key=lambda a: (a.start, -a.end))


class Candidate:
    """One reading of a sentence: an entry or exit action with the frame that governs it, and (filled
    as the filters ask for them) its stance, markets, speaker and subject companies. Stage one of
    extraction makes one per action; the ordered ACTION_FILTERS drop candidates, and each surviving
    (company, market) pair goes through STATEMENT_FILTERS and REWRITES."""

    def __init__(self, sentence: Sentence, action: Action, cues: "SentenceCues", ctx: DocumentIndex):
        self.sentence, self.action, self.cues, self.ctx = sentence, action, cues, ctx
        self.frame = _governing_frame(action, cues.frames, ctx.doc.text)

    @cached_property
    def stance(self) -> str | None:
        text, a = self.ctx.doc.text, self.action
        stance = _stance(a, self.frame, text)
        if stance is None and self.frame is None and re.match(r"[a-z]+ing\b", text[a.start:a.end]) \
                and re.search(r",\s+(?:and\s+)?$", text[max(self.sentence.start, a.start - 8):a.start]):
            main = [b for b in self.cues.actions if b.end <= a.start and b.cue.kind == "entry"]
            if main and not re.search(r"[;:]", text[main[-1].end:a.start]):  # "will enter Peru in May, opening a store"
                stance = _stance(main[-1], _governing_frame(main[-1], self.cues.frames, text), text)
        return stance

    @cached_property
    def scope_end(self) -> int:
        return _scope_end(self.action, self.cues.actions, self.sentence, self.ctx.doc.text)

    @cached_property
    def markets(self) -> list[MarketMention]:
        """The markets in the action's scope; else those of a coordinated predicate before it ("opened in
        Peru in 2004 and closed its plant"); else a fronted "In Peru," that opens the sentence."""
        text, cues, sentence = self.ctx.doc.text, self.cues, self.sentence
        timexes = self.ctx.timexes_between(sentence.start, sentence.end)
        picked = _markets_for(self.action, self.frame, cues.markets, self.scope_end, text, timexes)
        antecedent = _where_antecedent(self.frame or self.action, cues.markets, sentence, text)
        if antecedent and not any(m.start < _clause_end(text, self.action.end, sentence.end) for m in picked
                                  if m.start >= self.action.end):
            picked = antecedent  # "such as Peru, where it has opened its first branch, and Chile": Peru
        if not picked and cues.previous and COORDINATED_PREDICATE.fullmatch(
                _without_dates(text, cues.previous[1], self.action.start, timexes)):
            picked = cues.previous[0]
        if not picked or all(len(m.code) != 2 for m in picked):
            listed = _listed_markets(self.action, cues.markets, sentence, text)
            if listed:
                picked = listed  # "sold in nine Andean markets, it said, among them Peru and Chile"
        if not picked:
            picked = _fronted_market(sentence, cues.markets, self.action, text)
        if not picked and self.action.cue.kind in ("delay", "nominal") and DEFINITE_MOVE.search(self.text_of(self.action)):
            picked = self._earlier_market()  # "... would open in Peru. It has postponed the opening": Peru
        if picked and self.action.cue.kind == "entry":
            picked = picked + _following_markets(picked, cues.markets, sentence, text)
        named = [m for m in picked if not NEW_MARKETS.fullmatch(m.alias)]
        return named or picked  # "in Peru and in four more countries": Peru (the four are not named)

    @cached_property
    def speaker(self) -> Attribution | None:
        return self.cues.attribution or (self.cues.para_attr if _quoted(self.sentence, self.ctx.doc.text) else None)

    @cached_property
    def subjects(self) -> list[tuple[str, str]]:
        """The companies whose entry this is, with the rule that found each (see _subjects)."""
        text, speaker, start = self.ctx.doc.text, self.speaker, (self.frame or self.action).start
        owner = self.owner
        if owner:
            return [(owner, "owner of the move")]
        opening = re.match(r"(?:its|their|our)\s|the\s+([a-z-]+)['’]s\s", text[self.action.start:self.action.end], re.IGNORECASE)
        possessive = opening is not None and (not opening.group(1) or opening.group(1).lower() in company_noun_set("self"))
        subjects = _subjects(self.sentence, start, speaker, self.cues.topic_company, self.ctx, possessive)
        if not subjects and speaker and speaker.kind == "person" and speaker.org and not _is_person(speaker.org, self.ctx) \
                and speaker.verb_end <= start and not ANALYST.search(speaker.role or ""):
            subjects = [(speaker.org, "the speaker's company")]  # "Ruiz said leaving Peru comes first"
        elif not subjects and speaker and speaker.kind == "person" and not speaker.org and self.cues.topic_company \
                and speaker.verb_end <= start and re.search(rf"\b{ROLE_WORDS}\b", speaker.role or "", re.IGNORECASE) \
                and not any(m.start >= speaker.verb_end for m in self.ctx.companies.mentions_between(self.sentence.start, start)) \
                and not ANALYST.search(speaker.role or "") and not GOVERNMENT.search(speaker.role or ""):
            subjects = [(self.cues.topic_company, "the speaker's company, the one the text is about")]  # "CEO Ana Ruiz" of "the group"
        if subjects:
            subjects += _venture_partners(self.action, self.frame, self.scope_end, subjects, self.ctx)
        return subjects

    def _earlier_market(self) -> list[MarketMention]:
        """The market of the subject's last statement in the sentences just before: what a definite "the
        opening" or "the launch" refers to."""
        companies = {c for c, _ in self.subjects}
        for end, company, code in reversed(self.ctx.said):
            if self.sentence.start - end > EARLIER_MOVE_SPAN:
                break
            if company in companies:
                return [MarketMention(self.action.start, self.action.end, self.text_of(self.action), code)]
        return []

    @cached_property
    def owner(self) -> str | None:
        """The company named as the owner of a nominal move ("Brightmart's planned entry into"): the
        move's subject, whatever stands before it."""
        text, a = self.ctx.doc.text, self.action
        for m in self.ctx.companies.mentions_between(a.start, a.end):
            if m.start == a.start and m.company and re.match(r"['’]s?\s", text[m.end:m.end + 3]) \
                    and not _is_person(m.company, self.ctx):
                return m.company
        return None

    def text_of(self, a: Action | None) -> str:
        return self.ctx.doc.text[a.start:a.end] if a else ""


@dataclass
class SentenceCues:
    """A sentence's cues and what its candidates share."""

    actions: list[Action]
    frames: list[Action]
    blocks: list[Action]
    after_blocks: list[Action]
    markets: list[MarketMention]
    attribution: Attribution | None
    para_attr: Attribution | None
    topic_company: str | None
    previous: tuple[list[MarketMention], int] | None = None  # the last predicate's markets, and its end


def _blocked(c: Candidate) -> bool:
    """A blocking context overlaps the action or stands just before it ("asked if", "already has")."""
    text, a = c.ctx.doc.text, c.action
    return any((b.start < a.end and b.end > a.start) or (b.end <= a.start and a.start - b.end < 70
               and not CLAUSE_BREAK.search(text[b.end:a.start])) for b in c.cues.blocks)


def _financing_after(c: Candidate) -> bool:
    """"entered the bond market ... by raising a loan": financing, not entry."""
    text, a = c.ctx.doc.text, c.action
    return any(0 <= b.start - a.end < 80 and not CLAUSE_BREAK.search(text[a.end:b.start]) for b in c.cues.after_blocks)


def _noun_not_verb(c: Candidate) -> bool:
    """"its home market", "the group's exports to Chile": nouns, not verbs."""
    text, a = c.ctx.doc.text, c.action
    return re.match(r"(?:market|offer|exports?)\b", text[a.start:a.end], re.IGNORECASE) is not None and \
        NOUN_BEFORE.search(text, max(c.sentence.start, a.start - 20), a.start) is not None


def _things_relative_clause(c: Candidate) -> bool:
    """"a quiz show that had been banned in Peru": the clause is about the thing named before 'that', not a company."""
    start = (c.frame or c.action).start
    m = re.search(r"\b(?:a|an|the)\s+(?:[a-z-]+\s+){0,2}([a-z]+),?\s+(?:that|which)\s+"
                  r"(?:(?:had|has|have|been|was|were|is|are|be|will|would|not|also|since|later|then|now|already|once|"
                  r"reportedly|temporarily)\s+){0,3}$",
                  c.ctx.doc.text[max(c.sentence.start, start - 80):start])
    nouns = company_noun_set("self")  # a relative clause after one of these is the company's
    return m is not None and m.group(1) not in nouns and m.group(1).removesuffix("s") not in nouns


def _goods_sold(c: Candidate) -> bool:
    """"fake trainers were being sold in Tokyo stores", "all its cars sold in Peru": goods on sale, not a company entering."""
    text, a = c.ctx.doc.text, c.action
    if re.match(r"sold\b", text[a.start:a.end], re.IGNORECASE) is None:
        return False
    before = text[max(0, a.start - 25):a.start]
    return re.search(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ly\s+)?$", before) is not None or (
        re.match(r"sold\s+(?:in|into)\b", text[a.start:a.end], re.IGNORECASE) is not None  # "all its cars sold in Peru"
        and re.search(r"(?:\b(?!(?:it|they|has|have|had|also|already|then|and|who|which|that)\b)[a-z]+|\()\s*$", before) is not None)


def _person_subject(c: Candidate) -> bool:
    """"when he returns to Lima", "Ana Ruiz -- Kestrel's vice president -- flew to Lima": a person's move,
    not a company's (for a travel verb: a person's title stands before the verb in the sentence)."""
    text, start = c.ctx.doc.text, (c.frame or c.action).start
    if re.search(r"\b(?:he|she|He|She)\s+(?:[a-z]+\s+){0,2}$", text[max(c.sentence.start, start - 30):start]):
        return True
    if c.action.cue.kind != "entry" or c.action.cue.label.split(" ")[0] not in ("fly", "return", "arrive"):
        return False  # travel verbs only: people travel, and a company's statement often names its speaker first
    return re.search(rf"\b{ROLE_WORDS}\b", text[c.sentence.start:start], re.IGNORECASE) is not None  # "Kestrel's vice president ... flew"


EXECUTIVE_SUBJECT = re.compile(
    r"(?:'s|’s)\s+(?:[\w-]+\s+){0,2}(?:chief\s+executive|ceo|president|founder|co-founder|chairman|chairwoman|boss|"
    r"head|director|minister)(?:\s+[A-Z][\w'’-]+){0,3}\s+(?:has\s+|had\s+|will\s+|also\s+)?$", re.IGNORECASE)


def _executive_subject(c: Candidate) -> bool:
    """"Kestrel's chief executive flew to Lima": a person's trip, not the company's move."""
    start = (c.frame or c.action).start
    return EXECUTIVE_SUBJECT.search(c.ctx.doc.text, max(c.sentence.start, start - 80), start) is not None


# a new product named as what is launched ("launched two new brands in", "launched on the Peruvian market a new beer")
NEW_PRODUCT = re.compile(r"\b(?:a|an|its|their|the|two|three|four|five|several|\d+)\s+(?:[\w-]+\s+)?new\s+"
                         r"(?!(?:stores?|shops?|outlets?|branch(?:es)?|offices?|markets?|countries|ventures?|units?|"
                         r"subsidiar(?:y|ies)|operations?|business(?:es)?)\b)")


def _new_product(c: Candidate) -> bool:
    """"launched two new brands in South Africa": a new product in a market the company serves, not an entry
    (data model: judgement calls)."""
    text, a = c.ctx.doc.text, c.action
    if a.cue.kind != "entry" or not re.match(r"(?:launch|introduc|roll)", text[a.start:a.end], re.IGNORECASE):
        return False
    window = text[a.start:min(c.scope_end, a.end + 60)]
    return NEW_PRODUCT.search(window) is not None


def _conditional_permission(c: Candidate) -> bool:
    """"will only be allowed to sell its phones in Peru if...": a condition someone else sets, not the
    company's stance."""
    text, a = c.ctx.doc.text, c.action
    return re.search(r"\b(?:allowed|permitted)\s+(?:by\s+[^,;]{1,40}?\s+)?to\s+(?:[a-z]+\s+){0,2}$",
                     text[max(c.sentence.start, a.start - 80):a.start]) is not None \
        and re.search(r"\b(?:if|unless|provided|as\s+long\s+as|on\s+condition)\b", text[a.end:c.sentence.end]) is not None


def _plural_subject(c: Candidate) -> bool:
    """"invite more grain brokers to set up shop here": their move, not a company's (unless the move
    names its owner: "analysts believe Brightmart's entry into Peru...")."""
    return c.owner is None and PLURAL_SUBJECT.search(c.ctx.doc.text, max(c.sentence.start, c.action.start - 60), c.action.start) is not None


# Stage two, in order: the first filter that holds drops the candidate (its name goes to the trace).
ACTION_FILTERS: tuple[tuple[str, Callable[[Candidate], bool]], ...] = (
    ("blocking context", _blocked),
    ("financing after the action", _financing_after),
    ("no stance", lambda c: not c.stance),
    ("no market in scope", lambda c: not c.markets),
    ("a noun, not a verb", _noun_not_verb),
    ("participle describing a noun", lambda c: _reduced_relative(c.action, c.ctx.doc.text)),
    ("a thing's relative clause", _things_relative_clause),
    ("goods sold there", _goods_sold),
    ("a new product launched", _new_product),
    ("a condition set by others", _conditional_permission),
    ("plural subject", _plural_subject),
    ("a person as subject", _person_subject),
    ("an executive as subject", _executive_subject),
    ("no company as subject", lambda c: not c.subjects),  # "foreign firms", "the sources", "the Army"...
)


def _home(c: Candidate, company: str, market: MarketMention) -> bool:
    """A company's own home market is not one it enters (data model: judgement calls)."""
    return bool(c.ctx.company_homes and c.ctx.company_homes.is_home(company, market.code))


def _named_for_market(c: Candidate, company: str, market: MarketMention) -> bool:
    """"Kestrel Belgian Airways flies from Brussels", "Kestrel Systems (U.K.) Ltd wants to enter the British
    market": a company whose own name holds the market, or a unit named with it in brackets, is at home there."""
    def same(text: str) -> bool:
        return any(country_of(p.code) == country_of(market.code) for p in find_markets(text, c.ctx.year, any_case=True))
    if same(company) or same(company + "."):  # "Kestrel U.K" of "Kestrel U.K. Ltd"
        return True
    text = c.ctx.doc.text  # from a little before the sentence: "(U.K.) Ltd" can end a sentence for the splitter
    for m in c.ctx.companies.mentions_between(max(0, c.sentence.start - 120), c.action.start):
        bracket = re.match(r"\s*\(([^()]{2,30})\)", text[m.end:m.end + 34])
        if m.company == company and (bracket and same(bracket.group(1)) or same(" ".join(re.findall(r"\(([^()]{2,30})\)", m.text)))):
            return True
    return False


def _units_own_market(c: Candidate, company: str, market: MarketMention) -> bool:
    """"Acme Canada will market the cars in Canada": a unit named after its parent and a place trades in
    that place; it is the parent's unit at home, not the parent entering (a unit that begins operating
    there is an entry, and stays)."""
    if not re.match(r"(?:sell|sold|market|offer|distribut|export|ship)", c.text_of(c.action), re.IGNORECASE):
        return False
    for m in c.ctx.companies.mentions_between(c.sentence.start, c.action.start):
        if m.company == company and m.text != company and any(
                country_of(p.code) == country_of(market.code) for p in find_markets(m.text, c.ctx.year, any_case=True)):
            return True
    return False


def _unit_subject_at_home(c: Candidate, company: str, market: MarketMention) -> bool:
    """"Kestrel's U.K. subsidiary formed a venture in Britain": the subject is the company's unit in that
    market, acting at home (not "Kestrel formed a U.K. subsidiary", which is an entry)."""
    start = (c.frame or c.action).start
    for m in c.cues.markets:
        if c.sentence.start <= m.start < start and country_of(m.code) == country_of(market.code) and UNIT_SUBJECT.match(
                c.ctx.doc.text, m.end) and re.search(r"(?:'s|’s)\s+(?:<[^<>]{1,12}>\s+)?(?:[\w-]+\s+)?$",
                                                  c.ctx.doc.text[max(0, m.start - 40):m.start]):
            return True
    return False


UNIT_SUBJECT = re.compile(r"\s+(?:[\w-]+\s+)?(?:subsidiary|unit|arm|affiliate|division)\s+(?:has\s+|had\s+|will\s+|also\s+)?"
                          r"(?:[a-z]+ed|said|says|plans|will|is|was|has)\b", re.IGNORECASE)


def _present_there_already(c: Candidate, company: str, market: MarketMention) -> bool:
    """"opened a new plant in Ohio, where it has made cars since 1990": the same sentence says the
    company is there already, so a new site is no entry (a closing there is still an exit)."""
    return c.stance in ("plans", "entered", "considering") and ALREADY_THERE.match(
        c.ctx.doc.text, market.end, c.sentence.end) is not None


# a "where" clause after the market that says the company has long been there
ALREADY_THERE = re.compile(r"[^.;]{0,30}?,\s+where\s+(?:it|they|the\s+[a-z-]+)\s+(?:has|have|had)\s+(?:long\s+|already\s+)?"
                           r"(?:been\s+)?[a-z]+\b[^.;]{0,60}?\b(?:since|for\s+(?:\d+|[a-z]+)\s+(?:years|decades)|for\s+decades)\b",
                           re.IGNORECASE)


STATEMENT_FILTERS: tuple[tuple[str, Callable[[Candidate, str, MarketMention], bool]], ...] = (
    ("home market", _home),
    ("a unit's own market", _units_own_market),
    ("the company's unit at home", _unit_subject_at_home),
    ("named for the market", _named_for_market),
    ("present there already", _present_there_already),
)


def _not_until(c: Candidate, stance: str, fields: dict) -> str | None:
    """"does not expect to enter before 2031": plans, from then."""
    if stance == "no_plans" and fields["target_qualifier"] == "until":
        fields["target_qualifier"] = "from"
        return "plans"
    return None


def _today(c: Candidate, stance: str, fields: dict) -> str | None:
    """"will start selling ... today": it happens on the day it is said."""
    target, said_on = fields["target"], fields["said_on"]
    return "entered" if stance == "plans" and target and said_on and target == said_on and len(target) == 10 else None


def _future_clause(c: Candidate, stance: str, fields: dict) -> str | None:
    """"before it starts operations in Peru": a present that means the future."""
    text, a = c.ctx.doc.text, c.action
    return "plans" if stance == "entered" and FUTURE_CLAUSE.search(text, max(c.sentence.start, a.start - 40), a.start) else None


def _dated_later(c: Candidate, stance: str, fields: dict) -> str | None:
    """"is launching in Peru next month", "announced its entry ... in 2027": dated after publication."""
    target, said_on = fields["target"], fields["said_on"]
    if stance == "entered" and target and said_on and _later(target, c.ctx.doc.published or said_on):
        return "plans"
    return None


# Rewrites of a kept statement's stance, in order; the first that applies wins (its name goes to explain).
REWRITES: tuple[tuple[str, Callable[[Candidate, str, dict], str | None]], ...] = (
    ("not until: a plan from then", _not_until),
    ("dated today: entered", _today),
    ("future clause: a plan", _future_clause),
    ("dated after publication: a plan", _dated_later),
)


_FILTER_RANK = {name: i for i, (name, _) in enumerate(ACTION_FILTERS)}


def _trace(c: Candidate, failed: str | None, trace: list[dict]) -> None:
    """Record a candidate and every (company, market) reading of it, for tests, --explain and the
    scorer benchmark: all filters are evaluated here (those after the first that holds included)."""
    fired = [name for name, test in ACTION_FILTERS if test(c)]
    base = {"action_text": c.text_of(c.action), "kind": c.action.cue.kind, "generated": c.action.cue.generated,
            "cue_stance": c.action.cue.stance or None, "frame_text": c.text_of(c.frame) or None,
            "frame_stance": c.frame.cue.stance if c.frame else None, "stance": c.stance, "fired": fired,
            "speaker_kind": c.speaker.kind if c.speaker else None, "headline": c.sentence.headline,
            "quote_start": c.sentence.start, "quote_end": c.sentence.end, "dropped_by": failed}
    readings = [(company, rule, m) for company, rule in c.subjects for m in c.markets]
    if not readings:
        trace.append({**base, "company": None, "market": None})
    for company, rule, m in readings:
        home = next((name for name, test in STATEMENT_FILTERS if test(c, company, m)), None)
        trace.append({**base, "company": company, "company_rule": rule, "market": m.code, "market_alias": m.alias,
                      "market_adjective": m.adjective, "market_inside": c.action.start <= m.start < c.action.end,
                      "statement_filter": home, "dropped_by": failed or home})


def _statements_in(sentence: Sentence, attribution: Attribution | None, para_attr: Attribution | None,
                   topic_company: str | None, ctx: DocumentIndex, trace: list[dict] | None = None) -> list[Statement]:
    """Stage one: a candidate per action; stage two: the filters and rewrites above. With `trace`, every
    candidate (each company and market it reads, when it has them) is recorded there with every filter
    that holds for it and the one that dropped it ("dropped_by", None when kept)."""
    cues = _cues_in(sentence)
    actions = [a for a in cues if a.cue.kind in ("entry", "exit", "delay", "nominal")]
    if not actions:
        return []
    shared = SentenceCues(actions, [a for a in cues if a.cue.kind == "frame"], [a for a in cues if a.cue.kind == "block"],
                          [a for a in cues if a.cue.kind == "block_after"], _markets_in(sentence, ctx),
                          attribution, para_attr, topic_company)
    out: list[Statement] = []
    seen: set[tuple[str, str, str]] = set()
    for action in _outermost(actions):
        c = Candidate(sentence, action, shared, ctx)
        failed = next((name for name, test in ACTION_FILTERS if test(c)), None)
        if failed is None or _FILTER_RANK[failed] > _FILTER_RANK["no market in scope"]:
            shared.previous = (c.markets, action.end)  # a coordinated predicate after it may share its markets
        if trace is not None:
            _trace(c, failed, trace)
        if failed:
            continue
        said_on, said_rule, said_timex = _said_on(c.speaker, sentence, ctx)
        occasion = _earlier_occasion(sentence, action, ctx)
        for company, subject_rule in c.subjects:
            who, role, speaker_type = _speaker_fields(c.speaker, company)
            for market in c.markets:
                key = (company, market.code, c.stance)
                if key in seen:
                    continue  # said already in this sentence
                failed = next((name for name, test in STATEMENT_FILTERS if test(c, company, market)), None)
                if failed:
                    continue
                seen.add(key)
                target, qualifier, target_rule = _target(action, c.frame, c.scope_end, said_timex, sentence, ctx,
                                                         c.stance, market, occasion)
                fields = {"target": target, "target_qualifier": qualifier, "said_on": said_on}
                stance, rewrite = c.stance, None
                for name, rule in REWRITES:
                    new = rule(c, stance, fields)
                    if new:
                        stance, rewrite = new, name
                        break
                out.append(Statement(
                    company=company, market=market.code, stance=stance,
                    speaker=who, speaker_role=role, speaker_type=speaker_type,
                    said_on=said_on, target=target, target_qualifier=fields["target_qualifier"],
                    quote=sentence.text, quote_start=sentence.start, quote_end=sentence.end,
                    confidence=_confidence(c.frame, action, speaker_type, subject_rule, market, sentence),
                    explain={
                        "frame": (c.frame.cue.label or c.frame.cue.pattern) if c.frame else None,
                        "frame_text": c.text_of(c.frame) or None,
                        "action": f"{action.cue.kind}: {action.cue.label or action.cue.pattern}",
                        "action_text": c.text_of(action),
                        "market_alias": market.alias,
                        "company_rule": subject_rule,
                        "home": ctx.company_homes.rule.get(company) if ctx.company_homes else None,
                        "speaker_rule": c.speaker.rule if c.speaker else None,
                        "said_on_rule": said_rule,
                        "target_rule": target_rule,
                        "rewrite": rewrite,
                    },
                ))
                if occasion is not None and occasion.value[:10] != said_on:
                    out.append(_said_before(out[-1], occasion))
    return out


# "..., repeating a statement made in July", "reiterating comments first made in 2019", "as it said in May":
# the same claim made on an earlier occasion the sentence dates
EARLIER_OCCASION = re.compile(
    r"(?:\b(?:repeating|reiterating|restating|echoing)\s+(?:(?:a|an|the|its|his|her|their)\s+)?(?:[\w-]+\s+)?"
    r"(?:statements?|comments?|remarks?|positions?|pledges?|promises?|assurances?|views?)\s+(?:(?:it|he|she|they)\s+)?"
    r"(?:had\s+)?(?:first\s+)?(?:made|gave|given|issued|offered|expressed)?|"
    r"\bas\s+(?:it|he|she|they|the\s+(?:company|group|firm))\s+(?:had\s+)?(?:first\s+|already\s+)?(?:said|announced|stated))"
    r"\s*(?:(?:in|on|at|during|back\s+in)\s+)?(?:the\s+)?$", re.IGNORECASE)


def _earlier_occasion(sentence: Sentence, action: Action, ctx: DocumentIndex) -> Timex | None:
    """A past date, after the action, of an earlier occasion on which the same claim was made."""
    published = ctx.doc.published or ""
    for t in ctx.timexes_between(action.end, sentence.end):
        if t.type == "DATE" and _concrete_or_year(t.value) and published and t.value[:10] < published \
                and EARLIER_OCCASION.search(ctx.doc.text, max(action.end, t.start - 80), t.start):
            return t
    return None


def _said_before(statement: Statement, occasion: Timex) -> Statement:
    """The statement as made on the earlier occasion: its own said_on, the rule that dated it."""
    explain = dict(statement.explain, said_on_rule=f"an earlier occasion the sentence names ({occasion.rule or occasion.type})")
    return dataclasses.replace(statement, said_on=occasion.value[:10], explain=explain)


# markets that come next in a trailing clause: "..., with Italy and Poland to follow next year",
# "..., followed by Italy in 2026"
FOLLOWING = re.compile(
    r"\s*,\s*(?:(?:with|and)\s+(?P<a>[^,;.]{2,80}?)\s+(?:(?:set|due|expected|slated)\s+)?(?:to\s+follow|following)\b"
    r"|followed\s+(?:later\s+|soon\s+)?by\s+(?P<b>[^;.]{2,80}?)(?=\s+(?:in|by|next|later|from|this)\b|\s*[,;.]|\s*$))",
    re.IGNORECASE)


def _following_markets(picked: list[MarketMention], markets: list[MarketMention], sentence: Sentence,
                       text: str) -> list[MarketMention]:
    """The markets a trailing clause lists as the next ones after the entry's ("launch in Spain in March,
    with Italy and Poland to follow next year": Italy and Poland too)."""
    end = max(m.end for m in picked)
    clause = re.match(r"[^,;.]{0,40}?(?=\s*,)", text[end:sentence.end])  # a date may close the first clause
    if clause is None:
        return []
    m = FOLLOWING.match(text, end + clause.end(), sentence.end)
    if m is None:
        return []
    group = "a" if m.group("a") else "b"
    start, stop = m.start(group), m.end(group)
    return [mm for mm in markets if start <= mm.start and mm.end <= stop and mm not in picked]


# what joins two predicates of one subject: "opened in Peru in 2004 and closed its plant"
COORDINATED_PREDICATE = re.compile(r"[^,;.]{0,40}?\s+(?:and|but)\s+(?:later\s+|then\s+|subsequently\s+|eventually\s+)?")


# "nine markets ..., among them", "other countries including": a list of the markets a phrase counts
LIST_INTRODUCER = re.compile(
    r"\b(?:countries|markets|nations|territories)\b[^.;]{0,60}?\b(?:among\s+them|including|such\s+as|namely|notably)\s+",
    re.IGNORECASE)


def _listed_markets(action: Action, markets: list[MarketMention], sentence: Sentence, text: str) -> list[MarketMention]:
    """The markets listed after a counted phrase in the action's scope ("in nine Andean markets, ..., among
    them Egypt, Morocco and Oman, but not Libya"): the list's coordinated names, up to a "but not"."""
    m = LIST_INTRODUCER.search(text, action.end, min(sentence.end, action.end + 80))
    if not m or re.search(r"[;]|\.\s", text[action.end:m.start()]):
        return []
    out: list[MarketMention] = []
    for mm in markets:
        if mm.start < m.end():
            continue
        gap = text[(out[-1].end if out else m.end()):mm.start]
        if out and not re.fullmatch(r"\s*(?:,|and|or|&)?\s*(?:and\s+)?(?:[Tt]he\s+)?", gap) or not out and gap.strip(" ("):
            break
        out.append(mm)
    return out


WHERE_CLAUSE = re.compile(r"\s*,?\s*\(?\s*where\s+(?:it|we|they|the\s+company|[A-Z])[^,;()]{0,60}$")  # not "where a plant"
MARKET_LIST_GAP = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+)(?:the\s+)?")


def _where_antecedent(start_at: Action, markets: list[MarketMention], sentence: Sentence,
                      text: str) -> list[MarketMention]:
    """The markets a "where" clause opening before the predicate refers to ("Peru and Chile, where it
    opened stores in 2019"): the place is the one named right before "where"."""
    where = WHERE_CLAUSE.search(text, sentence.start, start_at.start)
    if not where:
        return []
    out: list[MarketMention] = []
    end = where.start()
    for m in reversed([m for m in markets if m.end <= end and not m.adjective]):
        if not (re.fullmatch(r"\s*", text[m.end:end]) if not out else MARKET_LIST_GAP.fullmatch(text, m.end, end)):
            break
        out.append(m)
        end = m.start
    return out[::-1]


CLAUSE_PUNCTUATION = re.compile(r"[,;()]")


def _clause_end(text: str, start: int, limit: int) -> int:
    """Where the clause running from `start` ends: the next comma, semicolon, bracket or the limit."""
    m = CLAUSE_PUNCTUATION.search(text, start, limit)
    return m.start() if m else limit


def _fronted_market(sentence: Sentence, markets: list[MarketMention], action: Action, text: str) -> list[MarketMention]:
    """The market of a phrase that opens the sentence ("In Peru, ..."), for a predicate that names none."""
    m = re.match(r"\W*(?:In|Across|Throughout)\s+(?:the\s+)?", sentence.text)
    if not m:
        return []
    first = [mm for mm in markets if mm.start == sentence.start + m.end() and not mm.adjective]
    if first and re.match(r"\s*,", text[first[0].end:first[0].end + 3]) and first[0].end < action.start:
        return first
    return []


def _outermost(actions: list[Action]) -> list[Action]:
    """Drop actions nested inside a longer one; of an exit and an entry read from the same words
    ("sell its Norwegian subsidiary to..."), the exit."""
    out: list[Action] = []
    for a in actions:
        if a.cue.kind == "entry" and any(o.cue.kind == "exit" and o.start == a.start for o in actions):
            continue
        if any(o.start <= a.start and a.end <= o.end and (o.end - o.start) > (a.end - a.start)
               and not (a.cue.kind == "exit" and o.cue.kind == "entry" and o.start == a.start) for o in actions):
            continue
        if out and out[-1].start == a.start and out[-1].end == a.end:
            continue
        out.append(a)
    return out


def _governing_frame(action: Action, frames: list[Action], text: str) -> Action | None:
    best = None
    for f in frames:
        if text.startswith("May", f.start) and f.end - f.start == 3 and text[max(0, f.start - 2):f.start].strip(' "“'):
            continue  # "Last May the retailer...": the month, not the modal (which opens a sentence only)
        if f.end <= action.start + 1 and action.start - f.end <= MAX_FRAME_GAP:
            gap = text[f.end:action.start]
            if CLAUSE_BREAK.search(gap) or re.search(r"[,:]\s", gap) and len(gap) > 25:
                continue
            if best is None or f.end > best.end or (f.end == best.end and f.start < best.start):
                best = f
        elif f.start <= action.start < f.end and f.end < action.end:
            best = best or f
    return best


def _stance(action: Action, frame: Action | None, text: str) -> str | None:
    kind = action.cue.kind
    if kind == "nominal" and action.cue.stance == "considering" and re.search(
            r"\b(?:not|never|n't)\s+(?:\w+\s+)?$", text[max(0, action.start - 20):action.start]):
        return "no_plans"  # "was not targeting the US"
    if kind == "nominal":
        if action.cue.stance == "entered" and frame and frame.cue.stance in ("plans", "considering", "no_plans"):
            if text[frame.start:frame.end].lower() == "would" and CONDITIONAL.search(text, max(0, frame.start - 160), frame.start):
                return "considering"  # "if the option is taken up, it would mark its entry": if, not when
            return frame.cue.stance  # "is expected to announce its entry", "would mark its entry"
        return action.cue.stance
    if kind == "delay":
        return "delayed"
    if kind == "entry" and re.search(r"\bno\s+longer\s+(?:\w+\s+){0,2}$", text[max(0, action.start - 30):action.start]):
        return "withdrawn"  # "will no longer sell its phones in Peru"
    if kind == "exit":
        if frame and frame.cue.stance == "no_plans":
            return None  # "no plans to leave" is not an entry statement
        return "withdrawn"
    if frame:
        between = text[frame.end:action.start]
        if re.search(r"\bnot\b|\bnever\b", between) and frame.cue.stance in ("plans", "considering"):
            return "no_plans"
        if frame.cue.stance == "plans" and re.search(r"\b(?:may|might|could)\s+(?:be\s+|have\s+)?$",
                                                      text[max(0, frame.start - 16):frame.start], re.IGNORECASE):
            return "considering"  # "might be aiming to move into": a plan only maybe
        if text[frame.start:frame.end].lower() == "would" and CONDITIONAL.search(text, max(0, frame.start - 160), frame.start):
            return "considering"  # "if the option is taken up, it would mark its entry": if, not when
        if text[frame.start:frame.end].lower() in ("will", "would") and re.match(r"\s+now\b", text[frame.end:frame.end + 5]) \
                and kind == "entry":
            return "entered"  # "its service will now be available in Peru": from now on
        return frame.cue.stance
    first = FIRST_TO.search(text, max(0, action.start - 120), action.start)
    if first and kind == "entry":  # "was the first foreign bank to open a branch in Peru"
        return "plans" if first.group(1).lower().startswith(("will", "would")) else "entered"
    surface = text[action.start:action.end].split()[0].lower()
    before = text[max(0, action.start - 12):action.start].lower()
    if action.cue.kind == "entry" and re.search(r"\b(?:after|since|before)\s+$", before) and surface.endswith("ing"):
        return "entered" if not before.rstrip().endswith("before") else None  # "months after starting operations there"
    if action.cue.kind == "entry" and _progressive(action, text):
        # "is entering Japan", "is expanding into Vietnam": a move under way, announced; "is selling
        # there again": a return that has happened
        return "entered" if AGAIN.match(text, action.end) else "plans"
    if re.search(r"\b(?:not|never|n't)\s+$", before):
        return None
    if action.cue.stance == "entered":
        if re.search(r"\b(?:to|would|could|may|might|will)\s+(?:have\s+)?$", before):
            return None
        return "entered"
    hedged = re.match(r"(?:its|their|a|an|the|[A-Z][\w&-]*(?:'s|’s))\s+(likely|planned|expected|upcoming|proposed|intended|possible|potential|"
                      r"eventual|future)\s", text[action.start:action.end], re.IGNORECASE)
    if hedged:  # "its likely entry into", "a possible launch in"
        return "considering" if hedged.group(1).lower() in ("possible", "potential", "eventual") else "plans"
    if surface in forms("third") and not re.search(r"\b(?:to|will|would|could|may|might)\s+$", before):
        return "entered"  # present tense in news ("Tesla enters India")
    return None


# "is the latest retailer to", "was also the first foreign bank to", "will be the second carmaker to"
FIRST_TO = re.compile(r"\b(is|are|was|were|has\s+been|had\s+been|will\s+be|would\s+be|became|becomes)\s+"
                      r"(?:also\s+)?(?:the|its)\s+(?:first|latest|last|only|second|third|newest|most\s+recent)\s+"
                      r"(?:[\w-]+\s+){0,4}?to\s+$", re.IGNORECASE)
FUTURE_CLAUSE = re.compile(
    r"\b(?:before|once|when|until|unless|if|as\s+soon\s+as)\s+(?:it|they|the\s+[a-z]+|[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*)?)\s+$")
AGAIN = re.compile(r"[^.;]{0,80}?\bagain\b")
PROGRESSIVE = re.compile(r"\b(?:is|are|was|were|'s|’s)\s+(?:now\s+|also\s+|finally\s+|officially\s+|already\s+)?$", re.IGNORECASE)


def _progressive(action: Action, text: str) -> bool:
    """An -ing form after 'is'/'are' ("is entering Japan"), not after 'to be' or a frame."""
    first = text[action.start:action.end].split()[0].lower()
    return first.endswith("ing") and PROGRESSIVE.search(text, max(0, action.start - 20), action.start) is not None


def _reduced_relative(action: Action, text: str) -> bool:
    """A participle that only a participle can be ("withdrawn", "taken") right after a noun: it describes
    the noun ("rights withdrawn from"), it does not tell what the subject did."""
    first = text[action.start:action.end].split()[0].lower()
    before = text[max(0, action.start - 30):action.start]
    if re.search(r"\b(?:the|a|an|its|their)\s+(?:newly|recently|just|soon-to-be)\s+$", before, re.IGNORECASE) \
            and first.endswith(("ed", "en", "wn", "ne")):
        return True  # "the newly created Indian subsidiary": a participle used as an adjective
    if first not in participle_only_forms():
        return False
    before = re.sub(r"(?:\b[a-z]+ly\s+)+$", "", before)  # "has quietly withdrawn": the adverb aside
    return re.search(r"\b(?!(?:has|have|had|been|be|being|was|were|is|are|it|they|not|never|also|now)\b)[a-z]+\s+$",
                     before) is not None


def _later(value: str, than: str) -> bool:
    """A TIMEX3 value whose period starts after another's ("2026-03" after "2026-02-20", "2018-FA"
    after "2018-02"); FUTURE_REF is later than any date."""
    if value == "FUTURE_REF":
        return True
    a, b = timex_fields(value).get("start"), timex_fields(than).get("start")
    return bool(a and b and a > b)


def _scope_end(action: Action, actions: list[Action], sentence: Sentence, text: str) -> int:
    end = min(sentence.end, action.end + MAX_SCOPE)
    m = CLAUSE_BREAK.search(text, action.end, end)
    if m:
        end = m.start()
    for other in actions:
        if (other.start >= action.end and other.start < end and other.cue.kind != action.cue.kind
                and {other.cue.kind, action.cue.kind} == {"entry", "exit"}):
            end = other.start
    return end


def _dateline_market(doc: Document, year: int | None) -> str | None:
    """The market of the dateline city ("LONDON, April 8"), which "here" refers to."""
    dateline = doc.meta.get("dateline") if doc.meta else None
    if not dateline:
        return None
    parts = [p.strip() for p in str(dateline).split(",")]
    if len(parts) > 1 and re.fullmatch(r"[A-Z]{2}", parts[1]) and f"US-{parts[1]}" in markets():
        return "US"  # "HORSHAM, PA, March 23": a postal state code, trusted in a dateline only
    if len(parts) > 1 and re.fullmatch(r"[A-Z][A-Za-z.]{1,5}", parts[1]):
        parts[1] = parts[1].title() + ("" if parts[1].endswith(".") else ".")  # "MILWAUKEE, WIS." / "Fla"
    place = ", ".join(parts[:2])  # "NEWMARKET, N.H., March 12"
    found = find_markets(place, year, any_case=True)
    return country_of(found[0].code) if found else None


def _markets_in(sentence: Sentence, ctx: DocumentIndex) -> list[MarketMention]:
    any_case = sentence.text.isupper()
    found = find_markets(sentence.text, ctx.year, any_case=any_case)
    if ctx.dateline_market:
        for m in re.finditer(r"\bhere\b", sentence.text):
            found.append(MarketMention(m.start(), m.end(), "here", ctx.dateline_market, False))
    for m in COUNTRY_REFERENCE.finditer(sentence.text):  # "will launch in the country", "entered there"
        code = ctx.country_before(sentence.start + m.start())
        if code:
            found.append(MarketMention(m.start(), m.end(), m.group(0), code, False))
    found.sort(key=lambda f: f.start)
    out = []
    excluded_end = -1
    for m in found:
        start, end = sentence.start + m.start, sentence.start + m.end
        if excluded_end >= 0 and re.fullmatch(r"(?:\s*(?:,|and|or|&)\s*)+(?:the\s+)?", ctx.doc.text[excluded_end:start]):
            excluded_end = end
            continue  # "outside Canada, Alaska and Australia": the whole list is excluded
        excluded_end = -1
        inside_company = any(c.company and c.start <= start and end <= c.end and c.text != m.alias
                             for c in ctx.companies.mentions_between(start - 120, end))
        if inside_company or _in_company_name(ctx.doc.text, start, end):
            continue
        if re.search(r"[A-Z][\w&.'-]*>?\s+of\s+(?:the\s+)?$", ctx.doc.text[max(0, start - 40):start]) and not m.adjective:
            continue  # "sold its mills to Halvorsen of Norway": a name's place, not a market
        if re.search(rf"\b{PERSON_TITLES}\s+$", ctx.doc.text[max(0, start - 30):start]) \
                and re.match(r"\s+[A-Z][a-z]+\b", ctx.doc.text[end:end + 30]):
            continue  # "Chairman Milan Bakic said": a first name after a title, not a place
        if re.match(r"\s*(?:dlrs|dollars?|dlr|cents)\b", ctx.doc.text[end:end + 12], re.IGNORECASE) \
                or re.search(r"\b(?:dlrs|dollars?)\s+$", ctx.doc.text[max(0, start - 10):start], re.IGNORECASE):
            continue  # "four mln dlrs U.S.", "U.S. dollars", "Canadian dlrs": a currency, not a market
        if FINANCIAL_MARKETS.match(ctx.doc.text, end, end + 80):
            continue  # "access to U.S. and European capital markets": finance, not a market to enter
        if ctx.company_homes and ctx.company_homes.is_seat(start, end):
            continue  # "Kestrel Ltd of Ireland": where a company is based, not where it goes
        after = ctx.doc.text[end:end + 12]
        if not m.adjective and ATTRIBUTIVE.match(ctx.doc.text, end, end + 40):
            continue  # "U.S. brokerage firm": a place describing a company, not a market
        if re.match(r"-based|\s+(?:Navy|Army|Government|government|Treasury|Congress|Senate|House|Court|court|Bankruptcy|"
                    r"District|Supreme|Secretary|Ambassador|Embassy|Department|Agriculture|Commerce|President|"
                    r"Minister|Ministry|Trade\s+Representative|dollar|dollars|stocks?|shares|bonds?|index|time)\b", after):
            continue  # "the U.S. Bankruptcy Court", "U.S. Agriculture Secretary": a body, not a market
        if not m.adjective and re.match(r"\s+(?:[A-Z][\w-]*\s+){1,2}(?:Department|Ministry|Court|Commission|Agency|Authority|"
                                        r"Board|Administration|Bureau|Council|Committee|Embassy|Service)\b", ctx.doc.text[end:end + 60]):
            continue  # "the U.S. Justice Department"
        if re.search(r"\b(?:outside|except|excluding|other\s+than|apart\s+from|beyond|besides)\s+(?:in\s+)?(?:the\s+)?$",
                     ctx.doc.text[max(0, start - 24):start]):
            excluded_end = end
            continue  # "holdings outside Canada", "across Canada, except in Quebec"
        out.append(MarketMention(start, end, m.alias, m.code, m.adjective))
    return out


def _in_company_name(text: str, start: int, end: int) -> bool:
    """A place in a company's name: "Commerz Securities (Japan) Co", "Nissei International America>"."""
    before, after = text[max(0, start - 2):start], text[end:end + 12]
    if before.endswith("(") and _BRACKET_THEN_FORM.match(after):
        return True
    return bool(_NAME_TAIL.match(after)) and bool(re.search(r"[A-Z][\w&-]+\s+$", text[max(0, start - 30):start]))


_BRACKET_THEN_FORM = re.compile(rf"\)\s*(?:{LEGAL_SUFFIXES})\b")  # "(Japan) KK"
_NAME_TAIL = re.compile(rf"\s*(?:{LEGAL_SUFFIXES}|Bank|Airlines|Motors)\b\.?")  # "Nordic Bank", "Iberia Holdings"


def _without_dates(text: str, start: int, end: int, timexes: list[Timex]) -> str:
    """The text between two offsets with the temporal expressions in it removed."""
    out, pos = [], start
    for t in timexes:
        if t.start >= start and t.end <= end:
            out.append(text[pos:t.start])
            pos = t.end
    out.append(text[pos:end])
    return re.sub(r"\s+", " ", "".join(out))


def _markets_for(action: Action, frame: Action | None, markets: list[MarketMention], scope_end: int, text: str,
                 timexes: list[Timex] = ()) -> list[MarketMention]:
    """Markets the action is about: inside it, in its scope after it, or right before it ("a US launch")."""
    picked = []
    begin = (frame or action).start
    dated = next((t.end for t in timexes if t.start >= action.end and not text[action.end:t.start].strip()), None) \
        if re.search(r"\b(?:on|in|from|at)\s*$", text[action.start:action.end]) else None
    for m in markets:
        inside = action.start <= m.start < action.end
        after = action.end <= m.start < scope_end
        before = begin - 30 <= m.start < begin and action.cue.kind in ("nominal", "delay") and not action.cue.generated or (
            frame is None and action.start - 25 <= m.start < action.start and action.cue.kind == "entry"
            and re.match(r"\s*(?:launch|entry|expansion|debut|market)", text[m.end:action.end + 1]))
        site_closed = action.cue.kind == "exit" and m.adjective and 0 <= action.start - m.end <= 2 and re.match(
            r"(?:stores?|shops?|outlets?|branch(?:es)?|restaurants?|showrooms?|offices?)\b", text[action.start:action.end])
        subject_np = site_closed or action.cue.stance == "entered" and m.adjective and m.start < action.start and re.match(
            r"\s+(?:joint\s+)?(?:venture|subsidiary|unit|affiliate|branch|office|operation|arm)\b", text[m.end:m.end + 20])
        between = subject_np or frame is not None and frame.end <= m.start < action.start and action.cue.kind in ("nominal", "delay", "entry") and re.match(r"\s*(?:launch|entry|expansion|debut)", text[m.end:m.end + 12])
        if not (inside or after or before or between):
            continue
        if after and dated and not re.fullmatch(r"[\s,]*(?:in|into|across|throughout|to)\s+(?:the\s+)?", text[dated:m.start]):
            continue  # "launched its scooters on August 15, India's national day": the preposition took the date
        if after and not any(p.start >= action.end for p in picked) and (
                (action.cue.kind == "exit" or action.cue.pattern.endswith(DIRECT)) and not EXIT_LINK.fullmatch(text, action.end, m.start)
                or action.cue.kind != "exit" and action.cue.generated and not PREPOSITION_LINK.fullmatch(text, action.end, m.start)):
            continue  # "ended copper shipments through South Africa": the market must be what is left
        if m.adjective and not (inside or MARKET_NOUNS.match(text[m.end:m.end + 80])
                                or action.cue.kind == "exit" and EXIT_SITES.match(text, m.end)):
            continue
        if m.adjective and action.cue.kind == "exit" and re.search(r"\bto\s+(?:a|an|the)\s+(?:[\w-]+\s+)?$", text[max(0, m.start - 30):m.start]):
            continue  # "sell a stake to a Japanese firm": the buyer's nationality, not the market left
        picked.append(m)
    # markets after the action: the first one and those coordinated with it ("Germany, Austria and Switzerland")
    trailing = [m for m in picked if m.start >= action.end and not (action.start <= m.start < action.end)]
    inside = [m for m in picked if action.start <= m.start < action.end]
    if inside and trailing:
        inside = [m for m in inside if m.code != "global"]  # "close its overseas business in Peru": Peru
        picked = [m for m in picked if m in inside or m in trailing or not action.start <= m.start < action.end]
        placed = [m for m in inside if m.adjective  # "a French subsidiary", not "export U.S. expertise"
                  or re.search(r"\b(?:in|into|to|across|throughout)\s+(?:the\s+)?$", text[action.start:m.start])]
        picked = [m for m in picked if m not in inside or m in placed]  # "export U.S. expertise to Europe"
        if placed and len(placed[-1].code) != 2 and len(trailing[0].code) == 2 and re.fullmatch(
                r"\s*(?:(?:in|into|across)\s+)?(?:the\s+)?", text[action.end:trailing[0].start]) \
                and re.search(r"\b(?:in|into|across)\s+(?:the\s+)?$", text[action.start:trailing[0].start]):
            picked = [m for m in picked if m not in placed]  # "its Central American assets in Peru": Peru
        elif placed:  # "a joint venture in London ... for the sale of equities in Europe": London governs
            trailing = [placed[-1]] + trailing
    if len(trailing) > 1:
        keep = [trailing[0]]
        for m in trailing[1:]:
            between_text = _without_dates(text, keep[-1].end, m.start, timexes)
            if COORDINATION.match(between_text) or (keep[-1].adjective and re.fullmatch(r"\s*(?:,|and|or)\s*", between_text)):
                keep.append(m)
            elif m.adjective and PURPOSE.match(between_text[between_text.rfind(",") + 1:] if "," in between_text else between_text):
                keep.append(m)  # "a depot in Leeds, England, to supply European buyers"
            else:
                break
        picked = sorted([m for m in picked if m not in trailing] + keep, key=lambda m: m.start)
    # a subdivision stands for its country unless the text is about its own market ("the Los Angeles market")
    out = []
    for m in picked:
        code = m.code
        own_market = re.match(r"\s+(?:[a-z-]+\s+){0,2}market", text[m.end:m.end + 40]) \
            or m.alias.lower().startswith(("state of", "province of")) \
            or re.search(r"\b(?:state|province) of\s+$", text[max(0, m.start - 14):m.start])  # "the Texas gas market"
        if "-" in code and code[:2].isupper() and not own_market:
            code = country_of(code)
        out.append(MarketMention(m.start, m.end, m.alias, code, m.adjective))
    return out


# a definite move that refers back to one named before ("postponed the opening", "its launch was delayed")
DEFINITE_MOVE = re.compile(r"\b(?:the|its|their)\s+(?:[\w-]+\s+){0,2}?(?:launch|entry|opening|debut|rollout|expansion|"
                           r"arrival)\b", re.IGNORECASE)
EARLIER_MOVE_SPAN = 1500  # characters: a few paragraphs

# "the country", "there": the country named last before, within a few sentences
COUNTRY_REFERENCE = re.compile(r"\b(?:the\s+country|there)\b(?!\s+(?:is|are|was|were|has|have|had|will|would)\b)")
COUNTRY_REFERENCE_SPAN = 600


# what may stand between an exit and the first market after it ("exit Peru", "close its stores in the UK")
EXIT_LINK = re.compile(
    r"\s*(?:(?:(?:in\s+)?(?:its|their)\s+(?:current|present|existing)\s+form|altogether|entirely|completely|fully|"
    r"permanently|for\s+good)\s+)?"  # "shut down its business in its current form in Peru"
    r"(?:(?:in|into|from|of|across|throughout|to)\s+)?(?:the\s+|its\s+|their\s+|our\s+)?"
    r"(?:[\w\s,-]{0,50}?\b(?:countries|markets|nations|regions)\b[\w\s,-]{0,20}?\b(?:including|such\s+as|namely|like)\s+)?",
    re.IGNORECASE)  # "has closed units in several countries, such as Peru"


# between a generated predicate's preposition and its market: a determiner and a few words at most
# ("available in the Peruvian market", not "available in denominations of 1,000 ... listed in Peru")
PREPOSITION_LINK = re.compile(
    r"\s*(?:(?:the|its|their|a|an|several|some|other|more)\s+)?(?:[\w'’.,-]+\s+){0,3}?"
    r"(?:(?:business|market|industry|sector|trade|state|province|region|city|capital)\s+(?:in|of)\s+(?:the\s+)?)?",
    re.IGNORECASE)  # "enter the health care business in Japan", "the southern state of Kerala"


PLURAL_SUBJECT = re.compile(
    rf"\b(?:{company_noun_alternation('plural_subject')}|others)\s+(?:\w+\s+)?$")
COORDINATED = re.compile(r"(?:\s*[<(][^<>()]{1,12}[>)])*\s*(?:,|and|&|,\s*and)\s*(?:the\s+)?<?")


def _subjects(sentence: Sentence, cue_start: int, speaker: Attribution | None, topic_company: str | None,
              ctx: DocumentIndex, possessive: bool = False) -> list[tuple[str, str]]:
    """The companies a cue is about, with the rule that found each: the subject mentioned last before
    it, the companies coordinated with that one ("Nippon Steel and Inland Steel are negotiating"),
    or what a pronoun refers to ("it plans", "it and Clevite will launch"). None when an institution
    is the subject ("the Bank of Japan re-entered the market")."""
    text = ctx.doc.text
    before = [m for m in ctx.companies.mentions_between(sentence.start, cue_start) if m.end <= cue_start
              and not _aside(m, cue_start, text)]
    if before and not before[-1].company:
        return []  # the nearest name is an institution's, and so is any "it" after it
    if _pronoun_subject(sentence, cue_start, text) or possessive and not before:  # "...would mark its entry"
        compared = [m for m in before if COMPARED.search(text, max(sentence.start, m.start - 60), m.start)]
        referents = [m for m in before if m not in compared]
        if compared and referents and referents[-1].company:  # "X skipped the show, but like Y and Z it plans to"
            alike = [(m.company, "compared with the subject") for m in compared if m.company and re.search(
                r"\blike\s+", text[max(sentence.start, compared[0].start - 12):compared[0].start])]
            return [(referents[-1].company, "pronoun, same sentence")] + alike
        if before:  # "Orion Corp says it will start shipping": the name in the same sentence
            return [(before[-1].company, "pronoun, same sentence")]
        company = _pronoun_company(speaker, topic_company)
        return [(company, "pronoun")] if company else []
    if not before:
        if _opening_reference().match(text, sentence.start, min(sentence.end, cue_start + 12)):
            company = _pronoun_company(speaker, topic_company)  # "The carmaker told dealers last spring of its plan to enter"
            return [(company, "reference opening the sentence")] if company else []
        return []
    last = before[-1]
    if PLURAL_SUBJECT.search(text, last.end, cue_start) and not _copular_relative().match(text, last.end, cue_start):
        return []  # "Acme may join two smaller firms hoping to enter Peru" (but "A and B are the firms that plan to")
    if len(before) > 1 and before[-2].company and re.match(r"(?:\s*[<(][^<>()]*[>)])*\s*,", text[last.end:cue_start]) \
            and re.fullmatch(r"(?:\s*[<(][^<>()]*[>)])*\s*,\s+(?:[\w'-]+\s+){1,6}<?", text[before[-2].end:last.start]):
        last = before[-2]  # "Halden Ltd, a unit of Marisol Corp, said it...": the first name
        before = before[:-1]
    out = [(last.company, "subject")]
    for m in reversed(before[:-1]):  # "A, B and C will...": walk back over coordinated names
        if not m.company or not COORDINATED.fullmatch(text, m.end, last.start) \
                or re.search(r"\b(?:besides|like|unlike|including|except|beyond)\s+(?:the\s+)?$",
                             text[max(sentence.start, m.start - 20):m.start], re.IGNORECASE):
            break  # "Besides A, B and C are...": A is not a subject
        out.append((m.company, "coordinated subject"))
        last = m
    if re.search(r"\bit\s+and\s+<?$", text[max(sentence.start, before[-1].start - 12):before[-1].start]):
        company = _pronoun_company(speaker, topic_company)  # "Orion said it and Kestrel will open..."
        if company:
            out.append((company, "pronoun"))
    seen: set[str] = set()
    return [(c, r) for c, r in out if not (c in seen or seen.add(c) or _is_person(c, ctx))]


SPEAKER_AFTER_ORG = re.compile(
    r"\s+(?:[a-z]+\s+)?(?:analyst|analysts|economist|strategist|spokesman|spokeswoman|spokesperson|executive|"
    r"chief|head|director|president|chairman|founder|official)\s+[A-Z]")
# a relative clause closed by the comma before the main verb ("X, which sells tea, coffee and cakes, is...")
ASIDE = re.compile(r",\s+(?:which|who|whose|where)\b[^;.]*?,(?=\s+(?:is|are|was|were|has|have|had|will|would|can|could|"
                   rf"may|might|plans?|{reporting_alternation()}|also|now|then|still)\b|\s*$)|,\s+(?:which|who|whose|where)\b[^,;]*,")


def _aside(mention: Mention, cue_start: int, text: str) -> bool:
    """A name that cannot be the cue's subject: inside a relative clause closed before the cue ("X,
    which owns the Y stores, has delayed..."), or a speaker's employer ("Citi analyst Jo Park said")."""
    if SPEAKER_AFTER_ORG.match(text, mention.end):
        return True
    clause_start = text.rfind(", ", max(0, mention.start - 160), mention.start)
    if clause_start < 0:
        return False
    m = ASIDE.match(text, clause_start)
    return bool(m and m.end() <= cue_start and m.end() > mention.end)


def _venture_partners(action: Action, frame: Action | None, scope_end: int, subjects: list[tuple[str, str]],
                      ctx: DocumentIndex) -> list[tuple[str, str]]:
    """A joint venture's partner enters with the subject: "Norda Bank will form a venture in Oslo with
    Canadian broker Kestrel Securities" (a partner at home is dropped later, as every home market is)."""
    text = ctx.doc.text
    if not re.search(r"\bventure\b", text[action.start:scope_end], re.IGNORECASE):
        return []
    taken = {c for c, _ in subjects}
    out = []
    for m in ctx.companies.mentions_between((frame or action).start, scope_end):
        gap = text[max(action.start, m.start - 120):m.start]
        if m.company and m.company not in taken and re.search(
                r"\bventure\b[^.;]{0,60}?\bwith\s+(?:[\w.,'-]+\s+){0,5}<?$", gap, re.IGNORECASE):
            out.append((m.company, "joint venture partner"))
            taken.add(m.company)
    return out


def _is_person(company: str, ctx: DocumentIndex) -> bool:
    """A "company" found only as a capitalized subject that the text names as a person ("Lyng said")."""
    return company not in ctx.companies.corporate and ctx.people.find(company) is not None


def _subject_company(sentence: Sentence, before: int, companies: CompanyIndex) -> str | None:
    """The company mentioned last before `before` in the sentence (the cue's subject)."""
    best: Mention | None = None
    for m in companies.mentions_between(sentence.start, before):
        if m.end <= before:
            if best is None or m.start > best.start:
                best = m
    return best.company if best else None


NOT_SUBJECT_BEFORE = re.compile(
    r"(?:\b(?:like|such\s+as|including|than|with|from|to|of|for|against|by|as|rival|rivals|competitor|competitors|"
    r"unlike|versus|vs\.?|and|or|at|in|on|into|over|behind|after|before)|,)\s+(?:the\s+|a\s+|its\s+)?(?:[\w'’-]+\s+){0,3}$",
    re.IGNORECASE)


def _sentence_subject(sentence: Sentence, companies: CompanyIndex, text: str) -> str | None:
    """The company a sentence is about: its first company mention that is not inside a phrase after a
    preposition or a rival's mention ("like BYD", "rival Grab"); "it" in the next sentence refers to it."""
    for m in companies.mentions_between(sentence.start, sentence.end):
        if not m.company:
            return None  # an institution is the subject
        before = text[sentence.start:m.start]
        if before.strip() and NOT_SUBJECT_BEFORE.search(before) and not re.fullmatch(
                r"\W*(?:[A-Z][\w-]*\s+){0,4}|\W*[A-Z][^,;:]{0,40},\s+", before):  # "Earlier this year, Kestrel"
            continue
        return m.company
    return None


# a name a comparison brings in ("like Lumo and Zentro, it plans", "unlike its rivals"): not what "it" means
COMPARED = re.compile(r"\b(?:like|unlike|such\s+as|including|besides|than)\s+(?:[\w&'’.-]+\s+){0,4}"
                      r"(?:(?:\([^()]{1,30}\)\s*)?(?:,|and|or)\s+(?:[\w&'’.-]+\s+){0,3})*$", re.IGNORECASE)


def _pronoun_subject(sentence: Sentence, cue_start: int, text: str) -> bool:
    """True when the words right before the cue are a pronoun or 'the company' (refer back)."""
    before = text[max(sentence.start, cue_start - 160):cue_start]
    before = ASIDE.sub("", before)  # "The chain, which serves coffee, is considering": the chain
    if _reference_regex().search(before[-70:]):
        return True
    return _coordinated_reference().search(before[-110:]) is not None  # "we reviewed our plans and decided to"


# words that refer back to a company: "it", "we" ("we've"), and "the <company noun>" with up to three
# words before the noun ("the Seattle-based chain", "the Chinese battery maker")
REFERENCE_PRONOUN = r"it|we(?:['’](?:ve|ll|d|re))?"


@lru_cache(maxsize=1)
def _the_company_noun() -> str:
    return rf"the\s+(?:[\w.-]+\s+){{0,3}}?(?:{company_noun_alternation('self')})"


@lru_cache(maxsize=1)
def _reference_regex() -> re.Pattern[str]:
    """'it', 'we', 'the company', 'the carmaker', 'the Seattle-based chain', 'the Chinese battery maker'
    right before a cue (with up to three words between), 'its app' as a subject, or the owner of the
    subject ("the chain's 29 Italian stores"): words that refer back to a company ('they' in news is
    people: "growers said they would")."""
    the_noun = _the_company_noun()
    return re.compile(rf"(?<![\w-])(?:{REFERENCE_PRONOUN}|its\s+[\w-]+|{the_noun})\s+(?:[a-z]+\s+){{0,3}}$"
                      rf"|(?<![\w-]){the_noun}['’]s\s+(?:[\w-]+\s+){{0,3}}$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _copular_relative() -> re.Pattern[str]:
    """A subject joined to its predicate by a copula and a company noun: "A and B are the other carmakers
    that plan to", "A is the latest retailer to": the names before it are the subjects."""
    nouns = company_noun_alternation("self")
    return re.compile(rf"(?:\s+[A-Z][\w-]*)*\s+(?:is|are|was|were|becomes|become|became)\s+(?:one\s+of\s+)?(?:the|a|an)\s+"
                      rf"(?:[\w-]+\s+){{0,3}}?(?:{nouns})s?\s+(?:that|which|to)\s+(?:[a-z]+\s+){{0,3}}$",
                      re.IGNORECASE)


@lru_cache(maxsize=1)
def _coordinated_reference() -> re.Pattern[str]:
    """A reference word as the subject of the first of two coordinated predicates ("we have reviewed our
    plans and decided to", "it sold two plants and will"): the second predicate's subject too."""
    return re.compile(rf"(?<![\w-])(?:{REFERENCE_PRONOUN}|{_the_company_noun()})"
                      rf"(?:\s+[a-z’'-]+){{1,6}}\s+and\s+(?:[a-z]+\s+){{0,3}}$", re.IGNORECASE)


@lru_cache(maxsize=1)
def _opening_reference() -> re.Pattern[str]:
    """A sentence whose subject is 'It' or 'The <company noun>' (up to three words before the noun),
    followed by its verb: its company is the one the text is about."""
    nouns = company_noun_alternation("self")
    return re.compile(rf"\W*(?:It|Services|The\s+(?:[\w.-]+\s+){{0,3}}?(?:{nouns}))\s+(?:has|had|have|is|was|will|would|"
                      rf"also|now|then|already|still|{reporting_alternation()}|[a-z]+ed|[a-z]+s)\b")


def _pronoun_company(speaker: Attribution | None, topic_company: str | None) -> str | None:
    if speaker and speaker.org:
        return speaker.org
    if speaker and speaker.kind == "company" and speaker.speaker:
        return speaker.speaker
    return topic_company


def _quoted(sentence: Sentence, text: str) -> bool:
    """True when the sentence sits inside a quotation (its paragraph opens a quote before it)."""
    para_start = text.rfind("\n", max(0, sentence.start - 2000), sentence.start) + 1
    before = text[para_start:sentence.start]
    opens = before.count("“") + before.count('"') % 2
    closes = before.count("”")
    return sentence.text.startswith(("“", '"')) or opens > closes or sentence.text.rstrip().endswith(("”", '"', "”.", '".'))


def _speaker_fields(speaker: Attribution | None, company: str) -> tuple[str | None, str | None, str]:
    if speaker is None or speaker.kind == "media":
        return None, None, "media"
    if speaker.kind == "self":
        return company, speaker.role, "company"
    if speaker.kind == "pronoun":
        return None, None, "media"
    role = speaker.role or ""
    if ANALYST.search(role):
        kind = "analyst"
    elif GOVERNMENT.search(role) or speaker.kind == "government":
        kind = "government"
    elif speaker.org and speaker.org != company:
        kind = "other"
    elif speaker.kind == "company" and speaker.speaker != company:
        kind = "other"
    else:
        kind = "company"
    return speaker.speaker, speaker.role, kind


def _said_on(speaker: Attribution | None, sentence: Sentence, ctx: DocumentIndex) -> tuple[str | None, str, Timex | None]:
    """The date the claim was made: a date on the reporting verb, else the publication date."""
    if speaker and speaker.verb_start >= 0:
        text = ctx.doc.text
        published = ctx.doc.published or ""
        concrete = [t for t in ctx.timexes_between(sentence.start, sentence.end)
                    if t.type in ("DATE", "TIME") and _concrete(t.value)
                    and not (published and _later(t.value, published))]  # never after publication
        for t in concrete:  # "said on Monday", "wrote in his post today", "said in a letter on Monday"
            gap = text[speaker.verb_end:t.start]
            if speaker.verb_end <= t.start and len(gap) <= 60 and not re.search(
                    r"[,;:]|\b(?:that|it|he|she|they|we|will|would|shall)\b", gap):  # not "said it will open ... next month"
                return t.value[:10], f"date by the reporting verb ({t.rule or t.type})", t
        for t in concrete:  # "On Tuesday, Xiaomi said", "Last week a Xiaomi spokesman told"
            if t.end <= speaker.verb_start and t.start - sentence.start <= 4 and (
                    re.match(r"\s*,", text[t.end:t.end + 2])
                    or re.fullmatch(r"(?:\s+(?!(?:that|which|who|it|will|would)\b)[\w’'&.-]+){1,5}\s+", text[t.end:speaker.verb_start])):
                return t.value[:10], f"date opening the reporting clause ({t.rule or t.type})", t
    dated = _dated_reporting_verb(sentence, ctx)
    if dated:
        return dated.value[:10], f"date by a reporting verb ({dated.rule or dated.type})", dated
    retold = _retold_on(sentence, ctx)
    if retold:
        return retold.value[:10], f"date of a claim retold ({retold.rule or retold.type})", retold
    if ctx.doc.published:
        return ctx.doc.published, "publication date", None
    return None, "no date known", None


def _dated_reporting_verb(sentence: Sentence, ctx: DocumentIndex) -> Timex | None:
    """A date right after a reporting verb of the sentence ("X said Tuesday", "announced on Wednesday that"),
    for a sentence whose speaker was not attributed."""
    text = ctx.doc.text
    published = ctx.doc.published or ""
    concrete = [t for t in ctx.timexes_between(sentence.start, sentence.end)
                if t.type in ("DATE", "TIME") and (_concrete(t.value) or _concrete_or_year(t.value)
                                                   and published and t.value[:4] < published[:4])]
    if not concrete:
        return None  # a year counts when it is before the article's: "announced in early 2019"
    for v in speech_verb_regex().finditer(text, sentence.start, sentence.end):
        for t in concrete:
            if 0 <= t.start - v.end() <= 22 and re.fullmatch(  # "said Tuesday", "told reporters on Monday"
                    r"\s*(?:(?:reporters|analysts|investors|journalists|shareholders|[A-Z][\w.-]+)\s+(?=on\b|in\b))?"
                    r"(?:(?:on|in|early|late|mid)\s*)*", text[v.end():t.start]):
                return t
            if 0 <= v.start() - t.end <= 2 and re.search(r"\bon\s+$", text[max(0, t.start - 4):t.start]):
                return t  # "BYD on Wednesday announced"
    return None


def _retold_on(sentence: Sentence, ctx: DocumentIndex) -> Timex | None:
    """The date of an earlier claim a later article retells: a past date opening the sentence before a
    reporting verb ("Earlier this year X announced plans...", "In May 2019 the founder said...")."""
    text = ctx.doc.text
    for t in ctx.timexes_between(sentence.start, sentence.start + 20):
        if t.type != "DATE" or not _concrete_or_year(t.value):
            continue
        if not re.fullmatch(r"\W*(?:(?:in|on|at|during|by|earlier|early|late|back)\s+)?(?:the\s+)?", text[sentence.start:t.start], re.I):
            continue
        value, published = t.value[:10], (ctx.doc.published or "")[:len(t.value[:10])]
        if not published or value > published or value == published and not re.match(
                r"(?:earlier|last|previously|before)\b", t.text, re.I):
            continue  # not before the publication: a target, not when something was said
        if speech_verb_regex().search(text, t.end, min(sentence.end, t.end + 120)):
            return t
    return None


def _concrete_or_year(value: str) -> bool:
    return _concrete(value) or bool(re.fullmatch(r"\d{4}(?:-(?:Q[1-4]|H[12]|SP|SU|FA|WI))?", value))


def _concrete(value: str) -> bool:
    return bool(re.match(r"(?:\d{4}|XXXX)-\d\d", value)) or bool(re.fullmatch(r"\d{4}-W\d\d(?:-WE)?", value))


def _target(action: Action, frame: Action | None, scope_end: int, said: Timex | None, sentence: Sentence,
            ctx: DocumentIndex, stance: str, market: MarketMention | None = None,
            occasion: Timex | None = None) -> tuple[str | None, str | None, str | None]:
    """When the entry is to happen: the date in the action's clause nearest after the market ("by 2030");
    neither the date it was said on nor that of an earlier occasion the sentence names."""
    skip = (said, occasion)
    begin = (frame or action).start
    end = max(scope_end, action.end)
    candidates = [t for t in ctx.timexes_between(begin, end) if t not in skip and t.type == "DATE"
                  and t.value != "PRESENT_REF"]
    chosen = None
    if market is not None:
        after = [t for t in ctx.timexes_between(market.end, sentence.end) if t not in skip and t.type == "DATE"
                 and t.value != "PRESENT_REF" and not CLAUSE_BREAK.search(ctx.doc.text, market.end, t.start)]
        before = [t for t in candidates if t.start < market.start]
        chosen = after[0] if after else (before[-1] if before else None)
    elif candidates:
        chosen = candidates[0]
    if chosen is None:
        # "In 2019, too, Halden meant to open...": a date that opens the sentence
        leading = [t for t in ctx.timexes_between(sentence.start, begin) if t not in skip and t.type == "DATE"
                   and t.start - sentence.start <= 12 and t.value != "PRESENT_REF"]
        chosen = leading[0] if leading else None
    if chosen is None:
        # "X earlier this year wound up its business in Peru", "said that on Feb 1 it will stop selling in Peru":
        # a date right before the predicate, or opening its clause before the subject
        text = ctx.doc.text
        near = [t for t in ctx.timexes_between(sentence.start, begin) if t not in skip and t.type == "DATE"
                and t.value != "PRESENT_REF" and t.end <= begin and re.fullmatch(
                    r"\s*,?\s*(?:(?:it|we|they|the\s+[a-z]+|[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,3})\s+)?"
                    r"(?:(?:is|are|was|were|will|would|has|have|had|be|been)\s+)*", text[t.end:begin])]  # "as of June 6, it is"
        chosen = near[-1] if near else None
    if chosen is None:
        return None, None, None
    before_text = ctx.doc.text[max(sentence.start, chosen.start - 40):chosen.start]
    q = QUALIFIERS.search(before_text)
    qualifier = None
    if q and q.group(1):
        qualifier = QUALIFIER_NAMES.get(re.sub(r"\s+", " ", q.group(1).lower()))
        if re.search(r"end\s+of\s+$", before_text) and qualifier is None:
            qualifier = "by"
    value, rule = chosen.value, f"{chosen.rule or chosen.type}: {chosen.text!r}"
    said_value = said.value if said else ctx.doc.published
    first_word = ctx.doc.text[action.start:action.end].split()[0].lower()
    if said_value and not re.search(r"\b\d{4}\b", chosen.text) and (
            stance in ("plans", "considering", "delayed")
            or stance == "withdrawn" and first_word not in past_forms() and first_word not in participle_only_forms()):
        value, moved = _move_year(value, said_value, forward=True)
        if moved:
            rule += " (a plan's month: the next one after said_on)"
    elif said_value and not re.search(r"\b\d{4}\b", chosen.text) and first_word in past_forms():
        value, moved = _move_year(value, said_value, forward=False)
        if moved:
            rule += " (a past event's month: the last one before said_on)"
    return value, qualifier, rule


YEARLESS = re.compile(r"(\d{4})(-(?:\d\d|Q[1-4]|H[12]|SP|SU|FA|WI)(?:-\d\d)?)")  # a month, quarter, half or season


def _move_year(value: str, said_on: str, forward: bool) -> tuple[str, bool]:
    """A month, season, quarter or half named without a year, seen from `said_on`: for a plan
    (`forward`) the next one, not the last ("in March" said in May 2024 is 2025-03); for something
    that happened the last one, not the next ("launched in July", said in May 2024, is 2023-07)."""
    m = YEARLESS.fullmatch(value)
    fields = timex_fields(value)
    start, said_start = fields.get("start"), timex_fields(said_on).get("start")
    if not m or not start or not said_start:
        return value, False
    if forward:
        keep = start[:7] >= said_start[:7] or (fields.get("precision") != "month" and start[:4] == said_start[:4])
    else:
        keep = start <= said_start
    if keep:
        return value, False
    return f"{int(m.group(1)) + (1 if forward else -1)}{m.group(2)}", True


def _confidence(frame: Action | None, action: Action, speaker_type: str, subject_rule: str,
                market: MarketMention, sentence: Sentence) -> float:
    score = 0.55
    if frame is not None or action.cue.stance:
        score += 0.15
    if speaker_type in ("company", "government"):
        score += 0.1
    if subject_rule == "subject":
        score += 0.1
    if not market.adjective:
        score += 0.05
    if sentence.headline:
        score -= 0.15
    return round(min(score, 0.95), 2)


# a plan to make things somewhere, or to build a plant there
PRODUCTION = re.compile(r"\b(?:produc\w*|make|makes|making|manufactur\w*|assembl\w*|build|builds|building|"
                        r"plants?|factory|factories|facility|facilities)\b", re.IGNORECASE)


def _not_served_already(statements: list[Statement]) -> list[Statement]:
    """A plan to produce in, or build a plant in, a market the same text says the company has entered is
    not an entry (data model: plants in markets already served)."""
    entered = [(s.company.lower().split(), s.market) for s in statements if s.stance == "entered"]

    def served(s: Statement) -> bool:
        words = s.company.lower().split()
        return any(market == s.market and (words[:len(other)] == other or other[:len(words)] == words)
                   for other, market in entered)
    return [s for s in statements if not (s.stance == "plans" and PRODUCTION.search(s.explain["action_text"])
                                          and served(s))]


def _dedupe(statements: list[Statement]) -> list[Statement]:
    """One statement per (company, market, stance, said_on): keep the clearest quote."""
    best: dict[tuple, Statement] = {}
    for s in statements:
        key = (s.company.lower(), s.market, s.stance, s.said_on)
        current = best.get(key)
        if current is None or _rank(s) > _rank(current):
            if current is not None and s.target is None and current.target:
                s.target, s.target_qualifier = current.target, current.target_qualifier
            best[key] = s
        elif current.target is None and s.target:
            current.target, current.target_qualifier = s.target, s.target_qualifier
    return sorted(best.values(), key=lambda s: s.quote_start)


def _rank(s: Statement) -> tuple:
    return (s.speaker_type == "company", s.speaker is not None, s.confidence, s.target is not None, -s.quote_start)


def _events(sentences: list[Sentence], ctx: DocumentIndex) -> list[Event]:
    """Sightings, filings, approvals: one per company and kind in a document."""
    out: dict[tuple[str, str], Event] = {}
    text = ctx.doc.text
    for sentence in sentences:
        for cue, m in event_cue_matches(sentence.text):
            cue_start, cue_end = sentence.start + m.start(), sentence.start + m.end()
            company = _subject_company(sentence, cue_start, ctx.companies)
            if not company:
                continue
            markets = [mm for mm in _markets_in(sentence, ctx) if not mm.adjective]
            after = [mm for mm in markets if mm.start >= cue_end]
            place_m = (after or markets or [None])[0]
            place = country_of(place_m.code) if place_m else None
            date = None
            for t in ctx.timexes_between(sentence.start, sentence.end):
                if t.type in ("DATE", "TIME") and _concrete(t.value):
                    date = t.value[:10]
                    break
            date = date or ctx.doc.published
            product = None
            for cm in ctx.companies.mentions_between(sentence.start, cue_start):
                if cm.company == company:
                    pm = re.match(r"\s+([A-Z0-9][\w-]*(?:\s+[A-Z0-9][\w-]*){0,3})", text[cm.end:cue_start])
                    if pm:
                        product = pm.group(1)
                    if cm.text != company and cm.text.startswith(company + " "):
                        product = cm.text[len(company) + 1:]
            key = (company, cue.kind)
            if key in out:
                continue
            out[key] = Event(company=company, market=place, kind=cue.kind, date=date, place=place,
                             product=product, quote=sentence.text, quote_start=sentence.start,
                             quote_end=sentence.end)
    return list(out.values())
