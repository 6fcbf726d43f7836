"""TIMEX3 tagger: find temporal expressions and normalize them against a DCT.

    >>> from ingest.timex import tag
    >>> [t.value for t in tag("It will open in the third quarter.", dct="2026-02-20")]
    ['2026-Q3']

Rules and word lists are data (ingest/data/timex/rules.yaml and
lexicon.json); the normalizers that turn a match into a TIMEX3 value are in
`ingest.timex.normalize`. With no DCT, values that need one stay partial
(`XXXX-02-10`), never today's date.
"""
from __future__ import annotations

from .tagger import parse_dct, tag_text
from .types import Timex

__all__ = ["Timex", "tag", "parse_dct"]


def tag(text: str, dct: str | None = None) -> list[Timex]:
    """Temporal expressions in `text`, sorted by start, resolved against `dct` (YYYY-MM-DD or None).

    Never raises on any text; raises ValueError only for a malformed `dct`.
    """
    return tag_text(text, dct)
