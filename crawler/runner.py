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
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.pool import tune_malloc, when_ended
from crawler.revisit import RevisitPlan
from crawler.runs import StartedRun, start_run
from storage import Store
from storage.store import RunInfo
from watches import Watch

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[dict[str, Any]], None]

# The crawl process's exit code when it could not record how its run ended.
EXIT_RUN_NOT_RECORDED = 3


@dataclass(frozen=True)
class CrawlOptions:
    """How a crawl process runs, beyond the watch and the database.

    `now` (naive UTC) runs the crawl as if at that moment: every stored time and the
    revisit schedule use it (tests and the demo replay the newsroom's days this way).
    Setting `stop` (from any thread, e.g. a signal handler) ends the crawl cleanly:
    what was stored stays and the run is marked interrupted. With `resume_dir`, an
    interrupted crawl leaves its pending requests there (Scrapy's JOBDIR) and the next
    crawl given the same directory carries on from them; a crawl that ends any other
    way clears it, so the next one starts afresh.
    """

    on_event: ProgressCallback | None = None  # progress events, as they happen
    settings: Mapping[str, Any] = field(default_factory=dict)  # over crawler.settings
    log_level: str = "WARNING"
    log_file: str | None = None
    now: datetime | None = None
    stop: threading.Event | None = None
    resume_dir: Path | None = None

    def crawl_settings(self) -> dict[str, Any]:
        """The Scrapy settings these options give the crawl process."""
        settings = dict(self.settings)
        if self.now is not None:
            settings["WIREWATCH_NOW"] = self.now.isoformat()
        return settings


# What every crawl process imports. A fork server imports them once, and each crawl
# process is forked from it with them in place, instead of starting a new interpreter
# that imports them all again (spawn): 0.8-1.0 s of each crawl's start on our 2-core
# machine (benchmarks/crawl_start.py).
CRAWL_PRELOAD = [
    "scrapy.crawler",
    "scrapy.utils.project",
    "crawler.settings",
    "crawler.spiders.watch",
    "crawler.pipelines",
    "crawler.middlewares",
    "crawler.extensions",
    "crawler.runner",
]


@dataclass(frozen=True)
class Command:
    """The process that starts a crawl, as the crawl process needs to know it."""

    pid: int  # the crawl stops when it ends
    environ: dict[str, str]


def crawl_context() -> Any:
    """The multiprocessing context crawl processes start in: a fork server with the
    crawl's modules loaded where there is one (Linux), else spawn. Never a plain fork:
    the caller may hold threads, sockets and database connections."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(CRAWL_PRELOAD)
    return context


# How long a crawl may take to stop after SIGINT before it is killed.
SHUTDOWN_GRACE_SECONDS = 30


def run_crawl(watch: Watch, store: Store, options: CrawlOptions | None = None) -> RunInfo:
    """Crawl a watch once into `store`'s database, store what was found, and return
    the run's record (how, CrawlOptions says)."""
    options = options or CrawlOptions()
    with start_run(watch, store, options.now, options.resume_dir) as run:
        return _crawl_run(run, store, options)


def _crawl_run(started: StartedRun, store: Store, options: CrawlOptions) -> RunInfo:
    watch, run_id = started.watch, started.run_id
    resume_dir = options.resume_dir
    settings = options.crawl_settings()
    if resume_dir is not None:
        settings["JOBDIR"] = str(resume_dir)
    child, stopped = follow_crawl_child(
        f"wirewatch-crawl-{watch.name}",
        (watch, started.revisit, store.url, started.watch_id, run_id),
        options,
        settings,
        lambda: _close_run_if_open(store, run_id, "interrupted", "interrupted by the user"),
    )
    if stopped:
        _close_run_if_open(store, run_id, "interrupted", "stopped by a shutdown request")
    elif child.exitcode != 0:
        _close_run_if_open(store, run_id, "failed", f"crawl process exited with {child.exitcode}")
    run = store.get_run(run_id)
    # only a crawl that stopped cleanly leaves a queue worth resuming from
    if resume_dir is not None and not (run.status == "interrupted" and child.exitcode == 0):
        shutil.rmtree(resume_dir, ignore_errors=True)
    return run


def _pump_events(
    child: Any, events: Any, on_event: ProgressCallback | None, stop: threading.Event
) -> bool:
    """Pass the child's progress on until it ends (False) or `stop` is set (True)."""
    while not stop.is_set():
        try:
            event = events.get(timeout=0.2)
        except queue_module.Empty:
            if not child.is_alive():
                child.join()
                _drain(events, on_event)
                return False
            continue
        if on_event is not None:
            on_event(event)
    return True


