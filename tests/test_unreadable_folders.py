"""Issue 14, finding 6: a folder that cannot be read is reported (exit status 1), not skipped in
silence, and `kb build --prune` does not stop on it: documents it cannot see are kept, the others
pruned, and claims and facet counts refreshed."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.build import build_paths
from kb.cli import cli

DOC = ("---\nid: {id}\ntitle: {id}\npublished: 2024-03-04\n---\n\n"
       "Norvane Motors Inc plans to enter {market} in 2030, the company said on Monday.\n")


def _under(path, folder: Path, inclusive: bool) -> bool:
    if isinstance(path, int):
        return False
    p = Path(os.fsdecode(path)).absolute()
    return (inclusive and p == folder) or folder in p.parents


@pytest.fixture
def lock(monkeypatch):
    """lock(folder): make `folder` unreadable (no listing, nothing inside can be looked at). As
    root (which permissions do not stop) the refusals are simulated where the system makes them."""
    locked: list[Path] = []

    def do(folder: Path) -> None:
        folder = folder.absolute()
        if os.geteuid() != 0:
            folder.chmod(0)
            locked.append(folder)
            return
        real_scandir, real_stat = os.scandir, os.stat

        def scandir(path="."):
            if _under(path, folder, inclusive=True):
                raise PermissionError(13, "Permission denied", os.fsdecode(path))
            return real_scandir(path)

        def stat(path, *args, **kwargs):
            if _under(path, folder, inclusive=False):
                raise PermissionError(13, "Permission denied", os.fsdecode(path))
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(os, "scandir", scandir)
        monkeypatch.setattr(os, "stat", stat)

    yield do
    for folder in locked:
        folder.chmod(0o755)


def _corpus(root: Path) -> tuple[Path, Path]:
    good, hidden_away = root / "good", root / "locked"
    for folder, names in ((good, [("g1", "India"), ("g2", "Brazil")]), (hidden_away, [("l1", "Japan")])):
        folder.mkdir(parents=True)
        for doc_id, market in names:
            (folder / f"{doc_id}.md").write_text(DOC.format(id=doc_id, market=market), encoding="utf-8")
    return good, hidden_away


def test_an_unreadable_folder_is_reported_with_exit_status_1(tmp_path, lock):
    _, locked = _corpus(tmp_path / "in")
    lock(locked)
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "in"), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert f"error: {locked}: cannot read folder: Permission denied; the files in it were not ingested" \
        in result.output
    assert "2 new" in result.output and "1 failed" in result.output
    conn = sqlite3.connect(db)
    assert {r[0] for r in conn.execute("select id from documents")} == {"g1", "g2"}


def test_prune_keeps_what_it_cannot_see_and_finishes_the_build(tmp_path, lock):
    good, locked = _corpus(tmp_path / "in")
    db = tmp_path / "kb.db"
    assert build_paths([tmp_path / "in"], db, workers=1).new == 3
    (good / "g2.md").unlink()  # really gone: pruned
    lock(locked)
    report = build_paths([tmp_path / "in"], db, workers=1, prune=True)
    assert report.pruned == 1 and report.failed == 1
    assert report.errors[0][0] == str(locked)
    assert any(path == str(locked / "l1.md") and "not pruned" in warning and "Permission denied" in warning
               for path, warning in report.warnings)
    conn = sqlite3.connect(db)
    assert {r[0] for r in conn.execute("select id from documents")} == {"g1", "l1"}
    assert conn.execute("select count(*) from kb_state").fetchone()[0] == 0  # finished
    markets = {r[0] for r in conn.execute("select value from facet_counts where tbl = 'statements' "
                                          "and col = 'market'")}
    assert markets == {"IN", "JP"}  # counts of what is stored now: Brazil's pruned statement gone
    claims = {r[0] for r in conn.execute("select market from claims")}
    assert claims == {"IN", "JP"}


def test_prune_from_the_command_line_says_so_in_lines_not_a_traceback(tmp_path, lock):
    _, locked = _corpus(tmp_path / "in")
    db = tmp_path / "kb.db"
    build_paths([tmp_path / "in"], db, workers=1)
    lock(locked)
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "in"), "--db", str(db), "--prune", "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"warning: {locked / 'l1.md'}: not pruned" in result.output
