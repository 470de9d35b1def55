"""Scrapy's caching DNS resolver, refusing names that resolve to addresses a watch may
not reach. The check is on the address the connection will use, not on the URL text,
so a public-looking name that points at 127.0.0.1 or 169.254.169.254 is refused too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred

from crawler.addresses import BlockedAddress, is_public_address


class GuardedResolver(CachingThreadedResolver):
    allow_private = False
    # Set by a spider that Scrapy's own command started (scrapy crawl watch -a
    # watch=FILE): the resolver is built from the process's settings before the watch
    # file is read, and one crawl process crawls one watch.
    watch_allows_private = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("WIREWATCH_ALLOW_PRIVATE_ADDRESSES")
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        resolved = super().getHostByName(name, timeout)
        if not (self.allow_private or GuardedResolver.watch_allows_private):
            resolved.addCallback(self._refuse_private, name)
        return resolved

    @staticmethod
    def _refuse_private(address: str, name: str) -> str:
        if not is_public_address(address):
            raise BlockedAddress(name, address)
        return address
