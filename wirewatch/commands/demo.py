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
@click.option(
    "--notify",
    "targets",
    multiple=True,
    metavar="URL",
    help="Send each day's digest here as the scheduler writes it (repeatable): an "
    "smtp:// email target or an Apprise URL, as the watch key notify takes them.",
)
def demo(db_url: str | None, port: int | None, workers: int | None, digest_dir: str,
         targets: tuple[str, ...]) -> None:  # fmt: skip
    """Replay the North Korean troops story on the offline newsroom, day by day.

    Starts the newsroom (ten outlets on 127.0.0.11-20) at its first day and runs the
    scheduler in accelerated time over its five days: each morning the re-crawl and
    the digest jobs run, then the day's new articles, updated articles (with the
    sentences added and removed), new claims and changed figures are printed. Ends by
    writing the digest of every day (Markdown, HTML, JSON) and the watch's Atom feed,
    and printing their paths.

    \b
    Examples:
      wirewatch demo
      wirewatch demo --notify 'smtp://127.0.0.1:1025?from=ww@example.org&to=me@example.org'
    """
    from wirewatch.demo import run_demo
    from wirewatch.options import check_notify_options

    check_notify_options(targets)
    run_demo(db_url, port, workers, Path(digest_dir), targets)
