"""docs/cli.md, the CLI reference, is `kb --help` and `kb COMMAND --help` generated with cog
(`cog -r docs/cli.md`): these tests fail when it is stale or lacks a command or an option."""
from __future__ import annotations

import difflib
import io
import re
from pathlib import Path

import click
import pytest

from kb.cli import cli

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_cli_reference_is_what_cog_generates(tmp_path):
    from cogapp import Cog

    fresh = tmp_path / "cli.md"
    cog, errors = Cog(), io.StringIO()
    cog.set_output(stdout=io.StringIO(), stderr=errors)
    assert cog.main(["cog", "-o", str(fresh), str(DOC)]) == 0, errors.getvalue()
    current, regenerated = DOC.read_text(encoding="utf-8"), fresh.read_text(encoding="utf-8")
    if regenerated != current:
        diff = "".join(difflib.unified_diff(current.splitlines(True), regenerated.splitlines(True),
                                            "docs/cli.md", "docs/cli.md regenerated"))
        pytest.fail(f"docs/cli.md is stale: run `cog -r docs/cli.md`\n{diff}")


def test_every_command_and_option_is_in_the_reference():
    text = DOC.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## kb (\w[\w-]*)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    missing = []
    for name, command in cli.commands.items():
        if name not in sections:
            missing.append(f"kb {name}")
            continue
        options = sections[name].partition("\nOptions:\n")[2]  # the option list, not the examples
        for param in command.params:
            if isinstance(param, click.Option):
                missing += [f"kb {name} {opt}" for opt in [*param.opts, *param.secondary_opts]
                            if not re.search(rf"^ +(\S+, )*{re.escape(opt)}(?![\w-])", options, flags=re.M)]
    assert not missing, f"not in docs/cli.md (run `cog -r docs/cli.md`): {', '.join(missing)}"
