"""`wirewatch demo`: the story replayed on the offline newsroom."""

from __future__ import annotations

from pathlib import Path

import click

from wirewatch.edge import WirewatchCommand


@click.command(cls=WirewatchCommand)
@click.option(
    "--db",
    "db_url",
    default=None,
    help="Database URL for the demo (default: ./demo.db, recreated on every run). "
    "It must not hold the demo watch already: the demo replays the story from day one.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Newsroom port (default 8931, as in seeds/demo.toml).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=None,
    help="Extraction worker processes (default 0: inline, one page at a time, so that "
    "every replay stores the same ids and writes the same digests).",
)
@click.option(
    "--digest-dir",
    type=click.Path(file_okay=False),
    default="digests",
    show_default=True,
    help="Where to write the digests of the newsroom's days.",
)
def demo(db_url: str | None, port: int | None, workers: int | None, digest_dir: str) -> None:
    """Replay the North Korean troops story on the offline newsroom, day by day.

    Starts the newsroom (ten outlets on 127.0.0.11-20) at its first day and runs the
    scheduler in accelerated time over its five days: each morning the re-crawl and
    the digest jobs run, then the day's new articles, updated articles (with the
    sentences added and removed), new claims and changed figures are printed. Ends by
    writing the digest of every day (Markdown, HTML, JSON) and printing their paths.

    Example: wirewatch demo
    """
    from wirewatch.demo import run_demo

    run_demo(db_url, port, workers, Path(digest_dir))
