"""`kb timex`: print the temporal expressions in a text as JSON lines."""
from __future__ import annotations

import datetime as dt
import json
import sys

import click

from ingest.timex import tag


def _check_dct(value: str | None, where: str) -> str | None:
    """The date (YYYY-MM-DD) of an ISO date or date-time: `1990-08-15T13:37` is 1990-08-15 (the
    date as written, whatever its time zone)."""
    if value is None or value == "":
        return None
    try:
        return dt.datetime.fromisoformat(str(value).strip()).date().isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or an ISO date-time "
                                 f"(YYYY-MM-DDTHH:MM)", param_hint=where) from None


def _dct_callback(ctx, param, value):
    return _check_dct(value, "'--dct'")


@click.command(
    epilog="""\b
Examples:
  echo "Xiaomi said on Tuesday it will enter the US next year." | kb timex --dct 2026-02-20
  {"start": 15, "end": 22, "text": "Tuesday", "type": "DATE", "value": "2026-02-17"}
  {"start": 44, "end": 53, "text": "next year", "type": "DATE", "value": "2027"}

  kb timex --batch stories.jsonl > timexes.jsonl
"""
)
@click.option("--dct", callback=_dct_callback, metavar="YYYY-MM-DD",
              help="Document creation (publication) date that relative expressions are resolved against; "
                   "an ISO date-time (1990-08-15T13:37) counts as its date. "
                   "Without it, values that need it stay partial (XXXX-02-10).")
@click.option("--batch", "batch", type=click.File("r", encoding="utf-8"), metavar="INPUT.jsonl",
              help='Tag many documents: each line {"doc": ..., "dct": "YYYY-MM-DD", "text": ...} '
                   '(dct may be an ISO date-time); each output line also carries "doc".')
@click.argument("file", required=False, type=click.File("r", encoding="utf-8"))
def timex(dct: str | None, batch, file) -> None:
    """Tag temporal expressions (TIMEX3) in FILE, or standard input, and print one JSON object per line
    (start, end, text, type, value; offsets are character offsets into the text)."""
    if batch is not None:
        if file is not None:
            raise click.UsageError("give either --batch INPUT.jsonl or FILE, not both")
        for n, line in enumerate(batch, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise click.ClickException(f"--batch line {n}: not JSON ({e.msg})") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise click.ClickException(f'--batch line {n}: expected an object with a "text" string')
            doc_dct = _check_dct(rec.get("dct"), f"'dct' on --batch line {n}") if rec.get("dct") else dct
            for t in tag(rec["text"], doc_dct):
                click.echo(json.dumps({"doc": rec.get("doc"), **t.to_dict()}, ensure_ascii=False))
        return
    text = (file or sys.stdin).read()
    for t in tag(text, dct):
        click.echo(json.dumps(t.to_dict(), ensure_ascii=False))
