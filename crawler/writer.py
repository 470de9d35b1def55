"""One thread per crawl for the database work of the item pipelines.

Done on Scrapy's event loop, a write that waits (another process holding SQLite's
write lock, a PostgreSQL fail-over) froze every download with it: seen as 30 s with
no request made while another process held the lock. In one thread of its own, the
work waits and the downloads go on. One thread, so that writes happen one at a time
and in the order the items arrive, as they did on the loop: the story pipeline of an
item always runs after its store pipeline, and claims are first seen in crawl order.

Everything stored of one page (its fetch, article, version, cluster, claims and
signature) is one transaction: the store pipeline runs the page's steps, its own
first and then those other pipelines added (`page_steps`), inside Store.atomic().
The crawl process opens one Store (`store_for`), which its components share.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object

from storage import Store

T = TypeVar("T")
_ATTRIBUTE = "_wirewatch_writer"
# The writer thread's CPU time, in the run's statistics (milliseconds): what storing
# pages costs the crawl process (benchmarks/crawl_throughput.py reports it per page).
CPU_STORE_KEY = "wirewatch/cpu_ms_store"
# Statements this crawl process sent to the database (each a round trip to a server),
# and the time it held the story lock, for the fleet's model (benchmarks/README.md).
STATEMENTS_KEY = "wirewatch/db_statements"
STORY_LOCK_KEY = "wirewatch/story_lock_ms"
_STORE_ATTRIBUTE = "_wirewatch_store"


class StoreWriter:
    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler  # its stats count the thread's CPU time
        self.cpu_seconds = 0.0
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="wirewatch-writer")
        # what other pipelines store of a page, in the page's transaction, in order
        self.page_steps: list[Callable[[Any], None]] = []
        # set by a step once it has changed the crawl's story state (in memory or in
        # Redis): from then on a failed page transaction is not tried again
        self.state_changed = False
        # called when a page's transaction failed after its state changed, to bring
        # the state back in step with the database
        self.after_failed_page: list[Callable[[], None]] = []

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the writer thread, after everything submitted before."""
        try:
            return await asyncio.wrap_future(self._thread.submit(self._timed, function, *args))
        finally:
            self._count()

    def _count(self) -> None:
        """This thread's CPU time and the crawl store's statements and story-lock time, in
        the run's statistics (milliseconds)."""
        if self.crawler is None:
            return
        stats = self.crawler.stats
        stats.set_value(CPU_STORE_KEY, round(self.cpu_seconds * 1000))
        store: Store | None = getattr(self.crawler, _STORE_ATTRIBUTE, None)
        if store is not None:
            stats.set_value(STATEMENTS_KEY, store.statements)
            stats.set_value(STORY_LOCK_KEY, round(store.story_lock_seconds * 1000))

    def _timed(self, function: Callable[..., T], *args: Any) -> T:
        start = time.thread_time()  # (only the writer thread adds to cpu_seconds)
        try:
            return function(*args)
        finally:
            self.cpu_seconds += time.thread_time() - start

    def close(self) -> None:
        self._thread.shutdown(wait=True)


def writer_for(crawler: Crawler) -> StoreWriter:
    """The crawl's one writer, shared by its pipelines; closed with the spider."""
    writer: StoreWriter | None = getattr(crawler, _ATTRIBUTE, None)
    if writer is None:
        writer = StoreWriter(crawler)
        setattr(crawler, _ATTRIBUTE, writer)
        crawler.signals.connect(writer.close, signal=signals.spider_closed)
    return writer


def open_store(settings: Any) -> Store:
    """A Store for the crawl's database; WIREWATCH_NOW (ISO time) fixes its clock, so
    that tests and the demo can run a crawl "on" a given day without waiting for it.
    The schema exists already: crawler.runner creates it before the crawl starts."""
    url = settings.get("WIREWATCH_DB_URL")
    now = settings.get("WIREWATCH_NOW")
    if not now:
        return Store.open(url, create=False)
    fixed = datetime.fromisoformat(now)
    return Store.open(url, create=False, clock=lambda: fixed)


def store_for(crawler: Crawler) -> Store:
    """The crawl process's one Store (one engine, one connection pool), shared by its
    middlewares, pipelines and extensions; closed when the engine stops, after every
    spider_closed handler has written what it had to."""
    store: Store | None = getattr(crawler, _STORE_ATTRIBUTE, None)
    if store is None:
        store = open_store(crawler.settings)
        setattr(crawler, _STORE_ATTRIBUTE, store)
        crawler.signals.connect(store.close, signal=signals.engine_stopped)
    return store


def optional_component(crawler: Crawler, setting: str) -> Any:
    """The crawl's instance of the class a setting names (a path, as Scrapy's
    components are named), or None when the setting is empty or the class declines
    (NotConfigured). One instance per crawl, shared by the components that ask."""
    path = crawler.settings.get(setting)
    if not path:
        return None
    made: dict[str, Any] = crawler.__dict__.setdefault("_wirewatch_components", {})
    if setting not in made:
        try:
            made[setting] = build_from_crawler(load_object(path), crawler)
        except NotConfigured:
            made[setting] = None
    return made[setting]
