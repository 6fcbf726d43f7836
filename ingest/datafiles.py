"""The project's CSV data files (ingest/data/*.csv), read one way: a header row, '#' comment lines and
blank lines skipped. Every module that keeps phrases, aliases or hints as data reads them here."""
from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def data_rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of data/NAME as dicts keyed by its header (read once; treat them as read-only)."""
    text = resources.files("ingest").joinpath("data", name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(csv.DictReader(lines))
