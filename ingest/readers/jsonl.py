"""JSON (.json) and JSON Lines (.jsonl, .ndjson) exports: one document per record.

A .json file holds one record (an object with a text field), a list of
records, or a wrapper object with the list under `articles`, `items`,
`documents`, `records`, `results`, `entries`, `posts` or `data` (NewsAPI's
`{"status": "ok", "articles": [...]}` works as is). A .jsonl/.ndjson file
holds one record per line; blank lines are ignored.

Recognized fields of a record (the first present one wins):

- text: `text`, `body`, `content` (a string, or a list of strings = paragraphs),
  and JSON Feed's `content_text`, `content_html` (HTML made plain text)
- id: `id`, `guid`
- title: `title`, `headline`
- url: `url`, `link`
- publisher: `publisher`, `source`, `site_name` (a string or `{"name": ...}`)
- author: `author`, `authors`, `byline` (a string, `{"name": ...}` or a list of them)
- published: `published`, `published_at`, `publishedAt`, `date`, `pubDate`,
  `datePublished`, `date_published` (a date string, or epoch seconds/milliseconds)

Other fields are kept in the document's `meta`.

Ids: the record's `id` as written; else `json-` + a short hash of its
canonical URL; else the file's id plus `-r<record number>`.

Bad records: a record without text, that is not an object, has a date that
cannot be read, or (JSONL) a line that is not valid JSON. If no record is good
the file fails with a ReadError listing every problem. If some are good,
`PartialReadError` (a ReadError) is raised carrying the good documents in
`.documents` and the problems in `.problems`: a caller that only knows
ReadError reports the whole file as failed and stores nothing from it (never
half a file silently); a caller that knows it (kb build) stores the good
documents and still reports the file as failed, naming the bad records.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from ..fingerprint import canonical_url, safe_url
from ..records import Document, ReadError
from .common import PartialReadError, entity_name, html_to_text, iso_day, normalize_paragraphs, short_hash

SUFFIXES_JSON = [".json"]
SUFFIXES_JSONL = [".jsonl", ".ndjson"]

TEXT_FIELDS = ("text", "body", "content", "content_text", "content_html")  # the last two: JSON Feed
ID_FIELDS = ("id", "guid")
TITLE_FIELDS = ("title", "headline")
URL_FIELDS = ("url", "link")
PUBLISHER_FIELDS = ("publisher", "source", "site_name")
AUTHOR_FIELDS = ("author", "authors", "byline")
DATE_FIELDS = ("published", "published_at", "publishedAt", "date", "pubDate", "datePublished", "date_published")
WRAPPER_FIELDS = ("articles", "items", "documents", "records", "results", "entries", "posts", "data")

_RECOGNIZED = frozenset(TEXT_FIELDS + ID_FIELDS + TITLE_FIELDS + URL_FIELDS + PUBLISHER_FIELDS
                        + AUTHOR_FIELDS + DATE_FIELDS)
_LOOKED_FOR = ", ".join(repr(f) for f in TEXT_FIELDS)
MAX_LISTED = 10  # problems listed in a message; the rest are counted


_TRUNCATED = re.compile(r"\s*\[\+\d+ chars\]\s*$")  # NewsAPI's marker at the end of a cut `content`


class _BadRecord(Exception):
    pass


def read_json(path: Path, data: bytes) -> list[Document]:
    """Read a .json file: an object, a list of objects, or a wrapper with the list inside."""
    from . import decode_text

    text = decode_text(data)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        hint = "; one JSON value per line is JSON Lines: name the file .jsonl" if e.msg == "Extra data" else ""
        raise ReadError(f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}{hint}") from e
    if isinstance(value, dict):
        if any(f in value for f in TEXT_FIELDS):
            records = [value]
        else:
            wrapped = next((value[f] for f in WRAPPER_FIELDS if isinstance(value.get(f), list)), None)
            if wrapped is None:
                raise ReadError(
                    f"record 1: no text field (looked for {_LOOKED_FOR}; found {_field_list(value)}), "
                    "nor a list of records under " + ", ".join(repr(f) for f in WRAPPER_FIELDS)
                )
            records = wrapped
    elif isinstance(value, list):
        records = value
    else:
        raise ReadError(f"JSON holds a {_kind(value)}; expected an object or a list of objects")
    if not records:
        raise ReadError("JSON holds no records")
    return _documents(path, [(n, None, r) for n, r in enumerate(records, start=1)])


def read_jsonl(path: Path, data: bytes) -> list[Document]:
    """Read a JSON Lines file: one record per non-blank line."""
    from . import decode_text

    text = decode_text(data)
    items: list[tuple[int, int, Any]] = []
    problems: list[tuple[int, str]] = []
    number = 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        number += 1
        try:
            items.append((number, line_no, json.loads(line)))
        except json.JSONDecodeError as e:
            problems.append((number, f"record {number} (line {line_no}): invalid JSON at column {e.colno}: {e.msg}"))
    return _documents(path, items, problems)


def _documents(path: Path, items: list[tuple[int, int | None, Any]],
               bad_lines: list[tuple[int, str]] | None = None) -> list[Document]:
    from . import path_id

    numbered = list(bad_lines or [])
    documents: list[Document] = []
    ids: dict[str, str] = {}
    base_id = path_id(path)
    total = len(items) + len(numbered)
    for number, line_no, record in items:
        where = f"record {number}" + (f" (line {line_no})" if line_no else "")
        try:
            doc = _document(path, record, number, base_id)
        except _BadRecord as e:
            numbered.append((number, f"{where}: {e}"))
            continue
        if doc.id in ids:
            numbered.append((number, f"{where}: id {doc.id!r} already used by {ids[doc.id]}"))
            continue
        ids[doc.id] = where
        documents.append(doc)
    problems = [message for _, message in sorted(numbered)]
    if problems:
        listed = "; ".join(problems[:MAX_LISTED])
        if len(problems) > MAX_LISTED:
            listed += f"; and {len(problems) - MAX_LISTED} more"
        if not documents:
            raise ReadError(listed if total == 1 else f"no usable record among {total}: {listed}")
        raise PartialReadError(
            f"{len(problems)} of {total} records skipped: {listed}", documents=documents, problems=problems
        )
    return documents


def _document(path: Path, record: Any, number: int, base_id: str) -> Document:
    if not isinstance(record, dict):
        raise _BadRecord(f"is a {_kind(record)}, not an object")
    text, text_field = None, None
    for name in TEXT_FIELDS:
        if name in record:
            value = record[name]
            if name == "content_html" and isinstance(value, str):
                value = html_to_text(value)
            text, text_field = _text_value(value), name
            if text:
                break
    if text_field is None:
        raise _BadRecord(f"no text field (looked for {_LOOKED_FOR}; found {_field_list(record)})")
    if not text:
        raise _BadRecord(f"field {text_field!r} is empty or not a string")

    published = None
    for name in DATE_FIELDS:
        value = record.get(name)
        if value is None or value == "":
            continue
        published = iso_day(value)
        if published is None:
            raise _BadRecord(f"field {name!r} is not a full date: {value!r}")
        break

    url = safe_url(_first(record, URL_FIELDS))  # http(s) only: never a javascript: link
    record_id = _string(_first(record, ID_FIELDS))
    if record_id:
        doc_id = record_id
    elif url:
        doc_id = f"json-{short_hash(canonical_url(url))}"
    else:
        doc_id = f"{base_id}-r{number}"
    meta = {k: _plain(v) for k, v in record.items() if k not in _RECOGNIZED}
    meta["record"] = number
    return Document(
        id=doc_id,
        path=str(path),
        text=text,
        title=_string(_first(record, TITLE_FIELDS)),
        url=url,
        publisher=entity_name(_first(record, PUBLISHER_FIELDS)),
        author=entity_name(_first(record, AUTHOR_FIELDS)),
        published=published,
        format="jsonl" if path.suffix.lower() in SUFFIXES_JSONL else "json",
        meta=meta,
    )


def _first(record: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _text_value(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n\n".join(value)
    if not isinstance(value, str):
        return None
    text = normalize_paragraphs(_TRUNCATED.sub("", value))
    return text or None


def _string(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = " ".join(str(value).split())
    return text or None




def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _kind(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def _field_list(record: dict[str, Any]) -> str:
    names = list(record)[:8]
    if not names:
        return "no fields"
    more = f", ... ({len(record)} in all)" if len(record) > 8 else ""
    return "fields " + ", ".join(repr(n) for n in names) + more
