"""Crawl extensions."""

from __future__ import annotations

from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import FetchFailedItem, ListingItem, PageItem

# Set by crawler.runner in the crawl's child process. A multiprocessing queue cannot
# travel inside Scrapy settings (they are deep-copied), so it is handed over here.
_progress_queue: Any = None


def set_progress_queue(queue: Any) -> None:
    global _progress_queue
    _progress_queue = queue


class ProgressReporter:
    """Sends one small event per processed item to the process that started the crawl.

    Switched on by set_progress_queue (a multiprocessing queue); the parent process
    turns the events into a progress display.
    """

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        queue = _progress_queue
        if queue is None:  # a crawl nobody watches the progress of (scrapy crawl, tests)
            raise NotConfigured
        reporter = cls(queue)
        crawler.signals.connect(reporter.item_scraped, signal=signals.item_scraped)
        return reporter

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, PageItem):
            event = {"kind": "page", "url": item.url, "outcome": item.outcome}
        elif isinstance(item, FetchFailedItem):
            event = {"kind": "error", "url": item.url, "outcome": item.kind}
        elif isinstance(item, ListingItem):
            event = {"kind": "listing", "url": item.url, "outcome": item.kind}
        else:
            return
        self.queue.put(event)
