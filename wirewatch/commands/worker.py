"""`wirewatch worker`: one worker of the fleet."""

from __future__ import annotations

from typing import Any

import click

from wirewatch.edge import WirewatchCommand, log_level
from wirewatch.options import (
    DB_OPTION,
    LOG_FILE_OPTION,
    PROGRESS_OPTION,
    REDIS_OPTION_HELP,
    WORKERS_OPTION,
    table_or_json_option,
)


@click.command(cls=WirewatchCommand)
@DB_OPTION
@click.option("--redis", "redis_url", envvar="WIREWATCH_REDIS", required=True,
              help=REDIS_OPTION_HELP)  # fmt: skip
@click.option(
    "--name",
    default=None,
    help="This worker's name, unique among the running workers (default: HOST-PID). The "
    "requests a dead worker held go back to the frontier when its heartbeat lapses (10 "
    "s): taken back by the others, or by itself when restarted under the same name.",
)
@click.option(
    "--watch",
    "watch_names",
    multiple=True,
    help="Only work on runs of this watch (repeatable; default: every watch).",
)
@click.option(
    "--once", is_flag=True, help="Work on the runs waiting now, then exit (tests, batch jobs)."
)
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
    default=None,
    help="Act as if it were this UTC time (replaying days of a story, like run --now).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Requests this worker keeps in flight (it takes that many from the shared "
    "frontier at a time; still at most two per site).",
)
@table_or_json_option("One line per run worked on: text, or a JSON object (JSON lines).")
@WORKERS_OPTION
@LOG_FILE_OPTION
@PROGRESS_OPTION
def worker(db_url: str, redis_url: str, name: str | None, watch_names: tuple[str, ...],
           once: bool, now: Any, concurrency: int, fmt: str, workers: int | None,
           log_file: str | None, progress: bool | None) -> None:  # fmt: skip
    """Crawl the runs `wirewatch run --redis` queues, together with other workers.

    Workers on one machine or several share each watch's frontier, its page budget and
    its seen-page set in Redis, and one story index in the database, so the articles,
    clusters and claims are the same as one process would store. A worker killed
    mid-crawl loses nothing: the requests it held go back to the frontier. Runs until
    SIGINT or SIGTERM (the requests in flight finish first), or with --once until no
    run is waiting.

    \b
    Example, three workers and a scheduler on PostgreSQL and Redis:
      export WIREWATCH_DB=postgresql+psycopg://wirewatch@db/wirewatch
      export WIREWATCH_REDIS=redis://cache:6379/0
      wirewatch worker --name w1 &  wirewatch worker --name w2 &  wirewatch worker --name w3 &
      wirewatch run
    """
    from wirewatch.worker_cmd import serve

    settings: dict[str, Any] = {"CONCURRENT_REQUESTS": concurrency}
    if workers is not None:
        settings["WIREWATCH_EXTRACTION_WORKERS"] = workers
    serve(db_url, redis_url, name, watch_names, once, now, fmt, settings, log_level(), log_file,
          progress)  # fmt: skip
