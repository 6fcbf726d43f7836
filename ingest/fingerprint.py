"""Fingerprints for duplicate detection: the same article saved twice (as HTML and via its feed).

Pure functions, no database: the storage layer compares `canonical_url(doc.url)`
and `normalized_text_hash(doc.text)` across documents.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track where a click came from; they never select content.
TRACKING_PARAMS = frozenset(
    "fbclid gclid dclid gbraid wbraid msclkid yclid igshid mc_cid mc_eid _ga _gl mkt_tok "
    "cmpid ocid sr_share".split()
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalized_text_hash(text: str | None) -> str:
    """sha256 of the text case-folded, with punctuation and whitespace runs collapsed to one space.

    Two copies of an article that differ only in line breaks, quote styles,
    dashes, capitalisation or Unicode composition hash the same.
    """
    norm = unicodedata.normalize("NFKC", text or "").casefold()
    norm = _NON_WORD.sub(" ", norm).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def canonical_url(url: str | None) -> str | None:
    """A comparable form of a URL, or None for an empty one.

    Lowercases scheme and host, drops the default port, user info, the
    fragment, `utm_*` and other click-tracking parameters and a trailing slash;
    the remaining query parameters are sorted. Anything that is not an absolute
    URL with a host comes back stripped but otherwise unchanged.
    """
    if url is None:
        return None
    url = url.strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not parts.hostname:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))
