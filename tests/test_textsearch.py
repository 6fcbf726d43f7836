"""ingest.textsearch: every fast search finds what the plain regex search finds, with or without the private regex parser (re module internals)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.textsearch import (ByStart, FoldedText, LiteralGate, find_phrases, first_chars, fold, gate_of,
                               is_word_char, required_literals, stands_alone)

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = [
    "Orvella Foods has no plans to open cafés in Norway, a spokeswoman told reporters on Friday.",
    "THE PUMPKIN COOPERATIVE WILL STOP SELLING IN PERU BY JUNE, ITS TREASURER SAID.",
    "Quillon Ltd said it would re-enter the Chilean market once its new plant was finished.",
    "Lumo, the Danish bicycle maker, is weighing a launch in Canada next spring.",
    # characters that re.IGNORECASE equates with ASCII letters: long s, dotted and dotless i, Kelvin sign
    "It ha\u017f no plan\u017f to \u0130nter the market; it w\u0131ll \u212aeep its three stores.",
    "",
    "—“”’ 2,500 pct; re-entered; 'll; won't; isn't.",
]


def test_is_word_char_is_what_backslash_w_matches():
    for ch in "aZ9_éß\u0660- .,'\u00a0\t’":
        assert is_word_char(ch) == bool(re.fullmatch(r"\w", ch)), ch


def test_fold_is_what_ignorecase_equates():
    for ch, ascii_letter in (("\u017f", "s"), ("\u0130", "i"), ("\u0131", "i"), ("\u212a", "k"), ("Q", "q")):
        assert re.fullmatch(ascii_letter, ch, re.IGNORECASE)
        assert fold(ch) == ascii_letter
    assert fold("Pumpkin") == "pumpkin"


def test_required_literals():
    assert required_literals(r"(?:has|have|had) no (?:immediate )?plans? to") == {"plan"}
    assert required_literals(r"(?:has|have|had) no") == {"has", "have", "had"}
    assert required_literals(r"(?:re-?)?enter(?:ing|s)?") == {"enter"}
    assert required_literals(r"\d+ pct|percent") == {"percent", "pct"}
    assert required_literals(r"(?:foo|\w+) bar") == {"bar"}
    assert required_literals(r"(?:foo)?\w+") is None
    assert required_literals(r"[a-z]+") is None


LITERAL_PATTERNS = [r"(?:has|have|had) no (?:immediate )?plans? to", r"(?-i:Wi)ll|sha[lL]l", r"x{2,3}y|z(?=q)q",
                    r"(?:re-?)?enter(?:ing|s)?\s+(?:the\s+)?market"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LITERAL_PATTERNS),
       st.lists(st.sampled_from(["HAS", "no", "Ha\u017f", "plan", "\u017f", "to", "WILL", "Shall", "xxY", "zq", "xy",
                                 "re-enter", "ENTERS", "the", "market", " ", "  ", "\n"]), max_size=10).map(" ".join))
def test_a_text_without_the_literals_never_matches(pattern, text):
    rx = re.compile(pattern, re.IGNORECASE)
    gate = LiteralGate.of(pattern, re.IGNORECASE)
    assert gate.literals is not None
    if rx.search(text):
        assert gate.may_match(FoldedText(text)), (pattern, text)


def test_first_chars_is_a_superset_of_every_start():
    assert first_chars(r"(?:January|june)\s+\d+") == "[j]"
    assert first_chars(r"\d+ (?:pct|percent)") == "[0123456789]"
    assert first_chars(r"\w+") is None and first_chars(r"(?:a)?") is None
    for pattern, texts in ((r"(?:spring|summer|fall)\s+of\s+\d{4}", ["Spring of 2027", "\u017fummer of 2026", "FALL OF 1999"]),
                           (r"[Kk]ing's\s+birthday", ["the \u212aing's birthday", "KING'S BIRTHDAY"])):
        gated = re.compile(f"(?={first_chars(pattern)})(?:{pattern})", re.I)
        plain = re.compile(pattern, re.I)
        for text in texts:
            assert [m.span() for m in gated.finditer(text)] == [m.span() for m in plain.finditer(text)] != []


def test_gate_of_a_regex_is_computed_once():
    rx = re.compile(r"chief\s+(?:executive|financial)\s+officer", re.IGNORECASE)
    assert gate_of(rx) is gate_of(rx)
    assert gate_of(rx).may_match(FoldedText("the CHIEF EXECUTIVE OFFICER said"))
    assert not gate_of(rx).may_match(FoldedText("the treasurer said"))


def _phrases_by_regex(text: str, phrases: list[str]):
    spaced = [r"\s+".join(re.escape(part) for part in p.split(" ")) for p in phrases]
    pattern = re.compile(r"(?<![\w])(" + "|".join(spaced) + r")(?![\w])")
    return [(m.start(), m.end(), re.sub(r"\s+", " ", m.group(1))) for m in pattern.finditer(text)]


PHRASE_WORDS = ["Orvella", "Orvella Foods", "Orvella Foods Ltd", "Foods", "QRX", "A", "A B", "AB", "B", "Bank of Oslo", "Oslo",
                "K.L. Varga", "K.L.", "Co", "Co-op", "4M", "é", "Lumo-Werke", "(NR)", "NR", "Nordic Railways (NR)"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PHRASE_WORDS), min_size=1, max_size=6, unique=True),
       st.lists(st.sampled_from(PHRASE_WORDS + [" ", "  ", "\n", ",", ".", "-", "_", "x", "'s", "\u00a0", "\t"]),
                max_size=14).map("".join))
def test_find_phrases_is_the_alternation(phrases, text):
    assert find_phrases(text, phrases) == _phrases_by_regex(text, phrases)  # any order: the first listed wins
    phrases = sorted(phrases, key=len, reverse=True)
    assert find_phrases(text, phrases) == _phrases_by_regex(text, phrases)


def test_find_phrases_refuses_what_it_cannot_do():
    assert find_phrases("a  b", ["a  b"]) is None and find_phrases("x", [""]) is None


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["Orvella", "Orvella Foods", "QRX", "A", "_x", "Lumo-", "4M", "é", ""]),
       st.lists(st.sampled_from(["Orvella", "Orvella Foods", "QRX", "A", "_", "x", "-", " ", ".", "4M", "é", "Lumo", "e", "\n"]),
                max_size=10).map("".join))
def test_stands_alone_is_the_word_boundary_search(word, text):
    assert stands_alone(word, text) == bool(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text))


def test_by_start_finds_the_items_in_a_range():
    items = [(2, "a"), (5, "b"), (5, "c"), (9, "d")]
    index = ByStart(items, key=lambda item: item[0])
    assert index.between(5, 9) == [(5, "b"), (5, "c")]
    assert index.between(0, 100) == items and index.between(10, 20) == []
    assert index.last_before(5) == (2, "a") and index.last_before(6) == (5, "c") and index.last_before(2) is None


# With the private regex parser unavailable every gate is off: extraction must find exactly the same, only slower.
_FALLBACK = """
import json, sys
import ingest.textsearch as ts
def broken(pattern, flags):
    raise RuntimeError("no private regex parser here")
