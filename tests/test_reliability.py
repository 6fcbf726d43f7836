"""Reliability: killed builds, serving while building, bad input, re-ingest and prune."""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.synthetic import write_corpus
from kb.build import build_paths
from kb.schema import open_db

ROOT = Path(__file__).resolve().parent.parent
KB = [sys.executable, "-c", "from kb.cli import cli; cli()"]
GOOD = "---\nid: good-{i}\ntitle: Good {i}\npublished: 2024-03-0{d}\n---\n\nNorvane Motors Inc plans to enter India in 203{i}, the company said on Monday.\n"


def kb_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*KB, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_whole(db_file: Path) -> int:
    """The database opens, passes integrity checks and holds only whole documents; returns #documents."""
    conn = sqlite3.connect(db_file)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    broken = conn.execute(
        "select d.id, d.statements, (select count(*) from statements s where s.document_id = d.id) "
        "from documents d where d.statements != (select count(*) from statements s where s.document_id = d.id) "
        "or d.events != (select count(*) from events e where e.document_id = d.id)").fetchall()
    assert broken == []
    orphans = conn.execute(
        "select count(*) from statements where document_id not in (select id from documents)").fetchone()[0]
    assert orphans == 0
    n = conn.execute("select count(*) from documents").fetchone()[0]
    conn.close()
    return n


def fts_consistent(db_file: Path) -> None:
    db = open_db(db_file)  # restores the full-text triggers (and index) if a build died without
    for table in ("statements", "documents"):
        db.conn.execute(f"insert into {table}_fts({table}_fts) values ('integrity-check')")
    db.close()


def good(folder: Path, n: int = 3) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"good-{i}.md").write_text(GOOD.format(i=i, d=i + 1), encoding="utf-8")


