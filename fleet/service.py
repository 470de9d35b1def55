"""Runs carried out by a fleet of workers: the scheduler queues a run in the database,
every `wirewatch worker` (on this machine or others) picks it up and crawls it through
the watch's shared frontier in Redis (fleet.frontier), and the worker that sees it done
records its end. Workers need no watch files: they crawl by the configuration stored
with the watch.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from crawler import settings as crawl_settings
from crawler.revisit import plan_revisits
from crawler.runner import CrawlOptions, follow_crawl_child
from fleet.keys import redact
from storage import Store
from storage.store import RunInfo
from watches import Watch, WatchError, watch_from_config

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0


def queue_run(watch: Watch, store: Store, now: datetime | None = None) -> int:
    """A new run of the watch, waiting for workers; returns its id."""
    store = store.at(now)
    watch_id = store.ensure_watch(watch.name, watch.to_config())
    return store.start_run(watch_id, executor="workers")


def wait_for_run(
    store: Store, run_id: int, stop: threading.Event | None = None, poll: float = POLL_SECONDS
) -> RunInfo:
    """Wait until the workers end a run. If `stop` is set first, the run is marked
    interrupted (its workers notice within seconds and leave it; what they stored
    stays, and the requests still queued are carried on by the watch's next run)."""
    stop = stop or threading.Event()
    while True:
        run = store.get_run(run_id)
        if run.status != "running":
            return run
        if stop.wait(poll):
            store.finish_run(run_id, "interrupted", run.stats, "stopped by a shutdown request")
            return store.get_run(run_id)


def worker_settings(redis_url: str, worker: str) -> dict[str, Any]:
    """The crawl settings that make a crawl one worker of a shared run: the Redis-backed
    frontier, seen set, tally and story state, and the run coordinator, in place of a
    crawl's own (crawler.settings names the defaults)."""
    return {
        "SCHEDULER": "fleet.frontier.SharedScheduler",
        "EXTENSIONS": {**crawl_settings.EXTENSIONS, "fleet.coordinator.RunCoordinator": 400},
        "WIREWATCH_SEEN_SET": "fleet.seen.SharedSeen",
        "WIREWATCH_RUN_TALLY": "fleet.seen.RunTally",
        "WIREWATCH_STORY_STATE": "fleet.story_state.RedisStoryState",
        "WIREWATCH_REDIS_URL": redis_url,
        "WIREWATCH_WORKER_NAME": worker,
        "WIREWATCH_SHARED_STORIES": True,
    }


def join_run(
    run: RunInfo, watch: Watch, store: Store, redis_url: str, worker: str,
    options: CrawlOptions | None = None,
) -> int:  # fmt: skip
    """Work on a run that `wirewatch run` queued for workers, beside any other workers,
    until the run is done or options.stop is set; returns the crawl process's exit code.

    The crawl runs in a child process, as with run_crawl, with scrapy-redis's scheduler
    on the watch's shared frontier (fleet.frontier); the child dies with this process,
    so a worker killed with SIGKILL leaves no orphan crawling on.
    """
    options = options or CrawlOptions()
    revisit = plan_revisits(store.revisit_candidates(run.watch_id), store.at(options.now).clock())
    settings = {**options.crawl_settings(), **worker_settings(redis_url, worker)}
    child, _ = follow_crawl_child(
        f"wirewatch-worker-{worker}",
        (watch, revisit, store.url, run.watch_id, run.id),
        options,
        settings,
    )
    return int(child.exitcode or 0)


@dataclass
class WorkerOptions:
    name: str
    watches: Sequence[str] = ()
    once: bool = False  # leave when no run is waiting, instead of waiting for one
    poll: float = POLL_SECONDS
    crawl: CrawlOptions = field(default_factory=CrawlOptions)  # each run's crawl
    on_run: Callable[[RunInfo, int], None] | None = None


def serve_worker(
    store: Store, redis_url: str, options: WorkerOptions, stop: threading.Event | None = None
) -> list[RunInfo]:
    """Crawl the runs queued for workers, one after another, until `stop` is set (or,
    with options.once, until none is waiting). Returns the runs worked on, as they
    stood when this worker left them."""
    stop = stop or threading.Event()
    worked: list[RunInfo] = []
    logger.info("worker %s serving %s with %s", options.name, redact(redis_url),
                ", ".join(options.watches) or "every watch")  # fmt: skip
    while not stop.is_set():
        run = _next_run(store, options.watches)
        if run is None:
            if options.once:
                break
            stop.wait(options.poll)
            continue
        watch = _watch_of(store, run)
        crawl = replace(options.crawl, stop=stop)
        code = join_run(run, watch, store, redis_url, options.name, crawl)
        after = store.get_run(run.id)
        worked.append(after)
        if options.on_run is not None:
            options.on_run(after, code)
        if code != 0 and after.status == "running":
            logger.error("worker %s: crawl process for run %d exited with %d", options.name,
                         run.id, code)  # fmt: skip
            stop.wait(options.poll)  # do not spin on a run that keeps failing here
    return worked


def _next_run(store: Store, watches: Sequence[str]) -> RunInfo | None:
    runs = store.worker_runs(watches)
    return runs[0] if runs else None


def _watch_of(store: Store, run: RunInfo) -> Watch:
    config = store.watch_config(run.watch)
    if config is None:
        raise WatchError("<database>", None, f"watch {run.watch!r} of run {run.id} is not stored")
    return watch_from_config(config, f"<watch {run.watch} in the database>")
