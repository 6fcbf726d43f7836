"""The `kb` command line: build, serve, extract, export, timex."""
from __future__ import annotations

import click

from .timex_command import timex


@click.group()
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


cli.add_command(timex)
