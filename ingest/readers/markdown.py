"""Markdown or plain text with optional YAML front matter (the corpus form)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from ..dates import parse_publication_date
from ..fingerprint import safe_url
from ..records import Document, ReadError
from ..safe_yaml import SafeLoader, check_size

KNOWN_FIELDS = ("id", "title", "url", "publisher", "author", "published")


_C_LOADER = getattr(yaml, "CSafeLoader", None)  # libyaml's parser, same constructors as safe_load
MAX_FRONT_MATTER = 128 * 1024  # characters; a larger block is refused before it is parsed


def _load_yaml(block: str) -> Any:
    """`yaml.safe_load(block)` without aliases (ingest.safe_yaml: an alias bomb of 600 bytes
    expands to gigabytes), parsed by libyaml when it is there (8x faster; the same values on all
    19,089 front matters of the Reuters corpus, examples and tests). Text that is not plain ASCII,
    holds tabs, may hold an alias (a '*'), or that libyaml refuses goes to the pure-Python loader,
    which refuses aliases; errors and their messages stay those of safe_load."""
    if _C_LOADER is not None and block.isascii() and "\t" not in block and "*" not in block:
        try:
            return yaml.load(block, Loader=_C_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.load(block, Loader=SafeLoader)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return (front matter, body). Front matter is a leading '---' block of YAML."""
    if not text.startswith("---"):
        return {}, text
    first_nl = text.find("\n")
    if text[:first_nl].strip() != "---":
        return {}, text
    end = text.find("\n---", first_nl)
    if end == -1:
        raise ReadError("front matter starts with '---' but has no closing '---' line")
    block = text[first_nl + 1 : end]
    too_big = check_size(block, MAX_FRONT_MATTER, "front matter")
    if too_big:
        raise ReadError(too_big)
    close_nl = text.find("\n", end + 4)
    body = "" if close_nl == -1 else text[close_nl + 1 :]
    try:
        meta = _load_yaml(block) if block.strip() else {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise ReadError(f"malformed YAML front matter{where}: {getattr(e, 'problem', e)}") from e
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ReadError("front matter is not a mapping of field: value")
    return meta, body


def document_from_fields(meta: dict[str, Any], body: str, path: Path, fmt: str, default_id: str) -> Document:
    """Build a Document from metadata fields and body text (shared by all readers)."""
    if not body.strip():
        raise ReadError("document has no body text")
    published = meta.get("published")
    if isinstance(published, (dt.date, dt.datetime)) or published:
        published = parse_publication_date(published)
    else:
        published = None

    def text_field(name: str) -> str | None:
        value = meta.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        return str(value)

    extra = {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
             for k, v in meta.items() if k not in KNOWN_FIELDS}
    return Document(
        id=text_field("id") or default_id,
        path=str(path),
        text=body,
        title=text_field("title"),
        url=safe_url(text_field("url")),  # http(s) only: never a javascript: link
        publisher=text_field("publisher"),
        author=text_field("author"),
        published=published,
        format=fmt,
        meta=extra,
    )


def read(path: Path, data: bytes) -> list[Document]:
    """Read a Markdown/text file with optional front matter into one document."""
    from . import decode_text, path_id

    text = decode_text(data)
    meta, body = split_front_matter(text)
    return [document_from_fields(meta, body, path, "markdown", path_id(path))]
