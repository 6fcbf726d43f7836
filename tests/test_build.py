"""`kb build`: incremental, idempotent, atomic per document, bad input reported and skipped."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.build import build_paths
from kb.cli import cli
from kb.schema import open_db

from .conftest import EXAMPLES, write_article

ARTICLE = """
Acme Motors said on Monday that it plans to enter the Brazilian market in 2028.
"""


def counts(db_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(db_path)
    try:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("documents", "statements", "events", "companies")}
    finally:
        conn.close()


def test_examples_build_and_rebuild_adds_nothing(db_path):
    first = build_paths([EXAMPLES], db_path, workers=1)
    assert first.new == len(list(EXAMPLES.glob("*.md"))) and first.failed == 0
    before = counts(db_path)
    assert before["statements"] > 0
    second = build_paths([EXAMPLES], db_path, workers=1)
    assert (second.new, second.changed, second.unchanged) == (0, 0, first.new)
    assert counts(db_path) == before


def test_parallel_build_stores_the_same_rows(tmp_path):
    build_paths([EXAMPLES], tmp_path / "one.db", workers=1)
    build_paths([EXAMPLES], tmp_path / "two.db", workers=2)
    q = "select id, company, market, stance, said_on, target, quote_start from statements order by id"
    one = sqlite3.connect(tmp_path / "one.db").execute(q).fetchall()
    two = sqlite3.connect(tmp_path / "two.db").execute(q).fetchall()
    assert one == two and one


def test_changed_document_replaces_only_its_own_statements(tmp_path, db_path):
    folder = tmp_path / "articles"
    a = write_article(folder, "a.md", ARTICLE, id="a", published="2026-03-02")
    write_article(folder, "b.md", "Zenith Foods Inc said it has no plans to enter India.", id="b", published="2026-03-02")
    build_paths([folder], db_path, workers=1)
    db = open_db(db_path)
    b_rows = db.execute("select * from statements where document_id = 'b'").fetchall()
    assert db.execute("select market from statements where document_id = 'a'").fetchall() == [("BR",)]
    a.write_text(a.read_text().replace("Brazilian market", "Mexican market"), encoding="utf-8")
    report = build_paths([folder], db_path, workers=1)
    assert (report.new, report.changed, report.unchanged) == (0, 1, 1)
    assert db.execute("select market from statements where document_id = 'a'").fetchall() == [("MX",)]
    assert db.execute("select * from statements where document_id = 'b'").fetchall() == b_rows


def test_statement_fields_and_date_columns(tmp_path, db_path):
    write_article(tmp_path / "in", "a.md", ARTICLE, id="a", published="2026-03-04", title="Acme eyes Brazil")
    build_paths([tmp_path / "in"], db_path, workers=1)
    row = open_db(db_path).execute(
        "select company, market, stance, said_on, said_on_year, target, target_start, target_precision, target_year "
        "from statements").fetchall()
    assert row == [("Acme Motors", "BR", "plans", "2026-03-02", 2026, "2028", "2028-01-01", "year", 2028)]


def test_without_publication_date_nothing_is_todays_date(tmp_path, db_path):
    write_article(tmp_path / "in", "a.md", "Acme Motors said on February 10 that it plans to enter Brazil.", id="a")
    build_paths([tmp_path / "in"], db_path, workers=1)
    said_on, year = open_db(db_path).execute("select said_on, said_on_year from statements").fetchone()
    assert said_on == "XXXX-02-10" and year is None


BAD_INPUTS = {
    "latin1.md": ("caf\xe9 society".encode("latin-1"), "not UTF-8"),
    "binary.md": (b"\x00\x01\x02binary\x00", "binary"),
    "empty.md": (b"", "empty"),
    "blank.md": (b"   \n\n", "empty"),
    "front.md": (b"---\ntitle: [unclosed\n---\nBody text.\n", "malformed YAML front matter"),
    "noclose.md": (b"---\ntitle: x\nBody text without a closing line.\n", "no closing '---'"),
    "baddate.md": (b"---\npublished: the day after the launch\n---\nBody text.\n", "'published' is not a date"),
    "nobody.md": (b"---\ntitle: Only a title\n---\n\n", "no body text"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_reported_and_the_rest_ingests(tmp_path, db_path, name):
    folder = tmp_path / "in"
    write_article(folder, "good.md", ARTICLE, id="good", published="2026-03-02")
    data, reason = BAD_INPUTS[name]
    (folder / name).write_bytes(data)
    result = CliRunner().invoke(cli, ["build", str(folder), "--db", str(db_path)])
    assert result.exit_code == 1
    assert f"{folder / name}" in result.output and reason in result.output
    assert counts(db_path)["documents"] == 1 and counts(db_path)["statements"] == 1


def test_bad_input_never_loses_what_was_stored(tmp_path, db_path):
    folder = tmp_path / "in"
    good = write_article(folder, "good.md", ARTICLE, id="good", published="2026-03-02")
    build_paths([folder], db_path, workers=1)
    good.write_bytes(b"\xff\xfe\x00broken")  # the same file, now unreadable
    report = build_paths([folder], db_path, workers=1)
    assert report.failed == 1
    assert counts(db_path)["statements"] == 1  # the earlier version stays


def test_prune_removes_deleted_sources(tmp_path, db_path):
    folder = tmp_path / "in"
    a = write_article(folder, "a.md", ARTICLE, id="a", published="2026-03-02")
    write_article(folder, "b.md", ARTICLE.replace("Brazilian", "Chilean"), id="b", published="2026-03-02")
    build_paths([folder], db_path, workers=1)
    a.unlink()
    assert build_paths([folder], db_path, workers=1).pruned == 0
    assert counts(db_path)["documents"] == 2
    report = build_paths([folder], db_path, workers=1, prune=True)
    assert report.pruned == 1 and counts(db_path)["documents"] == 1


def test_store_is_one_transaction_per_document(tmp_path, db_path, monkeypatch):
    """A failure half-way through writing a document leaves its previous rows in place."""
    import kb.store as store
    from ingest.extract import extract
    from ingest.readers import read_path

    folder = tmp_path / "in"
    a = write_article(folder, "a.md", ARTICLE, id="a", published="2026-03-02")
    build_paths([folder], db_path, workers=1)
    a.write_text(a.read_text().replace("Brazilian", "Mexican"), encoding="utf-8")
    extraction = extract(read_path(a)[0])

    def broken_merge(*args, **kwargs):  # runs after the old rows were deleted
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "_merge_companies", broken_merge)
    with pytest.raises(RuntimeError):
        store.save_extraction(open_db(db_path), extraction)
    assert open_db(db_path).execute("select market from statements").fetchall() == [("BR",)]


def test_export_jsonl_and_csv(tmp_path, db_path):
    build_paths([EXAMPLES], db_path, workers=1)
    runner = CliRunner()
    out = runner.invoke(cli, ["export", "--db", str(db_path)])
    assert out.exit_code == 0
    import csv
    import io
    import json

    rows = [json.loads(line) for line in out.output.splitlines()]
    assert rows and {"document", "document_id", "company", "market", "stance", "speaker", "speaker_role",
                     "speaker_type", "said_on", "target", "quote"} <= set(rows[0])
    assert all(r["document"].endswith(".md") for r in rows)
    out_csv = runner.invoke(cli, ["export", "--db", str(db_path), "--format", "csv"])
    assert len(list(csv.DictReader(io.StringIO(out_csv.output)))) == len(rows)


def test_export_names_the_missing_database(tmp_path):
    result = CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "nope.db")])
    assert result.exit_code == 2 and "--db" in result.output and "kb build" in result.output
