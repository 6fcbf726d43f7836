"""Entry and exit predicates generated from lemmas (data/predicates.csv), in every inflection.

A row names a lemma ("sell"), what may stand before the market ("its electric trucks") and the
prepositions that introduce it ("in"); `predicate_rows()` writes the forms (sell, sells, sold,
selling), so a rule learned for one form holds for all. Past forms say the entry happened
(stance "entered"); base and -ing forms take the stance of the frame that governs them ("plans to
sell", "is selling"); the third person ("enters") is news' present of an event that happens now.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .datafiles import data_rows

DETERMINER = r"(?:(?:all\s+(?:\d+\s+)?(?:of\s+)?)?(?:its|their|his|her|the|a|an|our|some)\s+|all\s+)?"  # "all 14 of its"
POSSESSIVE = r"(?:all\s+(?:of\s+)?)?(?:its|their|our|his|her)\s+"
# words before a noun: up to three, a pair or a list ("its sales, design and support"), none a
# preposition ("the depot and move all production" is two phrases: one word at most after a bare "and")
_WORD = r"(?!(?:in|into|to|from|across|for|of|with|at|on|by|and|or|but|which|who|that)\b)[\w'’-]+"
MODIFIERS = (rf"(?:(?:{_WORD} )?(?:{_WORD}, ){{1,3}}{_WORD} (?:and |or )(?:{_WORD} ){{0,2}}"  # a list
             rf"|(?:{_WORD} )?{_WORD} (?:and |or )(?:{_WORD} )?"  # a pair ("manufacturing and exports")
             rf"|(?:{_WORD} ){{0,3}})")  # the longest first: a regex takes the first alternative that fits
PREP_GAP = r"(?:,? (?:first|initially|then|later|eventually|also|mainly|primarily),?)? "  # "expand sales, first into"
DIRECT = r"(?=(?:the\s+)?(?-i:[A-Z]))"  # a direct object that is a market: a name follows ("exit Peru", "eyeing Chile")
# words an object does not hold: another preposition of place, a clause opener, or a participle of making
# ("sell cars built in Thailand" names where they are made, not sold); "and" may join two of its words
_NOT_IN_OBJECT = "in|into|to|from|across|by|but|which|who|that|built|made|manufactured|produced|assembled|imported|grown"
ADVERB = r"(?:(?:also|fully|officially|formally|commercially|quietly|finally|successfully|completely|now|then|gradually|eventually|temporarily|permanently|effectively)\s+)?"


@lru_cache(maxsize=None)
def _irregular() -> dict[str, dict[str, str]]:
    return {r["lemma"]: r for r in data_rows("irregular_verbs.csv")}


def inflect(lemma: str) -> dict[str, str]:
    """The forms of a verb: base, third (3rd person singular), past, participle, ing."""
    irregular = _irregular().get(lemma, {})
    if re.search(r"(?:s|sh|ch|x|z|o)$", lemma):
        third = lemma + "es"
    elif re.search(r"[^aeiou]y$", lemma):
        third = lemma[:-1] + "ies"
    else:
        third = lemma + "s"
    if lemma.endswith("e"):
        past, ing = lemma + "d", lemma[:-1] + "ing"
    elif re.search(r"[^aeiou]y$", lemma):
        past, ing = lemma[:-1] + "ied", lemma + "ing"
    else:
        past, ing = lemma + "ed", lemma + "ing"
    return {
        "base": lemma,
        "third": irregular.get("third") or third,
        "past": irregular.get("past") or past,
        "participle": irregular.get("participle") or irregular.get("past") or past,
        "ing": irregular.get("ing") or ing,
    }


@lru_cache(maxsize=1)
def noun_classes() -> dict[str, str]:
    """kind -> regex alternation of data/predicate_nouns.csv."""
    return {r["kind"]: "|".join(sorted(r["words"].split("|"), key=len, reverse=True))
            for r in data_rows("predicate_nouns.csv")}


def _between(spec: str) -> str:
    """The words allowed between a verb and its preposition, as a pattern ending in a space."""
    nouns = noun_classes()
    if not spec:
        return ""
    if spec == "object":  # up to six words, none a clause break or another preposition of place
        # a count first is a sales figure ("sold 1,512 cars in"), not an entry
        return (r"(?!(?:(?:about|some|nearly|almost|around|over|more than|up to|roughly|just|a record|an estimated|"
                r"a total of|a further|another)\s+)?[\d,.]+ )"
                rf"(?:(?!(?:and|{_NOT_IN_OBJECT})\b)[\w'’&.+-]+ )(?:(?!(?:{_NOT_IN_OBJECT})\b)[\w'’&.+-]+ ){{0,5}}")
    if spec in nouns:
        # up to four modifiers, a list among them ("Holden's sales, design and engineering operations")
        return rf"{DETERMINER}{MODIFIERS}(?:{nouns[spec]}) "
    if spec.startswith("own ") and spec[4:] in nouns:  # the company's own: "sell its X business", not "sell services"
        return rf"{POSSESSIVE}{MODIFIERS}(?:{nouns[spec[4:]]}) "
    return rf"(?:{DETERMINER}|{ADVERB}){spec} "


def _phrase(verb_form: str, particle: str, between: str, preps: list[str]) -> str:
    """verb (+ particle) + what stands between (empty, or ending in a space) + the preposition
    ("" in `preps`: it may be left out, as in "shut its China unit"); an adverb may come before the
    preposition ("expand sales, first into")."""
    head = f"{verb_form} {particle} " if particle else f"{verb_form} "
    named = [p for p in preps if p]
    if not named:
        return head + between + DIRECT  # a direct object follows ("exit Peru")
    alternation = "(?:" + "|".join(named) + ")"
    if "" in preps and between.endswith(" "):
        return f"{head}{between[:-1]}(?!\\w)(?:{PREP_GAP}{alternation})?"
    if "" in preps:
        return f"{head}(?:{alternation} )?"
    if between.endswith(" ") or not between:  # a literal or a noun class: room for "first", "then"
        return f"{(head + between)[:-1]}{PREP_GAP}{alternation}"
    return f"{head}{between}{alternation}"


@lru_cache(maxsize=1)
def predicate_rows() -> tuple[dict[str, str], ...]:
    """data/predicates.csv as cue rows (kind, stance, pattern): for entry and exit one per tense group,
    for frames and nominal positions one with every form."""
    out = []
    for r in data_rows("predicates.csv"):
        lemma, _, particle = r["verb"].partition(" ")
        label = " ".join(filter(None, (r["verb"], r["between"], r["prep"], r.get("voice"))))
        forms = inflect(lemma)
        between = _between(r["between"] or "")
        preps = (r["prep"] or "").split("|")
        if r.get("voice") == "passive":
            aux = r"(?:was|were|is|are|be|been|being|has been|had been|have been|got|gets|get) " + ADVERB
            out.append({"kind": r["kind"], "stance": "", "pattern": aux + _phrase(forms["participle"], particle, between, preps),
                        "generated": "1", "label": f"{label} (passive)"})
            continue
        if r["kind"] in ("frame", "nominal"):
            groups = [(r["stance"], set(forms.values()))]
        else:
            groups = [("", {forms["base"], forms["ing"]}), ("entered", {forms["past"], forms["participle"], forms["third"]})]
        for stance, surfaces in groups:
            words = {w for form in surfaces for w in form.split("|")}
            alternation = "(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + ")"  # longest first, stable
            stance = stance if r["kind"] != "exit" else ""
            out.append({"kind": r["kind"], "stance": stance, "pattern": _phrase(alternation, particle, between, preps),
                        "generated": "1", "label": label})
    return tuple(out)


def predicate_lemmas() -> tuple[str, ...]:
    """The first word of every predicate's verb ("pull" of "pull out")."""
    return tuple(dict.fromkeys(r["verb"].split()[0] for r in data_rows("predicates.csv")))


def _words(form: str) -> set[str]:
    """The words of an inflected form ("cancelled|canceled": both spellings)."""
    return set(form.split("|"))


@lru_cache(maxsize=None)
def forms(*kinds: str) -> frozenset[str]:
    """Every predicate lemma's forms of these kinds ("past", "third", ...), each spelling a word."""
    return frozenset(w for lemma in predicate_lemmas() for kind, form in inflect(lemma).items() if kind in kinds
                     for w in _words(form))


@lru_cache(maxsize=1)
def participle_only_forms() -> frozenset[str]:
    """Participles that differ from the past tense ("withdrawn", "taken"): never a finite verb alone."""
    out: set[str] = set()
    for lemma in predicate_lemmas():
        f = inflect(lemma)
        out |= _words(f["participle"]) - _words(f["past"])
    return frozenset(out)


def past_forms() -> frozenset[str]:
    """The simple past of every predicate ("launched", "sold", "withdrew"): a form that says it happened."""
    return forms("past")
