"""A broken or missing format library fails only the files (or the command) that need it.

trafilatura (HTML), feedparser (feeds) and httpx (`kb add`) are imported where they are used,
so `kb --help`, `kb build` on Markdown and `kb serve` keep working without them, and the files
that need one are reported with the package named and how to install it.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kb.build import build_paths

from .conftest import write_article

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
HIDDEN = ("trafilatura", "feedparser", "httpx")


def run_kb(args: list[str], cwd: Path, hidden=HIDDEN) -> subprocess.CompletedProcess:
    """`kb ARGS` in a fresh interpreter where the `hidden` packages cannot be imported."""
    prelude = "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in hidden)
    code = prelude + "from kb.cli import cli\ncli(prog_name='kb')\n"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    write_article(folder, "acme.md", "Acme Motors said on Monday that it plans to enter the Brazilian market in 2028.",
                  id="acme-brazil", published="2026-03-02")
    (folder / "page.html").write_bytes((FIXTURES / "news_article.html").read_bytes())
    (folder / "feed.rss").write_bytes((FIXTURES / "harbour_ledger.rss").read_bytes())
    return folder


def test_cli_starts_without_the_format_libraries(tmp_path):
    result = run_kb(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage: kb" in result.stdout
    for command in ("build", "serve", "extract", "export", "add"):
        result = run_kb([command, "--help"], tmp_path)
        assert result.returncode == 0, (command, result.stderr)


def test_serving_needs_neither_trafilatura_nor_feedparser(tmp_path):
    """httpx stays importable here: Datasette itself needs it."""
    code = ("import sys\nsys.modules['trafilatura'] = sys.modules['feedparser'] = None\n"
            "from kb.cli import serve\nfrom kb.build import build_paths\n"
            "from kb.datasette_app import make_datasette, serve_args\nfrom datasette import cli\n"
            "serve_args('kb.db')\nmake_datasette('kb.db')\nprint('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_build_reports_the_files_whose_library_is_missing_and_goes_on(tmp_path):
    folder = mixed_folder(tmp_path)
    result = run_kb(["build", str(folder), "--db", "kb.db", "--workers", "1"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    html_error = next(line for line in result.stderr.splitlines() if "page.html" in line)
    assert "'trafilatura'" in html_error and "pip install" in html_error
    feed_error = next(line for line in result.stderr.splitlines() if "feed.rss" in line)
    assert "'feedparser'" in feed_error and "pip install" in feed_error
    assert "acme.md" not in result.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "kb.db") as conn:
        assert conn.execute("select id from documents").fetchall() == [("acme-brazil",)]
        assert conn.execute("select count(*) from statements").fetchone()[0] >= 1


def test_kb_add_names_httpx_when_it_is_missing(tmp_path):
    result = run_kb(["add", "https://example.org/news", "--db", "kb.db"], tmp_path)
    assert result.returncode == 1
    assert "'httpx'" in result.stderr and "pip install" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("module", ["trafilatura", "trafilatura.utils"])
def test_html_reader_raises_read_error_in_process(tmp_path, monkeypatch, module):
    monkeypatch.setitem(sys.modules, module, None)
    folder = mixed_folder(tmp_path)
    (folder / "feed.rss").unlink()
    report = build_paths([folder], tmp_path / "kb.db", workers=1)
    assert report.failed == 1
    [(path, error)] = report.errors
    assert path.endswith("page.html") and "trafilatura" in error and "pip install" in error
