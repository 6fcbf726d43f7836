"""The `kb` command line: build, serve, extract, export, timex."""
from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import click

from .add_command import add
from .cli_shared import (corrections_option, database_problem, db_option, document_timeout_option, print_report,
                         progress, quiet_option, scheduler_option, storing, workers_option)
from .timex_command import timex


def _drop_stdout() -> None:
    """Send whatever is still to be written to standard output to /dev/null: its reader is gone,
    and Python's final flush would otherwise print a BrokenPipeError."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (click's test runner)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


class KbGroup(click.Group):
    """The `kb` group: `-h` is help for every command, and a reader that stops reading
    (`kb export | head`) ends the command quietly with status 0: it had what it wanted."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _drop_stdout()
            ctx.exit(0)
        finally:
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                _drop_stdout()
            except (OSError, ValueError):
                pass


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="market-entry-kb")
def cli() -> None:
    """Market-entry timeline knowledge base.

    Turn news articles into dated, sourced statements about companies
    entering (or refusing to enter) markets, store them in SQLite and
    browse them in Datasette.

    \b
    Quick start:
      kb build              # ingest the bundled example articles into kb.db
      kb serve              # browse them at http://127.0.0.1:8001/
      kb build my-articles/ # add your own (Markdown with front matter, ...)
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@db_option
@workers_option
@scheduler_option
@click.option("--prune", is_flag=True, help="Also remove documents whose source file no longer exists.")
@quiet_option
@corrections_option
@document_timeout_option
def build(paths: tuple[str, ...], db_path: str, workers: int | None, scheduler: str | None, prune: bool,
          quiet: bool, corrections_path: str | None, document_timeout: float) -> None:
    """Ingest articles from files and folders (recursively) into the database.

    With no PATHS, ingests the bundled example articles. Reads Markdown or
    text with YAML front matter (id, title, url, publisher, author,
    published) and the other formats listed in the README.

    Incremental and idempotent: an unchanged document (same content hash)
    is skipped, a changed one replaces what it produced before, and a
    second run adds nothing. A file that cannot be read is reported with
    its reason and the rest goes on; the exit status is 1 if any failed.

    A build is `kb extract-batch` and `kb load` in one: extraction in
    worker processes (or on Dask with --scheduler), storing in this one.

    \b
    Examples:
      kb build
      kb build articles/ --db market.db
      kb build articles/ --prune
      kb build articles/ --corrections my-corrections.yaml
      kb build /shared/articles/ --scheduler tcp://scheduler-host:8786

    Corrections (reject, fix or add statements; see the README) are applied
    on every build; a document whose corrections changed is extracted again.
    """
    from .build import EXAMPLES, build_paths, iter_files

    if not paths:
        paths = (str(EXAMPLES),)
    with progress(sum(1 for _ in iter_files(paths)), quiet, "Ingesting") as (on_file, shown):
        report = storing(db_path, lambda: build_paths(
            paths, db_path, workers=workers, prune=prune, on_file=on_file, corrections=corrections_path,
            document_timeout=document_timeout, scheduler=scheduler))
    if print_report(report, shown):
        sys.exit(1)


@cli.command("extract-batch")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the shards in (created if needed; shard-NNNNN.jsonl).")
@click.option("--shard-size", default=1000, show_default=True, type=click.IntRange(min=1),
              help="Files per shard.")
@workers_option
@scheduler_option
@quiet_option
@document_timeout_option
def extract_batch(paths: tuple[str, ...], out_dir: str, shard_size: int, workers: int | None,
                  scheduler: str | None, quiet: bool, document_timeout: float) -> None:
    """Extract statements from files and folders into JSON Lines shards, without a database.

    The first half of `kb build`: the same reading and extraction (worker
    processes, or Dask with --scheduler), written to shards that `kb load`
    stores. Run it wherever the articles and the cores are (one folder per
    machine or job), then load the shards into one database. A file that
    cannot be read is reported with its reason, and in the shard, so that
    `kb load` reports it too; the exit status is 1 if any failed.

    Shards hold every document extracted (no database, so nothing is known
    to be unchanged): `kb load` skips the ones already stored.

    \b
    Examples:
      kb extract-batch articles/2024/ --out shards/2024/
      kb extract-batch /shared/articles/ --out shards/ --scheduler local
      kb load shards/ --db market.db
    """
    from .build import iter_files
    from .extract_batch import write_batches

    with progress(sum(1 for _ in iter_files(paths)), quiet, "Extracting") as (on_file, shown):
        report = storing(out_dir, lambda: write_batches(
            paths, out_dir, shard_size=shard_size, workers=workers, scheduler=scheduler,
            document_timeout=document_timeout, on_file=on_file))
    if print_report(report, shown):
        sys.exit(1)


@cli.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True))
@db_option
@quiet_option
@corrections_option
def load(shards: tuple[str, ...], db_path: str, quiet: bool, corrections_path: str | None) -> None:
    """Store the shards written by `kb extract-batch` in the database.

    SHARDS are folders of shards (their *.jsonl files, in name order) or
    shard files. The second half of `kb build`, with the same results: an
    unchanged document (same content hash) is skipped, each document is
    stored whole or not at all, corrections are applied, and files the
    extraction could not read are reported by name (exit status 1).

    \b
    Examples:
      kb load shards/ --db market.db
      kb load shards/2024/ shards/2025/shard-00003.jsonl
    """
    from .build import load_shards
    from .shards import count_results, shard_files

    with progress(count_results(shard_files(shards)), quiet, "Loading") as (on_file, shown):
        report = storing(db_path, lambda: load_shards(shards, db_path, on_file=on_file,
                                                       corrections=corrections_path))
    if print_report(report, shown):
        sys.exit(1)


@cli.command()
@db_option
@click.option("--port", "-p", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to serve on (0 picks a free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Host to bind to (0.0.0.0 for every interface).")
@click.option("--open", "open_browser", is_flag=True, help="Open a browser at the knowledge base.")
@click.option("--immutable", is_flag=True,
              help="Serve the database read-only, for a knowledge base that no longer changes: Datasette "
                   "skips its change checks and takes table counts from DB.inspect.json (written next to "
                   "the database when missing or older than it).")
def serve(db_path: str, port: int, host: str, open_browser: bool, immutable: bool) -> None:
    """Browse the knowledge base in Datasette.

    If the database does not exist yet it is first built from the bundled
    examples, so a newcomer sees data at once.

    \b
    Examples:
      kb serve
      kb serve --db market.db --port 8080
      kb serve --db market.db --immutable
    """
    from .build import EXAMPLES, BuildBusy, BuildUnfinished, build_paths, ensure_finished
    from .datasette_app import NotImmutable, immutable_inspect_file, port_problem, serve_args

    problem = port_problem(host, port)  # before building: say it at once, not after uvicorn starts
    if problem:
        raise click.ClickException(problem)
    if not Path(db_path).exists():
        click.echo(f"{db_path} does not exist yet: building it from the examples in {EXAMPLES}", err=True)
        print_report(build_paths([EXAMPLES], db_path), err=True)
    try:  # a build killed before its end left stale search, claims, counts: finish it first
        note = ensure_finished(db_path, while_building="refuse" if immutable else "allow")
    except (BuildBusy, BuildUnfinished) as e:
        raise click.ClickException(str(e)) from None
    if note:
        click.echo(f"note: {note}", err=True)
    inspect_file = None
    if immutable:
        try:
            inspect_file = immutable_inspect_file(db_path)
        except NotImmutable as e:
            raise click.ClickException(str(e)) from None
    from datasette import cli as datasette_cli

    args = serve_args(db_path, port=port, host=host, open_browser=open_browser, inspect_file=inspect_file)
    datasette_cli.cli.main(args=args, prog_name="kb serve", standalone_mode=True)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--explain", is_flag=True,
              help="Show which cue, market alias, company and date rule produced each statement, and list the "
                   "candidates the filters dropped (each with the filter's name).")
def extract(file: str, explain: bool) -> None:
    """Print the statements and events found in one document as JSON.

    Touches no database: use it to see what `kb build` would store.

    \b
    Example:
      kb extract kb/examples/xiaomi-2026-us-and-europe.md --explain
    """
    from ingest.extract import extract as extract_document
    from ingest.readers import read_path
    from ingest.records import ReadError

    try:
        documents = read_path(file)
    except ReadError as e:
        raise click.ClickException(f"{file}: {e}")
    out = []
    for doc in documents:
        result = extract_document(doc, trace=explain)
        statements = []
        for s in result.statements:
            row = s.to_dict()
            if not explain:
                row.pop("explain")
            statements.append(row)
        entry = {
            "document": doc.name, "document_id": doc.id, "title": doc.title, "published": doc.published,
            "statements": statements, "events": [e.to_dict() for e in result.events],
        }
        if explain:
            entry["dropped"] = [{k: v for k, v in c.items() if v not in (None, [], False) or k == "dropped_by"}
                                for c in result.candidates if c["dropped_by"]]
        out.append(entry)
    click.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2, ensure_ascii=False))


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="Write to this file instead of standard output.")
@click.option("--corrections", "corrections", type=click.Choice(["include", "exclude", "only"]),
              default="include", show_default=True,
              help="Corrected and added statements: include them, leave them out, or export only them.")
def export(db_path: str, fmt: str, output, corrections: str) -> None:
    """Export every statement with the spec's fields plus its document.

    Each row has the fields of the data model (docs/data-model.md), plus `document`
    (the source file's name), `document_id`, the statement `id`, the
    quote's character offsets in the document text, and `claim_id` (the
    claim across sources it belongs to: the claims table), `corrected` (1 when
    the corrections file changed or added the statement) and `corrections`
    (JSON: field -> value before the correction).

    \b
    Examples:
      kb export > statements.jsonl
      kb export --format csv -o statements.csv
    """
    from .build import BuildBusy, BuildUnfinished, ensure_finished
    from .export import EXPORT_FIELDS, export_rows

    if not Path(db_path).exists():
        raise click.BadParameter(f"{db_path} does not exist; run `kb build --db {db_path}` first",
                                 param_hint="--db")
    try:  # never export what a killed or running build left half-done
        note = ensure_finished(db_path, while_building="refuse")
    except (BuildBusy, BuildUnfinished) as e:
        raise click.ClickException(str(e)) from None
    if note:
        click.echo(f"note: {note}", err=True)
    import sqlite3

    rows = export_rows(db_path, corrections=corrections)  # read-only: writes nothing to the database
    try:
        if fmt == "jsonl":
            for row in rows:
                output.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(output, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
    except sqlite3.Error as e:
        raise click.ClickException(database_problem(db_path, e)) from None
    output.flush()  # here, so that a closed pipe (`kb export | head`) is met inside the command


cli.add_command(timex)
cli.add_command(add)
