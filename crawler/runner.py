"""Running one crawl of a watch.

Each crawl runs in a child process. Twisted's reactor cannot be restarted within a
process, and the scheduler (and the CLI test runner) start many crawls in one process;
a child per crawl also means a crash or a leak in one crawl cannot take the caller down.
Progress comes back over a multiprocessing queue.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue as queue_module
import signal
from collections.abc import Callable
from datetime import datetime
from typing import Any

from crawler.revisit import RevisitPlan, plan_revisits
from crawler.watch import Watch
from storage import Store
from storage.store import RunInfo

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[dict[str, Any]], None]

# How long a crawl may take to stop after SIGINT before it is killed.
SHUTDOWN_GRACE_SECONDS = 30


def run_crawl(
    watch: Watch,
    db_url: str,
    on_event: ProgressCallback | None = None,
    settings: dict[str, Any] | None = None,
    log_level: str = "WARNING",
    log_file: str | None = None,
    now: datetime | None = None,
) -> RunInfo:
    """Crawl a watch once, store what was found, and return the run's record.

    `now` (naive UTC) runs the crawl as if at that moment: every stored time and the
    revisit schedule use it (tests and the demo replay the newsroom's days this way).
    """
    store = Store.open(db_url) if now is None else Store.open(db_url, clock=lambda: now)
    try:
        watch_id = store.ensure_watch(watch.name, watch.to_config())
        run_id = store.start_run(watch_id)
        revisit = plan_revisits(store.revisit_candidates(watch_id), store.clock())
    finally:
        store.close()
    settings = dict(settings or {})
    if now is not None:
        settings["WIREWATCH_NOW"] = now.isoformat()
    context = multiprocessing.get_context("spawn")
    events = context.Queue()
    child = context.Process(
        target=_crawl_in_child,
        args=(watch, revisit, db_url, watch_id, run_id, events, settings, log_level, log_file),
        name=f"wirewatch-crawl-{watch.name}",
    )
    child.start()
    try:
        _pump_events(child, events, on_event)
    except KeyboardInterrupt:
        _stop_child(child)
        _close_run_if_open(db_url, run_id, "interrupted", "interrupted by the user")
        raise
    if child.exitcode != 0:
        _close_run_if_open(db_url, run_id, "failed", f"crawl process exited with {child.exitcode}")
    store = Store.open(db_url)
    try:
        return store.get_run(run_id)
    finally:
        store.close()


def _pump_events(child: Any, events: Any, on_event: ProgressCallback | None) -> None:
    while True:
        try:
            event = events.get(timeout=0.2)
        except queue_module.Empty:
            if not child.is_alive():
                break
            continue
        if on_event is not None:
            on_event(event)
    child.join()
    while True:  # whatever arrived after the last poll
        try:
            event = events.get_nowait()
        except queue_module.Empty:
            return
        if on_event is not None:
            on_event(event)


def _stop_child(child: Any) -> None:
    if child.is_alive() and child.pid:
        os.kill(child.pid, signal.SIGINT)
    child.join(SHUTDOWN_GRACE_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()


def _close_run_if_open(db_url: str, run_id: int, status: str, error: str) -> None:
    store = Store.open(db_url)
    try:
        run = store.get_run(run_id)
        if run.status == "running":
            store.finish_run(run_id, status, run.stats, error)
    finally:
        store.close()


def _crawl_in_child(
    watch: Watch,
    revisit: RevisitPlan,
    db_url: str,
    watch_id: int,
    run_id: int,
    events: Any,
    overrides: dict[str, Any],
    log_level: str,
    log_file: str | None,
) -> None:
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(
        {
            "WIREWATCH_DB_URL": db_url,
            "WIREWATCH_WATCH_ID": watch_id,
            "WIREWATCH_RUN_ID": run_id,
            "LOG_LEVEL": log_level,
            "LOG_FILE": log_file,
            "LOG_INSTALL_ROOT_HANDLER": True,
            **overrides,
        },
        priority="cmdline",
    )
    from crawler.extensions import set_progress_queue
    from crawler.spiders.watch import WatchSpider

    set_progress_queue(events)

    process = CrawlerProcess(settings)
    process.crawl(WatchSpider, watch=watch, revisit=revisit)
    process.start()
