"""RSS 2.0 / RSS 1.0 / Atom files (.rss, .atom, .xml): one document per entry, via feedparser.

Per entry:

- text: the entry's full content (`content:encoded`, Atom `<content>`) when it
  has one, else its summary (`<description>`, Atom `<summary>`); HTML is
  turned into plain text, one paragraph per block, blank lines between.
  Entries with neither are skipped.
- title: the entry's title; url: its link; author: its author (`<author>`,
  `dc:creator`, Atom `<author><name>`); publisher: the feed's title.
- published: the day written in `pubDate` / `published` (else `updated` /
  `dc:date`), in the feed's own time zone; a date that cannot be read is kept
  in `meta["published_raw"]` and `published` stays empty.
- id: `feed-` + a short hash of the entry's id/guid, else of its link
  (canonicalized), else of its title and date: stable across re-downloads of
  the feed, and never equal to the id of the same article saved as HTML
  (duplicates are found by URL and text instead).
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ..fingerprint import canonical_url, safe_url
from ..records import Document, ReadError
from .common import html_to_text, import_for_format, iso_day, normalize_paragraphs, short_hash

FORMAT = "feed"
SUFFIXES = [".rss", ".atom", ".xml", ".rdf"]

_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def read(path: Path, data: bytes) -> list[Document]:
    """Read a feed file into one document per entry that has text, or raise ReadError."""
    if not data.strip():
        raise ReadError("file is empty")
    # imported here, not with this module: without feedparser only feed files fail (ReadError)
    feedparser = import_for_format("feedparser", "RSS/Atom feeds", "'feedparser>=6,<7'")
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=True)
    entries = parsed.get("entries") or []
    if not entries:
        raise ReadError(_why_not_a_feed(parsed))

    feed = parsed.get("feed") or {}
    publisher = _clean(feed.get("title"))
    documents: list[Document] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        text, source = _entry_text(entry)
        if not text:
            continue
        link = safe_url(entry.get("link"))  # http(s) only: never a javascript: link
        key = _clean(entry.get("id")) or canonical_url(link) or f"{entry.get('title')}|{entry.get('published')}"
        doc_id = f"feed-{short_hash(key)}"
        if doc_id in seen:
            continue  # the same entry twice in one feed: keep the first
        seen.add(doc_id)
        fields: dict[str, Any] = {"entry_index": index, "text_from": source}
        if entry.get("id"):
            fields["entry_id"] = entry["id"]
        if feed.get("link"):
            fields["feed_link"] = feed["link"]
        if parsed.get("version"):
            fields["feed_version"] = parsed["version"]
        published = None
        for name in ("published", "updated", "created"):
            raw = entry.get(name)
            if not raw:
                continue
            published = iso_day(raw) or _from_struct(entry.get(f"{name}_parsed"))
            if published:
                if name != "published":
                    fields["published_from"] = name
            else:
                fields["published_raw"] = raw
            break
        tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        if tags:
            fields["categories"] = tags
        documents.append(Document(
            id=doc_id,
            path=str(path),
            text=text,
            title=_title(entry),
            url=link,
            publisher=publisher,
            author=_author(entry, feed),
            published=published,
            format=FORMAT,
            meta=fields,
        ))
    if not documents:
        raise ReadError(f"feed has {len(entries)} entries but none has text (content or summary)")
    return documents


def _why_not_a_feed(parsed: Any) -> str:
    version = parsed.get("version")
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        reason = getattr(exc, "getMessage", lambda: str(exc))()
        where = ""
        line = getattr(exc, "getLineNumber", None)
        if callable(line):
            try:
                where = f" at line {line()}, column {exc.getColumnNumber()}"
            except Exception:
                where = ""
        if not version:
            return f"not a feed: not well-formed XML ({reason}{where})"
        return f"feed has no entries (and is not well-formed XML: {reason}{where})"
    if not version:
        return "not a feed: XML, but neither RSS nor Atom"
    return "feed has no entries"


def _entry_text(entry: Any) -> tuple[str, str]:
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    if contents:
        best = max(contents, key=lambda c: len(c.get("value") or ""))
        text = _to_text(best.get("value"), best.get("type"))
        if text:
            return text, "content"
    detail = entry.get("summary_detail") or {}
    text = _to_text(entry.get("summary"), detail.get("type"))
    return (text, "summary") if text else ("", "")


def _to_text(value: str | None, content_type: str | None) -> str:
    if not value:
        return ""
    ctype = (content_type or "").lower()
    if ctype in _HTML_TYPES or (not ctype and "<" in value):
        return html_to_text(value)
    return normalize_paragraphs(value)


def _title(entry: Any) -> str | None:
    title = entry.get("title")
    if not title:
        return None
    detail = entry.get("title_detail") or {}
    if (detail.get("type") or "").lower() in _HTML_TYPES:
        title = html_to_text(title).replace("\n", " ")
    return _clean(title)


_EMAIL_NAME = (re.compile(r"^\s*\S+@\S+\s*\((?P<name>[^()]+)\)\s*$"),  # RSS: "desk@site (Jane Doe)"
               re.compile(r"^\s*(?P<name>[^<>@]+?)\s*<\S+@\S+>\s*$"))  # "Jane Doe <desk@site>"


def _author(entry: Any, feed: Any) -> str | None:
    raw = _clean(entry.get("author"))
    if raw:
        for pattern in _EMAIL_NAME:
            m = pattern.match(raw)
            if m:
                return _clean(m["name"])
    for source in (entry, feed):  # an Atom entry without an author inherits the feed's
        names = [_clean(a.get("name")) for a in source.get("authors") or [] if isinstance(a, dict)]
        names = [n for n in names if n]
        if names:
            return ", ".join(dict.fromkeys(names))
        if source is entry and raw:
            return raw
    return None


def _from_struct(value: Any) -> str | None:
    if not value:
        return None
    try:
        return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"
    except AttributeError:
        return None


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None
