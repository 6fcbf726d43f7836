"""Readers turn one file into documents; `read_path` picks the reader by suffix.

Each reader is `read(path: Path, data: bytes) -> list[Document]` and raises
`ReadError` with a reason a user can act on. Readers never extract statements.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ..records import Document, ReadError
from . import markdown

Reader = Callable[[Path, bytes], list[Document]]

# Suffix -> reader. Other modules register more formats with `register`.
READERS: dict[str, Reader] = {
    ".md": markdown.read,
    ".markdown": markdown.read,
    ".txt": markdown.read,
    ".text": markdown.read,
}

MAX_BYTES = 20 * 1024 * 1024  # larger files are refused, not half-read


def register(suffixes: list[str], reader: Reader) -> None:
    """Make `reader` handle files with these suffixes."""
    for suffix in suffixes:
        READERS[suffix.lower()] = reader


def supported(path: Path) -> bool:
    """True when some reader handles this file's suffix."""
    return path.suffix.lower() in READERS


def read_path(path: str | Path) -> list[Document]:
    """Read one file into its documents, or raise ReadError saying why not."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise ReadError(f"unsupported file type {path.suffix or '(none)'!r}; known: {known}")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror or e}") from e
    if size > MAX_BYTES:
        raise ReadError(f"file is {size / 1e6:.1f} MB, larger than the {MAX_BYTES // 2**20} MiB limit")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror or e}") from e
    return reader(path, data)


def path_id(path: Path) -> str:
    """A stable document id for a file without one: its stem plus a hash of where it is."""
    digest = hashlib.sha1(str(path.resolve()).encode("utf-8")).hexdigest()[:8]
    return f"{path.stem}-{digest}"


def decode_text(data: bytes) -> str:
    """Bytes to text: UTF-8 (a BOM allowed) or BOM-marked UTF-16; anything else is an error."""
    if not data.strip():
        raise ReadError("file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise ReadError(f"not valid UTF-16 despite its byte-order mark: {e.reason} at byte {e.start}") from e
    else:
        if b"\x00" in data[:8192]:
            raise ReadError("looks binary (NUL bytes), not a text document")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ReadError(f"not UTF-8: {e.reason} at byte {e.start}; re-save the file as UTF-8") from e
    if "\x00" in text:
        raise ReadError("looks binary (NUL characters), not a text document")
    if not text.strip():
        raise ReadError("file is empty")
    return text


# Formats beyond Markdown: saved web pages, feeds, JSON exports (imported last: they use the helpers above).
from . import feeds, html, jsonl  # noqa: E402
from .common import PartialReadError  # noqa: E402,F401

register(html.SUFFIXES, html.read)
register(feeds.SUFFIXES, feeds.read)
register(jsonl.SUFFIXES_JSON, jsonl.read_json)
register(jsonl.SUFFIXES_JSONL, jsonl.read_jsonl)
