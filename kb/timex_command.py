"""`kb timex`: print the temporal expressions in a text as JSON lines."""
from __future__ import annotations

import click


@click.command()
def timex() -> None:
    """Tag temporal expressions (TIMEX3) in a text. (Being built.)"""
    raise click.ClickException("not implemented yet")
