"""Datasette plugin: a stricter escape_fts() so that no search box input is an FTS syntax error.

Datasette's own escape_fts quotes each word but turns a lone `"` into an
empty query, which FTS5 rejects ("syntax error near ''"). This version keeps
its behaviour (each word, or each balanced "quoted phrase", becomes one
quoted FTS phrase, so AND, OR, NOT, NEAR(, * and ^ are plain words), drops
unbalanced quotes, and turns an input with no words into `""`, which matches
nothing. It is registered with trylast so it replaces Datasette's function on
every connection; the table view's ?_search= (and so datasette-search-all)
calls escape_fts(:search) unless ?_searchmode=raw is asked for.
"""
from __future__ import annotations

import re

from datasette import hookimpl

_BITS = re.compile(r'"[^"]*"|[^\s"]+')


def escape_fts(query: str | None) -> str:
    query = query or ""
    if query.count('"') % 2:
        query = query.replace('"', " ")
    phrases = []
    for bit in _BITS.findall(query):
        inner = bit[1:-1] if bit.startswith('"') else bit
        if inner.strip():
            phrases.append('"' + inner.replace('"', '""') + '"')
    return " ".join(phrases) or '""'


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, escape_fts, deterministic=True)
