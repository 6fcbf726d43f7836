"""Shared fixtures: a fresh database path per test, a copy of the examples' database, small article writers."""
from __future__ import annotations

import shutil
import sqlite3
import textwrap
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "kb" / "examples"  # = kb.build.EXAMPLES


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kb.db"


@pytest.fixture(scope="session")
def built_examples(tmp_path_factory) -> Path:
    """The bundled examples built once per test run (tests change copies of it: examples_db)."""
    from kb.build import build_paths

    path = tmp_path_factory.mktemp("examples") / "kb.db"
    build_paths([EXAMPLES], path, workers=1)
    return path


@pytest.fixture
def examples_db(built_examples: Path, tmp_path: Path) -> Path:
    """A copy of the examples' database of the test's own, free to change."""
    path = tmp_path / "kb.db"
    shutil.copy(built_examples, path)
    return path


def write_article(folder: Path, name: str, body: str, **front: str) -> Path:
    """Write a Markdown article with YAML front matter (values given as keyword arguments)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["---", *(f"{k}: {v}" for k, v in front.items()), "---", ""]
    path = folder / name
    path.write_text("\n".join(lines) + textwrap.dedent(body).strip() + "\n", encoding="utf-8")
    return path


def write_urls_raw(db_path: Path, urls: list[str], keep: tuple[str, ...] = ()) -> None:
    """Write `urls` (in turn) over the documents' URLs in raw SQL, past every reader's check: an old or
    tampered database; the documents whose ids are in `keep` are left alone."""
    conn = sqlite3.connect(db_path)
    ids = [r[0] for r in conn.execute("select id from documents order by id") if r[0] not in keep]
    for i, doc_id in enumerate(ids):
        conn.execute("update documents set url = ? where id = ?", [urls[i % len(urls)], doc_id])
    conn.commit()
    conn.close()
