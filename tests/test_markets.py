"""Market names, adjectives and places mapped to the spec's codes."""
from __future__ import annotations

import pytest

from ingest.markets import country_of, find_markets, markets


@pytest.mark.parametrize("text,codes", [
    ("enter the U.S. market", ["US"]),
    ("the United States and America", ["US", "US"]),
    ("Britain and the UK", ["GB", "GB"]),
    ("the European and Asian markets", ["europe", "asia"]),
    ("stores in California", ["US-CA"]),
    ("a plant in Guangdong", ["CN-GD"]),
    ("overseas markets", ["global"]),
    ("Southeast Asia and the Middle East", ["southeast-asia", "middle-east"]),
])
def test_names_map_to_codes(text, codes):
    assert [m.code for m in find_markets(text, 2026)] == codes


def test_historical_names_depend_on_the_year():
    assert [m.code for m in find_markets("an office in Moscow", 1987)] == ["SU"]
    assert [m.code for m in find_markets("an office in Moscow", 2020)] == ["RU"]
    assert [m.code for m in find_markets("West Germany", 1987)] == ["DE"]


def test_adjectives_are_marked():
    found = find_markets("German buyers in Germany", 2026)
    assert [(m.code, m.adjective) for m in found] == [("DE", True), ("DE", False)]


def test_us_pronoun_is_not_the_us():
    assert find_markets("let us know", 2026) == []


def test_every_country_rolls_up_to_a_region():
    data = markets()
    for m in data.values():
        if m.kind == "country":
            assert m.parent in data and data[m.parent].kind == "region", m
    assert country_of("US-CA") == "US"
    assert "eu" in data["DE"].regions and "europe" in data["DE"].regions
