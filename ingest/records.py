"""The records that ingest produces: documents, statements, events, and their stable ids."""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from .fingerprint import canonical_url, normalized_text_hash, safe_url


class ReadError(Exception):
    """A source that cannot be read into a document; the message says why."""


@dataclass
class Document:
    """One article: its text (offsets point into it) and its metadata."""

    id: str
    path: str
    text: str
    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD) or None when unknown
    format: str = "markdown"
    meta: dict[str, Any] = field(default_factory=dict)  # other front-matter fields

    @property
    def name(self) -> str:
        """The source file's name (the last part of its path)."""
        return self.path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]

    @property
    def content_hash(self) -> str:
        """Hash of everything extraction depends on: a changed hash means re-extract."""
        h = hashlib.sha256()
        for part in (self.text, self.title, self.url, self.publisher, self.author, self.published):
            h.update((part or "").encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()


@dataclass
class Statement:
    """One market-entry claim, with the fields of the data model (docs/data-model.md)."""

    company: str
    market: str
    stance: str
    speaker: str | None
    speaker_role: str | None
    speaker_type: str
    said_on: str | None
    target: str | None
    quote: str
    quote_start: int
    quote_end: int
    target_qualifier: str | None = None
    confidence: float = 0.5
    explain: dict[str, Any] = field(default_factory=dict)
    # Set by a correction (kb/corrections.py), never by extraction: field -> the value extracted
    # before the correction changed it, or {"added": True} for a statement a correction added.
    corrections: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict; `corrections` only when a correction set it."""
        out = asdict(self)
        if self.corrections is None:
            del out["corrections"]
        return out

    def id_in(self, document_id: str) -> str:
        """Stable key: the same claim in the same document keeps its id across rebuilds. Made from
        the values as extracted, so a corrected statement keeps the id its correction names."""
        extracted = self if self.corrections is None else dataclasses.replace(self, **{
            k: v for k, v in self.corrections.items() if k in ("company", "market", "stance", "said_on")})
        key = "\x1f".join([document_id, extracted.company.lower(), extracted.market, extracted.stance,
                           extracted.said_on or ""])
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Event:
    """A dated happening with no claim of intent (a sighting, a filing...)."""

    company: str
    market: str | None
    kind: str
    date: str | None
    place: str | None
    product: str | None
    quote: str
    quote_start: int
    quote_end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def id_in(self, document_id: str) -> str:
        """Stable key within its document (company, market, kind, date and where it is quoted)."""
        key = "\x1f".join([document_id, self.company.lower(), self.market or "", self.kind, self.date or "",
                           str(self.quote_start)])
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Extraction:
    """Everything found in one document."""

    document: Document
    statements: list[Statement] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    companies: dict[str, list[str]] = field(default_factory=dict)  # name -> aliases seen
    # Every candidate reading the extractor considered, with the filters that hold for it and the one
    # that dropped it ("dropped_by", None when kept); filled only by extract(doc, trace=True), for
    # `kb extract --explain`, tests and benchmarks/scorer.py. Never stored.
    candidates: list[dict] = field(default_factory=list)
    # Duplicate-detection fingerprints of the document (`fingerprints`). kb build's worker
    # processes fill them in so that the single writer does not compute them.
    text_hash: str | None = None
    canonical_url: str | None = None

    def fingerprints(self) -> tuple[str | None, str]:
        """(canonical URL, normalized-text hash) of the document (ingest.fingerprint), computed on
        first use and kept in `canonical_url` and `text_hash`."""
        if self.text_hash is None:
            self.canonical_url = canonical_url(safe_url(self.document.url))
            self.text_hash = normalized_text_hash(self.document.text)
        return self.canonical_url, self.text_hash
