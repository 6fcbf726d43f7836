"""Issue 14, finding 4: a build killed before its end (kill -9, OOM, disk full) leaves a marker;
`kb serve` and `kb export` finish the job (full-text triggers and index, claims, facet counts)
or refuse with a message naming `kb build`; never serve or export stale data silently.
Also finding 7's concurrent build and corrupt file: one line naming the database."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import datasette.cli
import pytest
from click.testing import CliRunner

from kb import build as kb_build
from kb.build import EXAMPLES, BuildBusy, build_lock, build_paths
from kb.cli import cli
from kb.schema import BUILD_MARKER, build_marker

KILL_POINTS = {
    # the bulk load's full-text triggers dropped, the process dies before they are back
    "fts": "b.BULK_FILES = 1; b.BULK_DEFER_AFTER = 1; st.restore_triggers = die",
    # some documents stored and committed, the process dies mid-load
    "store": "real = b._after_save\n"
             "def after(db, *a):\n"
             "    real(db, *a); n.append(1)\n"
             "    if len(n) == 5: db.conn.commit(); die()\n"
             "n = []; b._after_save = after",
    # everything stored, dies before claims
    "claims": "b.recompute_claims = die",
    # claims done, dies before the facet counts
    "facets": "b.refresh_facet_counts = die",
}


def _folders(tmp_path: Path) -> tuple[Path, Path]:
    files = sorted(EXAMPLES.glob("*.md"))
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for i, f in enumerate(files):
        shutil.copy(f, (first if i < len(files) // 2 else second) / f.name)
    return first, second


def _killed_build(folder: Path, db: Path, point: str) -> None:
    code = "import os, sys\nimport kb.build as b, kb.store as st\ndef die(*a, **k): os._exit(137)\n" \
           + KILL_POINTS[point] + f"\nb.build_paths([{str(folder)!r}], {str(db)!r}, workers=1)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 137, done.stderr[-2000:]


def _state(db: Path) -> dict:
    conn = sqlite3.connect(db)
    q = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    triggers = {r[0] for r in conn.execute("select name from sqlite_master where type = 'trigger'")}
    state = {
        "marker": build_marker(conn),
        "statements": q("select count(*) from statements"),
        "indexed": q("select count(*) from statements_fts_docsize"),
        "documents_indexed": q("select count(*) from documents_fts_docsize") == q("select count(*) from documents"),
        "triggers": {"statements_ai", "statements_ad", "statements_au", "documents_ai"} <= triggers,
        "no_claim": q("select count(*) from statements where claim_id is null"),
        "orphan_claim": q("select count(*) from statements where claim_id not in (select id from claims)"),
        "claims": q("select count(*) from claims"),
        "facet_total": conn.execute("select count from facet_counts where tbl = 'statements' and col = ''")
                           .fetchone(),
    }
    conn.close()
    return state


def _consistent(state: dict) -> None:
    assert state["marker"] is None
    assert state["indexed"] == state["statements"] > 0
    assert state["documents_indexed"] and state["triggers"]
    assert state["no_claim"] == 0 and state["orphan_claim"] == 0 and state["claims"] > 0
    assert state["facet_total"] == (state["statements"],)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Both halves built in one go, undisturbed: what a repaired database must equal."""
    tmp = tmp_path_factory.mktemp("ref")
    first, second = _folders(tmp)
    db = tmp / "kb.db"
    build_paths([first], db, workers=1)
    build_paths([second], db, workers=1)
    return _state(db)


@pytest.fixture
def fake_datasette(monkeypatch):
    calls = []
    monkeypatch.setattr(datasette.cli.cli, "main", lambda *a, **k: calls.append(k.get("args")))
    return calls


