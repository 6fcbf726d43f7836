"""Rows for `kb export`: statements with the spec's field names and their document."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .schema import open_readonly

# (field, SQL expression) of each exported column, in order: the one list of them.
EXPORT_COLUMNS = [
    ("document", "documents.name"),
    *((name, f"statements.{name}") for name in (
        "document_id", "id", "company", "market", "stance", "speaker", "speaker_role", "speaker_type",
        "said_on", "target", "target_qualifier", "quote", "quote_start", "quote_end", "confidence",
        "claim_id", "corrected", "corrections")),
]
EXPORT_FIELDS = [name for name, _ in EXPORT_COLUMNS]

EXPORT_SQL = f"""
select {", ".join(expr if expr.endswith(f".{name}") else f"{expr} as {name}" for name, expr in EXPORT_COLUMNS)}
from statements join documents on documents.id = statements.document_id
{{where}}
order by statements.said_on_start, statements.document_id, statements.quote_start, statements.market
"""


CORRECTIONS_FILTER = {
    "include": "",
    "exclude": "where coalesce(statements.corrected, 0) = 0",
    "only": "where statements.corrected = 1",
}


def export_rows(db_path: str | Path, corrections: str = "include") -> Iterator[dict]:
    """Every statement as a dict, in said_on order.

    `corrections`: "include" (default), "exclude" (leave out statements that
    corrections.yaml changed or added) or "only" (just those). The database is opened
    read-only: exporting writes nothing to it, and works on a file that cannot be written.
    """
    conn = open_readonly(db_path)
    try:
        cursor = conn.execute(EXPORT_SQL.format(where=CORRECTIONS_FILTER[corrections]))
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row))
    finally:
        conn.close()
