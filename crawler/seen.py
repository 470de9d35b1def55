"""What a run has asked for (pages, feeds, sitemaps, outlets explored) and what it has
spent of its budgets.

A crawl on its own keeps them here, in Scrapy's job state (for a resume); the
workers of a shared run keep them in Redis (fleet.seen.SharedSeen). Which one a crawl
uses is a setting, WIREWATCH_SEEN_SET: a class with from_crawler, as Scrapy's
components are swapped.
"""

from __future__ import annotations

from collections import Counter
from enum import IntEnum
from typing import Protocol, Self

from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler, load_object

Budgets = tuple[tuple[str, int], ...]  # (counter name, budget); 0 = no budget


class Added(IntEnum):
    SEEN = 0  # asked for before in this run
    NEW = 1
    OVER_BUDGET = -1


class SeenSet(Protocol):
    # shared by the workers of a run: then one of them seeds it (fleet.coordinator)
    shared: bool

    def add(self, marker: str, budgets: Budgets = ()) -> Added:
        """NEW the first time `marker` is added while every budget lasts (each counter
        then counts it); SEEN or OVER_BUDGET otherwise."""

    def add_page(self, url: str, budget: int) -> bool:
        """True the first time a page is asked for, while the page budget lasts."""

    def add_once(self, marker: str) -> bool: ...


class LocalSeen:
    """The seen set of a crawl on its own."""

    shared = False

    def __init__(self) -> None:
        self.markers: set[str] = set()
        self.counts: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def add(self, marker: str, budgets: Budgets = ()) -> Added:
        if marker in self.markers:
            return Added.SEEN
        if any(budget and self.counts[name] >= budget for name, budget in budgets):
            return Added.OVER_BUDGET
        self.markers.add(marker)
        self.counts.update(name for name, budget in budgets if budget)
        return Added.NEW

    def add_page(self, url: str, budget: int) -> bool:
        return self.add(f"page:{url}", (("pages", budget),)) is Added.NEW

    def add_once(self, marker: str) -> bool:
        return self.add(marker) is Added.NEW


def seen_for(crawler: Crawler) -> SeenSet:
    """The seen set WIREWATCH_SEEN_SET names (a class path), built for this crawl."""
    return build_from_crawler(load_object(crawler.settings.get("WIREWATCH_SEEN_SET")), crawler)