# ------------------------------------------------------------------ killed build
def test_killed_build_leaves_whole_documents_and_rerun_completes(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 400, per_dir=100)
    db_file = tmp_path / "kb.db"
    proc = kb_process("build", str(corpus), "--db", str(db_file), "--workers", "2", "-q")
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if db_file.exists():
            try:
                c = sqlite3.connect(db_file, timeout=0.1)
                stored = c.execute("select count(*) from documents").fetchone()[0]
                c.close()
            except sqlite3.OperationalError:
                continue
            if stored:
                break
    if proc.poll() is not None:
        pytest.skip("the build finished before it could be killed")
    os.kill(proc.pid, signal.SIGKILL)  # the main process, mid-run: workers die with their pipe
    proc.wait()
    time.sleep(0.2)
    partial = assert_whole(db_file)
    assert 0 < partial < 400
    fts_consistent(db_file)
    rerun = subprocess.run([*KB, "build", str(corpus), "--db", str(db_file), "-q"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert assert_whole(db_file) == 400
    fts_consistent(db_file)


# ------------------------------------------------------------------ serving while ingesting
def test_serving_while_ingesting_sees_only_whole_documents(tmp_path):
    from kb.datasette_app import make_datasette

    corpus = write_corpus(tmp_path / "corpus", 300, per_dir=100)
    db_file = tmp_path / "kb.db"
    open_db(db_file).close()
    ds = make_datasette(db_file)
    check = ("select count(*) as bad from documents d where d.statements != "
             "(select count(*) from statements s where s.document_id = d.id)")

    async def watch(proc) -> list[int]:
        seen = []
        while proc.poll() is None:
            r = await ds.client.get("/kb.json", params={"sql": check, "_shape": "array"})
            assert r.status_code == 200, r.text
            assert r.json() == [{"bad": 0}]
            page = await ds.client.get("/kb/statements.json?_shape=objects&_size=5")
            assert page.status_code == 200, page.text
            count = await ds.client.get("/kb.json", params={"sql": "select count(*) as n from documents",
                                                              "_shape": "array"})
            seen.append(count.json()[0]["n"])
            await asyncio.sleep(0.05)
        return seen

    proc = kb_process("build", str(corpus), "--db", str(db_file), "--workers", "2", "-q")
    seen = asyncio.run(watch(proc))
    assert proc.wait() == 0, proc.stderr.read().decode()
    assert seen == sorted(seen)  # documents only ever appear
    assert assert_whole(db_file) == 300


# ------------------------------------------------------------------ bad input
def _build_with(tmp_path: Path, name: str, data: bytes | str):
    folder = tmp_path / "in"
    good(folder)
    bad = folder / name
    if isinstance(data, str):
        bad.write_text(data, encoding="utf-8")
    else:
        bad.write_bytes(data)
    report = build_paths([folder], tmp_path / "kb.db", workers=1)
    assert assert_whole(tmp_path / "kb.db") >= 3  # the rest ingests
    return bad, report


def _assert_one_clear_error(bad: Path, report, *words: str) -> str:
    assert report.failed == 1 and report.new == 3, report.errors
    (path, error), = report.errors
    assert Path(path).name == bad.name
    for w in words:
        assert w.lower() in error.lower(), error
    return error


def test_not_utf8(tmp_path):
    bad, report = _build_with(tmp_path, "latin1.md", "Caf\xe9 Norvane plans to enter France.".encode("latin-1"))
    _assert_one_clear_error(bad, report, "UTF-8")


def test_utf16_with_bom_is_decoded(tmp_path):
    """Decision: UTF-16 with a byte-order mark is unambiguous, so it is read, not refused."""
    text = GOOD.format(i=99, d=9)
    bad, report = _build_with(tmp_path, "utf16.md", "\ufeff".encode("utf-16-le")[:0] + text.encode("utf-16"))
    assert report.failed == 0 and report.new == 4, report.errors
    conn = sqlite3.connect(tmp_path / "kb.db")
    assert conn.execute("select count(*) from statements where document_id = 'good-99'").fetchone()[0] == 1


def test_binary(tmp_path):
    bad, report = _build_with(tmp_path, "image.md", bytes(range(256)) * 40)
    _assert_one_clear_error(bad, report, "binary")


def test_empty(tmp_path):
    bad, report = _build_with(tmp_path, "empty.md", b"")
    _assert_one_clear_error(bad, report, "empty")


def test_50_mb_of_text_is_refused_without_reading_it(tmp_path):
    folder = tmp_path / "in"
    good(folder)
    bad = folder / "huge.txt"
    chunk = ("Norvane Motors plans to enter India in 2027. " * 1000 + "\n").encode()
    with bad.open("wb") as f:
        while f.tell() < 50 * 2**20:
            f.write(chunk)
    report = build_paths([folder], tmp_path / "kb.db", workers=1)
    _assert_one_clear_error(bad, report, "MB", "limit")


def test_line_of_a_million_characters_ingests_in_bounded_time(tmp_path):
    line = ("Shares rose in early trading as the market weighed the outlook for prices and demand. " * 12000)
    line = "Norvane Motors Inc plans to enter India in 2027, the company said on Monday. " + line
    folder = tmp_path / "in"
    good(folder)
    (folder / "long-line.md").write_text("---\nid: long\npublished: 2024-01-02\n---\n\n" + line[:1_000_000])
    try:
        done = subprocess.run([*KB, "build", str(folder), "--db", str(tmp_path / "kb.db"), "--workers", "1", "-q"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("a line of a million characters took over 60 s to ingest: extraction is no longer linear")
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(tmp_path / "kb.db")
    assert len(conn.execute("select text from documents where id = 'long'").fetchone()[0].strip()) == 1_000_000
    assert assert_whole(tmp_path / "kb.db") == 4


def test_malformed_front_matter(tmp_path):
    bad, report = _build_with(tmp_path, "front.md", "---\ntitle: [unclosed\npublished: 2024-01-01\n---\n\nText.\n")
    _assert_one_clear_error(bad, report, "front matter")


def test_unclosed_front_matter(tmp_path):
    bad, report = _build_with(tmp_path, "front2.md", "---\ntitle: x\n\nNorvane plans to enter India.\n")
    _assert_one_clear_error(bad, report, "front matter")


def test_nonsense_date(tmp_path):
    bad, report = _build_with(tmp_path, "date.md", "---\ntitle: x\npublished: next blursday\n---\n\nText here.\n")
    _assert_one_clear_error(bad, report, "published", "blursday")


def test_only_a_headline(tmp_path):
    bad, report = _build_with(tmp_path, "headline.md", "# Norvane Motors to enter India in 2027\n")
    assert report.failed == 0 and report.new == 4, report.errors


def test_only_front_matter_headline_is_a_clear_error(tmp_path):
    bad, report = _build_with(tmp_path, "title-only.md", "---\ntitle: Norvane Motors to enter India\n---\n")
    _assert_one_clear_error(bad, report, "no body")


def test_ten_thousand_files_one_broken(tmp_path):
    folder = tmp_path / "many"
    for i in range(10_000):
        sub = folder / f"{i // 1000:02d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        (sub / f"n{i}.md").write_text(f"---\nid: n{i}\n---\n\nShort note {i}.\n", encoding="utf-8")
    broken = folder / "05" / "n5123.md"
    broken.write_bytes(b"\xff\xfe\xfd not text \x00\x00")
    report = build_paths([folder], tmp_path / "kb.db", workers=2)
    assert report.failed == 1 and report.new == 9_999, report.errors[:3]
    assert Path(report.errors[0][0]).name == "n5123.md"
    assert assert_whole(tmp_path / "kb.db") == 9_999


# ------------------------------------------------------------------ re-ingest, change, prune
def test_reingest_change_and_prune(tmp_path):
    folder = tmp_path / "in"
    good(folder, 3)
    db_file = tmp_path / "kb.db"
    build_paths([folder], db_file, workers=1)
    conn = sqlite3.connect(db_file)
    before = conn.execute("select id, document_id, stance, market from statements order by id").fetchall()
    assert len(before) == 3

    again = build_paths([folder], db_file, workers=1)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert conn.execute("select id, document_id, stance, market from statements order by id").fetchall() == before

    (folder / "good-1.md").write_text(GOOD.format(i=1, d=2).replace("plans to enter India", "has no plans to enter Brazil"))
    changed = build_paths([folder], db_file, workers=1)
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 2)
    after = conn.execute("select id, document_id, stance, market from statements order by id").fetchall()
    assert [r for r in after if r[1] != "good-1"] == [r for r in before if r[1] != "good-1"]
    assert [r[2:] for r in after if r[1] == "good-1"] == [("no_plans", "BR")]

    (folder / "good-2.md").unlink()
    kept = build_paths([folder], db_file, workers=1)
    assert kept.pruned == 0 and conn.execute("select count(*) from documents").fetchone()[0] == 3
    pruned = build_paths([folder], db_file, workers=1, prune=True)
    assert pruned.pruned == 1
    assert conn.execute("select count(*) from statements where document_id = 'good-2'").fetchone()[0] == 0
    assert conn.execute("select count(*) from documents").fetchone()[0] == 2
    conn.close()
    assert_whole(db_file)
    fts_consistent(db_file)
