"""Duplicate-detection fingerprints: canonical URLs and normalized text hashes."""
from ingest.fingerprint import canonical_url, normalized_text_hash


def test_canonical_url_lowercases_scheme_and_host_but_not_path():
    assert canonical_url("HTTPS://WWW.Example.COM/News/Story") == "https://www.example.com/News/Story"


def test_canonical_url_drops_fragment_tracking_and_trailing_slash():
    a = "https://example.com/a/story/?utm_source=rss&utm_medium=feed#comments"
    b = "https://example.com/a/story?fbclid=XYZ"
    assert canonical_url(a) == canonical_url(b) == "https://example.com/a/story"


def test_canonical_url_keeps_and_sorts_meaningful_query():
    assert canonical_url("https://example.com/view?p=2&id=7&utm_campaign=x") == "https://example.com/view?id=7&p=2"


def test_canonical_url_drops_default_port_keeps_others():
    assert canonical_url("http://example.com:80/x") == "http://example.com/x"
    assert canonical_url("https://example.com:443/x") == "https://example.com/x"
    assert canonical_url("http://127.0.0.1:8000/x/") == "http://127.0.0.1:8000/x"


def test_canonical_url_root_and_empty():
    assert canonical_url("https://example.com/") == canonical_url("https://example.com") == "https://example.com"
    assert canonical_url("") is None
    assert canonical_url(None) is None
    assert canonical_url("  not a url ") == "not a url"


def test_normalized_text_hash_ignores_case_spacing_and_punctuation():
    a = "“We will open our first showrooms,” Dahl said.\n\nThe END."
    b = '"we will open our first   showrooms" dahl said -- the end'
    assert normalized_text_hash(a) == normalized_text_hash(b)


def test_normalized_text_hash_differs_for_different_words():
    assert normalized_text_hash("Norvik will enter Europe") != normalized_text_hash("Norvik will not enter Europe")


def test_normalized_text_hash_unicode_composition():
    assert normalized_text_hash("Café") == normalized_text_hash("Cafe\u0301")
    assert len(normalized_text_hash("")) == 64


from hypothesis import given, strategies as st  # noqa: E402

_segment = st.text(alphabet="abcXYZ019-_.~", min_size=0, max_size=8)


@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "Https"]),
    host=st.sampled_from(["Example.COM", "www.example.com", "127.0.0.1:8000", "news.example.org:443"]),
    path=st.lists(_segment, max_size=4).map("/".join),
    params=st.lists(st.tuples(st.sampled_from(["id", "p", "utm_source", "fbclid", "q"]), _segment), max_size=4),
    slash=st.booleans(),
    fragment=st.sampled_from(["", "#top", "#comments"]),
)
def test_canonical_url_is_idempotent_and_ignores_noise(scheme, host, path, params, slash, fragment):
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"{scheme}://{host}/{path}{'/' if slash else ''}{'?' + query if query else ''}{fragment}"
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_" not in once and "fbclid" not in once
    assert not once.endswith("/")
