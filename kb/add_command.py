"""`kb add URL...`: fetch pages into the sources folder, then ingest them like `kb build`."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_shared import db_option, print_report, storing
from .fetch import DEFAULT_MAX_BYTES, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT, MissingPackage, fetch_all


@click.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@db_option
@click.option("--sources", "sources", default=None, type=click.Path(file_okay=False),
              help="Folder to save fetched pages in (default: sources/ next to the database).")
@click.option("--timeout", default=DEFAULT_TIMEOUT, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds to wait for a connection or for data.")
@click.option("--max-size", "max_mb", default=DEFAULT_MAX_BYTES / 2**20, show_default=True,
              type=click.FloatRange(min=0.01), help="Largest page to download, in MB.")
@click.option("--fetch-only", is_flag=True, help="Only save the pages; do not ingest them.")
def add(urls: tuple[str, ...], db_path: str, sources: str | None, timeout: float, max_mb: float,
        fetch_only: bool) -> None:
    """Fetch web pages, feeds or JSON by URL and add them to the knowledge base.

    Each URL is downloaded (http and https only; HTML, RSS/Atom, JSON or
    plain text; PDFs and other types are refused) into the sources folder
    under a name derived from the URL, so adding the same URL again
    replaces its earlier copy. The saved files are then ingested exactly
    as `kb build` would. A URL that fails (timeout, HTTP error, wrong
    type, too large) is reported with its reason and the others go on;
    the exit status is 1 if any URL, file or correction failed.

    \b
    Examples:
      kb add https://example.com/news/acme-enters-japan
      kb add https://example.com/feed.rss --db market.db --sources saved/
    """
    folder = Path(sources) if sources else Path(db_path).resolve().parent / "sources"
    try:
        results = fetch_all(urls, folder, timeout=timeout, max_bytes=int(max_mb * 2**20),
                            max_redirects=DEFAULT_MAX_REDIRECTS)
    except MissingPackage as e:
        raise click.ClickException(str(e)) from None
    saved: list[Path] = []
    url_of: dict[str, str] = {}
    failed = 0
    for url, fetched, error in results:
        if error:
            failed += 1
            click.echo(f"error: {url}: {error}", err=True)
        else:
            if str(fetched.path) not in url_of:  # the same URL given twice is one file
                saved.append(fetched.path)
            url_of[str(fetched.path)] = url
            click.echo(f"fetched {url} -> {fetched.path} ({fetched.content_type or 'unknown type'}, "
                       f"{fetched.size} bytes)")
    click.echo(f"URLs: {len(saved)} fetched, {failed} failed")
    if saved and not fetch_only:
        from .build import BuildBusy, build_paths  # imported here: building pulls in the whole extraction pipeline

        def ingest():
            try:
                return build_paths(saved, db_path, workers=1)
            except BuildBusy as e:  # the pages are saved: a later `kb build` of the folder stores them
                raise BuildBusy(f"{e} (the fetched pages are saved in {folder})") from None

        report = storing(db_path, ingest)
        if print_report(report, name=lambda path: f"{url_of[path]} (saved as {path})" if path in url_of else path):
            failed += 1
    if failed:
        sys.exit(1)
