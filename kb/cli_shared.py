"""What the `kb` commands share: options declared once, build progress, and the report printer."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from .workers import DEFAULT_TIMEOUT, TIMEOUT_ENV

DEFAULT_DB = "kb.db"

db_option = click.option(
    "--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
    help="SQLite database file of the knowledge base.",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary.")
corrections_option = click.option(
    "--corrections", "corrections_path", type=click.Path(dir_okay=False), default=None,
    help="Corrections file (default: corrections.yaml next to the database, if present).",
)
workers_option = click.option("--workers", type=click.IntRange(min=1), default=None,
                              help="Processes extracting in parallel (default: all cores; with --scheduler "
                                   "local, the Dask workers).")
document_timeout_option = click.option(
    "--document-timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
    envvar=TIMEOUT_ENV, show_envvar=True, metavar="SECONDS",
    help="Seconds one document may take to read and extract; one that takes longer is reported "
         "as failed (with its file and id) and the others are stored. 0: no limit.",
)
scheduler_option = click.option(
    "--scheduler", metavar="ADDRESS", default=None,
    help="Extract on Dask: a scheduler's address (tcp://HOST:8786; every worker must see the same "
         "paths) or 'local' for a LocalCluster on this machine. Needs pip install 'market-entry-kb[dask]'.",
)


@contextmanager
def progress(total: int, quiet: bool, label: str) -> Iterator[tuple[Callable[[str, str | None], None], list]]:
    """A progress bar on a terminal (for 50 items or more, unless quiet) and the `on_file`
    callback that moves it and prints each error (after the bar, when there is one); yields
    (on_file, the (path, error) pairs printed)."""
    show = not quiet and total >= 50 and sys.stderr.isatty()
    errors: list[tuple[str, str]] = []
    with click.progressbar(length=total, label=label, file=sys.stderr, hidden=not show) as bar:
        def on_file(path: str, error: str | None) -> None:
            bar.update(1)
            if error:
                errors.append((path, error))
                if not show:
                    click.echo(f"error: {path}: {error}", err=True)

        yield on_file, errors
    if show:
        for path, error in errors:
            click.echo(f"error: {path}: {error}", err=True)


def print_report(report, shown: list[tuple[str, str]] = (), name: Callable[[str], str] = str,
                 err: bool = False) -> bool:
    """Print a build's errors not shown yet, its warnings and its summary (kb.build.BuildReport);
    `name(path)` says how to name a file. True when something failed (exit status 1)."""
    shown = set(shown)
    for path, error in report.errors:
        if (path, error) not in shown:
            click.echo(f"error: {name(path)}: {error}", err=True)
    for path, warning in report.warnings:
        click.echo(f"warning: {name(path)}: {warning}", err=True)
    click.echo(report.summary(), err=err)
    return bool(report.failed or report.corrections_failed)


def storing(db_path: str, run):
    """run(), with its expected failures as one-line errors naming the database and the fix."""
    import sqlite3

    from .build import BuildBusy
    from .cluster import SchedulerProblem
    from .corrections import CorrectionsError
    from .extract_batch import ShardsExist
    from .workers import WorkersFailed

    try:
        return run()
    except (CorrectionsError, BuildBusy, WorkersFailed, SchedulerProblem, ShardsExist) as e:
        raise click.ClickException(str(e)) from None
    except sqlite3.Error as e:
        raise click.ClickException(database_problem(db_path, e)) from None
    except OSError as e:
        if not _disk_full(e):
            raise
        raise click.ClickException(database_problem(db_path, e)) from None


def database_problem(db_path: str, e: Exception) -> str:
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
