"""Fetch URLs into a local sources folder, politely and safely, for `kb add`.

Each URL is saved under a file name derived from the URL itself (so adding
the same URL again overwrites the same file), with a suffix chosen from the
response's content type so the right reader picks it up. A failed fetch
never leaves a partial file behind nor clobbers an earlier good copy.

A manifest `.kb-sources.json` in the folder records, per file, the URL asked
for, the URL finally served (after redirects), the content type, the time of
the fetch and the sha256 of the bytes. The HTML reader uses it as the page's
URL when the page names no canonical URL itself. (Files and folders whose
names start with a dot are skipped by `kb build`.)
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from ingest.fingerprint import canonical_url
from ingest.readers.html import SOURCES_MANIFEST

if TYPE_CHECKING:  # imported where used: a broken httpx fails `kb add` alone, not every kb command
    import httpx

try:
    from importlib.metadata import version as _version

    _VERSION = _version("market-entry-kb")
except Exception:  # not installed (running from a checkout)
    _VERSION = "0.1"

USER_AGENT = (f"market-entry-kb/{_VERSION} (market-entry knowledge base; `kb add` fetching a page "
              "a user asked for; python-httpx)")
DEFAULT_TIMEOUT = 20.0  # seconds, for connecting and between bytes read
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5
TOTAL_TIME_FACTOR = 3  # a whole download may take this many timeouts (a server trickling bytes)
ACCEPT = ("text/html,application/xhtml+xml;q=0.9,application/rss+xml;q=0.9,application/atom+xml;q=0.9,"
          "application/xml;q=0.8,text/xml;q=0.8,application/json;q=0.8,text/plain;q=0.5")

# Content type -> file suffix (the reader that will read it).
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/rss+xml": ".rss",
    "application/rdf+xml": ".rss",
    "application/atom+xml": ".atom",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "application/feed+json": ".json",
    "application/json": ".json",
    "application/ld+json": ".json",
    "application/x-ndjson": ".jsonl",
    "application/jsonl": ".jsonl",
    "application/x-jsonlines": ".jsonl",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
}
REFUSED_TYPES = {
    "application/pdf": "a PDF",
    "application/x-pdf": "a PDF",
    "application/msword": "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word document",
    "application/zip": "a ZIP archive",
}
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream", "application/unknown")


class FetchError(Exception):
    """A URL that could not be fetched; the message is the reason, `url` the URL."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason


class MissingPackage(RuntimeError):
    """httpx cannot be imported; the message names it and how to install it."""


def _httpx():
    try:
        import httpx
    except ImportError as e:
        raise MissingPackage(
            f"`kb add` needs the Python package 'httpx', which cannot be imported ({e}); "
            "install it with `pip install 'httpx>=0.27,<1'` (or reinstall market-entry-kb)") from e
    return httpx


@dataclass
class Fetched:
    url: str  # as asked for
    final_url: str  # after redirects
    path: Path
    content_type: str
    size: int
    sha256: str


def source_filename(url: str, suffix: str) -> str:
    """A stable, readable file name for a URL: host, the last path parts, a short hash."""
    parts = urlsplit(url)
    host = (parts.hostname or "page").lower()
    if parts.port:
        host += f"_{parts.port}"
    path = unquote(parts.path).strip("/")
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
    slug = re.sub(r"-(html?|php|aspx?|xml|rss|atom|json)$", "", slug)
    if len(slug) > 60:
        slug = slug[-60:].lstrip("-")
    digest = hashlib.sha1((canonical_url(url) or url).encode("utf-8")).hexdigest()[:10]
    stem = "_".join(p for p in (re.sub(r"[^a-z0-9.-]+", "-", host), slug, digest) if p)
    return stem + suffix


def check_url(url: str) -> None:
    """Refuse anything but absolute http(s) URLs."""
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise FetchError(url, f"not a valid URL: {e}") from e
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"{parts.scheme}:" if parts.scheme else "no scheme"
        raise FetchError(url, f"unsupported URL scheme ({scheme}); only http:// and https:// URLs can be added")
    if not parts.hostname:
        raise FetchError(url, "not a valid URL: no host name")


def make_client(timeout: float = DEFAULT_TIMEOUT, max_redirects: int = DEFAULT_MAX_REDIRECTS) -> httpx.Client:
    httpx = _httpx()
    return httpx.Client(
        follow_redirects=True,
        max_redirects=max_redirects,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
    )


def fetch(
    url: str,
    sources: str | Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    client: httpx.Client | None = None,
) -> Fetched:
    """Download one URL into `sources`; raise FetchError with a reason a user can act on."""
    check_url(url)
    httpx = _httpx()
    own = client is None
    client = client or make_client(timeout, max_redirects)
    try:
        return _fetch(client, url, Path(sources), timeout, max_bytes, max_redirects)
    except FetchError:
        raise
    except httpx.TimeoutException as e:
        raise FetchError(url, f"timed out after {timeout:g} s ({_timeout_kind(e)})") from e
    except httpx.TooManyRedirects as e:
        raise FetchError(url, f"too many redirects (more than {max_redirects}; a redirect loop?)") from e
    except httpx.UnsupportedProtocol as e:
        raise FetchError(url, f"redirected to an unsupported URL scheme ({e}); only http and https are followed") from e
    except httpx.ConnectError as e:
        raise FetchError(url, f"cannot connect: {e}") from e
    except httpx.HTTPError as e:
        raise FetchError(url, f"download failed: {type(e).__name__}: {e}") from e
    except OSError as e:
        raise FetchError(url, f"cannot save the page: {e}") from e
    finally:
        if own:
            client.close()


