"""The CLI teaches: every command and option has help text; errors name the option."""
from __future__ import annotations

import json

import click
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
