"""The extraction pool: page analysis off the event loop, in processes, one per core.

(Not to be confused with `wirewatch worker`, the fleet's crawl processes.)

trafilatura spends ~35 ms of CPU on a typical page. Done inline, that blocks Scrapy's
event loop and caps a crawl at one core; in a process pool, downloads continue while
pages are analysed on every core.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, Self, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler

from pages.analysis import PageAnalysis, analyze_page

logger = logging.getLogger(__name__)
T = TypeVar("T")
# The analysis CPU time (all pool processes), in the run's statistics (milliseconds):
# benchmarks/crawl_throughput.py reports it per page beside the crawl process's own.
CPU_ANALYSIS_KEY = "wirewatch/cpu_ms_analysis"


def default_worker_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Ask Linux to send `signum` to this process when its parent dies
    (PR_SET_PDEATHSIG): a crawl whose worker or command was killed with SIGKILL must not
    go on alone, nor leave its extraction pool behind."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signum)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        logger.debug("PR_SET_PDEATHSIG is not available here")


# glibc malloc settings for a long-lived crawl process (mallopt's parameter numbers).
# By default a freed large buffer (a response body, its decoded text: 100 KB-1 MB,
# many per second) raises the threshold above which memory is mapped apart, so later
# ones come from the heap, interleaved with long-lived small objects, and the heap
# keeps growing with holes it cannot give back; and every thread may get an arena of
# its own. In the 20,000-page soak with --edit (benchmarks/README.md) the crawl
# process grew 6.4 KB a page; with a fixed 128 KB threshold (glibc's initial one) and
# two arenas, 3.4 KB, from a baseline 33 MB lower.
M_ARENA_MAX = -8
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 128 * 1024
ARENAS = 2


def tune_malloc() -> None:
    """Apply the settings above to this process (call it before it starts threads)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
        libc.mallopt(M_ARENA_MAX, ARENAS)
    except (OSError, AttributeError):
        logger.debug("mallopt is not available here (not glibc)")


def _follow_owner(owner: int) -> None:
    """Pool initializer: end this worker with the crawl process that owns the pool.

    Under the forkserver a worker's parent is the fork server, not the crawl, and each
    worker holds the fork server open: PR_SET_PDEATHSIG alone left a killed worker's
    fork server and extraction processes running for good (seen after the SIGKILL
    tests). A thread waits for the owner's end instead."""
    die_with_parent()
    when_ended(owner, lambda: os._exit(1))


def when_ended(pid: int, then: Callable[[], None]) -> None:
    """Call `then`, in a thread of its own, once process `pid` has ended (at once if
    it has already). Unlike PR_SET_PDEATHSIG, it follows any process, not only the
    parent: a process forked by a fork server has the server as its parent."""
    threading.Thread(target=_wait_for_end, args=(pid, then), daemon=True,
                     name=f"follows-{pid}").start()  # fmt: skip


def _wait_for_end(pid: int, then: Callable[[], None]) -> None:
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        then()
        return
    except (AttributeError, OSError):  # no pidfds here (not Linux 5.3+): ask each second
        while _running(pid):
            time.sleep(1.0)
        then()
        return
    select.select([handle], [], [])  # readable once the process has ended
    then()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # PermissionError: it runs, as another user
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _warm_up() -> int:
    """Import trafilatura's lazy parts in the worker before the first real page."""
    analyze_page(b"<html><body><p>warm up</p></body></html>", "http://localhost/")
    return os.getpid()


def _timed_call(function: Callable[..., T], *args: Any) -> tuple[T, float]:
    """`function(*args)` and the CPU time it took in this process."""
    start = time.process_time()
    result = function(*args)
    return result, time.process_time() - start


class PageAnalyzer:
    """Runs pages.analysis.analyze_page inline or in a process pool."""

    def __init__(self, workers: int, claims: bool = True, crawler: Crawler | None = None) -> None:
        self.workers = workers
        self.claims = claims  # find each article's claims too (WIREWATCH_CLAIMS)
        self.crawler = crawler  # its stats count the analysis CPU time
        self.cpu_seconds = 0.0
        self._pool: Executor | None = None
        if workers > 0:
            # forkserver: workers never inherit the reactor's threads and sockets.
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context(method),
                initializer=_follow_owner,
                initargs=(os.getpid(),),
            )
            for _ in range(workers):
                self._pool.submit(_warm_up)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        configured = crawler.settings.get("WIREWATCH_EXTRACTION_WORKERS")
        workers = default_worker_count() if configured is None else int(configured)
        claims = crawler.settings.getbool("WIREWATCH_CLAIMS", True)
        analyzer = cls(workers, claims, crawler)
        crawler.signals.connect(analyzer.close, signal=signals.spider_closed)
        return analyzer

    async def analyze(
        self, body: bytes, url: str, content_type: str | None, want_links: bool = True
    ) -> PageAnalysis:
        return await self.call(analyze_page, body, url, content_type, want_links, self.claims)

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """Any other pure, picklable function of a response (parsing a feed or a
        sitemap), in the pool when there is one; its exceptions are raised here."""
        if self._pool is None:
            result, cpu = _timed_call(function, *args)
        else:
            future = self._pool.submit(_timed_call, function, *args)
            result, cpu = await asyncio.wrap_future(future)
        self.cpu_seconds += cpu
        if self.crawler is not None:
            self.crawler.stats.set_value(CPU_ANALYSIS_KEY, round(self.cpu_seconds * 1000))
        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