if sys.argv[1] == "broken":
    ts._parse = broken
from ingest.cues import _gated_stance_cues
from ingest.timex.lexicon import load
from ingest.extract import extract
from ingest.readers import read_path
gated = sum(gate.literals is not None for _, gate in _gated_stance_cues())
gated += sum(rule.gate.literals is not None for rule in load().rules)
gated += sum(rule.regex.pattern.startswith("(?=[") for rule in load().rules)
out = []
for path in sys.argv[2:]:
    for doc in read_path(path):
        x = extract(doc)
        out.append([s.to_dict() for s in x.statements] + [e.to_dict() for e in x.events])
print(json.dumps({"gated": gated, "found": out}, sort_keys=True, default=str))
"""


def _extract_in_child(mode: str, paths: list[Path]) -> dict:
    run = subprocess.run([sys.executable, "-c", _FALLBACK, mode, *map(str, paths)], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(run.stdout)


def test_without_re_parser_extraction_is_the_same(tmp_path):
    story = tmp_path / "story.md"
    story.write_text("---\ntitle: Orvella looks north\npublished: 2026-02-11\n---\n\n" + "\n\n".join(SENTENCES[:5]) + "\n",
                     encoding="utf-8")
    paths = [story, *sorted((ROOT / "kb" / "examples").glob("*.md"))[:12]]
    gated, plain = _extract_in_child("normal", paths), _extract_in_child("broken", paths)
    assert gated["gated"] > 100 and plain["gated"] == 0  # the walk ran in one, failed in the other
    assert any(found for found in gated["found"])
    assert plain["found"] == gated["found"]


def test_without_re_parser_the_helpers_say_so(monkeypatch):
    import ingest.textsearch as ts

    def broken(pattern, flags):
        raise RuntimeError("no private regex parser here")

    monkeypatch.setattr(ts, "_parse", broken)
    assert ts.required_literals(r"plans? to") is None and ts.first_chars(r"june") is None
    assert ts.LiteralGate.of(r"plans? to").may_match(ts.FoldedText("nothing alike"))
