"""One thread per crawl for the database work of the item pipelines.

Done on Scrapy's event loop, a write that waits (another process holding SQLite's
write lock, a PostgreSQL fail-over) froze every download with it: seen as 30 s with
no request made while another process held the lock. In one thread of its own, the
work waits and the downloads go on. One thread, so that writes happen one at a time
and in the order the items arrive, as they did on the loop: the story pipeline of an
item always runs after its store pipeline, and claims are first seen in crawl order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler

T = TypeVar("T")
_ATTRIBUTE = "_wirewatch_writer"


class StoreWriter:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="wirewatch-writer")

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the writer thread, after everything submitted before."""
        return await asyncio.wrap_future(self._thread.submit(function, *args))

    def close(self) -> None:
        self._thread.shutdown(wait=True)


def writer_for(crawler: Crawler) -> StoreWriter:
    """The crawl's one writer, shared by its pipelines; closed with the spider."""
    writer: StoreWriter | None = getattr(crawler, _ATTRIBUTE, None)
    if writer is None:
        writer = StoreWriter()
        setattr(crawler, _ATTRIBUTE, writer)
        crawler.signals.connect(writer.close, signal=signals.spider_closed)
    return writer
