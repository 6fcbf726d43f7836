"""Helpers shared by the HTML, feed and JSON readers (no database code)."""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import importlib
import re
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from ..dates import parse_publication_date
from ..records import Document, ReadError


class PartialReadError(ReadError):
    """Some records of a multi-record file were bad, others were fine.

    `documents` holds the good documents, `problems` one message per bad
    record. A caller that only knows `ReadError` treats the whole file as
    failed (nothing half-stored, the message names the bad records); a caller
    that knows this class can store `documents` and still report the file.
    """

    def __init__(self, message: str, documents: list[Document] | None = None,
                 problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.documents = list(documents or [])
        self.problems = list(problems or [])

    def __reduce__(self):  # survive pickling between worker processes
        return (type(self), (str(self), self.documents, self.problems))


def entity_name(value: Any) -> str | None:
    """A name given as a string, {"name": ...} (JSON-LD, NewsAPI) or a list of those, as one string."""
    if isinstance(value, list):
        names = [n for n in (entity_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    if isinstance(value, dict):
        return entity_name(value.get("name"))
    if value is None or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    return text or None


def short_hash(value: str, length: int = 12) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:length]


def iso_day(value: Any) -> str | None:
    """A date/datetime/string/epoch number as an ISO day, or None when it is not a full date.

    The day is the one written in the value (its own time zone), so a page
    published at 00:30+01:00 keeps its local day.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    try:
        return parse_publication_date(value if isinstance(value, (dt.date, dt.datetime)) else str(value).strip())
    except ReadError:
        return None


_BLOCK_TAGS = frozenset(
    "p div section article main header footer aside nav blockquote pre ul ol li dl dt dd table thead tbody tfoot "
    "tr h1 h2 h3 h4 h5 h6 figure figcaption address hr form fieldset details summary center".split()
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "head")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def html_to_text(fragment: str) -> str:
    """HTML (a fragment or a page) to plain text: one paragraph per block, blank lines between.

    `<br>` becomes a line break inside a paragraph; scripts and styles are dropped. HTML nested
    deeper than libxml2 parses (255 elements: it would stop there and lose the rest, an RSS
    entry's whole text) is read tag by tag instead, into the same paragraphs.
    """
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:
        return normalize_paragraphs(fragment)
    parser = lxml_html.HTMLParser()
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return normalize_paragraphs(fragment)
    if any(e.type == etree.ErrorTypes.ERR_RESOURCE_LIMIT for e in parser.error_log):
        return _flat_html_to_text(fragment)
    for bad in list(root.iter(*_DROP_TAGS)):
        if bad.getparent() is not None:
            bad.drop_tree()
    out = _Paragraphs()

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        out.open(tag)
        if tag == "br":
            out.line_break()
        elif tag and el.text:
            out.add(el.text)
        for child in el:
            walk(child)
        out.close(tag)
        if el.tail:
            out.add(el.tail)

    walk(root)
    return out.text()


class _Paragraphs:
    """Plain text collected from HTML: blocks start and end paragraphs, table cells end in a space."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.current: list[str] = []

    def add(self, text: str) -> None:
        self.current.append(text.replace("\n", " "))

    def line_break(self) -> None:
        self.current.append("\n")

    def open(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.flush()

    def close(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.flush()
        elif tag in ("td", "th"):
            self.current.append(" ")

    def flush(self) -> None:
        text = "".join(self.current)
        self.current.clear()
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            self.blocks.append(joined)

    def text(self) -> str:
        self.flush()
        return "\n\n".join(self.blocks)


# A tag, stopping at the next '<' (so a '<' never closed costs no scan to the end: linear time).
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)?[^<>]*>")


def _flat_html_to_text(fragment: str) -> str:
    """html_to_text without a tree, for HTML nested too deep to parse: tags read in order, the
    text of dropped elements (scripts, styles...) left out, entities decoded."""
    out = _Paragraphs()
    skipping: str | None = None
    position = 0
    for m in _TAG.finditer(fragment):
        if skipping is None and m.start() > position:
            out.add(html.unescape(fragment[position:m.start()]))
        position = m.end()
        closing, tag = m.group(1), (m.group(2) or "").lower()
        if skipping is not None:
            if closing and tag == skipping:
                skipping = None
        elif tag in _DROP_TAGS and not closing and not m.group(0).endswith("/>"):
            skipping = tag
        elif tag == "br":
            out.line_break()
        elif closing:
            out.close(tag)
        else:
            out.open(tag)
    if skipping is None:
        out.add(html.unescape(fragment[position:]))
    return out.text()


def normalize_paragraphs(text: str) -> str:
    """Plain text with paragraphs separated by one blank line and tidy spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for para in re.split(r"\n\s*\n", text):
        lines = [_SPACES.sub(" ", line).strip() for line in para.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def import_for_format(module: str, fmt: str, install: str | None = None) -> Any:
    """Import a format's library where it is used (not when the CLI starts), so that a missing or
    broken one fails only the files that need it: ReadError naming the package and how to install
    it, the file is reported and the build goes on."""
    package = module.partition(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ReadError(
            f"reading {fmt} needs the Python package {package!r}, which cannot be imported ({e}); "
            f"install it with `pip install {install or package}` (or reinstall market-entry-kb)") from e
