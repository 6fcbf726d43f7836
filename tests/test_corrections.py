"""Corrections: reject, fix and add statements; they survive rebuilds and source changes."""
from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.build import build_paths
from kb.cli import cli
from kb.corrections import CorrectionsError, load_corrections

from .conftest import write_article

BODY = """
Norvik Motors plans to enter Germany in 2027, chief executive Anna Berg said on Monday.

The weather in Oslo was mild this week.

France is next on the list for Norvik Motors showrooms.

Tindra Telecom has no plans to enter Estonia, a spokesperson said.
"""
FRONT = dict(id="norvik-1", title="Norvik plans", published="2026-03-02", publisher="Harbour Ledger")


def statements(db_path: Path) -> dict[tuple[str, str], dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return {(r["market"], r["stance"]): dict(r) for r in conn.execute("select * from statements")}
    finally:
        conn.close()


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def kb(tmp_path):
    """A folder with the article; the database and corrections.yaml next to each other."""
    src = tmp_path / "articles"
    write_article(src, "norvik.md", BODY, **FRONT)
    return src, tmp_path / "kb.db", tmp_path / "corrections.yaml"


def rebuild_twice_with_a_changed_source(src: Path, db_path: Path) -> list:
    reports = [build_paths([src], db_path, workers=1)]
    write_article(src, "norvik.md", BODY.replace("was mild this week", "turned cold and wet on Tuesday"), **FRONT)
    reports.append(build_paths([src], db_path, workers=1))
    reports.append(build_paths([src], db_path, workers=1))
    assert [r.changed for r in reports] == [0, 1, 0]
    return reports


def test_without_corrections_the_extractor_misses_france(kb):
    src, db_path, _ = kb
    build_paths([src], db_path, workers=1)
    rows = statements(db_path)
    assert set(rows) == {("DE", "plans"), ("EE", "no_plans")}
    assert rows[("EE", "no_plans")]["company"] == "Tindra Telecom"
    assert all(r["corrected"] == 0 and r["corrections"] is None for r in rows.values())


def test_reject_by_statement_id_survives_rebuilds(kb):
    src, db_path, corrections = kb
    build_paths([src], db_path, workers=1)
    sid = statements(db_path)[("DE", "plans")]["id"]
    write(corrections, f"""
        - document: norvik-1
          statement: {sid}
          reject: true
          note: checking with the newsroom
    """)
    for report in [build_paths([src], db_path, workers=1), *rebuild_twice_with_a_changed_source(src, db_path)]:
        assert report.warnings == [] and report.failed == 0
        assert set(statements(db_path)) == {("EE", "no_plans")}


def test_fix_by_extracted_values_survives_rebuilds(kb):
    src, db_path, corrections = kb
    write(corrections, """
        corrections:
          - document: norvik-1
            statement: {company: Tindra Telecom, market: EE, stance: no_plans}
            fix: {company: Tindra Group, speaker: Tindra Group}   # the newsroom's name for it
          - url: https://example.com/not-needed   # unknown document: a warning, not a crash
            statement: {company: X, market: DE, stance: plans}
            reject: true
    """)
    reports = rebuild_twice_with_a_changed_source(src, db_path)
    for report in reports:
        assert any("unknown url" in w for _, w in report.warnings)
        row = statements(db_path)[("EE", "no_plans")]
        assert row["company"] == "Tindra Group" and row["speaker"] == "Tindra Group"
        assert row["corrected"] == 1
        assert json.loads(row["corrections"]) == {"company": "Tindra Telecom", "speaker": "Tindra Telecom"}
        assert statements(db_path)[("DE", "plans")]["corrected"] == 0
    conn = sqlite3.connect(db_path)
    assert conn.execute("select count(*) from companies where name = 'Tindra Group'").fetchone()[0] == 1


def test_add_finds_the_quote_and_survives_rebuilds(kb):
    src, db_path, corrections = kb
    write(corrections, """
        - document: norvik-1
          add:
            company: Norvik Motors
            market: fr
            stance: plans
            speaker_type: media
            quote: "France is next on the list
              for Norvik Motors showrooms."
    """)
    for report in rebuild_twice_with_a_changed_source(src, db_path):
        assert report.corrections_failed == 0
        row = statements(db_path)[("FR", "plans")]
        assert row["corrected"] == 1 and json.loads(row["corrections"]) == {"added": True}
        assert row["said_on"] == "2026-03-02"  # the document's date unless given
        conn = sqlite3.connect(db_path)
        text = conn.execute("select text from documents where id = 'norvik-1'").fetchone()[0]
        assert text[row["quote_start"]:row["quote_end"]] == row["quote"] == \
            "France is next on the list for Norvik Motors showrooms."


def test_changed_corrections_apply_to_an_unchanged_document(kb):
    src, db_path, corrections = kb
    build_paths([src], db_path, workers=1)
    write(corrections, """
        - document: norvik-1
          statement: {company: norvik motors, market: DE, stance: plans}
          fix: {stance: considering, target: "2028"}
    """)
    report = build_paths([src], db_path, workers=1)
    assert report.changed == 1
    rows = statements(db_path)
    row = rows[("DE", "considering")]
    assert (row["target"], row["target_year"], row["corrected"]) == ("2028", 2028, 1)
    assert json.loads(row["corrections"]) == {"stance": "plans", "target": "2027"}
    # the id stays the one of the extracted statement, so the key keeps matching
    corrections.unlink()
    build_paths([src], db_path, workers=1)
    back = statements(db_path)[("DE", "plans")]
    assert back["id"] == row["id"] and back["corrected"] == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_a_changed_correction_applies_when_the_source_file_is_gone(kb, workers):
    """Issue 14, finding 8: the stored copy of the document is extracted again when its file is gone."""
    src, db_path, corrections = kb
    write_article(src, "other.md", "Tindra Telecom will enter Latvia next year, its chief said.",
                  id="tindra-2", published="2026-03-04")
    build_paths([src], db_path, workers=workers)
    sid = statements(db_path)[("DE", "plans")]["id"]
    write(corrections, f"""
        - document: norvik-1
          statement: {sid}
          reject: true
    """)
    build_paths([src], db_path, workers=workers)
    assert ("DE", "plans") not in statements(db_path)
    (src / "norvik.md").unlink()  # the source goes (a moved folder, a fetched page deleted)...
    corrections.write_text("[]\n", encoding="utf-8")  # ...then the correction is withdrawn
    report = build_paths([src], db_path, workers=workers)
    assert report.failed == 0 and report.changed == 1
    assert any("norvik.md" in path and "stored copy" in w for path, w in report.warnings)
    back = statements(db_path)[("DE", "plans")]
    assert back["id"] == sid and back["corrected"] == 0 and back["corrections"] is None
    # a new correction takes effect on the stored copy as well, and a later build has nothing to do
    write(corrections, """
        - document: norvik-1
          statement: {company: Norvik Motors, market: DE, stance: plans}
          fix: {stance: considering}
    """)
    build_paths([src], db_path, workers=workers)
    assert statements(db_path)[("DE", "considering")]["corrected"] == 1
    again = build_paths([src], db_path, workers=workers)
    assert again.changed == 0 and again.new == 0
    # --prune removes the document whose file is gone instead
    build_paths([src], db_path, workers=workers, prune=True)
    assert ("DE", "considering") not in statements(db_path)


def test_missing_statement_and_missing_quote_are_reported(kb):
    src, db_path, corrections = kb
    write(corrections, """
        - document: norvik-1
          statement: 0123456789abcdef
          reject: true
        - document: norvik-1
          add: {company: Norvik Motors, market: SE, stance: plans, quote: "Not in the text at all."}
    """)
    report = build_paths([src], db_path, workers=1)
    assert report.failed == 0 and report.corrections_failed == 1
    assert any("no such statement" in w and "line 1" in w for _, w in report.warnings)
    assert any("quote not found" in e and "line 4" in e for _, e in report.errors)
    assert len(statements(db_path)) == 2


def test_export_include_exclude_only(kb):
    src, db_path, corrections = kb
    write(corrections, """
        - document: norvik-1
          statement: {company: Tindra Telecom, market: EE, stance: no_plans}
          fix: {company: Tindra Group}
    """)
    runner = CliRunner()
    result = runner.invoke(cli, ["build", str(src), "--db", str(db_path), "--workers", "1"])
    assert result.exit_code == 0, result.output

    def export(*args):
        out = runner.invoke(cli, ["export", "--db", str(db_path), *args])
        assert out.exit_code == 0, out.output
        return [json.loads(line) for line in out.output.splitlines()]

    assert {r["company"] for r in export()} == {"Norvik Motors", "Tindra Group"}
    assert {r["company"] for r in export("--corrections", "include")} == {"Norvik Motors", "Tindra Group"}
    assert [r["market"] for r in export("--corrections", "exclude")] == ["DE"]
    only = export("--corrections", "only")
    assert [(r["market"], r["corrected"]) for r in only] == [("EE", 1)]
    csv_out = runner.invoke(cli, ["export", "--db", str(db_path), "--format", "csv", "--corrections", "only"])
    assert "corrected" in csv_out.output.splitlines()[0]


def test_corrections_option_names_another_file(kb, tmp_path):
    src, db_path, _ = kb
    other = write(tmp_path / "mine.yaml", """
        - document: norvik-1
          statement: {company: Tindra Telecom, market: EE, stance: no_plans}
          reject: true
    """)
    result = CliRunner().invoke(cli, ["build", str(src), "--db", str(db_path), "--workers", "1",
                                      "--corrections", str(other)])
    assert result.exit_code == 0, result.output
    assert set(statements(db_path)) == {("DE", "plans")}


@pytest.mark.parametrize("text, line, message", [
    ("- document: norvik-1\n  statement: {company: A, market: DE, stance: plans}\n  fix: {stance: maybe}\n",
     1, "unknown stance 'maybe'"),
    ("- document: norvik-1\n  reject: true\n  statement: 0123456789abcdef\n"
     "- document: norvik-1\n  statement: 0123456789abcdef\n  delete: true\n", 4, "unknown field 'delete'"),
    ("- document: norvik-1\n  add: {company: A, market: DE, stance: plans}\n", 1, "missing quote"),
    ("- statement: 0123456789abcdef\n  reject: true\n", 1, "needs document"),
    ("- document: norvik-1\n  fix: {market: Atlantis}\n  statement: 0123456789abcdef\n", 1, "unknown market"),
    ("- document: [unclosed\n", 2, "not valid YAML"),
    ("document: norvik-1\n", 1, "expected a list"),
])
def test_bad_corrections_file_names_the_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "corrections.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CorrectionsError) as e:
        load_corrections(path)
    assert str(e.value).startswith(f"{path}, line {line}: ") and message in str(e.value)


def test_bad_corrections_file_stops_the_build_before_storing(kb):
    src, db_path, corrections = kb
    corrections.write_text("- document: norvik-1\n  reject: yes please\n  statement: 0123456789abcdef\n")
    result = CliRunner().invoke(cli, ["build", str(src), "--db", str(db_path), "--workers", "1"])
    assert result.exit_code == 1
    assert f"{corrections}, line 1: reject: must be true" in result.output
    assert not db_path.exists() or statements(db_path) == {}
