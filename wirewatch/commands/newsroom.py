"""`wirewatch newsroom`: the offline newsroom."""

from __future__ import annotations

import click

from newsroom.stories import DAYS as NEWSROOM_DAYS
from wirewatch.edge import WirewatchGroup


@click.group(cls=WirewatchGroup)
def newsroom() -> None:
    """The offline newsroom: local news sites for tests and the demo."""


@newsroom.command("serve")
@click.option(
    "--day",
    type=click.IntRange(0, len(NEWSROOM_DAYS) - 1),
    default=None,
    help=f"Newsroom day to serve, 0-{len(NEWSROOM_DAYS) - 1} ({NEWSROOM_DAYS[0]} to "
    f"{NEWSROOM_DAYS[-1]}; default: the last).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port for every outlet (default 8931; 0 picks free ports).",
)
def newsroom_serve(day: int | None, port: int | None) -> None:
    """Serve the newsroom until interrupted, and print its outlets' URLs.

    Each outlet listens on its own loopback address (127.0.0.11, .12, ...).

    Example: wirewatch newsroom serve --day 2
    """
    from wirewatch.demo import serve_newsroom

    serve_newsroom(day, port)
