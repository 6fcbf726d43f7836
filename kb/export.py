"""Rows for `kb export`: statements with the spec's field names and their document."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .schema import open_db

EXPORT_SQL = """
select documents.name as document, statements.document_id, statements.id,
  statements.company, statements.market, statements.stance,
  statements.speaker, statements.speaker_role, statements.speaker_type,
  statements.said_on, statements.target, statements.target_qualifier,
  statements.quote, statements.quote_start, statements.quote_end, statements.confidence,
  statements.claim_id
from statements join documents on documents.id = statements.document_id
order by statements.said_on_start, statements.document_id, statements.quote_start, statements.market
"""


def export_rows(db_path: str | Path) -> Iterator[dict]:
    """Every statement as a dict, in said_on order."""
    db = open_db(db_path)
    try:
        cursor = db.conn.execute(EXPORT_SQL)
        names = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(names, row))
    finally:
        db.close()
