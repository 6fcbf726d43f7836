"""Speed-ups that must not change what extraction finds: each fast path against the plain one."""
from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.cues import event_cue_matches, event_cues, find_cues, stance_cues
from ingest.sentences import split
from ingest.textsearch import FoldedText, gate_of

EXAMPLES = Path(__file__).resolve().parent.parent / "kb" / "examples"

SAMPLES = [
    "Orvella Foods has no plans to open cafés in Norway, its finance chief said on Friday.",
    "Quillon plans to move into the Baltic and Central Asian markets from 2029, its treasurer said.",
    "Lumo will open a first showroom in Kenya this autumn; it would not sell bicycles online in Ghana.",
    "The cooperative had agreed to sell its Estonian unit to a competitor, it said.",
    "PUMPKIN RAIL QUIT BOLIVIA AND WON'T RETURN BEFORE 2031, A DIRECTOR SAID.",
    "Harlow Mills AG said it wanted a partnership\nto grow barley in Latvia.",
    # characters that re.IGNORECASE equates with ASCII letters: long s, dotted and dotless i, Kelvin sign
    "It ha\u017f no plan\u017f to \u0130nter the market; it w\u0131ll launch in Asia and \u212aeep its stores.",
    "",
    "—“”’ 2,500,000 pct; re-entered; re-enter; 'll; doesn't; won't; isn't.",
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


CUE_WORDS = sorted({w for c in stance_cues() for w in re.findall(r"[a-z']{2,}", c.pattern)})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CUE_WORDS + ["the", "US", "China", ",", ".", "\n", "Ford", "-", "\u017f", "\u0130", "\u0131",
                                             "\u212a", "it", "a", "an"]), max_size=40).map(" ".join)
       | st.text(alphabet=st.characters(codec="utf-8"), max_size=120))
def test_cue_gate_keeps_every_match_on_any_text(text):
    _same(text)
    _same(text.upper())


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

    folded = FoldedText(text)
    for rule in load().rules:
        if rule.regex.search(text):
            assert rule.gate.may_match(folded), (rule.name, text)


def test_timex_gate_keeps_matches_on_samples():
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


def test_people_patterns_gate_keeps_matches():
    from ingest.speakers import APPOSITION, TITLED

    texts = list(_texts()) + ["Ines Valk, the founder, chair and CEO of Orvella, said", "QRX CHAIRMAN TOMAS OBER said",
                              "Vice-President K. Lund", "Pia Roos, \u017ftrategist at Y, said"]
    for text in texts:
        for rx in (APPOSITION, TITLED):
            if rx.search(text):
                assert gate_of(rx).may_match(FoldedText(text)), (rx.pattern[:40], text[:80])


def _looks_like_person_by_search(surface: str, text: str) -> bool:
    from ingest.companies import ROLE_WORDS

    esc = re.escape(surface)
    return bool(re.search(rf"{esc},\s+(?:the\s+|a\s+)?(?:[\w-]+\s+){{0,3}}{ROLE_WORDS}", text)
                or re.search(rf"(?:{ROLE_WORDS})\s+{esc}", text))


def test_looks_like_person_is_the_two_searches():
    from ingest.companies import _looks_like_person

    texts = list(_texts())[:80] + ["Ines Valk, the founder, chair and CEO of Orvella", "president\n\n Tomas Ober said",
                                   "vice president  Karl Lund", "Lund,  a   senior  vice-president", "chairmanKarl Lund"]
    for text in texts:
        for surface in set(re.findall(r"[A-Z][\w&'.-]*(?:\s+[A-Z][\w&'.-]*){0,2}", text)):
            assert _looks_like_person(surface, text) == _looks_like_person_by_search(surface, text), (surface, text[:80])


def test_find_phrases_on_examples():
    from ingest.companies import CompanyIndex
    from ingest.textsearch import find_phrases

    from .test_textsearch import _phrases_by_regex

    for path in sorted(EXAMPLES.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        index = CompanyIndex.build(text)
        phrases = sorted({**{i: "" for i in index.institutions}, **index.alias_to_name}, key=len, reverse=True)
        if phrases:
            assert find_phrases(text, phrases) == _phrases_by_regex(text, phrases)
