"""Speed-ups that must not change what extraction finds: each fast path against the plain one."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.cues import event_cue_matches, event_cues, find_cues, fold, required_literals, stance_cues
from ingest.sentences import split

EXAMPLES = Path(__file__).resolve().parent.parent / "kb" / "examples"

SAMPLES = [
    "Xiaomi has no plans to enter the Canadian market, its chief executive said on Tuesday.",
    "Xiaomi plans to enter the African and Latin American markets starting in 2028, its chairman said.",
    "IKEA will open its first store in India next year; it would not launch online sales in China.",
    "The group had entered into a deal to sell its Finnish subsidiary to a rival, it said.",
    "GM PULLED OUT OF CHILE AND WON'T RE-ENTER UNTIL 1992, A SPOKESWOMAN SAID.",
    "Brenner Chemie AG said it planned a joint venture\nto make fertilisers in Poland.",
    # characters that re.IGNORECASE equates with ASCII letters: long s, dotted and dotless i, Kelvin sign
    "It ha\u017f no plan\u017f to \u0130nter the market; it w\u0131ll launch in Asia and \u212aeep its stores.",
    "",
    "—“”’ 1,000,000 pct; re-entered; re-enter; 'll; doesn't; won't; isn't.",
]


def _plain_cues(text: str):
    return [(cue, m.start(), m.end()) for cue in stance_cues() for m in cue.regex.finditer(text)]


def _plain_events(text: str):
    out = []
    for cue in event_cues():
        m = cue.regex.search(text)
        if m:
            out.append((cue, m.span(), m.group(0)))
    return out


def _same(text: str) -> None:
    assert find_cues(text) == _plain_cues(text)
    assert [(c, m.span(), m.group(0)) for c, m in event_cue_matches(text)] == _plain_events(text)


def _texts():
    for text in SAMPLES:
        yield text
    for path in sorted(EXAMPLES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        yield text
        for s in split(text):
            yield s.text


def test_cue_gate_keeps_every_match_on_samples_and_examples():
    n = 0
    for text in _texts():
        _same(text)
        n += 1
    assert n > 50


def test_most_cues_are_gated():
    gated = [c for c in stance_cues() if required_literals(c.regex.pattern, c.regex.flags)]
    assert len(gated) >= 0.9 * len(stance_cues())


CUE_WORDS = sorted({w for c in stance_cues() for w in re.findall(r"[a-z']{2,}", c.pattern)})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CUE_WORDS + ["the", "US", "China", ",", ".", "\n", "Ford", "-", "\u017f", "\u0130", "\u0131",
                                             "\u212a", "it", "a", "an"]), max_size=40).map(" ".join)
       | st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_cue_gate_keeps_every_match_on_any_text(text):
    _same(text)
    _same(text.upper())


def test_fold_is_what_ignorecase_equates():
    for ch, ascii_letter in (("\u017f", "s"), ("\u0130", "i"), ("\u0131", "i"), ("\u212a", "k"), ("Q", "q")):
        assert re.fullmatch(ascii_letter, ch, re.IGNORECASE)
        assert fold(ch) == ascii_letter


def test_required_literals():
    assert required_literals(r"(?:has|have|had) no (?:immediate )?plans? to") == {"plan"}
    assert required_literals(r"(?:has|have|had) no") == {"has", "have", "had"}
    assert required_literals(r"(?:re-?)?enter(?:ing|s)?") == {"enter"}
    assert required_literals(r"\d+ pct|percent") == {"percent", "pct"}
    assert required_literals(r"(?:foo|\w+) bar") == {"bar"}
    assert required_literals(r"(?:foo)?\w+") is None
    assert required_literals(r"[a-z]+") is None
    # a pattern the walk gives literals for never matches a text that lacks all of them
    for pattern in (r"(?:has|have|had) no (?:immediate )?plans? to", r"(?-i:Wi)ll|sha[lL]l", r"x{2,3}y|z(?=q)q"):
        lits = required_literals(pattern)
        rx = re.compile(pattern, re.IGNORECASE)
        for text in ("HAS NO PLANS TO", "Ha\u017f no plan\u017f to", "WILL", "Shall", "xxY", "zq", "xy"):
            if rx.search(text):
                assert any(lit in fold(text) for lit in lits), (pattern, text)


TIMEX_SAMPLES = [
    "On Tuesday, April 9, 1998, the company said sales rose 5% in the third quarter of 1989.",
    "It will launch in the second half of next year, two years ago, every other week, at 8 p.m. EST.",
    "The 1990s, the '80s, the nineties, the 20th century, last fall, this summer, Christmas Eve.",
    "\u017fecond quarter, \u0130n 1989, \u212aelvin \u212a\u00ba: 10:30 a.m., 4 o'clock in the morning, noon Friday.",
    "THE THIRD QUARTER OF NEXT YEAR, MARCH 3, A YEAR AGO, DAILY, Q3 2026, H1, FY'26, 10/30/89.",
    "previously, now, soon, recently, the year ended March 31, 52 years old, $1.76 a year, 1987-03-04.",
]


def _timex_gate_holds(text: str) -> None:
    from ingest.timex.lexicon import load

    folded = fold(text)
    for rule in load().rules:
        if rule.literals is not None and rule.regex.search(text):
            assert any(lit in folded for lit in rule.literals), (rule.name, text)


def test_timex_rules_are_gated_and_the_gate_keeps_matches():
    from ingest.timex.lexicon import load

    rules = load().rules
    assert sum(r.literals is not None for r in rules) >= 0.9 * len(rules)
    for text in TIMEX_SAMPLES + [s.upper() for s in TIMEX_SAMPLES]:
        _timex_gate_holds(text)


@settings(max_examples=150, deadline=None)
@given(st.from_regex(r"(?:[a-zA-Z0-9 ,.'\-/:]|the |last |next |year|May |Nov\. |1989|ago|p\.m\.|quarter|half|week|"
                     r"\u017f|\u0130|\u0131|\u212a)*", fullmatch=True))
def test_timex_gate_keeps_matches_on_any_text(text):
    _timex_gate_holds(text)


FRONT_MATTERS = [
    "id: a\ntitle: \"BRENNER PLANS FERTILISER VENTURE IN POLAND\"\npublished: 1987-03-03\npublished_time: \"09:18:21\"\n"
    "publisher: Reuters\ndateline: \"MUNICH, March 3\"\n",
    "title: Acme: eyes Brazil\n",  # an error in both loaders
    "title: [unclosed\n",
    "published: 2026-03-04T10:00:00Z\ntags: [a, b]\nn: 3\nf: 1.5\nyes: no\nnull_field: ~\n",
    "title: 'quoted ''x'''\nauthor: Jane Doe\nurl: https://example.org/a?b=c#d\n",
    "title: \u201cSmart\u201d\n",
    "\tbad: tab\n",
    "- a list\n- not a mapping\n",
    "x: &a 1\ny: *a\nz: !!str 5\n",
]


def test_front_matter_loader_is_safe_load():
    import yaml

    from ingest.readers.markdown import _load_yaml

    from ingest.safe_yaml import SafeLoader

    for block in FRONT_MATTERS:
        try:  # safe_load, except that aliases are refused (issue 14: alias bombs)
            want = ("ok", repr(yaml.load(block, Loader=SafeLoader)))
        except yaml.YAMLError as e:
            want = ("error", str(e))
        try:
            got = ("ok", repr(_load_yaml(block)))
        except yaml.YAMLError as e:
            got = ("error", str(e))
        assert got == want, block


def _market_patterns():
    from ingest.markets import _aliases, _alternation_patterns

    table, trie, trie_folded = _aliases()
    plain, plain_folded = _alternation_patterns(tuple(table))
    return table, ((trie, plain), (trie_folded, plain_folded))


def _same_market_matches(text: str) -> None:
    _, pairs = _market_patterns()
    for fast, plain in pairs:
        assert [(m.span(), m.span(1)) for m in fast.finditer(text)] == [(m.span(), m.span(1)) for m in plain.finditer(text)]


def test_market_trie_matches_the_alternation_on_examples():
    for text in _texts():
        _same_market_matches(text)
        _same_market_matches(text.upper())
        _same_market_matches(text.lower())


MARKET_WORDS = sorted(_market_patterns()[0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MARKET_WORDS) | st.sampled_from(["the", "The", " ", ",", ".", "-", "'s", "n", "a", "\n", "S",
                                                                 "\u017f", "\u212a", "\u0130"]), max_size=12)
       .flatmap(lambda parts: st.tuples(st.just(parts), st.lists(st.sampled_from(["", " ", "", "."]), min_size=len(parts),
                                                                max_size=len(parts))))
       .map(lambda pr: "".join(p + sep for p, sep in zip(*pr))))
def test_market_trie_matches_the_alternation_on_any_text(text):
    _same_market_matches(text)
    _same_market_matches(text.upper())
    _same_market_matches(text.lower())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["Acme", "Acme Motors", "BNL", "A", "_x", "Ford-", "3M", "é", ""]),
       st.lists(st.sampled_from(["Acme", "Acme Motors", "BNL", "A", "_", "x", "-", " ", ".", "3M", "é", "Ford", "e", "\n"]),
                max_size=10).map("".join))
def test_stands_alone_is_the_word_boundary_search(word, text):
    from ingest.speakers import _stands_alone

    assert _stands_alone(word, text) == bool(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text))


def test_people_patterns_gate_keeps_matches():
    from ingest.speakers import APPOSITION, TITLED, _may_match

    texts = list(_texts()) + ["Mei Lan, the founder, chair, and CEO of Lintao, said", "BNL PRESIDENT NERIO NESI said",
                              "Vice-President J. Smith", "Hans Meier, \u017ftrategist at X, said"]
    for text in texts:
        for rx in (APPOSITION, TITLED):
            if rx.search(text):
                assert _may_match(rx, fold(text)), (rx.pattern[:40], text[:80])


def _looks_like_person_by_search(surface: str, text: str) -> bool:
    from ingest.companies import ROLE_WORDS

    esc = re.escape(surface)
    return bool(re.search(rf"{esc},\s+(?:the\s+|a\s+)?(?:[\w-]+\s+){{0,3}}{ROLE_WORDS}", text)
                or re.search(rf"(?:{ROLE_WORDS})\s+{esc}", text))


def test_looks_like_person_is_the_two_searches():
    from ingest.companies import _looks_like_person

    texts = list(_texts())[:80] + ["Mei Lan, the founder, chair, and CEO of Lintao", "president\n\n Nerio Nesi said",
                                   "vice president  John Smith", "Smith,  a   senior  vice-president", "chairmanJohn Smith"]
    for text in texts:
        for surface in set(re.findall(r"[A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,2}", text)):
            assert _looks_like_person(surface, text) == _looks_like_person_by_search(surface, text), (surface, text[:80])


def _phrases_by_regex(text: str, phrases: list[str]):
    spaced = [r"\s+".join(re.escape(part) for part in p.split(" ")) for p in phrases]
    pattern = re.compile(r"(?<![\w])(" + "|".join(spaced) + r")(?![\w])")
    return [(m.start(), m.end(), re.sub(r"\s+", " ", m.group(1))) for m in pattern.finditer(text)]


PHRASE_WORDS = ["Acme", "Acme Motors", "Acme Motors Corp", "Motors", "BNL", "A", "A B", "AB", "B", "Bank of Tokyo", "Tokyo",
                "J.P. Morgan", "J.P.", "Co", "Co-op", "3M", "é", "Ford-Werke", "(EC)", "EC", "European Community (EC)"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PHRASE_WORDS), min_size=1, max_size=6, unique=True),
       st.lists(st.sampled_from(PHRASE_WORDS + [" ", "  ", "\n", ",", ".", "-", "_", "x", "'s", "\u00a0", "\t"]),
                max_size=14).map("".join))
def test_find_phrases_is_the_alternation(phrases, text):
    from ingest.cues import find_phrases

    assert find_phrases(text, phrases) == _phrases_by_regex(text, phrases)  # any order: the first listed wins
    phrases = sorted(phrases, key=len, reverse=True)
    assert find_phrases(text, phrases) == _phrases_by_regex(text, phrases)


def test_find_phrases_on_examples():
    from ingest.companies import CompanyIndex
    from ingest.cues import find_phrases

    for path in sorted(EXAMPLES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        index = CompanyIndex.build(text)
        phrases = sorted({**{i: "" for i in index.institutions}, **index.alias_to_name}, key=len, reverse=True)
        if phrases:
            assert find_phrases(text, phrases) == _phrases_by_regex(text, phrases)
    assert find_phrases("a  b", ["a  b"]) is None and find_phrases("x", [""]) is None