@pytest.mark.parametrize("point", list(KILL_POINTS))
@pytest.mark.parametrize("command", ["serve", "export"])
def test_killed_build_is_finished_before_serving_or_exporting(tmp_path, reference, fake_datasette, point, command):
    first, second = _folders(tmp_path)
    db = tmp_path / "kb.db"
    build_paths([first], db, workers=1)
    _killed_build(second, db, point)
    before = _state(db)
    assert before["marker"] is not None  # the killed build left its marker
    assert not (before["marker"] is None and before["no_claim"] == 0)

    result = CliRunner().invoke(cli, [command, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "stopped before it finished" in result.output  # said on stderr, not silent
    if command == "serve":
        assert fake_datasette and str(db) in fake_datasette[0]
    else:
        rows = [line for line in result.output.splitlines() if line.startswith("{")]
        assert rows and all('"claim_id": null' not in r for r in rows)
    after = _state(db)
    _consistent(after)
    if point != "store":  # everything was stored before the kill: the same as an undisturbed build
        assert {k: after[k] for k in ("statements", "claims", "indexed")} == \
               {k: reference[k] for k in ("statements", "claims", "indexed")}


def test_a_finished_build_leaves_no_marker(tmp_path):
    first, _ = _folders(tmp_path)
    build_paths([first], tmp_path / "kb.db", workers=1)
    _consistent(_state(tmp_path / "kb.db"))


def _leave_marker(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("insert or replace into kb_state (key, value) values (?, ?)", [BUILD_MARKER, "{}"])
    conn.execute("update statements set claim_id = null")
    conn.commit()
    conn.close()


def test_export_refuses_while_a_build_runs_serve_goes_on(tmp_path, fake_datasette):
    first, _ = _folders(tmp_path)
    db = tmp_path / "kb.db"
    build_paths([first], db, workers=1)
    _leave_marker(db)
    with build_lock(db):  # another build is writing
        result = CliRunner().invoke(cli, ["export", "--db", str(db)])
        assert result.exit_code == 1
        assert "another kb build is writing to it" in result.output and str(db) in result.output
        assert "Traceback" not in result.output
        served = CliRunner().invoke(cli, ["serve", "--db", str(db)])
        assert served.exit_code == 0 and "a kb build is writing to it" in served.output
    assert _state(db)["marker"] is not None  # nobody repaired under the running build


def test_unrepairable_database_is_refused_naming_kb_build(tmp_path, monkeypatch, fake_datasette):
    first, _ = _folders(tmp_path)
    db = tmp_path / "kb.db"
    build_paths([first], db, workers=1)
    _leave_marker(db)

    def readonly(_db):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(kb_build, "finish_build", readonly)
    for command in ("serve", "export"):
        result = CliRunner().invoke(cli, [command, "--db", str(db)])
        assert result.exit_code == 1, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and f"kb build --db {db}" in lines[0] and "readonly" in lines[0]
    assert not fake_datasette


# --- finding 7: a second build, a corrupt file ------------------------------------------------

def test_second_concurrent_build_is_told_not_locked(tmp_path):
    first, _ = _folders(tmp_path)
    db = tmp_path / "kb.db"
    build_paths([first], db, workers=1)
    with build_lock(db):
        with pytest.raises(BuildBusy, match="another kb build is writing"):
            build_paths([first], db, workers=1)
        result = CliRunner().invoke(cli, ["build", str(first), "--db", str(db)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(db) in lines[0] and "another kb build" in lines[0]


def test_second_build_from_another_process(tmp_path):
    first, _ = _folders(tmp_path)
    db = tmp_path / "kb.db"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from kb.build import build_lock
        with build_lock({str(db)!r}):
            print("locked", flush=True)
            sys.stdin.readline()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = CliRunner().invoke(cli, ["build", str(first), "--db", str(db)])
        assert result.exit_code == 1 and f"pid {holder.pid}" in result.output
    finally:
        holder.communicate("\n", timeout=30)


@pytest.mark.parametrize("command", ["build", "serve", "export"])
def test_corrupt_database_is_one_line(tmp_path, command, fake_datasette):
    db = tmp_path / "kb.db"
    db.write_bytes(b"this is not an SQLite database, just some text\n" * 100)
    args = [command, "--db", str(db)] + ([str(EXAMPLES / "byd-us-2024-02.md")] if command == "build" else [])
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(db) in lines[0] and "not a database" in lines[0], result.output
    assert not fake_datasette


def test_database_locked_by_another_program_is_one_line(tmp_path):
    """Not a kb build but some other writer (sqlite3 shell, a script) holding the write lock:
    kb build waits SQLite's busy timeout, then says so in one line naming the database."""
    first, _ = _folders(tmp_path)
    db = tmp_path / "kb.db"
    build_paths([first], db, workers=1)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("begin exclusive")
    try:
        result = CliRunner().invoke(cli, ["build", str(first), "--db", str(db)])
    finally:
        other.execute("rollback")
        other.close()
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and str(db) in lines[0] and "locked" in lines[0], result.output
