"""Issue 14, finding 8 (smaller items): a named pipe or a /dev/zero link does not block a build,
corrections with impossible dates are refused, control characters in the feed's filters are not a
500, fts3_tokenizer is refused in the SQL editor, /-/databases.json hides the absolute path, `kb add`
keeps no user name or password given in a URL."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kb.build import EXAMPLES, build_paths
from kb.corrections import CorrectionsError, load_corrections
from kb.datasette_app import make_datasette

ROOT = Path(__file__).resolve().parent.parent
KB = [sys.executable, "-c", "from kb.cli import cli; cli()"]


# ------------------------------------------------------------------ special files
def _limit_memory() -> None:  # should /dev/zero be read after all: fail fast, not fill the machine
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_or_a_dev_zero_link_does_not_block_a_build(tmp_path):
    pipe, zero, good = tmp_path / "pipe.md", tmp_path / "zero.md", tmp_path / "good.md"
    os.mkfifo(pipe)
    zero.symlink_to("/dev/zero")
    good.write_text("---\nid: good\npublished: 2024-03-04\n---\n\nNorvane Motors Inc plans to enter India in "
                    "2030, the company said on Monday.\n", encoding="utf-8")
    try:
        run = subprocess.run([*KB, "build", str(pipe), str(zero), str(good), "--db", str(tmp_path / "kb.db"),
                              "--workers", "1"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                             preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail("kb build blocked on a named pipe or /dev/zero")
    assert run.returncode == 1
    assert f"error: {pipe}: not a regular file (a named pipe); only files are read" in run.stderr
    assert f"error: {zero}: not a regular file (a character device); only files are read" in run.stderr
    assert "1 new" in run.stdout and "2 failed" in run.stdout


def test_a_file_growing_past_the_limit_is_refused_not_half_read(tmp_path, monkeypatch):
    from ingest import readers
    from ingest.records import ReadError

    path = tmp_path / "big.md"
    path.write_text("x" * 200, encoding="utf-8")
    monkeypatch.setattr(readers, "MAX_BYTES", 100)
    with pytest.raises(ReadError, match="larger than the"):
        readers.read_capped(path)


# ------------------------------------------------------------------ corrections' dates
@pytest.mark.parametrize("field, written", [
    ("said_on", "'2024-02-30'"), ("said_on", "2024-02-30"), ("said_on", "next blursday"),
    ("target", "'2027-13'"), ("target", "soonish"),
])
def test_corrections_with_impossible_dates_are_refused(tmp_path, field, written):
    path = tmp_path / "corrections.yaml"
    path.write_text("- document: doc-1\n  statement: {company: Acme, market: IN, stance: plans}\n"
                    f"  fix: {{{field}: {written}}}\n", encoding="utf-8")
    with pytest.raises(CorrectionsError) as raised:
        load_corrections(path)
    message = str(raised.value)
    assert message.startswith(f"{path}, line 1: {field}: ") and "is not a valid date" in message
    assert written.strip("'") in message


def test_corrections_with_real_dates_still_load(tmp_path):
    path = tmp_path / "corrections.yaml"
    path.write_text("- document: doc-1\n  add: {company: Acme, market: IN, stance: plans, quote: q, "
                    "said_on: 2024-02-29, target: 2026-Q3}\n"
                    "- document: doc-1\n  statement: {company: Acme, market: IN, stance: plans, said_on: '2024-02'}\n"
                    "  fix: {target: FUTURE_REF}\n", encoding="utf-8")
    items = load_corrections(path).items
    assert items[0].values["said_on"] == "2024-02-29" and items[0].values["target"] == "2026-Q3"
    assert items[1].values["target"] == "FUTURE_REF"


def test_a_statement_key_with_an_impossible_date_is_refused(tmp_path):
    path = tmp_path / "corrections.yaml"
    path.write_text("- document: doc-1\n  statement: {company: Acme, market: IN, stance: plans, said_on: '2023-02-29'}\n"
                    "  reject: true\n", encoding="utf-8")
    with pytest.raises(CorrectionsError, match="said_on: '2023-02-29' is not a valid date"):
        load_corrections(path)


# ------------------------------------------------------------------ serving
@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("served") / "kb.db"
    build_paths([EXAMPLES], db_path, workers=1)
    return make_datasette(db_path)


def get(ds, path: str):
    return asyncio.run(ds.client.get(path))


@pytest.mark.parametrize("query", ["company=%00", "market=%00", "company=Tesla%01&market=%0b", "company=%1f%7f"])
def test_the_feed_with_control_characters_in_its_filters_is_a_feed(ds, query):
    response = get(ds, f"/kb/atom_statements.atom?{query}")
    assert response.status_code == 200, response.text[:500]
    feed = ET.fromstring(response.content)
    title = feed.find("{http://www.w3.org/2005/Atom}title").text
    assert "\x00" not in title and "\x01" not in title


def test_fts3_tokenizer_is_refused_in_the_sql_editor(ds):
    for sql in ["select fts3_tokenizer('simple')", "select hex(FTS3_TOKENIZER('porter'))",
                "select * from (select fts3_tokenizer('simple') as p)"]:
        response = get(ds, f"/kb.json?sql={sql}&_shape=array")
        assert response.status_code == 400, response.text[:300]
        assert "not authorized" in response.text
    ok = get(ds, "/kb.json?sql=select count(*) as n from statements_fts where statements_fts match 'India'"
                 "&_shape=array")
    assert ok.status_code == 200 and ok.json()[0]["n"] > 0  # full-text search itself still works
    assert get(ds, "/kb/statements.json?_search=India&_shape=array").status_code == 200


def test_databases_json_names_the_file_not_its_absolute_path(ds):
    db_path = Path(ds.databases["kb"].path)
    response = get(ds, "/-/databases.json")
    assert response.status_code == 200
    assert [d["path"] for d in response.json()] == ["kb.db"]
    assert str(db_path.parent) not in response.text
    page = get(ds, "/-/databases")
    assert page.status_code == 200 and str(db_path.parent) not in page.text


# ------------------------------------------------------------------ credentials in a URL
class _Page(__import__("http.server").server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = ("<html><head><title>Orla Bikes heads to Malta</title></head><body><article>"
                "<p>Orla Bikes plans to open its first store in Malta next spring, founder Lia Borg said on "
                "Monday.</p><p>The shop will sell cargo bikes built in Porto.</p></article></body></html>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_kb_add_keeps_no_credentials_of_a_url(tmp_path, monkeypatch):
    """`kb add http://user:pass@host/...` stored and served the user name and password."""
    import sqlite3
    import threading
    from http.server import ThreadingHTTPServer

    from click.testing import CliRunner

    from kb.cli import cli

    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://orla:hunter2secret@127.0.0.1:{httpd.server_port}/news/orla-malta"
        db = tmp_path / "kb.db"
        result = CliRunner().invoke(cli, ["add", url, "--db", str(db)])
        assert result.exit_code == 0, result.output
    finally:
        httpd.shutdown()
    conn = sqlite3.connect(db)
    stored = "\n".join(str(v) for row in conn.execute("select * from documents") for v in row)
    assert conn.execute("select url from documents").fetchone()[0] == \
        f"http://127.0.0.1:{httpd.server_port}/news/orla-malta"
    conn.close()
    assert "hunter2secret" not in stored and "orla:" not in stored
    for path in (tmp_path / "sources").rglob("*"):
        assert "hunter2secret" not in path.name
        if path.is_file():
            assert b"hunter2secret" not in path.read_bytes(), path
    exported = CliRunner().invoke(cli, ["export", "--db", str(db)])
    assert exported.exit_code == 0 and "hunter2secret" not in exported.output
    page = asyncio.run(make_datasette(db).client.get("/kb/documents.json?_shape=array")).text
    assert "hunter2secret" not in page
