"""`wirewatch watch`: check watch files."""

from __future__ import annotations

import click

from watches import WatchError, load_watch
from wirewatch.edge import BadInput, WirewatchGroup
from wirewatch.options import check_targets
from wirewatch.output import plural


@click.group("watch", cls=WirewatchGroup)
def watch_group() -> None:
    """Check watch files."""


@watch_group.command("check")
@click.argument("watch_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def watch_check(watch_files: tuple[str, ...]) -> None:
    """Validate watch files without crawling anything.

    Example: wirewatch watch check seeds/*.toml
    """
    bad = 0
    for path in watch_files:  # every file is checked, and every problem said
        try:
            watch = load_watch(path)
            check_targets(watch)
        except (WatchError, BadInput) as exc:
            click.echo(f"Error: {exc.message if isinstance(exc, BadInput) else exc}", err=True)
            bad += 1
            continue
        sent = f", {plural(len(watch.notify), 'notify target')}" if watch.notify else ""
        rules = f", alerts: {', '.join(watch.alerts)}" if watch.alerts else ""
        click.echo(
            f"{path}: ok ({watch.name}: {plural(len(watch.seeds), 'seed')}, depth "
            f"{watch.depth}, max {plural(watch.max_pages, 'page')}{sent}{rules})"
        )
        if watch.alerts and not watch.notify:
            click.echo(f"{path}: note: alerts without notify targets are recorded (wirewatch "
                       "alerts list), not sent", err=True)  # fmt: skip
    if bad:
        raise BadInput(f"{plural(bad, 'watch file')} of {len(watch_files)} cannot be used")


# --- crawl -----------------------------------------------------------------------------------
