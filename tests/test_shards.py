"""Shards, the two halves of a build (issue 16): what `kb extract-batch` writes is what `kb load`
reads back, record for record; bad shards and lines are reported by name and the rest loaded."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ingest.records import Document, Event, Extraction, Statement
from kb.cli import cli
from kb.shards import from_json, read_shards, to_json, write_shard

ARTICLE = """---
id: {id}
title: Harrow Kettles eyes Chile
published: 2025-05-06
---

Harrow Kettles Ltd said on Tuesday it plans to enter Chile in {year}, its chief executive Lina Obrecht said.
"""


def test_an_extraction_survives_a_shard_unchanged(tmp_path):
    doc = Document(id="d1", path="in/d1.md", text="Some text ü.", title="T", published="2025-01-02",
                   meta={"record": 3, "tags": ["a", "b"]})
    st = Statement(company="Harrow Kettles", market="CL", stance="plans", speaker=None, speaker_role=None,
                   speaker_type="company", said_on="2025-01-02", target="2027", quote="q", quote_start=0,
                   quote_end=1, confidence=0.75, explain={"cue": "plans to enter"})
    st.corrections = {"target": "2026"}
    ev = Event(company="Harrow Kettles", market="CL", kind="launch_event", date="2025", place=None, product=None,
               quote="q", quote_start=0, quote_end=1)
    original = Extraction(doc, [st], [ev], {"Harrow Kettles": ["Harrow Kettles Ltd"]},
                          candidates=[{"dropped_by": "x"}])
    original.fingerprints()
    back = from_json(json.loads(json.dumps(to_json(original))))
    assert back.candidates == []  # traces are never kept
    original.candidates = []
    assert back == original
    write_shard([("in/d1.md", [original, "unchanged-id"], None)], tmp_path / "s.jsonl")
    [(path, items, problem)] = list(read_shards([tmp_path / "s.jsonl"]))
    assert (path, items, problem) == ("in/d1.md", [original], None)  # unchanged ids are not written


def test_kb_load_reports_bad_shards_and_lines_by_name_and_loads_the_rest(tmp_path):
    src = tmp_path / "articles"
    src.mkdir()
    for n in range(3):
        (src / f"a{n}.md").write_text(ARTICLE.format(id=f"harrow-{n}", year=2027 + n), encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "shards"
    assert runner.invoke(cli, ["extract-batch", str(src), "--out", str(out), "--workers", "1"]).exit_code == 0
    shard = out / "shard-00000.jsonl"
    lines = shard.read_text(encoding="utf-8").splitlines()
    shard.write_text("\n".join([lines[0], lines[1], '{"path": "x.md", "documents": [{"nope": 1}]}', *lines[2:]])
                     + "\n", encoding="utf-8")
    (out / "notes.jsonl").write_text('{"hello": "world"}\n', encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(cli, ["load", str(out), str(empty), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 1
    errors = sorted(line for line in result.output.splitlines() if line.startswith("error:"))
    assert len(errors) == 3, result.output
    assert errors[0].startswith(f"error: {empty}: no shards (*.jsonl) in this folder")
    assert errors[1].startswith(f"error: {out / 'notes.jsonl'}: not a kb shard")
    assert errors[2].startswith(f"error: {shard}:3: not a file's result")
    assert "documents: 3 new, 0 changed, 0 unchanged, 3 failed" in result.output


def test_extract_batch_will_not_mix_two_runs_in_one_folder(tmp_path):
    src = tmp_path / "articles"
    src.mkdir()
    (src / "a.md").write_text(ARTICLE.format(id="harrow-a", year=2027), encoding="utf-8")
    runner = CliRunner()
    args = ["extract-batch", str(src), "--out", str(tmp_path / "out"), "--workers", "1"]
    assert runner.invoke(cli, args).exit_code == 0
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert again.output.strip() == (f"Error: {tmp_path / 'out'}: already holds shards; write to an empty folder "
                                    "(or remove them), so that kb load does not mix two runs")
    assert not list(Path(tmp_path / "out").glob(".*"))  # no temporary file left behind
