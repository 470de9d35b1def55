"""Downloader middlewares."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message

from crawler.addresses import BlockedAddress, is_ip_literal, is_public_address
from crawler.writer import store_for
from storage import Store

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, with exponential backoff and Retry-After honoured.

    The wait happens without blocking the event loop; other hosts carry on meanwhile.
    A Retry-After longer than RETRY_AFTER_MAX gives up on the page for this run.
    """

    backoff_base: float = 0.5
    retry_after_max: float = 60.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        middleware.backoff_base = crawler.settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        middleware.retry_after_max = crawler.settings.getfloat("RETRY_AFTER_MAX", 60.0)
        return middleware

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        header = response.headers.get(b"Retry-After")
        wait = retry_after_seconds(header.decode("latin-1") if header else None)
        attempt = request.meta.get("retry_times", 0) + 1
        if wait is None:
            wait = self.backoff_base * 2 ** (attempt - 1)
        elif wait > self.retry_after_max:
            logger.info("not retrying %s: Retry-After %.0fs is too long", request.url, wait)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        logger.debug("retrying %s in %.1fs (attempt %d)", request.url, wait, attempt)
        await asyncio.sleep(wait)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await asyncio.sleep(self.backoff_base * 2 ** (retry.meta.get("retry_times", 1) - 1))
        return retry


class OffsiteRequest(IgnoreRequest):
    """A request to a host outside the watch's allowed_domains."""

    kind = "offsite"

    def __init__(self, host: str) -> None:
        super().__init__(
            f"{host} is not in the watch's allowed_domains (add it, or a parent domain, "
            "to crawl it)"
        )


class WatchOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's off-site filter, applied to every request the crawl makes, redirects
    included: Scrapy lets requests with dont_filter (which the spider sets on pages, to
    keep duplicates its own business) pass, and filters at scheduling time, where a
    dropped request leaves no trace. Here an off-site request fails with a recorded
    error instead. Requests that set meta allow_offsite (robots.txt) pass."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.stats)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        middleware.crawler = crawler
        return middleware

    def should_follow(self, request: Request, spider: Any) -> bool:
        """The watch decides (Watch.allows_host: subdomains, IP addresses however
        written); a spider without a watch, Scrapy's rule."""
        watch = getattr(spider, "watch", None)
        if watch is None:
            return bool(super().should_follow(request, spider))
        return bool(watch.allows_host(urlparse_cached(request).hostname or ""))

    def process_request(self, request: Request, spider: Any = None) -> None:
        assert self.crawler.spider is not None
        if request.meta.get("allow_offsite") or self.should_follow(request, self.crawler.spider):
            return
        self.stats.inc_value("offsite/filtered")
        raise OffsiteRequest(urlparse_cached(request).hostname or request.url)


class ConditionalGetMiddleware:
    """Sends If-None-Match / If-Modified-Since from the last good fetch of a page, so
    an unchanged page answers 304 and costs no download and no extraction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        db_url = crawler.settings.get("WIREWATCH_DB_URL")
        if not db_url or not crawler.settings.getbool("WIREWATCH_CONDITIONAL_GET", True):
            raise NotConfigured("conditional GET needs WIREWATCH_DB_URL")
        return cls(store_for(crawler))

    def process_request(self, request: Request) -> None:
        if not request.meta.get("wirewatch_page") or b"If-None-Match" in request.headers:
            return
        if request.meta.get("wirewatch_unconditional"):
            return  # a seed fetched whole after a run was cut short (crawler.revisit)
        etag, last_modified = self.store.validators(request.url)
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified


class AddressGuardMiddleware:
    """Refuses requests to hosts that are not public addresses or that resolve to one,
    and to schemes other than http(s), unless the watch allows private addresses.
    Runs on redirects too: each hop comes back through here.

    Names are resolved through the crawl's own caching resolver, so the download uses
    the very address checked here; the resolver (crawler.resolver.GuardedResolver)
    refuses non-public answers itself as well, should the cache have moved on."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getbool("WIREWATCH_ALLOW_PRIVATE_ADDRESSES"))

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            raise IgnoreRequest(f"blocked address: {parts.scheme}: URLs are not fetched")
        if self.allow_private:
            return
        host = parts.hostname or ""
        address = host if is_ip_literal(host) else await _resolve(host)
        if address is not None and not is_public_address(address):
            shown = host if address == host else f"{host} ({address})"
            raise IgnoreRequest(f"blocked address: {shown} is not a public address")


async def _resolve(host: str) -> str | None:
    """The address the download will connect to, or None if the name does not resolve
    (the download then fails with its usual DNS error)."""
    from twisted.internet import reactor

    try:
        address: str = await maybe_deferred_to_future(reactor.resolver.getHostByName(host))
    except BlockedAddress as blocked:  # the guarded resolver's own refusal
        return blocked.address
    except Exception:
        return None
    return address
