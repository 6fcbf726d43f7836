"""The CLI teaches: every command and option has help text; errors name the option."""
from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kb.cli import cli

from .conftest import EXAMPLES


def test_every_command_and_option_is_documented():
    ctx = click.Context(cli)
    for name, command in cli.commands.items():
        assert command.help and len(command.help) > 40, f"kb {name} has no real help"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"kb {name} {param.opts[0]} is undocumented"
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output
    assert cli.get_help(ctx)


def test_extract_prints_statements_as_json():
    result = CliRunner().invoke(cli, ["extract", str(EXAMPLES / "google-china-2018.md"), "--explain"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["document_id"] == "example-google-china-2018"
    assert {s["stance"] for s in data["statements"]} >= {"considering"}
    assert all("explain" in s and s["explain"]["market_alias"] for s in data["statements"])


def test_extract_reports_an_unreadable_file(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xfa\xfb not text")
    result = CliRunner().invoke(cli, ["extract", str(bad)])
    assert result.exit_code == 1 and "bad.md" in result.output


def test_build_workers_option_is_validated(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--workers", "0", "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "--workers" in result.output


# ---- issue 12: what drifted ----------------------------------------------------------------------

def _kb_command() -> list[str]:
    """`kb` in a fresh interpreter (the installed script may be another copy)."""
    return [sys.executable, "-c", "from kb.cli import cli; cli(prog_name='kb')"]


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory) -> Path:
    from kb.build import build_paths

    db = tmp_path_factory.mktemp("examples") / "kb.db"
    build_paths([EXAMPLES], db, workers=1)
    return db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_h_is_help_for_every_command():
    """`-h` is help, as click users expect (it used to be `kb serve --host`)."""
    result = CliRunner().invoke(cli, ["-h"])
    assert result.exit_code == 0 and "Usage:" in result.output and "-h, --help" in result.output
    for name in cli.commands:
        result = CliRunner().invoke(cli, [name, "-h"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output and "-h, --help" in result.output, name
    assert "--host TEXT" in CliRunner().invoke(cli, ["serve", "-h"]).output


@pytest.mark.parametrize("reader", ["head -n 1", "true"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_into_a_closed_pipe_ends_quietly(examples_db, fmt, reader):
    """`kb export | head` exits 0 with nothing on stderr once its reader is gone (`true` reads
    nothing and exits at once, so every write meets the closed pipe)."""
    command = " ".join(shlex.quote(part) for part in _kb_command())
    script = f"set -o pipefail; {command} export --format {fmt} --db {shlex.quote(str(examples_db))} | {reader}"
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == (1 if reader.startswith("head") else 0)


def test_export_reader_closing_before_any_output(examples_db):
    process = subprocess.Popen([*_kb_command(), "export", "--db", str(examples_db)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and stderr == b""


def test_busy_port_is_one_line_naming_a_free_one(tmp_path, monkeypatch):
    import datasette.cli

    served = []
    monkeypatch.setattr(datasette.cli.cli, "main", lambda *a, **k: served.append(k.get("args")))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        db = tmp_path / "kb.db"
        result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--port", str(port)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    match = re.fullmatch(rf"Error: port {port} is busy, try --port (\d+)", lines[0])
    assert match and int(match[1]) > port, lines
    assert not served and not db.exists()  # said before building or serving anything


def test_busy_port_from_a_real_kb_serve(tmp_path):
    """The same through the real entry point: one line on stderr, no uvicorn log or traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*_kb_command(), "serve", "--db", str(tmp_path / "kb.db"), "--port", str(port)],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout == "" and re.fullmatch(rf"Error: port {port} is busy, try --port \d+\n", result.stderr)


@pytest.mark.parametrize("dct", ["1990-08-15T13:37", "1990-08-15T13:37:00+02:00", "1990-08-15 13:37"])
def test_timex_dct_takes_an_iso_date_time(dct):
    result = CliRunner().invoke(cli, ["timex", "--dct", dct], input="Sales rose last year and today.")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["value"] for line in result.output.splitlines()] == ["1989", "1990-08-15"]


def test_timex_batch_dct_takes_an_iso_date_time(tmp_path):
    batch = tmp_path / "in.jsonl"
    batch.write_text(json.dumps({"doc": "a", "dct": "1990-08-15T13:37", "text": "today"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["timex", "--batch", str(batch)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["value"] == "1990-08-15"
    batch.write_text(json.dumps({"doc": "a", "dct": "15 August", "text": "today"}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["timex", "--batch", str(batch)])
    assert result.exit_code == 2 and "line 1" in result.output and "ISO date-time" in result.output


def test_serve_immutable(examples_db, tmp_path):
    """`kb serve --immutable`: read-only, with table counts from DB.inspect.json."""
    db = tmp_path / "kb.db"
    shutil.copy(examples_db, db)
    port = _free_port()
    server = subprocess.Popen([*_kb_command(), "serve", "--db", str(db), "--port", str(port), "--immutable"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/databases.json", timeout=10) as response:
                    databases = json.load(response)
                break
            except OSError:
                assert time.monotonic() < deadline, "kb serve --immutable did not answer"
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/kb/statements.json?_shape=array&_size=3",
                                    timeout=30) as response:
            rows = json.load(response)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("kb", False)]
    assert rows and {"company", "market", "stance"} <= rows[0].keys()
    inspect = json.loads((tmp_path / "kb.inspect.json").read_text(encoding="utf-8"))
    assert inspect["kb"]["tables"]["statements"]["count"] > 0


def test_serve_immutable_refuses_unsaved_writes(examples_db, tmp_path, monkeypatch):
    import datasette.cli

    served = []
    monkeypatch.setattr(datasette.cli.cli, "main", lambda *a, **k: served.append(k.get("args")))
    db = tmp_path / "kb.db"
    shutil.copy(examples_db, db)
    Path(f"{db}-wal").write_bytes(b"\0" * 100)  # a writer's pages not yet checkpointed
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--immutable", "--port", "0"])
    assert result.exit_code == 1 and "holds writes not yet in" in result.output and not served
