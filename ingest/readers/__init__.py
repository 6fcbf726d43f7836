"""Readers turn one file into documents; `read_path` picks the reader by suffix.

Each reader is `read(path: Path, data: bytes) -> list[Document]` and raises
`ReadError` with a reason a user can act on. Readers never extract statements.
"""
from __future__ import annotations

import hashlib
import os
import stat
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

# NAME.gold.json: the answers for the article NAME (docs/data-model.md, "Gold files"), kept beside
# it in a corpus folder; not an article, so neither listed (`supported`) nor read (`read_path`).
ANSWER_SUFFIX = ".gold.json"


def register(suffixes: list[str], reader: Reader) -> None:
    """Make `reader` handle files with these suffixes."""
    for suffix in suffixes:
        READERS[suffix.lower()] = reader


def supported(path: Path) -> bool:
    """True when some reader handles this file's suffix (and it is no gold answer file)."""
    return path.suffix.lower() in READERS and not path.name.lower().endswith(ANSWER_SUFFIX)


def read_path(path: str | Path) -> list[Document]:
    """Read one file into its documents, or raise ReadError saying why not."""
    path = Path(path)
    if path.name.lower().endswith(ANSWER_SUFFIX):
        return []  # a gold answer file named on the command line: nothing to read
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise ReadError(f"unsupported file type {path.suffix or '(none)'!r}; known: {known}")
    return reader(path, read_capped(path))


def read_capped(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES, or ReadError. Opened without blocking
    and checked for its type before any read (a named pipe would wait for a writer forever, a
    link to /dev/zero never end), and never more than MAX_BYTES + 1 bytes read (a file that
    grows past the limit while read, or reports no size, is refused, not half-read)."""
    too_big = f"larger than the {MAX_BYTES // 2**20} MiB limit"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror or e}") from e
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(f"not a regular file ({_kind(info.st_mode)}); only files are read")
        if info.st_size > MAX_BYTES:
            raise ReadError(f"file is {info.st_size / 1e6:.1f} MB, {too_big}")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror or e}") from e
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise ReadError(f"file is {too_big}")
    return data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a file"


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
