"""`wirewatch worker` on the terminal: serve queued runs until stopped."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from datetime import datetime
from typing import Any

import click
from redis.exceptions import RedisError

from crawler.runner import CrawlOptions
from fleet.keys import connect, default_worker_name, redact
from fleet.service import WorkerOptions, serve_worker
from storage import Store
from storage.store import RunInfo
from wirewatch.stopping import stop_on_signals


def serve(db_url: str, redis_url: str, name: str | None, watch_names: tuple[str, ...],
          once: bool, now: datetime | None, fmt: str, crawl_settings: dict[str, Any],
          log_level: str, log_file: str | None, progress: bool | None) -> None:  # fmt: skip
    from wirewatch.crawling import CrawlProgress

    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    name = name or default_worker_name()
    stop = threading.Event()
    show = sys.stderr.isatty() if progress is None else progress
    message = (
        f"wirewatch worker {name}: {{signal}} received, stopping (requests in flight finish first)"
    )
    # the store's errors become messages at the edge (wirewatch.edge); Redis is checked
    # at once too, rather than in the middle of a crawl
    with Store.open(db_url) as store:
        _check_redis(redis_url)
        with CrawlProgress(show) as display, stop_on_signals(stop.set, message) as received:
            crawl = CrawlOptions(
                on_event=lambda event: display.on_event(name, event), settings=crawl_settings,
                log_level="DEBUG" if log_level == "DEBUG" else "WARNING", log_file=log_file,
                now=now,
            )  # fmt: skip
            options = WorkerOptions(name=name, watches=watch_names, once=once, crawl=crawl,
                                    on_run=_printer(fmt, name))  # fmt: skip
            serve_worker(store, redis_url, options, stop)
    if received:
        sys.exit(130 if received[0] == signal.SIGINT else 0)


def _check_redis(redis_url: str) -> None:
    """Fail at once, saying so."""
    try:
        connect(redis_url).ping()
    except (RedisError, ValueError) as exc:
        raise click.ClickException(f"cannot reach Redis at {redact(redis_url)}: {exc}") from exc


def _printer(fmt: str, name: str) -> Any:
    def report(run: RunInfo, exit_code: int) -> None:
        if fmt == "json":
            record = {"worker": name, "run": run.id, "watch": run.watch, "status": run.status,
                      "exit_code": exit_code, "stats": run.stats}  # fmt: skip
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            pages = run.stats.get("pages_fetched", 0)
            done = f" · {pages} pages in all" if run.status != "running" else ""
            click.echo(f"worker {name}: run {run.id} ({run.watch}) {run.status}{done}")
        sys.stdout.flush()

    return report