def _fetch(client: httpx.Client, url: str, sources: Path, timeout: float, max_bytes: int,
           max_redirects: int) -> Fetched:
    with client.stream("GET", url) as response:
        if response.status_code >= 400:
            raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
        if response.status_code >= 300:  # a redirect httpx did not follow (no Location)
            raise FetchError(url, f"HTTP {response.status_code} redirect without a usable Location header")
        final_url = str(response.url)
        check_final = urlsplit(final_url).scheme.lower()
        if check_final not in ("http", "https"):
            raise FetchError(url, f"redirected to an unsupported URL scheme ({check_final}:)")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(url, f"too large: {_size(int(declared))}, the limit is {_size(max_bytes)}")
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        suffix = _suffix_for(url, content_type) if content_type not in GENERIC_TYPES else None
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + TOTAL_TIME_FACTOR * timeout
        for chunk in response.iter_bytes():
            if time.monotonic() > deadline:
                raise FetchError(url, f"timed out: the download took longer than {TOTAL_TIME_FACTOR * timeout:g} s")
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(url, f"too large: more than the {_size(max_bytes)} limit")
            chunks.append(chunk)
            if suffix is None and size >= 1024:
                suffix = _sniff(url, b"".join(chunks))
    data = b"".join(chunks)
    if suffix is None:
        suffix = _sniff(url, data)
    if not data.strip():
        raise FetchError(url, "the server sent an empty page")
    sources.mkdir(parents=True, exist_ok=True)
    name = source_filename(url, suffix)
    path = sources / name
    _write_atomic(path, data)
    for other in sources.glob(Path(name).stem + ".*"):  # same URL saved earlier under another type
        if other != path and other.suffix in set(CONTENT_TYPES.values()):
            other.unlink(missing_ok=True)
    digest = hashlib.sha256(data).hexdigest()
    _record(sources, name, {  # never a user name or password given in the URL: the manifest is read into the database
        "url": _without_credentials(url),
        "final_url": _without_credentials(final_url),
        "content_type": content_type or None,
        "fetched_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "sha256": digest,
        "bytes": len(data),
    })
    return Fetched(url=url, final_url=final_url, path=path, content_type=content_type, size=len(data), sha256=digest)


def fetch_all(urls: Iterable[str], sources: str | Path, **options) -> list[tuple[str, Fetched | None, str | None]]:
    """Fetch every URL with one client; one failure never stops the others.

    Returns (url, fetched or None, error reason or None) per URL, in order.
    """
    timeout = options.get("timeout", DEFAULT_TIMEOUT)
    max_redirects = options.get("max_redirects", DEFAULT_MAX_REDIRECTS)
    results = []
    with make_client(timeout, max_redirects) as client:
        for url in urls:
            try:
                results.append((url, fetch(url, sources, client=client, **options), None))
            except FetchError as e:
                results.append((url, None, e.reason))
    return results


def _suffix_for(url: str, content_type: str) -> str:
    if content_type in REFUSED_TYPES:
        raise FetchError(url, f"is {REFUSED_TYPES[content_type]} ({content_type}), which kb cannot read; "
                              "save its text as a Markdown or text file instead")
    suffix = CONTENT_TYPES.get(content_type)
    if suffix is None:
        if content_type.endswith("+xml"):
            return ".xml"
        if content_type.endswith("+json"):
            return ".json"
        raise FetchError(url, f"unsupported content type {content_type!r}; kb reads HTML pages, "
                              "RSS/Atom feeds, JSON and plain text")
    return suffix


def _sniff(url: str, head: bytes) -> str:
    """A suffix for a response that did not say what it is, from its first bytes."""
    start = head.lstrip()[:1024].lower()
    if start.startswith(b"%pdf-"):
        raise FetchError(url, "is a PDF (by its content), which kb cannot read; "
                              "save its text as a Markdown or text file instead")
    if start.startswith((b"<!doctype html", b"<html")) or b"<body" in start or b"<head" in start:
        return ".html"
    if b"<rss" in start or b"<rdf:rdf" in start:
        return ".rss"
    if b"<feed" in start:
        return ".atom"
    if start.startswith(b"<?xml"):
        return ".xml"
    if start.startswith((b"{", b"[")):
        return ".json"
    if b"\x00" in start:
        raise FetchError(url, "is binary content without a content type, not a page kb can read")
    return ".txt"


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _without_credentials(url: str) -> str:
    """The URL without the user name and password it may carry (http://user:pass@host/)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _record(sources: Path, name: str, entry: dict) -> None:
    manifest = sources / SOURCES_MANIFEST
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8"))
        if not isinstance(entries, dict):
            entries = {}
    except (OSError, ValueError):
        entries = {}
    entries[name] = entry
    _write_atomic(manifest, (json.dumps(entries, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8"))


def _timeout_kind(e: httpx.TimeoutException) -> str:
    import httpx

    return {
        httpx.ConnectTimeout: "connecting",
        httpx.ReadTimeout: "waiting for data",
        httpx.WriteTimeout: "sending the request",
        httpx.PoolTimeout: "waiting for a connection",
    }.get(type(e), "no response")


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} bytes"
