"""Fingerprints for duplicate detection: the same article saved twice (as HTML and via its feed).

Pure functions, no database: the storage layer compares `canonical_url(doc.url)`
and `normalized_text_hash(doc.text)` across documents.
"""
from __future__ import annotations

import hashlib
import html
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


# What a browser ignores around a URL (C0 controls, space, and Unicode spaces that editors paste),
# and what it drops inside one (tab, CR, LF) before it reads the scheme.
_URL_EDGE = "".join(chr(c) for c in range(0x21)) + "\x7f\u0085\u00a0\u1680\u2000\u2001\u2002\u2003" \
    "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u3000\ufeff"
_URL_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200d\u2028\u2029\ufeff]")
_URL_SPACES = re.compile(r"\s+")
_WEB_URL = re.compile(r"(?i)(https?)://([^/?#\\\s]+)")
MAX_URL_LENGTH = 8192


def safe_url(value: object) -> str | None:
    """`value` as an http(s) URL fit to store and to put in a link, or None.

    The one check every reader and every page uses: HTML entities are decoded
    (repeatedly: `&amp;#106;` too), control characters are removed and
    whitespace is stripped around and collapsed inside, the scheme is
    lowercased, and user info (`user:pass@`) is dropped. What is left must
    start with `http://` or `https://` and a host; anything else
    (`javascript:`, `data:`, `vbscript:`, `//host`, a relative path,
    obfuscated spellings of those) gives None, so it is never stored as a
    document's URL nor rendered as a link.
    """
    if value is None or isinstance(value, (bool, dict, list, tuple)):
        return None
    url = str(value)
    if len(url) > MAX_URL_LENGTH:
        return None
    for _ in range(4):  # entity-encoded entities
        decoded = html.unescape(url)
        if decoded == url:
            break
        url = decoded
    else:
        return None
    url = _URL_CONTROLS.sub("", url).strip(_URL_EDGE)
    url = _URL_SPACES.sub(" ", url)
    m = _WEB_URL.match(url)
    if m is None:
        return None
    scheme, authority = m.group(1).lower(), m.group(2)
    host = authority.rpartition("@")[2]
    if not host or host.startswith(":"):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return f"{scheme}://{host}{url[m.end():]}"
