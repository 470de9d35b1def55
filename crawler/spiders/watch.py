"""The watch spider: seeds, then on-topic related links, feeds and news sitemaps.

It stays thin: page analysis lives in crawler.analysis (run by crawler.workers),
storage in crawler.pipelines; the spider only decides what to fetch next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.analysis import Link, LinkPlace
from crawler.errors import classify_failure
from crawler.extraction import PageStatus
from crawler.feeds import FeedError, parse_feed, parse_sitemap
from crawler.items import FetchFailedItem, ListingItem, NotModifiedItem, PageItem
from crawler.revisit import RevisitPlan
from crawler.robots import ROBOTS_READ
from crawler.shared import LocalSeen, SharedSeen, seen_for
from crawler.urls import URLError, canonicalize_url
from crawler.watch import Watch
from crawler.workers import PageAnalyzer

FOLLOWED_PLACES = frozenset({LinkPlace.ARTICLE, LinkPlace.RELATED, LinkPlace.OTHER})


class WatchSpider(scrapy.Spider):
    name = "watch"

    def __init__(
        self,
        watch: Watch,
        analyzer: PageAnalyzer | None = None,
        revisit: RevisitPlan | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.watch = watch
        self.revisit = revisit or RevisitPlan((), ())
        # known articles that are not due are left alone, however they are found again
        self.resting = frozenset(self.revisit.not_due)
        self.allowed_domains = list(watch.allowed_domains)
        self.analyzer = analyzer or PageAnalyzer(0)
        # the pages (and outlets) this run has asked for: in this process, or shared
        # in Redis by the run's workers (crawler.shared)
        self.seen: LocalSeen | SharedSeen = LocalSeen()
        self.robots_sitemaps: dict[str, tuple[str, ...]] = {}
        self.offsite_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        kwargs.setdefault("analyzer", PageAnalyzer.from_crawler(crawler))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.seen = seen_for(crawler.settings, spider.watch.name)
        crawler.signals.connect(spider.robots_read, signal=ROBOTS_READ)
        return spider

    def robots_read(self, netloc: str, sitemaps: tuple[str, ...]) -> None:
        """A host's robots.txt was read (crawler.robots): keep its Sitemap: lines for
        explore_outlet, which runs once the host's first page has arrived."""
        self.robots_sitemaps[netloc] = sitemaps

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if isinstance(self.seen, SharedSeen):
            return  # one worker seeds a shared run, when it is idle (RunCoordinator)
        # With a job directory (JOBDIR), Scrapy keeps `state` across an interruption and
        # the pending requests on disk: a resumed crawl carries on from where it was,
        # and does not ask again for the pages the interrupted run already asked for.
        state = getattr(self, "state", None)
        if isinstance(state, dict):
            self.seen.pages = state.setdefault("scheduled", self.seen.pages)
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> Iterator[scrapy.Request]:
        """The run's first requests: seeds, due revisits, feeds and sitemaps."""
        for url in self.watch.seeds:
            request = self.page_request(url, depth=0, seed=True)
            if request is not None:
                yield request
        for url in self.revisit.due:
            request = self.page_request(url, depth=self.watch.depth)
            if request is not None:
                yield request
        for url in self.watch.feeds:
            yield self.listing_request(url, "feed")
        for url in self.watch.sitemaps:
            yield self.listing_request(url, "sitemap")

    # --- requests ----------------------------------------------------------------

    def page_request(self, url: str, depth: int, seed: bool = False) -> scrapy.Request | None:
        """A request for an article page, or None when it is a repeat or over budget."""
        try:
            canonical = canonicalize_url(url)
        except URLError:
            return None
        if canonical in self.resting and not seed:
            return None
        if not self.on_watch_domains(canonical):
            return None  # before the budget: an off-site link costs none of it
        if not self.seen.add_page(canonical, self.watch.max_pages):
            return None
        return scrapy.Request(
            canonical,
            callback=self.parse_page,
            errback=self.failed,
            cb_kwargs={"depth": depth, "seed": seed},
            # 304: the page is unchanged since the last fetch (conditional GET)
            meta={
                "wirewatch_original_url": url,
                "wirewatch_page": True,
                "handle_httpstatus_list": [304],
            },
            # The spider de-duplicates pages itself (self.seen). Scrapy's filter would
            # silently drop the second hop of a redirect loop instead of reporting it.
            dont_filter=True,
        )

    def on_watch_domains(self, url: str) -> bool:
        """True when the URL's host is one the watch may crawl; the first link to each
        other host is logged (WatchOffsiteMiddleware refuses redirects there too)."""
        host = urlsplit(url).hostname or ""
        if self.watch.allows_host(host):
            return True
        self.crawler.stats.inc_value("wirewatch/links_offsite")
        if host not in self.offsite_hosts:
            self.offsite_hosts.add(host)
            self.logger.info("not following links to %s: not in the watch's allowed_domains",
                             host)  # fmt: skip
        return False

    def listing_request(self, url: str, kind: str) -> scrapy.Request:
        callback = self.parse_feed if kind == "feed" else self.parse_sitemap
        return scrapy.Request(url, callback=callback, errback=self.failed)

    # --- callbacks -----------------------------------------------------------------

    # Every callback yields its item last, after the requests it leads to: a worker
    # hands its lease on a request back once the item is stored (crawler.shared), and
    # by then the follow-ups must be queued, or a crash in between would lose them.

    async def parse_page(self, response: Response, depth: int, seed: bool) -> AsyncIterator[Any]:
        if response.status == 304:
            yield NotModifiedItem(response.url)
            return
        content_type = _header(response, b"Content-Type")
        want_links = depth < self.watch.depth  # links are only followed below the depth
        analysis = await self.analyzer.analyze(
            response.body, response.url, content_type, want_links
        )
        if seed:
            for request in self.explore_outlet(response.url, analysis.feeds):
                yield request
        if analysis.status is PageStatus.ARTICLE and depth < self.watch.depth:
            for link in analysis.links:
                follow = (
                    self.page_request(link.url, depth + 1) if self.worth_following(link) else None
                )
                if follow is not None:
                    yield follow
        yield PageItem(
            url=response.request.url if response.request else response.url,
            final_url=response.url,
            status_code=response.status,
            body_bytes=len(response.body),
            content_type=content_type,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
            analysis=analysis,
            redirect_urls=tuple(response.meta.get("redirect_urls", ())),
            original_url=response.meta.get("wirewatch_original_url"),
            depth=depth,
        )

    def explore_outlet(self, url: str, feeds: tuple[str, ...]) -> Iterator[scrapy.Request]:
        """On a seed's outlet, read its feeds and the sitemaps its robots.txt lists (read
        already, by crawler.robots, before this page could be fetched)."""
        parts = urlsplit(url)
        if not self.seen.add_once(f"outlet:{parts.scheme}://{parts.netloc}"):
            return
        for sitemap in self.robots_sitemaps.get(parts.netloc, ()):
            if self.on_watch_domains(sitemap):
                yield self.listing_request(sitemap, "sitemap")
        for feed in feeds:
            if self.on_watch_domains(feed):
                yield self.listing_request(feed, "feed")

    def worth_following(self, link: Link) -> bool:
        if link.place not in FOLLOWED_PLACES:
            return False
        slug = urlsplit(link.url).path
        return self.watch.is_on_topic(link.text, link.title, slug)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        try:
            entries = parse_feed(response.body, response.url)
        except FeedError as exc:
            yield self.listing(response, "feed", 0, 0, [str(exc)])
            return
        matching = [e for e in entries if self.watch.is_on_topic(e.title, e.summary, e.url)]
        for entry in matching:
            request = self.page_request(entry.url, depth=self.watch.depth)
            if request is not None:
                yield request
        yield self.listing(response, "feed", len(entries), len(matching))

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        try:
            listing = parse_sitemap(response.body, response.url)
        except FeedError as exc:
            yield self.listing(response, "sitemap", 0, 0, [str(exc)])
            return
        entries = listing.entries
        matching = [
            e for e in entries if self.watch.is_on_topic(e.title, e.keywords, urlsplit(e.url).path)
        ]
        for child in listing.child_sitemaps:
            if self.on_watch_domains(child):
                yield self.listing_request(child, "sitemap")
        for entry in matching:
            request = self.page_request(entry.url, depth=self.watch.depth)
            if request is not None:
                yield request
        yield self.listing(
            response, "sitemap", len(entries) + len(listing.child_sitemaps), len(matching)
        )

    def listing(
        self,
        response: Response,
        kind: str,
        entries: int,
        matched: int,
        errors: list[str] | None = None,
    ) -> ListingItem:
        return ListingItem(
            response.url, kind, response.status, len(response.body), entries, matched, errors or []
        )

    def failed(self, failure: Failure) -> Iterator[FetchFailedItem]:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if request is not None and request.meta.get("redirect_urls"):
            url = request.meta["redirect_urls"][0]  # report the URL we asked for
        kind, message, status = classify_failure(failure)
        self.logger.info("fetch failed: %s: %s (%s)", url, kind, message)
        yield FetchFailedItem(url=url, kind=kind, message=message, status_code=status)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
