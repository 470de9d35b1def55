"""robots.txt as RFC 9309 asks, read once per host, for every host the crawl requests.

Scrapy's RobotsTxtMiddleware, with what a crawler that runs unattended on the open web
needs on top:

* a robots.txt that answers 4xx is "unavailable": everything is allowed (a 404 is not
  a fetch error); one that answers 5xx or 429, or cannot be reached at all, is
  "unreachable": the host is treated as disallowed, and asked again after
  UNREACHABLE_RETRY_SECONDS, as RFC 9309 section 2.3.1.3-4 says;
* only the first ROBOTS_MAX_BYTES are read (the download stops there) and parsed,
  cut at the last whole line (RFC 9309 asks for at least 500 KiB);
* its request may be redirected off the watch's domains (its redirects are followed,
  up to the usual five), and it is never filtered as off-site itself;
* every request waiting on one host's robots.txt gets its own answer (Scrapy 2.19
  handed the parser to the first waiter and "allow everything" to the others);
* the Sitemap: lines are sent with the ROBOTS_READ signal, so the spider reads a seed
  outlet's sitemaps without fetching its robots.txt a second time.
"""

from __future__ import annotations

import logging
import time
import zlib
from dataclasses import dataclass
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from crawler.errors import classify_failure
from pages.feeds import sitemaps_from_robots

logger = logging.getLogger(__name__)

# RFC 9309 2.5: "crawlers SHOULD ... parse at least 500 kibibytes".
ROBOTS_MAX_BYTES = 500 * 1024
# How long a host whose robots.txt is unreachable stays disallowed before it is asked
# again within one run (RFC 9309 2.3.1.4 leaves the period to the crawler; the next
# run asks again in any case).
UNREACHABLE_RETRY_SECONDS = 600.0
# Sent once per host with (netloc, sitemaps): the Sitemap: URLs its robots.txt lists.
ROBOTS_READ = object()


@dataclass(frozen=True, slots=True)
class Unreachable:
    """A host whose robots.txt could not be read: everything is disallowed until."""

    kind: str  # server_error, connection_refused, timeout, dns, ...
    reason: str
    until: float


class RobotsUnreachable(IgnoreRequest):
    """A request not made because its host's robots.txt is unreachable."""

    def __init__(self, netloc: str, unreachable: Unreachable) -> None:
        super().__init__(
            f"robots.txt of {netloc} unreachable ({unreachable.reason}): the site is treated "
            "as disallowed until it answers (RFC 9309)"
        )
        self.kind = unreachable.kind


class RobotsPolicyMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._rules: dict[str, RobotParser | Unreachable | Deferred[Any] | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.stop_long_robots, signal=signals.bytes_received)
        return middleware

    def stop_long_robots(self, data: bytes, request: Request) -> None:
        if not request.meta.get("wirewatch_robots"):
            return
        received = request.meta.get("wirewatch_robots_bytes", 0) + len(data)
        request.meta["wirewatch_robots_bytes"] = received
        if received > ROBOTS_MAX_BYTES:
            raise StopDownload(fail=False)  # the response keeps what has arrived

    def process_request_2(self, rp: Any, request: Request) -> None:
        if isinstance(rp, Unreachable):
            self._stats.inc_value("robotstxt/unreachable_blocked")
            raise RobotsUnreachable(urlparse_cached(request).netloc, rp)
        super().process_request_2(rp, request)

    async def robot_parser(self, request: Request) -> Any:
        netloc = urlparse_cached(request).netloc
        rules = self._rules.get(netloc)
        if isinstance(rules, Unreachable) and time.monotonic() >= rules.until:
            del self._rules[netloc]  # time to ask again
        if netloc not in self._rules:
            pending: Deferred[Any] = Deferred()
            self._rules[netloc] = pending
            rules = await self._read(request, netloc)
            self._rules[netloc] = rules
            pending.callback(rules)
            return rules
        rules = self._rules[netloc]
        if isinstance(rules, Deferred):
            # each waiter its own Deferred: awaiting one Deferred twice consumes its result
            waiter: Deferred[Any] = Deferred()

            def pass_on(result: Any) -> Any:
                waiter.callback(result)
                return result

            rules.addBoth(pass_on)
            return await maybe_deferred_to_future(waiter)
        return rules

    async def _read(self, request: Request, netloc: str) -> RobotParser | Unreachable | None:
        scheme = urlparse_cached(request).scheme
        robots = Request(
            f"{scheme}://{netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            # no size cap (a large file is cut at ROBOTS_MAX_BYTES by stop_long_robots,
            # and RobotsBodyMiddleware inflates a compressed one only that far)
            meta={"dont_obey_robotstxt": True, "allow_offsite": True, "wirewatch_robots": True,
                  "download_maxsize": 0},
            headers={"Accept-Encoding": "identity"},
            callback=NO_CALLBACK,
        )  # fmt: skip
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots)
        except IgnoreRequest:
            return None  # not ours to fetch (an address the guard refuses): nor the page
        except Exception as exc:
            kind, message, _ = classify_failure(Failure(exc))  # type: ignore[no-untyped-call]
            return self._unreachable(netloc, kind, message)
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if response.status == 429 or response.status >= 500:
            return self._unreachable(netloc, "robots_unreachable", f"HTTP {response.status}")
        self._stats.inc_value("wirewatch/robots_read")
        if not 200 <= response.status < 300:
            self._announce(netloc, ())
            return None  # unavailable (4xx): everything is allowed
        return await self._parse(response, netloc, request)

    async def _parse(self, response: Response, netloc: str, request: Request) -> RobotParser:
        body = response.body
        if len(body) > ROBOTS_MAX_BYTES:
            body = body[:ROBOTS_MAX_BYTES].rsplit(b"\n", 1)[0]  # whole lines only
            logger.info("robots.txt of %s is over %d bytes: read its first part only", netloc,
                        ROBOTS_MAX_BYTES)  # fmt: skip
        rules: RobotParser = build_from_crawler(self._parserimpl, self.crawler, body)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=rules, request=request
        )
        self._announce(netloc, tuple(sitemaps_from_robots(body, response.url)))
        return rules

    def _announce(self, netloc: str, sitemaps: tuple[str, ...]) -> None:
        self.crawler.signals.send_catch_log(signal=ROBOTS_READ, netloc=netloc, sitemaps=sitemaps)

    def _unreachable(self, netloc: str, kind: str, reason: str) -> Unreachable:
        logger.info("robots.txt of %s unreachable (%s): not crawling it for now", netloc, reason)
        return Unreachable(kind, reason, time.monotonic() + UNREACHABLE_RETRY_SECONDS)


class RobotsBodyMiddleware:
    """Decodes a compressed robots.txt, only as far as ROBOTS_MAX_BYTES, before Scrapy's
    decompression sees it: robots.txt is fetched without a size cap (its download
    stops at ROBOTS_MAX_BYTES), and a small gzip body must not inflate without one.
    Asked for uncompressed, a server may still compress it."""

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("wirewatch_robots"):
            return response
        encodings = [
            part.strip().lower()
            for header in response.headers.getlist("Content-Encoding")
            for part in header.split(b",")
            if part.strip() and part.strip().lower() != b"identity"
        ]
        if not encodings:
            return response
        body: bytes = response.body
        for encoding in reversed(encodings):  # the last applied is undone first
            body = _inflate_start(body, encoding)
        headers = response.headers.copy()
        del headers["Content-Encoding"]
        return response.replace(body=body, headers=headers)


def _inflate_start(body: bytes, encoding: bytes) -> bytes:
    """The first ROBOTS_MAX_BYTES of a gzip or deflate body (what a truncated or
    damaged stream gives up to the damage); b"" for an encoding not understood, which
    then reads as an empty robots.txt."""
    modes = {b"gzip": (16 + zlib.MAX_WBITS,), b"x-gzip": (16 + zlib.MAX_WBITS,),
             b"deflate": (zlib.MAX_WBITS, -zlib.MAX_WBITS)}.get(encoding, ())  # fmt: skip
    for wbits in modes:
        inflater = zlib.decompressobj(wbits)
        try:
            return inflater.decompress(body, ROBOTS_MAX_BYTES + 1)
        except zlib.error:
            continue
    logger.info("robots.txt in an encoding not read (%r): taken as empty", encoding)
    return b""
