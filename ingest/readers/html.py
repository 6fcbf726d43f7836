"""Saved web pages (.html, .htm): the article's main text and the page's own metadata.

Main text comes from trafilatura (navigation, sidebars, comments, scripts and
footers dropped), one paragraph per block with blank lines between, so the
sentence splitter sees paragraphs. Metadata is read from the page itself, in
this order of preference:

- title: `og:title`, JSON-LD `headline`, trafilatura's title, `<title>`
- publisher: `og:site_name`, JSON-LD `publisher.name`, `application-name`, trafilatura's site name
- author: JSON-LD `author`, `<meta name="author">` (and `article:author`, `byl`,
  `parsely-author`, `sailthru.author`, `dc.creator`), trafilatura's author
- published: `article:published_time` and similar meta tags, JSON-LD
  `datePublished`, `itemprop="datePublished"`, the first `<time datetime>`
  (one marked `pubdate` first), then htmldate on the page's markup only
  (never a date guessed from the text or the URL)
- url: `<link rel="canonical">`, `og:url`, JSON-LD `url` / `mainEntityOfPage`;
  for a page saved by `kb add` without any of these, the URL it was fetched from

The document text is the extracted text (quote offsets point into it); the
original page is the file itself, and `meta["source_sha256"]` is the sha256 of
its bytes, so every quote can be traced back to the exact page.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ..fingerprint import canonical_url, normalized_text_hash, safe_url
from ..records import Document, ReadError
from .common import entity_name, html_to_text, import_for_format, iso_day, short_hash

FORMAT = "html"
SUFFIXES = [".html", ".htm", ".xhtml"]
# Written by `kb add` next to the pages it saves: file name -> {"url": ..., ...}.
SOURCES_MANIFEST = ".kb-sources.json"

NO_TEXT = "no article text found in the page"
# trafilatura is imported when a page is read, not with this module: without it (or with a broken
# dependency of it) only HTML files fail, each with this package named; install line below.
TRAFILATURA_INSTALL = "'trafilatura>=2,<3' lxml_html_clean"

_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "publication_date",
    "date", "dc.date.issued", "dc.date", "dcterms.issued", "dcterms.created", "dcterms.date",
    "parsely-pub-date", "sailthru.date", "article.published", "og:published_time",
)
_AUTHOR_META = ("author", "article:author", "byl", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator")
_ARTICLE_TYPES = ("newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
                  "opinionnewsarticle", "report", "scholarlyarticle", "techarticle", "liveblogposting")


def read(path: Path, data: bytes) -> list[Document]:
    """Read one saved article page into one document, or raise ReadError."""
    from . import path_id

    if not data.strip():
        raise ReadError("file is empty")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError("looks binary (NUL bytes), not an HTML page")
    if data.lstrip()[:5] == b"%PDF-":
        raise ReadError("is a PDF, not an HTML page")
    trafilatura = _trafilatura()
    tree = import_for_format("trafilatura.utils", "HTML pages", TRAFILATURA_INSTALL).load_html(data)
    if tree is None:
        raise ReadError("cannot be parsed as HTML")

    meta_tags = _meta_tags(tree)
    ld = _json_ld_article(tree)
    text = _main_text(copy.deepcopy(tree))
    info = trafilatura.extract_metadata(copy.deepcopy(tree))

    title = _first(meta_tags.get("og:title"), _text(ld.get("headline")), _text(ld.get("name")),
                   getattr(info, "title", None), _title_element(tree))
    text = _drop_leading_title(text, title)
    if not _looks_like_article(text):
        raise ReadError(NO_TEXT)

    fields: dict[str, Any] = {}
    url = _page_url(tree, meta_tags, ld)
    manifest = _fetched_from(path)
    if manifest.get("url"):
        fields["fetched_url"] = manifest["url"]
    url = url or safe_url(manifest.get("final_url")) or safe_url(manifest.get("url"))

    published, published_from = _published(tree, meta_tags, ld)
    if published is None:
        published = _htmldate(data)
        published_from = "htmldate (page markup)" if published else None
    if published_from:
        fields["published_from"] = published_from

    publisher = _first(meta_tags.get("og:site_name"), entity_name(ld.get("publisher")),
                       meta_tags.get("application-name"), getattr(info, "sitename", None))
    author = _first(entity_name(ld.get("author")),
                    *(_author_meta(meta_tags.get(name)) for name in _AUTHOR_META),
                    getattr(info, "author", None))

    fields["source_sha256"] = hashlib.sha256(data).hexdigest()
    doc_id = f"url-{short_hash(canonical_url(url))}" if url else path_id(path)
    return [Document(
        id=doc_id,
        path=str(path),
        text=text,
        title=title,
        url=url,
        publisher=publisher,
        author=author,
        published=published,
        format=FORMAT,
        meta=fields,
    )]


# --- main text -------------------------------------------------------------------------

def _trafilatura():
    return import_for_format("trafilatura", "HTML pages", TRAFILATURA_INSTALL)


def _main_text(tree) -> str:
    xml = _trafilatura().extract(
        tree, output_format="xml", include_comments=False, include_tables=True,
        include_images=False, include_links=False, include_formatting=False, with_metadata=False,
    )
    if not xml:
        return ""
    try:
        root = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return html_to_text(xml)
    main = root.find("main")
    if main is None:
        main = root
    blocks: list[str] = []
    _collect_blocks(main, blocks)
    return "\n\n".join(b for b in blocks if b)


def _collect_blocks(el, blocks: list[str]) -> None:
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "table":
            for row in child.iter("row"):
                line = " | ".join(c for c in (_inline(cell) for cell in row.iter("cell")) if c)
                if line:
                    blocks.append(line)
        elif tag in ("list", "div") or (tag == "quote" and child.find("p") is not None):
            _collect_blocks(child, blocks)
        elif tag and tag != "graphic":
            text = _inline(child)
            if text:
                blocks.append(text)


def _inline(el) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        if node.tag == "lb":
            parts.append("\n")
        elif node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    lines = [re.sub(r"\s+", " ", line).strip() for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _drop_leading_title(text: str, title: str | None) -> str:
    """The headline repeated as the first paragraph is already the title; drop it."""
    if not title or not text:
        return text
    first, sep, rest = text.partition("\n\n")
    if sep and normalized_text_hash(first) == normalized_text_hash(title):
        return rest
    return text


def _looks_like_article(text: str) -> bool:
    """At least some running prose: a menu or a cookie notice is not an article."""
    words = text.split()
    if len(words) < 15:
        return False
    for block in re.split(r"\n+", text):
        if len(block.split()) >= 8 and re.search(r"[.!?…\"'”’)]\s*$", block):
            return True
    return False


# --- metadata --------------------------------------------------------------------------

def _meta_tags(tree) -> dict[str, str]:
    """<meta property|name|itemprop=... content=...>, keys lowercased, first value wins."""
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        value = el.get("content")
        if key and value and value.strip():
            out.setdefault(key.strip().lower(), value.strip())
    return out


def _json_ld_article(tree) -> dict[str, Any]:
    """The first JSON-LD object that is an article (else the first with a headline)."""
    candidates: list[dict[str, Any]] = []

    def collect(obj: Any) -> None:
        if isinstance(obj, list):
            for item in obj:
                collect(item)
        elif isinstance(obj, dict):
            candidates.append(obj)
            if "@graph" in obj:
                collect(obj["@graph"])

    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            collect(json.loads(script.text or ""))
        except (ValueError, TypeError):
            continue  # a broken JSON-LD block is the page's problem, not a reason to fail

    def types(obj: dict[str, Any]) -> list[str]:
        t = obj.get("@type")
        return [str(x).lower() for x in (t if isinstance(t, list) else [t]) if x]

    for obj in candidates:
        if any(t in _ARTICLE_TYPES for t in types(obj)):
            return obj
    for obj in candidates:
        if "headline" in obj or "datePublished" in obj:
            return obj
    return {}


def _published(tree, meta_tags: dict[str, str], ld: dict[str, Any]) -> tuple[str | None, str | None]:
    for name in _PUBLISHED_META:
        day = iso_day(meta_tags.get(name))
        if day:
            return day, f"meta {name}"
    day = iso_day(_text(ld.get("datePublished")))
    if day:
        return day, "JSON-LD datePublished"
    times = [el for el in tree.iter("time") if el.get("datetime")]
    for el in sorted(times, key=lambda el: not (el.get("pubdate") is not None
                                                 or (el.get("itemprop") or "").lower() == "datepublished")):
        day = iso_day(el.get("datetime"))
        if day:
            return day, "<time datetime>"
    day = iso_day(_text(ld.get("dateCreated")))
    if day:
        return day, "JSON-LD dateCreated"
    return None, None


def _htmldate(data: bytes) -> str | None:
    try:
        from htmldate import find_date
        return iso_day(find_date(data, extensive_search=False, original_date=True, outputformat="%Y-%m-%d"))
    except Exception:  # htmldate is a fallback; its failure must not fail the page
        return None


def _page_url(tree, meta_tags: dict[str, str], ld: dict[str, Any]) -> str | None:
    og = meta_tags.get("og:url")
    base = safe_url(og) if og else None
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" in rel and href:
            full = safe_url(urljoin(base, href) if base else href)
            if full:
                return full
    if base:
        return base
    for value in (ld.get("url"), ld.get("mainEntityOfPage")):
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and safe_url(value):
            return safe_url(value)
    return None


def _absolute(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _fetched_from(path: Path) -> dict[str, Any]:
    """What `kb add` recorded about this file (its URL), if it saved it."""
    manifest = path.parent / SOURCES_MANIFEST
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entry = entries.get(path.name) if isinstance(entries, dict) else None
    return entry if isinstance(entry, dict) else {}


def _title_element(tree) -> str | None:
    el = tree.find(".//title")
    if el is None:
        return None
    return _text(el.text_content())


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text or None




def _author_meta(value: str | None) -> str | None:
    """An author meta tag, unless it is a profile URL (article:author often is)."""
    if not value or _absolute(value):
        return None
    value = re.sub(r"^\s*by\s+", "", value, flags=re.IGNORECASE)
    return _text(value)


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and str(value).strip():
            return str(value).strip()
    return None