def _drain(events: Any, on_event: ProgressCallback | None) -> None:
    while True:  # whatever arrived after the last poll
        try:
            event = events.get_nowait()
        except queue_module.Empty:
            return
        if on_event is not None:
            on_event(event)


def _stop_child(child: Any, events: Any, on_event: ProgressCallback | None) -> None:
    """SIGINT (Scrapy's graceful stop), then a kill if it takes too long. The queue is
    drained meanwhile: a child blocked on a full pipe would never exit."""
    if child.is_alive() and child.pid:
        os.kill(child.pid, signal.SIGINT)
    deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
    while child.is_alive() and time.monotonic() < deadline:
        child.join(0.2)
        _drain(events, on_event)
    if child.is_alive():
        child.kill()
    child.join()
    _drain(events, on_event)


def _close_run_if_open(store: Store, run_id: int, status: str, error: str) -> None:
    run = store.get_run(run_id)
    if run.status == "running":
        store.finish_run(run_id, status, run.stats, error)


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
    command: Command,
) -> None:
    # Forked from the fork server, this process has the server's environment, as it was
    # when the server started: it takes its command's, as it is now. (multiprocessing
    # passes the working directory and sys.path itself.)
    os.environ.clear()
    os.environ.update(command.environ)
    # Our own process group: a Ctrl-C on the terminal reaches only the parent, which
    # passes on exactly one SIGINT (Scrapy treats a second one as "stop unclean now").
    os.setpgrp()
    # Orphaned (its command killed with SIGKILL, say), a crawl would go on alone with
    # nobody reading its progress: it stops as on Ctrl-C instead, and its run is marked
    # interrupted. A worker's crawl is killed outright: its leases go back to the
    # frontier when its heartbeat lapses.
    tune_malloc()
    orphaned = threading.Event()
    signum = signal.SIGKILL if overrides.get("WIREWATCH_REDIS_URL") else signal.SIGINT

    def stop_alone() -> None:
        orphaned.set()
        os.kill(os.getpid(), signum)

    when_ended(command.pid, stop_alone)
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(
        {
            "WIREWATCH_DB_URL": db_url,
            "WIREWATCH_ALLOW_PRIVATE_ADDRESSES": watch.allow_private_addresses,
            "WIREWATCH_WATCH_ID": watch_id,
            "WIREWATCH_WATCH_NAME": watch.name,
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
    if logging.getLevelName(log_level) >= logging.WARNING:
        # every failure is a recorded fetch error, said in the run's summary: the retry
        # middleware's "Gave up retrying" line for each is for -v
        logging.getLogger("scrapy.downloadermiddlewares.retry").setLevel(logging.CRITICAL)
    process.crawl(WatchSpider, watch=watch, revisit=revisit)
    process.start()
    _leave_nothing_behind(db_url, run_id, orphaned.is_set())
    from crawler.pipelines import UNRECORDED_RUNS

    if UNRECORDED_RUNS:  # the database refused the run's end: say so by the exit code
        sys.exit(EXIT_RUN_NOT_RECORDED)


def _leave_nothing_behind(db_url: str, run_id: int, orphaned: bool) -> None:
    """After Scrapy has stopped. A forced stop (Scrapy's answer to a second signal,
    seen when an orphaned crawl was busy) skips the spider's closing: the extraction
    pool is then still up, and this process would wait for it forever at exit; and,
    orphaned, nobody else marks the run as ended."""
    left = multiprocessing.active_children()
    for child in left:
        child.terminate()
    for child in left:
        child.join(SHUTDOWN_GRACE_SECONDS)
    if orphaned:
        with Store.open(db_url, create=False) as store:
            _close_run_if_open(store, run_id, "interrupted", "its command died during the crawl")


def follow_crawl_child(
    name: str,
    crawl: tuple[Any, ...],
    options: CrawlOptions,
    settings: dict[str, Any],
    on_interrupt: Callable[[], None] | None = None,
) -> tuple[Any, bool]:
    """Start _crawl_in_child(*crawl, events, settings, ...) and pass its events on until
    it ends, or until options.stop is set (then stop it cleanly). Returns (process,
    stopped)."""
    context = crawl_context()
    events = context.Queue()
    logging_to = (options.log_level, options.log_file)
    command = Command(os.getpid(), dict(os.environ))
    child = context.Process(target=_crawl_in_child,
                            args=(*crawl, events, settings, *logging_to, command),
                            name=name)  # fmt: skip
    child.start()
    on_event = options.on_event
    try:
        stopped = _pump_events(child, events, on_event, options.stop or threading.Event())
    except KeyboardInterrupt:
        _stop_child(child, events, on_event)
        if on_interrupt is not None:
            on_interrupt()
        raise
    if stopped:
        _stop_child(child, events, on_event)
    return child, stopped
