"""The TempEval-3 task A scorer of the benchmark (benchmarks/timeml.py), on hand-written TimeML."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace as S

import pytest

_spec = importlib.util.spec_from_file_location(
    "benchmarks_timeml", Path(__file__).resolve().parent.parent / "benchmarks" / "timeml.py")
timeml = importlib.util.module_from_spec(_spec)
sys.modules["benchmarks_timeml"] = timeml
_spec.loader.exec_module(timeml)
parse_timeml, score = timeml.parse_timeml, timeml.score

DOC = """<?xml version="1.0" ?>
<TimeML>
<DOCID>x</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="1998-01-08" temporalFunction="false" functionInDocument="CREATION_TIME">19980108</TIMEX3></DCT>
<TEXT>
A <EVENT eid="e1" class="OCCURRENCE">bad</EVENT> <TIMEX3 tid="t1" type="DURATION" value="P1W">week</TIMEX3> for AT&amp;T, said <TIMEX3 tid="t2" type="DATE" value="1998-01-07">Wednesday night</TIMEX3> and <TIMEX3 tid="t3" type="DATE" value="1997">last year</TIMEX3>.
</TEXT>
<TLINK lid="l1" relType="BEFORE" eventInstanceID="ei1" relatedToTime="t0"/>
</TimeML>
"""


def test_parse_timeml():
    doc = parse_timeml(DOC, "x.tml")
    assert doc.dct == "1998-01-08"
    assert [(t.text, t.type, t.value) for t in doc.timexes] == [
        ("week", "DURATION", "P1W"), ("Wednesday night", "DATE", "1998-01-07"), ("last year", "DATE", "1997")]
    assert "AT&T" in doc.text and "<" not in doc.text
    for t in doc.timexes:
        assert doc.text[t.start:t.end] == t.text


def _sys(doc, start_text, end_text=None, type_="DATE", value=""):
    i = doc.text.index(start_text)
    return S(start=i, end=i + len(end_text or start_text), type=type_, value=value)


def test_score_strict_relaxed_type_value():
    doc = parse_timeml(DOC)
    system = [
        _sys(doc, "week", type_="DURATION", value="P1W"),          # exact, all right
        _sys(doc, "Wednesday", type_="DATE", value="1998-01-07"),  # relaxed only, value right
        _sys(doc, "last year", type_="DURATION", value="1996"),    # exact, type and value wrong
        _sys(doc, "AT&T", type_="DATE", value="X"),                # spurious
    ]
    total, by_type, _ = score(doc.timexes, system)
    assert (total.gold, total.system, total.strict, total.relaxed, total.type_ok, total.value_ok) == (3, 4, 2, 3, 2, 2)
    p, r, f = total.strict_prf()
    assert p == pytest.approx(0.5) and r == pytest.approx(2 / 3) and f == pytest.approx(4 / 7)
    p, r, f = total.value_prf()
    assert p == pytest.approx(0.5) and r == pytest.approx(2 / 3)
    assert by_type["DATE"].gold == 2 and by_type["DURATION"].relaxed == 1
    # "last year" is gold DATE, system DURATION: recall under DATE, precision under DURATION
    assert by_type["DATE"].g["relaxed"] == 2 and by_type["DATE"].s["relaxed"] == 1
    assert by_type["DURATION"].g["relaxed"] == 1 and by_type["DURATION"].s["relaxed"] == 2



def test_each_gold_matched_once():
    doc = parse_timeml(DOC)
    g = doc.timexes[1]  # "Wednesday night"
    system = [S(start=g.start, end=g.start + 9, type="DATE", value="1998-01-07"),
              S(start=g.start + 10, end=g.end, type="TIME", value="x")]
    total, _, matches = score([g], system)
    assert total.relaxed == 1 and total.system == 2
    assert sum(1 for m in matches if m.gold is None) == 1


def test_strict_preferred_over_overlap():
    g = [S(start=0, end=10, type="DATE", value="a"), S(start=11, end=15, type="DATE", value="b")]
    s = [S(start=0, end=15, type="DATE", value="a"), S(start=11, end=15, type="DATE", value="b")]
    total, _, _ = score(g, s)
    assert total.strict == 1 and total.relaxed == 2 and total.value_ok == 2


def test_empty():
    total, _, _ = score([], [])
    assert total.strict_prf() == (0.0, 0.0, 0.0)
