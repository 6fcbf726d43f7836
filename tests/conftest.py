"""Shared fixtures: a fresh database path per test, small article writers."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "kb" / "examples"  # = kb.build.EXAMPLES


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kb.db"


def write_article(folder: Path, name: str, body: str, **front: str) -> Path:
    """Write a Markdown article with YAML front matter (values given as keyword arguments)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["---", *(f"{k}: {v}" for k, v in front.items()), "---", ""]
    path = folder / name
    path.write_text("\n".join(lines) + textwrap.dedent(body).strip() + "\n", encoding="utf-8")
    return path
