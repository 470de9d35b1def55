"""The watch's frontier, shared by its workers in Redis: scrapy-redis's scheduler on
a leased queue.

A worker takes a request by moving its token from the watch's frontier into its own
lease list (one atomic LMOVE) and gives it back only when the request is done: its
page stored and every request it led to already queued. A worker killed with SIGKILL
leaves its leases behind; they go back to the frontier as soon as its heartbeat lapses
(or at once, when it restarts under the same name). Work is done at least once, and
the store is idempotent, so nothing is stored twice. scrapy-redis's request
fingerprints are kept per run and expire, so they never grow without bound.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from typing import TYPE_CHECKING, Any, Self, cast

import redis
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured, ScrapyDeprecationWarning
from scrapy.spiders import Spider
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueueBase
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from fleet.keys import SharedKeys, connect, text, worker_name

# scrapy-redis 0.9 passes the spider to the stats collector, which Scrapy 2.13+ warns
# about on every enqueue: noise in a worker's log about a library's internals.
warnings.filterwarnings(
    "ignore",
    message="Passing a 'spider' argument to StatsCollector",
    category=ScrapyDeprecationWarning,
    module="scrapy_redis",
)

if TYPE_CHECKING:
    from crawler.spiders.watch import WatchSpider

logger = logging.getLogger(__name__)

# The meta key of a request's token in the frontier (its lease, while a worker has it).
TOKEN_META = "wirewatch_token"


class LeasedQueue(RedisQueueBase):
    """The watch's frontier: tokens in a list, request payloads in a hash."""

    def __init__(self, server: redis.Redis, spider: Spider, keys: SharedKeys, worker: str):
        super().__init__(server, spider, keys.frontier)
        self.keys = keys
        self.worker = worker
        self.lease = keys.leased(worker)

    def __len__(self) -> int:
        return int(self.server.llen(self.keys.frontier))

    def push(self, request: Request) -> None:
        """Queue a request; one derived from a leased one (a redirect or a retry, which
        carry its token along) takes the lease's place in the same transaction."""
        previous = request.meta.get(TOKEN_META)
        token = uuid.uuid4().hex
        request.meta[TOKEN_META] = token
        pipe = self.server.pipeline(transaction=True)
        pipe.hset(self.keys.payloads, token, self._encode_request(request))
        pipe.lpush(self.keys.frontier, token)
        if previous:
            _drop_lease(pipe, self.keys, self.worker, previous)
        pipe.execute()

    def pop(self, timeout: int = 0) -> Request | None:
        raw = self.server.lmove(self.keys.frontier, self.lease, "RIGHT", "LEFT")
        if raw is None:
            return None
        token = text(raw)
        payload = self.server.hget(self.keys.payloads, token)
        if payload is None:  # its payload went missing (a Redis restart in between)
            self.release(token)
            return None
        request: Request = self._decode_request(payload)
        request.meta[TOKEN_META] = token
        return request

    def release(self, token: str) -> None:
        release_lease(self.server, self.keys, self.worker, token)

    def clear(self) -> None:
        self.server.delete(self.keys.frontier, self.keys.payloads)


def release_lease(server: redis.Redis, keys: SharedKeys, worker: str, token: str) -> None:
    """A leased request is done with: its page stored, its follow-ups queued."""
    pipe = server.pipeline(transaction=True)
    _drop_lease(pipe, keys, worker, token)
    pipe.execute()


def _drop_lease(pipe: Any, keys: SharedKeys, worker: str, token: str) -> None:
    pipe.lrem(keys.leased(worker), 1, token)
    pipe.hdel(keys.payloads, token)


def recover_leases(server: redis.Redis, keys: SharedKeys, worker: str) -> int:
    """Put a dead worker's leased requests back at the head of the frontier."""
    moved = 0
    while server.lmove(keys.leased(worker), keys.frontier, "RIGHT", "RIGHT") is not None:
        moved += 1
    if moved:
        logger.warning("%d requests leased by worker %s went back to the frontier", moved, worker)
    return moved


class SharedScheduler(RedisScheduler):
    """scrapy-redis's scheduler on the leased frontier and the run's fingerprint set."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        url = settings.get("WIREWATCH_REDIS_URL")
        if not url:
            raise NotConfigured("WIREWATCH_REDIS_URL is not set")
        server = connect(url)
        scheduler = cls(server=server, persist=True, idle_before_close=0)
        scheduler.stats = crawler.stats
        scheduler.settings = settings
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        keys = SharedKeys.from_settings(self.settings, cast("WatchSpider", spider).watch.name)
        self.queue = LeasedQueue(self.server, spider, keys, worker_name(self.settings))
        self.df = RFPDupeFilter(self.server, key=keys.run("fingerprints"))

    def enqueue_request(self, request: Request) -> bool:
        if super().enqueue_request(request):
            return True
        token = request.meta.get(TOKEN_META)
        if token:  # a redirect to a page already asked for: the lease is done with
            self.queue.release(token)
        return False

    def next_request(self) -> Request | None:
        request = self.queue.pop()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
