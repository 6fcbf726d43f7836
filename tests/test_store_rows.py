"""kb.store builds each row from named values and writes it in kb.schema.TABLES' column order."""
from __future__ import annotations

import json

import pytest

from ingest.records import Document, Event, Extraction, Statement
from kb import store
from kb.schema import TABLES


def _statement(**changes) -> Statement:
    values = dict(company="Orla Bikes", market="MT", stance="plans", speaker="Lia Borg", speaker_role="founder",
                  speaker_type="company", said_on="2026-03-02", target="2027-SU",
                  quote="Orla Bikes will open a store in Malta.", quote_start=4, quote_end=42)
    return Statement(**{**values, **changes})


def _row(table: str, values: tuple) -> dict:
    columns = list(TABLES[table]["columns"])
    assert len(values) == len(columns)
    return dict(zip(columns, values))


def test_a_statement_row_in_the_declared_order():
    s = _statement()
    row = _row("statements", store.statement_values("doc-1", s))
    assert row["id"] == s.id_in("doc-1") and row["document_id"] == "doc-1"
    assert (row["company"], row["market"], row["stance"], row["speaker_role"]) == ("Orla Bikes", "MT", "plans",
                                                                                    "founder")
    assert (row["said_on"], row["said_on_start"], row["said_on_year"]) == ("2026-03-02", "2026-03-02", 2026)
    assert (row["target"], row["target_precision"], row["target_year"]) == ("2027-SU", "season", 2027)
    assert (row["quote_start"], row["quote_end"], row["claim_id"], row["corrected"], row["corrections"]) == (
        4, 42, None, 0, None)


def test_a_corrected_statement_keeps_the_id_of_its_extracted_values():
    extracted = _statement()
    fixed = _statement(stance="considering", said_on="2026-03-05", corrections={"stance": "plans",
                                                                                "said_on": "2026-03-02"})
    row = _row("statements", store.statement_values("doc-1", fixed))
    assert row["id"] == extracted.id_in("doc-1") != _statement(stance="considering").id_in("doc-1")
    assert (row["stance"], row["corrected"], json.loads(row["corrections"])) == (
        "considering", 1, {"stance": "plans", "said_on": "2026-03-02"})
    assert "corrections" not in extracted.to_dict() and fixed.to_dict()["corrections"]["stance"] == "plans"


def test_document_and_event_rows_in_the_declared_order():
    doc = Document(id="doc-1", path="news/a.md", text="Orla Bikes will open a store in Malta.",
                   url="https://news.example/a?utm_source=x", published="2026-03-02")
    row = _row("documents", store.document_values(Extraction(doc), 1, 1))
    assert (row["id"], row["name"], row["published_year"], row["canonical_url"]) == (
        "doc-1", "a.md", 2026, "https://news.example/a")
    assert row["text_hash"] and json.loads(row["paths"]) == ["news/a.md"]
    e = Event(company="Orla Bikes", market="MT", kind="launch_event", date="2026-05", place="MT", product=None,
              quote="a store in Malta", quote_start=20, quote_end=36)
    row = _row("events", store.event_values("doc-1", e))
    assert (row["id"], row["date_precision"], row["date_year"], row["quote_end"]) == (e.id_in("doc-1"), "month",
                                                                                      2026, 36)


def test_a_declared_column_without_a_value_is_an_error(monkeypatch):
    e = Event(company="Orla Bikes", market="MT", kind="other", date=None, place=None, product=None,
              quote="a store", quote_start=0, quote_end=7)
    row = _row("events", store.event_values("doc-1", e))
    tables = {**TABLES, "events": {**TABLES["events"], "columns": {**TABLES["events"]["columns"], "extra": str}}}
    monkeypatch.setattr(store, "TABLES", tables)
    assert store._in_table_order("events")({**row, "extra": 1})[-1] == 1
    with pytest.raises(KeyError, match="extra"):
        store._in_table_order("events")(row)  # never a row one value short, shifted into other columns
