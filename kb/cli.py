"""The `kb` command line: build, serve, extract, export, timex."""
from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import click

from .timex_command import timex
from .add_command import add
from .workers import DEFAULT_TIMEOUT, TIMEOUT_ENV

DEFAULT_DB = "kb.db"
db_option = click.option(
    "--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
    help="SQLite database file of the knowledge base.",
)


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
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes extracting in parallel (default: all cores).")
@click.option("--prune", is_flag=True, help="Also remove documents whose source file no longer exists.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary.")
@click.option("--corrections", "corrections_path", type=click.Path(dir_okay=False), default=None,
              help="Corrections file (default: corrections.yaml next to the database, if present).")
@click.option("--document-timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
              envvar=TIMEOUT_ENV, show_envvar=True, metavar="SECONDS",
              help="Seconds one document may take to read and extract; one that takes longer is reported "
                   "as failed (with its file and id) and the others are stored. 0: no limit.")
def build(paths: tuple[str, ...], db_path: str, workers: int | None, prune: bool, quiet: bool,
          corrections_path: str | None, document_timeout: float) -> None:
    """Ingest articles from files and folders (recursively) into the database.

    With no PATHS, ingests the bundled example articles. Reads Markdown or
    text with YAML front matter (id, title, url, publisher, author,
    published) and the other formats listed in the README.

    Incremental and idempotent: an unchanged document (same content hash)
    is skipped, a changed one replaces what it produced before, and a
    second run adds nothing. A file that cannot be read is reported with
    its reason and the rest goes on; the exit status is 1 if any failed.

    \b
    Examples:
      kb build
      kb build articles/ --db market.db
      kb build articles/ --prune
      kb build articles/ --corrections my-corrections.yaml

    Corrections (reject, fix or add statements; see the README) are applied
    on every build; a document whose corrections changed is extracted again.
    """
    import sqlite3

    from .build import EXAMPLES, BuildBusy, build_paths, iter_files
    from .corrections import CorrectionsError
    from .workers import WorkersFailed

    if not paths:
        paths = (str(EXAMPLES),)
    total = sum(1 for _ in iter_files(paths))
    show_progress = not quiet and total >= 50 and sys.stderr.isatty()
    errors: list[tuple[str, str]] = []

    with click.progressbar(length=total, label="Ingesting", file=sys.stderr,
                           hidden=not show_progress) as bar:
        def on_file(path: str, error: str | None) -> None:
            bar.update(1)
            if error:
                errors.append((path, error))
                if not show_progress:
                    click.echo(f"error: {path}: {error}", err=True)

        try:
            report = build_paths(paths, db_path, workers=workers, prune=prune, on_file=on_file,
                                 corrections=corrections_path, document_timeout=document_timeout)
        except (CorrectionsError, BuildBusy, WorkersFailed) as e:
            raise click.ClickException(str(e)) from None
        except sqlite3.Error as e:
            raise click.ClickException(_database_problem(db_path, e)) from None
        except OSError as e:
            if not _disk_full(e):
                raise
            raise click.ClickException(_database_problem(db_path, e)) from None
    if show_progress:
        for path, error in errors:
            click.echo(f"error: {path}: {error}", err=True)
    for path, error in report.errors:
        if (path, error) not in errors:
            click.echo(f"error: {path}: {error}", err=True)
    for path, warning in report.warnings:
        click.echo(f"warning: {path}: {warning}", err=True)
    click.echo(report.summary())
    if report.failed or report.corrections_failed:
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
        report = build_paths([EXAMPLES], db_path)
        click.echo(report.summary(), err=True)
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


EXPORT_FIELDS = [
    "document", "document_id", "id", "company", "market", "stance", "speaker", "speaker_role", "speaker_type",
    "said_on", "target", "target_qualifier", "quote", "quote_start", "quote_end", "confidence", "claim_id",
    "corrected", "corrections",
]


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
    from .export import export_rows

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
        raise click.ClickException(_database_problem(db_path, e)) from None
    output.flush()  # here, so that a closed pipe (`kb export | head`) is met inside the command


def _database_problem(db_path: str, e: Exception) -> str:
    """One line for an SQLite error on the database file, naming it and what to do."""
    text = str(e)
    if _disk_full(e):
        return (f"{db_path}: the disk is full ({text}); free some space, then run `kb build --db {db_path}` "
                "again: what was stored is kept and that build finishes it")
    if "locked" in text or "busy" in text:
        return f"{db_path}: the database is locked by another program writing to it; try again when it is done"
    if "not a database" in text or "malformed" in text:
        return f"{db_path}: not a readable SQLite database ({text}); move it aside and run `kb build --db {db_path}`"
    return f"{db_path}: database error: {text}"


def _disk_full(e: BaseException) -> bool:
    import errno
    import sqlite3

    if isinstance(e, OSError):
        return e.errno == errno.ENOSPC
    return getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(e)


cli.add_command(timex)
cli.add_command(add)
