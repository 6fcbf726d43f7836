"""Regenerate ingest/data/markets.csv from pycountry and country_converter's table.

Development tool only (not needed at run time):
    pip install pycountry country_converter && python scripts/make_markets.py
Countries get their primary region as `parent` and every region they roll up
to in `regions`; chosen subdivisions (ISO 3166-2) get their country as parent.
"""
from __future__ import annotations

import csv
import re
import os
from pathlib import Path

import country_converter
import pycountry

OUT = Path(__file__).resolve().parent.parent / "ingest" / "data" / "markets.csv"

REGIONS = [
    # code, name, parent
    ("global", "Global (international markets in general)", None),
    ("europe", "Europe", "global"),
    ("eu", "European Union", "europe"),
    ("asia", "Asia", "global"),
    ("southeast-asia", "Southeast Asia", "asia"),
    ("middle-east", "Middle East", "global"),
    ("africa", "Africa", "global"),
    ("north-america", "North America", "global"),
    ("latin-america", "Latin America", "global"),
    ("oceania", "Oceania", "global"),
]
EXTRA_MIDDLE_EAST = {"IR", "EG"}
EXTRA_NORTH_AMERICA = {"MX"}
TRANSCONTINENTAL = {"RU"}
NAMES = {"TR": "Turkey", "GB": "United Kingdom", "US": "United States", "KR": "South Korea", "KP": "North Korea"}
SUBDIVISION_SUFFIX = re.compile(r" (Sheng|Shi|Zizhiqu|Uygur Zizhiqu|Huizu Zizhiqu|Zhuangzu Zizhiqu|Ken|-ken|-to|-fu)$")
SUBDIVISION_COUNTRIES = ["US", "CA", "CN", "IN", "DE", "AU", "BR", "MX", "JP"]
# Codes that left ISO 3166-1 but matter for older news (1987 wire copy).
HISTORICAL = [
    ("SU", "Soviet Union", "europe", ["europe", "asia"]),
    ("CS", "Czechoslovakia", "europe", ["europe"]),
    ("YU", "Yugoslavia", "europe", ["europe"]),
]


def country_regions(row: dict[str, str]) -> list[str]:
    iso2, continent, unregion = row["ISO2"], row["continent"], row["UNregion"]
    regions: list[str] = []
    if continent == "Europe":
        regions.append("europe")
        if iso2 in TRANSCONTINENTAL:
            regions.append("asia")
    elif continent == "Asia":
        if unregion == "South-eastern Asia":
            regions.append("southeast-asia")
        if unregion == "Western Asia" or iso2 in EXTRA_MIDDLE_EAST:
            regions.append("middle-east")
        regions.append("asia")
    elif continent == "Africa":
        regions.append("africa")
        if iso2 in EXTRA_MIDDLE_EAST:
            regions.append("middle-east")
    elif continent == "America":
        if unregion != "Northern America":
            regions.append("latin-america")
        if unregion == "Northern America" or iso2 in EXTRA_NORTH_AMERICA:
            regions.append("north-america")
    elif continent == "Oceania":
        regions.append("oceania")
    if row.get("EU27", "").strip() and row["EU27"].strip() not in ("", "nan"):
        regions.append("eu")
    return regions


def main() -> None:
    table = Path(os.path.dirname(country_converter.__file__)) / "country_data.tsv"
    rows = list(csv.DictReader(table.open(encoding="utf-8"), delimiter="\t"))
    out = []
    for code, name, parent in REGIONS:
        out.append({"code": code, "name": name, "kind": "region", "parent": parent or "", "regions": ""})
    for row in sorted(rows, key=lambda r: r["ISO2"]):
        iso2 = row["ISO2"].strip("^$").split("$|^")[0]
        if len(iso2) != 2 or row.get("obsolete", "").strip():
            continue
        country = pycountry.countries.get(alpha_2=iso2)
        name = NAMES.get(iso2) or getattr(country, "common_name", None) or row["name_short"]
        regions = country_regions(row)
        out.append({"code": iso2, "name": name, "kind": "country",
                    "parent": regions[0] if regions else "global",
                    "regions": " ".join(regions)})
    for code, name, parent, regions in HISTORICAL:
        out.append({"code": code, "name": name, "kind": "country", "parent": parent, "regions": " ".join(regions)})
    for cc in SUBDIVISION_COUNTRIES:
        for sub in sorted(pycountry.subdivisions.get(country_code=cc), key=lambda s: s.code):
            if sub.parent_code:  # keep the first level only
                continue
            out.append({"code": sub.code, "name": SUBDIVISION_SUFFIX.sub("", sub.name), "kind": "subdivision", "parent": cc, "regions": ""})
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["code", "name", "kind", "parent", "regions"])
        writer.writeheader()
        writer.writerows(out)
    print(f"wrote {len(out)} markets to {OUT}")


if __name__ == "__main__":
    main()
