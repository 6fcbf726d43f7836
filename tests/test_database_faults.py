"""Issue 14, finding 7 (the rest): `kb export` opens the database read-only (it wrote the schema:
a traceback on a read-only file, or while another program writes), and a full disk during
`kb build` is one line naming the database."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import kb.build
from benchmarks.synthetic import write_corpus
from kb.build import EXAMPLES, build_paths
from kb.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("built") / "kb.db"
    build_paths([EXAMPLES], db, workers=1)
    conn = sqlite3.connect(db)
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    return db


def copy(built: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, folder / "kb.db")
    return folder / "kb.db"


def export(db: Path) -> list[dict]:
    result = CliRunner().invoke(cli, ["export", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_export_writes_nothing_to_the_database(built, tmp_path):
    db = copy(built, tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("drop view stance_changes")  # something opening with the schema would put back
    conn.execute("pragma user_version = 0")
    conn.commit()
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    before = db.read_bytes()
    rows = export(db)
    assert rows and rows == export(built)
    assert db.read_bytes() == before
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from sqlite_master where name = 'stance_changes'").fetchone()[0] == 0
    assert conn.execute("pragma user_version").fetchone()[0] == 0


def test_export_while_another_program_holds_the_write_lock(built, tmp_path):
    db = copy(built, tmp_path)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("begin immediate")  # a write transaction open (not a kb build: no build lock)
    try:
        assert export(db) == export(built)
    finally:
        writer.execute("rollback")
        writer.close()


def _as_nobody_command() -> list[str] | None:
    """A command that runs kb as the user nobody with this project importable, if this machine
    allows it (root, runuser, a python nobody may run); None otherwise."""
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return None
    import site

    path = os.pathsep.join([str(ROOT), *site.getsitepackages()])
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for python in dict.fromkeys([os.path.realpath(sys.executable), shutil.which(version) or "",
                                 f"/usr/bin/{version}"]):
        if not python:
            continue
        command = ["runuser", "-u", "nobody", "--", "env", f"PYTHONPATH={path}", python]
        try:
            probe = subprocess.run([*command, "-c", "import kb.cli"], capture_output=True, timeout=60, cwd="/")
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return command
    return None


def test_export_of_a_read_only_file_in_a_read_only_folder(built):
    """The database file and its folder read-only for the user exporting (no -shm file can be
    made either). Needs a user that permissions stop: the test's own, or nobody when run as root."""
    if os.geteuid() != 0:
        command = [sys.executable]
    else:
        command = _as_nobody_command()
        if command is None:
            pytest.skip("running as root, and cannot run kb as nobody here")
    folder = Path(tempfile.mkdtemp(prefix="kb-readonly-"))
    try:
        db = copy(built, folder)
        db.chmod(0o444)
        folder.chmod(0o555)
        done = subprocess.run([*command, "-c", "from kb.cli import cli; cli()", "export", "--db", str(db)],
                              capture_output=True, text=True, timeout=120, cwd="/")
        assert done.returncode == 0, done.stderr
        assert [json.loads(line) for line in done.stdout.splitlines()] == export(built)
        assert sorted(p.name for p in folder.iterdir()) == ["kb.db"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_a_full_disk_during_a_build_is_one_line_naming_the_database(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus", 60, per_dir=60)
    db = tmp_path / "kb.db"
    real_open_db = kb.build.open_db

    def nearly_full(path):  # SQLite's own "database or disk is full" after a few more pages
        opened = real_open_db(path)
        pages = opened.conn.execute("pragma page_count").fetchone()[0]
        opened.conn.execute(f"pragma max_page_count = {pages + 5}")
        return opened

    monkeypatch.setattr(kb.build, "open_db", nearly_full)
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: {db}: the disk is full (database or disk is full); free some space, then run "
        f"`kb build --db {db}` again: what was stored is kept and that build finishes it"]
    monkeypatch.setattr(kb.build, "open_db", real_open_db)
    again = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db), "--workers", "1", "-q"])
    assert again.exit_code == 0, again.output
    assert sqlite3.connect(db).execute("select count(*) from documents").fetchone()[0] == 60
