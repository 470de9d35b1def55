"""The watch spider: seeds, then on-topic related links, feeds and news sitemaps.

It stays thin: page analysis lives in pages.analysis (run by crawler.pool, the extraction pool),
storage in crawler.pipelines; the spider only decides what to fetch next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.errors import classify_failure
from crawler.items import FetchFailedItem, ListingItem, NotModifiedItem, PageItem
from crawler.pool import PageAnalyzer
from crawler.revisit import RevisitPlan
from crawler.robots import ROBOTS_READ
from crawler.seen import Added, LocalSeen, SeenSet, seen_for
from crawler.standalone import start_standalone
from pages.analysis import Link, LinkPlace
from pages.extraction import PageStatus
from pages.feeds import FeedError, parse_feed, parse_sitemap
from storage.urls import URLError, canonicalize_url
from watches import Watch

FOLLOWED_PLACES = frozenset({LinkPlace.ARTICLE, LinkPlace.RELATED, LinkPlace.OTHER})


@dataclass(frozen=True)
class ListingLimits:
    """How many feeds and sitemaps one run reads, in all and per host, and how deep
    sitemap indexes may nest (the watch's own sitemaps are 0). Settings:
    WIREWATCH_MAX_LISTINGS, WIREWATCH_MAX_LISTINGS_PER_HOST, WIREWATCH_MAX_SITEMAP_DEPTH,
    WIREWATCH_MAX_SITEMAP_BYTES."""

    per_run: int = 100
    per_host: int = 25
    depth: int = 2
    sitemap_bytes: int = 50 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: Any) -> ListingLimits:
        return cls(
            settings.getint("WIREWATCH_MAX_LISTINGS", cls.per_run),
            settings.getint("WIREWATCH_MAX_LISTINGS_PER_HOST", cls.per_host),
            settings.getint("WIREWATCH_MAX_SITEMAP_DEPTH", cls.depth),
            settings.getint("WIREWATCH_MAX_SITEMAP_BYTES", cls.sitemap_bytes),
        )

    def describe(self, nesting: int) -> str:
        if nesting > self.depth:
            return f"sitemap indexes nested deeper than {self.depth} are not followed"
        return (f"a run reads at most {self.per_run} feeds and sitemaps, "
                f"{self.per_host} from one host")  # fmt: skip


class WatchSpider(scrapy.Spider):
    """Crawls one watch. wirewatch starts it for every crawl; Scrapy's own command does
    too: `scrapy crawl watch -a watch=seeds/demo.toml [-s SETTING=VALUE ...]` runs one
    crawl of the watch into the database of WIREWATCH_DB_URL (or $WIREWATCH_DB, else
    ./wirewatch.db), with the same pipelines."""

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
        # by the run's workers (WIREWATCH_SEEN_SET, crawler.seen)
        self.seen: SeenSet = LocalSeen()
        self.robots_sitemaps: dict[str, tuple[str, ...]] = {}
        self.offsite_hosts: set[str] = set()
        self.listing_limits = ListingLimits()
        self.now = datetime.now(UTC).replace(tzinfo=None)
        self.listings_refused = 0  # feeds and sitemaps not read for the limits above

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        if not crawler.settings.get("WIREWATCH_RUN_ID"):
            kwargs.update(start_standalone(crawler, kwargs.get("watch")))
        kwargs.setdefault("analyzer", PageAnalyzer.from_crawler(crawler))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.seen = seen_for(crawler)
        spider.listing_limits = ListingLimits.from_settings(crawler.settings)
        replayed = crawler.settings.get("WIREWATCH_NOW")  # the moment a replay acts at
        spider.now = datetime.fromisoformat(replayed) if replayed else spider.now
        crawler.signals.connect(spider.robots_read, signal=ROBOTS_READ)
        return spider

    def robots_read(self, netloc: str, sitemaps: tuple[str, ...]) -> None:
        """A host's robots.txt was read (crawler.robots): keep its Sitemap: lines for
        explore_outlet, which runs once the host's first page has arrived."""
        self.robots_sitemaps[netloc] = sitemaps

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.seen.shared:
            return  # one worker seeds a shared run, when it is idle (RunCoordinator)
        # With a job directory (JOBDIR), Scrapy keeps `state` across an interruption and
        # the pending requests on disk: a resumed crawl carries on from where it was,
        # and does not ask again for the pages the interrupted run already asked for.
        state = getattr(self, "state", None)
        if isinstance(self.seen, LocalSeen) and self.revisit.spent:
            self.seen.counts["pages"] = self.revisit.spent  # resuming a run cut short
        if isinstance(state, dict):
            self.seen = state.setdefault("seen", self.seen)  # with what it has spent
        for request in self.initial_requests():
            yield request

    def initial_requests(self) -> Iterator[scrapy.Request]:
        """The run's first requests: seeds, due revisits, pages a run before lost, feeds
        and sitemaps."""
        pages = [self.page_request(url, depth=0, seed=True) for url in self.watch.seeds]
        if self.revisit.unconditional_seeds:
            for request in pages:
                if request is not None:
                    request.meta["wirewatch_unconditional"] = True
        pages += [self.page_request(url, depth) for url, depth in self.revisit.lost]
        pages += [self.redo_request(url, depth) for url, depth in self.revisit.redo]
        pages += [self.page_request(url, depth=self.watch.depth) for url in self.revisit.due]
        listings = [self.listing_request(url, "feed") for url in self.watch.feeds]
        listings += [self.listing_request(url, "sitemap") for url in self.watch.sitemaps]
        yield from (request for request in (*pages, *listings) if request is not None)

    # --- requests ----------------------------------------------------------------

    def page_request(self, url: str, depth: int, seed: bool = False,
                     listed: str | None = None) -> scrapy.Request | None:  # fmt: skip
        """A request for an article page, or None when it is a repeat or over budget;
        `listed` is when the feed or sitemap that lists it says it was published."""
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
        request = self._page(canonical, url, depth, seed)
        if listed:
            request.meta["wirewatch_listed_published"] = listed
        return request

    def _page(self, canonical: str, url: str, depth: int, seed: bool) -> scrapy.Request:
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

    def redo_request(self, url: str, depth: int) -> scrapy.Request | None:
        """A page the run this one redoes fetched already (it counted in that run's
        budget): fetched whole again, so that its links are followed to what that run
        did not reach."""
        if not self.seen.add_once(f"page:{url}") or not self.on_watch_domains(url):
            return None
        request = self._page(url, url, depth, seed=False)
        request.meta["wirewatch_unconditional"] = True
        return request

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

    def listing_request(self, url: str, kind: str, nesting: int = 0) -> scrapy.Request | None:
        """A request for a feed or sitemap, or None when it is a repeat, off the watch's
        domains or over the run's listing budgets (per run, per host, nesting depth:
        a sitemap index that points at indexes without end must not run for ever)."""
        if not self.on_watch_domains(url):
            return None
        limits = self.listing_limits
        host = urlsplit(url).hostname or ""
        budgets = (("listings", limits.per_run), (f"listings:{host}", limits.per_host))
        added = (
            Added.OVER_BUDGET
            if nesting > limits.depth
            else self.seen.add(f"listing:{url}", budgets)
        )
        if added is Added.OVER_BUDGET:
            self.listings_refused += 1
            self.crawler.stats.inc_value("wirewatch/listings_over_budget")
            self.logger.info("not reading %s: %s", url, limits.describe(nesting))
        if added is not Added.NEW:
            return None
        return scrapy.Request(
            url,
            callback=self.parse_feed if kind == "feed" else self.parse_sitemap,
            errback=self.failed,
            cb_kwargs={} if kind == "feed" else {"nesting": nesting},
            # a sitemap may be as large as its format allows (50 MB)
            meta={"download_maxsize": limits.sitemap_bytes} if kind == "sitemap" else {},
        )

    # --- callbacks -----------------------------------------------------------------

    # Every callback yields its item last, after the requests it leads to: a worker
    # hands its lease on a request back once the item is stored (fleet.frontier), and
    # by then the follow-ups must be queued, or a crash in between would lose them.

    async def parse_page(self, response: Response, depth: int, seed: bool) -> AsyncIterator[Any]:
        if response.status == 304:
            yield NotModifiedItem(response.url, depth)
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
            listed_published=response.meta.get("wirewatch_listed_published"),
        )

    def explore_outlet(self, url: str, feeds: tuple[str, ...]) -> Iterator[scrapy.Request]:
        """On a seed's outlet, read its feeds and the sitemaps its robots.txt lists (read
        already, by crawler.robots, before this page could be fetched)."""
        parts = urlsplit(url)
        if not self.seen.add_once(f"outlet:{parts.scheme}://{parts.netloc}"):
            return
        listings = [self.listing_request(url, "sitemap")
                    for url in self.robots_sitemaps.get(parts.netloc, ())]  # fmt: skip
        listings += [self.listing_request(feed, "feed") for feed in feeds]
        yield from (request for request in listings if request is not None)

    def worth_following(self, link: Link) -> bool:
        if link.place not in FOLLOWED_PLACES:
            return False
        slug = urlsplit(link.url).path
        return self.watch.is_on_topic(link.text, link.title, slug)

    async def parse_feed(self, response: Response) -> AsyncIterator[Any]:
        try:  # parsed in the analysis pool: a large feed must not stall the downloads
            feed = await self.analyzer.call(parse_feed, response.body, response.url)
        except FeedError as exc:
            yield self.listing(response, "feed", 0, 0, [str(exc)])
            return
        entries = feed.entries
        matching = [e for e in entries if self.watch.is_on_topic(e.title, e.summary, e.url)]
        for entry in matching:
            request = self.page_request(entry.url, self.watch.depth, listed=entry.published)
            if request is not None:
                yield request
        yield self.listing(response, "feed", len(entries), len(matching), list(feed.problems))

    async def parse_sitemap(self, response: Response, nesting: int = 0) -> AsyncIterator[Any]:
        try:
            listing = await self.analyzer.call(parse_sitemap, response.body, response.url,
                                               self.listing_limits.sitemap_bytes)  # fmt: skip
        except FeedError as exc:
            yield self.listing(response, "sitemap", 0, 0, [str(exc)])
            return
        entries = listing.entries
        matching = [
            e for e in entries if self.watch.is_on_topic(e.title, e.keywords, urlsplit(e.url).path)
        ]
        recent = [e for e in matching if not self.before_window(e.published)]
        if len(recent) < len(matching):  # a news sitemap's old entries: not this story's
            self.crawler.stats.inc_value("wirewatch/listed_before_window",
                                         len(matching) - len(recent))  # fmt: skip
            matching = recent
        refused_before = self.listings_refused
        for child in listing.child_sitemaps:  # newest first
            request = self.listing_request(child, "sitemap", nesting + 1)
            if request is not None:
                yield request
        for entry in matching:
            request = self.page_request(entry.url, self.watch.depth, listed=entry.published)
            if request is not None:
                yield request
        item = self.listing(response, "sitemap", len(entries) + len(listing.child_sitemaps),
                            len(matching), list(listing.problems))  # fmt: skip
        item.skipped = self.listings_refused - refused_before
        if item.skipped:
            item.skip_reason = self.listing_limits.describe(nesting + 1)
        yield item

    def before_window(self, published: str | None) -> bool:
        """Published before the watch's window, as a sitemap says (a day or a time)."""
        if not published:
            return False
        try:
            moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
        except ValueError:
            return False
        naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        return naive < self.now - self.watch.window

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
        depth = request.cb_kwargs.get("depth") if request is not None else None
        yield FetchFailedItem(url=url, kind=kind, message=message, status_code=status,
                              depth=depth)  # fmt: skip


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
