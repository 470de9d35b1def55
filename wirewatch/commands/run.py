"""`wirewatch run`: the scheduler."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from wirewatch.edge import BadInput, WirewatchCommand, WirewatchError, log_level
from wirewatch.options import (
    DB_OPTION,
    LOG_FILE_OPTION,
    PROGRESS_OPTION,
    REDIS_OPTION_HELP,
    WORKERS_OPTION,
    check_watches,
    default_watch_files,
    load_watch_or_fail,
    open_store,
    table_or_json_option,
)


@click.command("run", cls=WirewatchCommand)
@click.argument("watch_files", nargs=-1, type=click.Path(dir_okay=False))
@DB_OPTION
@click.option(
    "--once",
    is_flag=True,
    help="Run every job that is due now once, then exit (for cron and for tests).",
)
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
    default=None,
    help="With --once: act as if it were this UTC time, e.g. 2024-10-23T08:00 "
    "(replaying days of a story).",
)
@click.option(
    "--digest-dir",
    type=click.Path(file_okay=False),
    default="digests",
    show_default=True,
    help="Where the daily digest jobs write their files.",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    default=".wirewatch",
    show_default=True,
    help="Where a crawl cut short by a shutdown keeps its pending requests, so that the "
    "next start carries on from them.",
)
@table_or_json_option("One line per job run: text, or a JSON object (JSON lines).")
@WORKERS_OPTION
@LOG_FILE_OPTION
@PROGRESS_OPTION
@click.option(
    "--redis",
    "redis_url",
    envvar="WIREWATCH_REDIS",
    default=None,
    help="Queue each re-crawl for the `wirewatch worker` processes sharing this Redis "
    "instead of crawling here, and wait for them to finish it. " + REDIS_OPTION_HELP,
)
def run(watch_files: tuple[str, ...], db_url: str, once: bool, now: Any, digest_dir: str,
        state_dir: str, fmt: str, workers: int | None, log_file: str | None,
        progress: bool | None, redis_url: str | None) -> None:  # fmt: skip
    """Re-crawl watches on their intervals and write their daily digests.

    WATCH_FILES default to every seeds/*.toml. Each watch gets a re-crawl job every
    recrawl_interval (the first one at once) and a digest job at digest_time (UTC)
    that writes the previous day's digest. The schedule is kept in the database, so a
    restart carries on where it was; missed runs are run once, not once per miss; a
    crawl cut short by a shutdown is run again at the next start.

    Runs until SIGINT or SIGTERM: the crawl in progress then stops cleanly, what it
    stored stays, and its run is marked interrupted. With --once, runs the jobs that
    are due and exits (exit code 1 if one failed).

    \b
    With --redis, each re-crawl is queued for `wirewatch worker` processes (on this
    machine or others) and the scheduler waits for them to finish it.

    \b
    Examples:
      wirewatch run                                  # all watches, until stopped
      wirewatch run seeds/demo.toml --once           # from cron, every few minutes
      wirewatch run --db postgresql+psycopg://wirewatch@db/wirewatch --redis redis://cache:6379/0
    """
    from scheduler import SchedulerError, SchedulerOptions
    from wirewatch.crawling import CrawlProgress
    from wirewatch.schedule_cmd import printer, run_scheduler

    if now is not None and not once:
        raise BadInput("--now only works with --once (the long-running scheduler uses the clock)")
    watches = [load_watch_or_fail(path) for path in watch_files or default_watch_files()]
    options = SchedulerOptions(
        digest_dir=Path(digest_dir),
        state_dir=Path(state_dir),
        crawl_settings={} if workers is None else {"WIREWATCH_EXTRACTION_WORKERS": workers},
        log_level=log_level(),
        log_file=log_file,
        on_outcome=printer(fmt),
        redis_url=redis_url,
    )
    show = sys.stderr.isatty() if progress is None else progress
    with open_store(db_url) as store:
        check_watches(watches, store)
        try:
            with CrawlProgress(show) as display:
                options.on_crawl_event = display.on_event
                outcomes, received = run_scheduler(watches, store, options, once, now)
        except SchedulerError as exc:
            raise WirewatchError(str(exc)) from exc
    if received:
        sys.exit(130 if received[0] == 2 else 0)
    if any(o.status == "failed" for o in outcomes):
        sys.exit(1)
    if once and not outcomes:
        # said to a person at a terminal; from cron, silence (or -v) is what is wanted
        if sys.stderr.isatty():
            click.echo("nothing was due", err=True)
        logging.getLogger("wirewatch").info("nothing was due")
