"""`wirewatch run` and `wirewatch digest`: the scheduler and the digest on the terminal."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from scheduler import JobOutcome, SchedulerOptions, WatchScheduler
from storage import Store
from wirewatch.output import plural
from wirewatch.stopping import stop_on_signals

logger = logging.getLogger(__name__)
MAX_PATHS_SHOWN = 3  # more digest files than this are summarised as a range of days


def describe(outcome: JobOutcome) -> str:
    """One line saying what a job did."""
    when = outcome.scheduled_for.strftime("%Y-%m-%d %H:%M")
    head = f"{when} {outcome.job_id}: {outcome.status}"
    if outcome.run is not None:
        stats = outcome.run.stats
        errors = sum(stats.get("errors", {}).values())
        claims = sum(stats.get(f"claims_{k}", 0) for k in ("new", "update", "corroboration"))
        head += (
            f" · run {outcome.run.id} · {plural(stats.get('pages_fetched', 0), 'page')}"
            f" · {stats.get('articles_new', 0)} new · {stats.get('articles_updated', 0)} updated"
            f" · {stats.get('pages_not_modified', 0)} not modified"
            f" · {plural(claims, 'new claim')} · {plural(errors, 'error')}"
        )
    if len(outcome.paths) > MAX_PATHS_SHOWN:
        days = sorted({Path(p).stem for p in outcome.paths})
        head += f" · {plural(len(outcome.paths), 'file')} for {days[0]} to {days[-1]} in "
        head += str(Path(outcome.paths[0]).parent)
    elif outcome.paths:
        head += " · " + ", ".join(outcome.paths)
    for sending in outcome.alerts:
        head += f" · {plural(sending.alerts, 'alert')} {sending.status} to {sending.target}"
        head += f" ({sending.error})" if sending.error else ""
    if outcome.error and outcome.status != "finished":
        head += f" · {outcome.error}"
    return head


def printer(fmt: str) -> Any:
    def report(outcome: JobOutcome) -> None:
        if fmt == "json":
            click.echo(json.dumps(outcome.to_json(), ensure_ascii=False))
        else:
            click.echo(describe(outcome))
        sys.stdout.flush()

    return report


def run_scheduler(
    watches: list[Any],
    store: Store,
    options: SchedulerOptions,
    once: bool,
    now: datetime | None,
) -> tuple[list[JobOutcome], list[int]]:
    """Open the schedule, then run due jobs once or serve until a signal; returns the
    outcomes (with --once) and the signals received."""
    scheduler = WatchScheduler(store, watches, options)
    message = (
        "wirewatch run: {signal} received, stopping "
        "(the crawl in progress ends cleanly; Ctrl-C again to stop waiting)"
    )
    with scheduler, stop_on_signals(scheduler.stop, message) as received:
        scheduler.open(now)
        if once:
            return scheduler.run_due(now), received
        for job in scheduler.jobs():
            next_run = (
                job.next_run_time.strftime("%Y-%m-%d %H:%M UTC") if job.next_run_time else "-"
            )
            click.echo(f"scheduled {job.id}: next run {next_run}", err=True)
        scheduler.serve()
        return [], received
