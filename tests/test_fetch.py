"""`kb add`: fetching URLs from a local HTTP server (127.0.0.1 only, never the internet)."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.fetch import USER_AGENT, FetchError, fetch, fetch_all, source_filename

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
NEWS = (FIXTURES / "news_article.html").read_bytes()
PRESS = (FIXTURES / "press_release.htm").read_bytes()
RSS = (FIXTURES / "harbour_ledger.rss").read_bytes()
NAV_ONLY = (FIXTURES / "nav_only.html").read_bytes()


class Handler(BaseHTTPRequestHandler):
    seen_agents: list[str] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def send(self, status, body=b"", content_type="text/html; charset=utf-8", headers=()):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in headers:
            self.send_header(k, v)
        if not any(k.lower() == "content-length" for k, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/news/norvik-europe.html":
            self.send(200, NEWS)
        elif path == "/sitemap":
            self.send(200, NAV_ONLY)
        elif path == "/press":
            self.send(200, PRESS)
        elif path == "/feed.rss":
            self.send(200, RSS, "application/rss+xml")
        elif path == "/untyped":
            self.send(200, NEWS, content_type=None)
        elif path == "/missing":
            self.send(404, b"<h1>Not found</h1>")
        elif path == "/slow":
            time.sleep(1.5)
            self.send(200, NEWS)
        elif path == "/report.pdf":
            self.send(200, b"%PDF-1.7\n" + b"0" * 100, "application/pdf")
        elif path == "/image":
            self.send(200, b"\x89PNG\r\n", "image/png")
        elif path == "/big-declared":
            self.send(200, b"x" * 100, headers=[("Content-Length", str(50 * 2**20))])
        elif path == "/big-streamed":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no Content-Length: the body ends when the connection closes
            try:
                for _ in range(64):
                    self.wfile.write(b"<p>" + b"a" * 4093)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
        elif path == "/moved":
            self.send(301, b"", headers=[("Location", "/news/norvik-europe.html")])
        elif path == "/loop-a":
            self.send(302, b"", headers=[("Location", "/loop-b")])
        elif path == "/loop-b":
            self.send(302, b"", headers=[("Location", "/loop-a")])
        elif path == "/to-ftp":
            self.send(302, b"", headers=[("Location", "ftp://127.0.0.1/file.html")])
        elif path == "/empty":
            self.send(200, b"")
        else:
            self.send(404, b"no such fixture")


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_fetch_saves_page_under_stable_name(server, tmp_path):
    url = f"{server}/news/norvik-europe.html"
    got = fetch(url, tmp_path)
    assert got.path.parent == tmp_path
    assert got.path.suffix == ".html"
    assert got.path.name.startswith("127.0.0.1-")
    assert "news-norvik-europe" in got.path.name
    assert got.path.read_bytes() == NEWS
    assert got.content_type == "text/html"
    again = fetch(url, tmp_path)
    assert again.path == got.path  # same URL, same file, overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([got.path.name, ".kb-sources.json"])
    manifest = json.loads((tmp_path / ".kb-sources.json").read_text())
    assert manifest[got.path.name]["url"] == url
    assert manifest[got.path.name]["sha256"] == got.sha256
    assert Handler.seen_agents[-1] == USER_AGENT and "market-entry-kb" in USER_AGENT


def test_source_filename_is_stable_and_distinct():
    a = source_filename("https://Example.com/a/story/?utm_source=x#top", ".html")
    assert a == source_filename("https://example.com/a/story", ".html")
    assert a != source_filename("https://example.com/b/story", ".html")
    assert "/" not in source_filename("https://example.com/" + "x/" * 100, ".html")


def test_feed_content_type_picks_feed_suffix(server, tmp_path):
    assert fetch(f"{server}/feed.rss", tmp_path).path.suffix == ".rss"


def test_missing_content_type_is_sniffed(server, tmp_path):
    assert fetch(f"{server}/untyped", tmp_path).path.suffix == ".html"


def test_redirect_followed_and_final_url_kept(server, tmp_path):
    got = fetch(f"{server}/moved", tmp_path)
    assert got.final_url == f"{server}/news/norvik-europe.html"
    assert got.path.read_bytes() == NEWS


@pytest.mark.parametrize("path, reason", [
    ("/missing", r"HTTP 404 Not Found"),
    ("/report.pdf", r"is a PDF \(application/pdf\)"),
    ("/image", r"unsupported content type 'image/png'"),
    ("/big-declared", r"too large: 50\.0 MB, the limit is 64 KB"),
    ("/big-streamed", r"too large: more than the 64 KB limit"),
    ("/loop-a", r"too many redirects \(more than 5"),
    ("/to-ftp", r"unsupported URL scheme"),
    ("/empty", r"empty page"),
])
def test_fetch_errors_name_the_reason(server, tmp_path, path, reason):
    with pytest.raises(FetchError, match=reason) as info:
        fetch(server + path, tmp_path, max_bytes=64 * 1024)
    assert info.value.url == server + path
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")], "nothing saved"


def test_timeout(server, tmp_path):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0\.3 s"):
        fetch(f"{server}/slow", tmp_path, timeout=0.3)
    assert time.monotonic() - started < 1.4


@pytest.mark.parametrize("url, reason", [
    ("ftp://127.0.0.1/file.html", r"unsupported URL scheme \(ftp:\)"),
    ("file:///etc/passwd", r"unsupported URL scheme \(file:\)"),
    ("127.0.0.1/page", r"unsupported URL scheme \(no scheme\)"),
    ("http:///nohost", r"no host name"),
])
def test_bad_schemes_refused_without_network(tmp_path, url, reason):
    with pytest.raises(FetchError, match=reason):
        fetch(url, tmp_path)


def test_failed_refetch_keeps_earlier_copy(server, tmp_path):
    good = fetch(f"{server}/news/norvik-europe.html", tmp_path)
    with pytest.raises(FetchError):
        fetch(f"{server}/news/norvik-europe.html", tmp_path, max_bytes=100)
    assert good.path.read_bytes() == NEWS


def test_fetch_all_goes_on_after_failures(server, tmp_path):
    results = fetch_all([f"{server}/missing", "gopher://x", f"{server}/press"], tmp_path, timeout=5)
    assert [(url.rsplit("/", 1)[-1], error is None) for url, _, error in results] == [
        ("missing", False), ("x", False), ("press", True)]
    assert results[2][1].path.exists()


def _cli():
    from kb.cli import cli
    return cli


def test_add_command_reports_each_failure_and_exits_nonzero(server, tmp_path):
    result = CliRunner().invoke(_cli(), [
        "add", f"{server}/missing", f"{server}/report.pdf", "ftp://127.0.0.1/x",
        "--db", str(tmp_path / "kb.db"), "--fetch-only",
    ])
    assert result.exit_code == 1
    assert f"error: {server}/missing: HTTP 404 Not Found" in result.output
    assert f"error: {server}/report.pdf: is a PDF" in result.output
    assert "error: ftp://127.0.0.1/x: unsupported URL scheme (ftp:)" in result.output
    assert "URLs: 0 fetched, 3 failed" in result.output


def test_add_end_to_end(server, tmp_path):
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(_cli(), [
        "add", f"{server}/news/norvik-europe.html", f"{server}/press", f"{server}/missing", "--db", str(db),
    ])
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # no crash, just a failed URL
    assert result.exit_code == 1, result.output  # the 404 makes the run fail, the others are stored
    assert f"error: {server}/missing: HTTP 404" in result.output
    saved = sorted(p.name for p in (tmp_path / "sources").iterdir() if not p.name.startswith("."))
    assert len(saved) == 2
    conn = sqlite3.connect(db)
    rows = dict(conn.execute("select title, url from documents").fetchall())
    assert rows["Norvik Motors to enter Europe in 2027"] == \
        "https://www.harbourledger.example/business/2026/03/norvik-motors-europe-2027/"
    assert rows["Kestrel Foods opens first stores in Vietnam"] == f"{server}/press"  # from the fetch manifest
    # adding the same URL again overwrites the same file and stores nothing new
    again = CliRunner().invoke(_cli(), ["add", f"{server}/press", "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in (tmp_path / "sources").iterdir() if not p.name.startswith(".")) == saved
    assert conn.execute("select count(*) from documents").fetchone()[0] == 2


def test_add_names_the_url_when_a_saved_page_cannot_be_read(server, tmp_path):
    result = CliRunner().invoke(_cli(), ["add", f"{server}/sitemap", "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 1
    assert f"error: {server}/sitemap (saved as " in result.output
    assert "no article text found in the page" in result.output


def test_add_reports_warnings_and_failed_corrections_as_build_does(server, tmp_path):
    """kb add ingests as kb build does, and says what kb build says: a correction naming an
    unknown document is a warning, an added statement whose quote is not in the page an
    error (exit status 1), both under the page's URL."""
    db = tmp_path / "kb.db"
    (tmp_path / "corrections.yaml").write_text(f"""
- url: https://example.com/an-article-never-fetched
  statement: {{company: Nobody Ltd, market: DE, stance: plans}}
  reject: true
- url: {server}/press
  add: {{company: Kestrel Foods, market: SE, stance: plans, quote: "A sentence the page never had."}}
""", encoding="utf-8")
    result = CliRunner().invoke(_cli(), ["add", f"{server}/press", "--db", str(db)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("warning: ") and "unknown url 'https://example.com/an-article-never-fetched'" in line
               for line in lines), result.output
    assert any(line.startswith(f"error: {server}/press (saved as ") and "quote not found" in line
               for line in lines), result.output
    assert "documents: 1 new, 0 changed, 0 unchanged, 0 failed" in result.output
    assert f"corrections: 2 in {tmp_path / 'corrections.yaml'}, 1 failed" in result.output
