"""From raw documents to normalized market-entry records.

Nothing in this package touches a database: it reads files, finds statements
and events, and returns plain dataclasses that `kb` stores.
"""
from .records import Document, Event, Extraction, ReadError, Statement

__all__ = ["Document", "Event", "Extraction", "ReadError", "Statement"]
