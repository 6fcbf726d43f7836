"""The first-character gate in front of every tagger rule (ingest.timex.lexicon) changes speed, never matches."""
from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.timex.lexicon import DATA_DIR, compile_rule, expand, load

SAMPLES = [
    "On Tuesday, April 9, 1998, the company said sales rose 5% in the third quarter of 1989.",
    "It will launch in the second half of next year, two years ago, every other week, at 8 p.m. EST.",
    "The 1990s, the '80s, the nineties, the 20th century, last fall, this summer, Christmas Eve.",
    "ſecond quarter, İn 1989, Kelvin Kº: 10:30 a.m., 4 o'clock in the morning, noon Friday.",
    "THE THIRD QUARTER OF NEXT YEAR, MARCH 3, A YEAR AGO, DAILY, Q3 2026, H1, FY'26, 10/30/89.",
    "previously, now, soon, recently, the year ended March 31, 52 years old, $1.76 a year.",
]


def _rule_bodies():
    lex = load()
    spec = yaml.safe_load((DATA_DIR / "rules.yaml").read_text(encoding="utf-8"))
    return [(r["name"], expand(r["pattern"], lex.data, spec.get("patterns", {}))) for r in spec["rules"]]


BODIES = _rule_bodies()
PAIRS = [(name, compile_rule(body, gated=True), compile_rule(body, gated=False)) for name, body in BODIES]


def _same_matches(text: str) -> None:
    for name, gated, plain in PAIRS:
        a = [(m.span(), m.groupdict()) for m in gated.finditer(text)]
        b = [(m.span(), m.groupdict()) for m in plain.finditer(text)]
        assert a == b, name


def test_gate_keeps_the_matches_on_samples():
    for text in SAMPLES:
        _same_matches(text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200) | st.from_regex(
    r"(?:[a-zA-Z0-9 ,.'\-]|the |last |next |year|May |Nov\. |1989|ago|p\.m\.|quarter|ſ|İ|K)*", fullmatch=True))
def test_gate_keeps_the_matches_on_any_text(text):
    _same_matches(text)


def test_gate_is_case_insensitive_like_the_rule():
    # "ſ" (long s) and "K" (Kelvin sign) match "s" and "k" under re.IGNORECASE; the gate must let them through
    for text in ("\u017fecond quarter of 1989", "the \u212aing's birthday", "SECOND QUARTER"):
        _same_matches(text)
    assert compile_rule("second").search("\u017fecond")
