"""Issue 14, finding 3 and the time budget of finding 2: a worker killed under `kb build` (kill -9,
as the out-of-memory killer does) or a document that takes too long never hangs the build; the
document is reported as failed by name and the others are stored."""
from __future__ import annotations

import json
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
from kb.workers import TEST_FAULT_ENV, TIMEOUT_ENV

ROOT = Path(__file__).resolve().parent.parent
KB = [sys.executable, "-c", "from kb.cli import cli; cli()"]

needs_fork = pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(signal, "setitimer"),
                                reason="POSIX processes and interval timers")


def kb(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([*KB, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=full_env)


def stored(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        return {
            "documents": {r[0] for r in conn.execute("select id from documents")},
            "unfinished": conn.execute("select count(*) from kb_state").fetchone()[0],
            "claims": conn.execute("select count(*) from claims").fetchone()[0],
            "facets": conn.execute("select count(*) from facet_counts").fetchone()[0],
        }
    finally:
        conn.close()


def corpus(tmp_path: Path, n: int = 40) -> tuple[Path, list[Path]]:
    folder = write_corpus(tmp_path / "corpus", n, per_dir=20)
    return folder, sorted(p for p in folder.rglob("*.md"))


# ------------------------------------------------------------------ a worker killed
@needs_fork
def test_a_worker_killed_mid_build_is_replaced_and_its_document_reported(tmp_path):
    folder, files = corpus(tmp_path)
    killer = files[len(files) // 2]  # mid-build: the workers have stored some, others are queued
    db = tmp_path / "kb.db"
    run = kb("build", str(folder), "--db", str(db), "--workers", "2", "-q",
             env={TEST_FAULT_ENV: f"crash:{killer.name}"})
    assert run.returncode == 1, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr
    assert str(killer) in errors[0] and "died" in errors[0] and "SIGKILL" in errors[0]
    assert "retried alone" in errors[0]
    assert f"{len(files) - 1} new" in run.stdout and "1 failed" in run.stdout
    after = stored(db)
    assert len(after["documents"]) == len(files) - 1 and killer.stem not in after["documents"]
    assert after["unfinished"] == 0 and after["claims"] and after["facets"]  # the build finished


@needs_fork
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the workers in /proc")
def test_kill_9_of_a_pool_worker_from_outside_does_not_hang_the_build(tmp_path):
    """The finding as it was seen: `kill -9` of one worker of a running build (which had then
    waited forever for its task). The file it was on is retried in a fresh worker: all stored."""
    folder = write_corpus(tmp_path / "corpus", 400, per_dir=100)
    db = tmp_path / "kb.db"
    proc = subprocess.Popen([*KB, "build", str(folder), "--db", str(db), "--workers", "2", "-q"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if _count(db):  # storing: the workers are busy
            victim = next(iter(_children(proc.pid)), None)
    if victim is None:
        proc.kill()
        proc.wait()
        pytest.skip("the build finished before a worker could be killed")
    os.kill(victim, signal.SIGKILL)
    try:
        out, err = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("kb build hung after one of its workers was killed")
    assert proc.returncode == 0, err
    assert "400 new" in out and "0 failed" in out
    assert stored(db)["unfinished"] == 0 and _count(db) == 400


def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(db, timeout=0.1)
        try:
            return conn.execute("select count(*) from documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _children(pid: int) -> list[int]:
    """Worker processes of `pid`: its children running the same program (forked)."""
    own = Path(f"/proc/{pid}/cmdline").read_bytes()
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and (stat.parent / "cmdline").read_bytes() == own:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(out)


# ------------------------------------------------------------------ a document over its time budget
@needs_fork
@pytest.mark.parametrize("workers", [1, 2])
def test_a_slow_document_is_reported_and_the_rest_stored(tmp_path, workers):
    folder, files = corpus(tmp_path, 12)
    slow = files[5]
    db = tmp_path / "kb.db"
    started = time.monotonic()
    run = kb("build", str(folder), "--db", str(db), "--workers", str(workers), "-q", "--document-timeout", "2",
             env={TEST_FAULT_ENV: f"sleep:{slow.name}"})
    assert time.monotonic() - started < 90
    assert run.returncode == 1, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {slow}: document {slow.stem!r} took longer than 2 s to extract; not stored "
                      f"(raise the limit with kb build --document-timeout or {TIMEOUT_ENV})"], run.stderr
    assert set(stored(db)["documents"]) == {f.stem for f in files} - {slow.stem}


@needs_fork
def test_a_worker_stuck_past_its_budget_is_killed(tmp_path):
    """A document stuck where the timer's signal cannot reach it (C code: here the signal is
    blocked) is stopped by the supervisor, which kills the worker and names the document."""
    folder, files = corpus(tmp_path, 12)
    stuck = files[3]
    db = tmp_path / "kb.db"
    run = kb("build", str(folder), "--db", str(db), "--workers", "2", "-q",
             env={TEST_FAULT_ENV: f"hang:{stuck.name}", TIMEOUT_ENV: "1"})
    assert run.returncode == 1, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(stuck) in errors[0], run.stderr
    assert f"document {stuck.stem!r} took longer than 1 s to extract; its worker was stopped" in errors[0]
    assert set(stored(db)["documents"]) == {f.stem for f in files} - {stuck.stem}


@needs_fork
def test_one_slow_record_of_a_jsonl_file_leaves_the_others_stored(tmp_path, monkeypatch):
    records = [{"id": f"rec-{i}", "title": f"Record {i}", "published": "2024-03-04",
                "text": f"Norvane Motors Inc plans to enter India in 203{i}, the company said on Monday."}
               for i in range(3)]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    monkeypatch.setenv(TEST_FAULT_ENV, "sleep:rec-1")
    report = build_paths([path], tmp_path / "kb.db", workers=1, document_timeout=1)
    assert report.new == 2 and report.failed == 1
    assert report.errors == [(str(path), "document 'rec-1' took longer than 1 s to extract; not stored "
                                         f"(raise the limit with kb build --document-timeout or {TIMEOUT_ENV})")]


def test_the_budget_can_be_turned_off_and_must_be_a_number(tmp_path):
    run = kb("build", str(tmp_path), "--db", str(tmp_path / "kb.db"), "--document-timeout", "soon")
    assert run.returncode == 2 and "--document-timeout" in run.stderr
    run = kb("build", str(tmp_path), "--db", str(tmp_path / "kb.db"), env={TIMEOUT_ENV: "0"})
    assert run.returncode == 0, run.stderr


@needs_fork
def test_workers_that_die_before_taking_any_file_end_the_build_with_a_message(tmp_path, monkeypatch):
    import kb.workers
    from click.testing import CliRunner

    from kb.cli import cli

    folder, _ = corpus(tmp_path, 6)
    monkeypatch.setattr(kb.workers, "_init_worker", lambda *args: os._exit(3))
    result = CliRunner().invoke(cli, ["build", str(folder), "--db", str(tmp_path / "kb.db"), "--workers", "2"])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: the extraction worker processes keep dying before they take a file; "
                                     "try kb build --workers 1")
