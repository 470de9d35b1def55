"""Several crawl workers on one watch: the crawl state they share in Redis.

Built on scrapy-redis (its scheduler, queue base class and fingerprint filter), with
what a crawl that must lose nothing needs on top:

* a leased frontier. A worker takes a request by moving its token from the watch's
  frontier into its own lease list (one atomic LMOVE) and gives it back only when the
  request is done: its page stored and every request it led to already queued. A
  worker killed with SIGKILL leaves its leases behind; they go back to the frontier as
  soon as its heartbeat lapses (or at once, when it restarts under the same name).
  Work is done at least once, and the store is idempotent, so nothing is stored twice.
* per-run sets: the pages asked for (with the watch's page budget, checked and counted
  atomically) and scrapy-redis's request fingerprints. Both are keyed by run and
  expire, so they never grow without bound (scrapy-redis's own filter does).
* the run's counts, added up in Redis as items are stored, and the run's end: the run
  is over when it was seeded, the frontier is empty and no worker holds a lease, all
  checked in one Lua call so that no request is in between places when it is checked.

Keys: wirewatch:<watch>:{frontier,requests,workers,leased:<worker>} for the watch,
wirewatch:<watch>:run:<id>:{seen,pages,fingerprints,stats,seeding,seeded,closing} for
a run, wirewatch:worker:<name> for a worker's heartbeat.
"""

from __future__ import annotations

import functools
import logging
import os
import time
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Self, cast
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueueBase
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet import task

from crawler.story_state import STATE_PARTS, RedisStoryState
from crawler.writer import store_for
from dedup.cluster import DEFAULT_CONFIG

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

TOKEN_META = "wirewatch_token"
# A worker renews its heartbeat every HEARTBEAT_SECONDS; one silent for WORKER_TTL is
# taken for dead and its leases go back to the frontier. 10 s rides out a busy event
# loop (an extraction result can hold it for a second) yet recovers work quickly.
HEARTBEAT_SECONDS = 2.0
WORKER_TTL = 10
# An idle worker looks at the frontier this often for work that others queued
# (Scrapy's own engine would look again only every 5 s).
WAKE_SECONDS = 0.5
# Per-run keys outlive a run that nobody finishes by a week, then Redis drops them.
RUN_KEY_TTL = 7 * 24 * 3600
SEEDING_TTL = 120  # a worker that dies while seeding is replaced after this
# While Redis is unreachable, every call retries with backoff for about a minute
# (30 tries, waits growing to 2 s) before the crawl gives up on it.
RECONNECT_TRIES = 30


def redact(url: str) -> str:
    """A Redis URL fit for logs and messages: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host + port, parts.path, parts.query, ""))


@functools.cache
def connect(url: str) -> redis.Redis:
    """A Redis client that reconnects, with backoff, when the server restarts: one per
    URL and process, shared by the crawl's components (scheduler, seen set, tallies,
    coordinator), each of which would otherwise keep a connection pool of its own."""
    return redis.Redis.from_url(
        url,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), RECONNECT_TRIES),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        socket_connect_timeout=5,
        socket_timeout=30,
        health_check_interval=10,
    )


@dataclass(frozen=True)
class SharedKeys:
    watch: str
    run_id: int

    @property
    def base(self) -> str:
        return f"wirewatch:{self.watch}"

    @property
    def frontier(self) -> str:
        return f"{self.base}:frontier"

    @property
    def payloads(self) -> str:
        return f"{self.base}:requests"

    @property
    def workers(self) -> str:
        return f"{self.base}:workers"

    @property
    def lease_prefix(self) -> str:
        return f"{self.base}:leased:"

    def leased(self, worker: str) -> str:
        return self.lease_prefix + worker

    def run(self, part: str) -> str:
        return f"{self.base}:run:{self.run_id}:{part}"

    @staticmethod
    def alive(worker: str) -> str:
        return f"wirewatch:worker:{worker}"

    @property
    def stories(self) -> str:
        """The prefix of the run's shared story state (crawler.story_state)."""
        return self.run("stories:")

    def expiring(self) -> list[str]:
        """The run's keys that must not outlive it by more than RUN_KEY_TTL."""
        parts = ("seen", "counts", "fingerprints", "stats", "seeded")
        return [self.run(p) for p in parts] + [self.stories + p for p in STATE_PARTS]

    @classmethod
    def from_settings(cls, settings: Any, watch: str) -> SharedKeys:
        return cls(watch, settings.getint("WIREWATCH_RUN_ID"))


def shared_story_state(settings: Any) -> RedisStoryState | None:
    """The run's story state in Redis, for the workers of a shared run (None for a crawl
    on its own, or with WIREWATCH_STORY_STATE_IN_REDIS off)."""
    url = settings.get("WIREWATCH_REDIS_URL")
    wanted = settings.getbool("WIREWATCH_SHARED_STORIES") and settings.getbool(
        "WIREWATCH_STORY_STATE_IN_REDIS", True
    )
    if not url or not wanted:
        return None
    keys = SharedKeys.from_settings(settings, settings.get("WIREWATCH_WATCH_NAME"))
    config = DEFAULT_CONFIG
    return RedisStoryState(connect(url), keys.stories, config.params, config.lsh_threshold)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def default_worker_name() -> str:
    return f"{os.uname().nodename}-{os.getpid()}"


def worker_name(settings: Any) -> str:
    return str(settings.get("WIREWATCH_WORKER_NAME") or default_worker_name())


# --- the frontier --------------------------------------------------------------------


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
        token = _text(raw)
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


# --- what the run has seen, and its counts ---------------------------------------------

# KEYS: the run's seen set and its counts (a hash); ARGV: the marker, then pairs of a
# counter's name and its budget. 1 = added, 0 = seen before, -1 = a budget is spent.
_ADD_SEEN = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 0 end
for i = 2, #ARGV, 2 do
  local budget = tonumber(ARGV[i + 1])
  if tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0') >= budget then return -1 end
end
redis.call('SADD', KEYS[1], ARGV[1])
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
return 1
"""

Budgets = tuple[tuple[str, int], ...]  # (counter name, budget); 0 = no budget


class Added(IntEnum):
    SEEN = 0  # asked for before in this run
    NEW = 1
    OVER_BUDGET = -1


class SharedSeen:
    """What a run has asked for (pages, feeds, sitemaps, outlets explored) and what it
    has spent of its budgets, shared by its workers."""

    def __init__(self, server: redis.Redis, keys: SharedKeys) -> None:
        self.server = server
        self.keys = keys
        self._add = server.register_script(_ADD_SEEN)

    def add(self, marker: str, budgets: Budgets = ()) -> Added:
        """NEW the first time `marker` is added while every budget lasts (each counter
        then counts it); SEEN or OVER_BUDGET otherwise."""
        pairs = [part for name, budget in budgets if budget for part in (name, budget)]
        answer = self._add(keys=[self.keys.run("seen"), self.keys.run("counts")],
                           args=[marker, *pairs])  # fmt: skip
        return Added(int(answer))

    def add_page(self, url: str, budget: int) -> bool:
        """True the first time a page is asked for, while the page budget lasts."""
        return self.add(f"page:{url}", (("pages", budget),)) is Added.NEW

    def add_once(self, marker: str) -> bool:
        return self.add(marker) is Added.NEW


class LocalSeen:
    """The same, for a crawl on its own (kept in Scrapy's job state for a resume)."""

    def __init__(self) -> None:
        self.markers: set[str] = set()
        self.counts: Counter[str] = Counter()

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


def seen_for(settings: Any, watch: str) -> SharedSeen | LocalSeen:
    url = settings.get("WIREWATCH_REDIS_URL")
    if not url:
        return LocalSeen()
    return SharedSeen(connect(url), SharedKeys.from_settings(settings, watch))


class RunTally:
    """A run's counts in Redis, added to as each worker stores what it fetched."""

    def __init__(self, server: redis.Redis, key: str) -> None:
        self.server = server
        self.key = key
        self._sent: Counter[str] = Counter()

    @classmethod
    def from_settings(cls, settings: Any, watch: str) -> RunTally | None:
        url = settings.get("WIREWATCH_REDIS_URL")
        if not url:
            return None
        return cls(connect(url), SharedKeys.from_settings(settings, watch).run("stats"))

    def add(self, key: str, amount: int = 1) -> None:
        self.server.hincrby(self.key, key, amount)

    def flush(self, counts: Counter[str]) -> None:
        """Send what changed in `counts` since the last flush."""
        changed = {k: v - self._sent[k] for k, v in counts.items() if v != self._sent[k]}
        if not changed:
            return
        pipe = self.server.pipeline(transaction=True)
        for key, amount in changed.items():
            pipe.hincrby(self.key, key, amount)
        pipe.execute()
        self._sent.update(changed)

    def summary(self) -> dict[str, Any]:
        """The run's statistics as a run record keeps them (errors by kind apart)."""
        counts = {_text(k): int(v) for k, v in self.server.hgetall(self.key).items()}
        parts: dict[str, dict[str, int]] = {"error": {}, "worker": {}, "": {}}
        for key, value in sorted(counts.items()):
            kind, _, name = key.rpartition(":")
            parts[kind if kind in parts else ""][name if kind in parts else key] = value
        # pages fetched by each worker: how the run was shared out
        return {**parts[""], "errors": parts["error"], "workers": parts["worker"]}


# --- the run's life in a worker ------------------------------------------------------

_RUN_DONE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('LLEN', KEYS[2]) > 0 then return 0 end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('LLEN', ARGV[1] .. worker) > 0 then return 0 end
end
return 1
"""


class WorkerNameTaken(RuntimeError):
    pass


class RunCoordinator:
    """One worker's part in a shared run: heartbeat, seeding, lease hand-back, the end.

    Switched on by WIREWATCH_REDIS_URL (set by crawler.runner.join_run).
    """

    def __init__(self, crawler: Crawler, server: redis.Redis, keys: SharedKeys) -> None:
        self.crawler = crawler
        self.server = server
        self.keys = keys
        self.worker = worker_name(crawler.settings)
        self.instance = uuid.uuid4().hex
        self.db_url = crawler.settings.get("WIREWATCH_DB_URL")
        self._run_done = server.register_script(_RUN_DONE)
        self._loops: list[Any] = []
        self._beats = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("WIREWATCH_REDIS_URL")
        if not url:
            raise NotConfigured  # (silently: crawls on their own are the usual case)
        watch = crawler.settings.get("WIREWATCH_WATCH_NAME")
        coordinator = cls(crawler, connect(url), SharedKeys.from_settings(crawler.settings, watch))
        crawler.signals.connect(coordinator.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(coordinator.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(coordinator.spider_closed, signal=signals.spider_closed)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(coordinator.item_done, signal=signal)
        crawler.signals.connect(coordinator.spider_error, signal=signals.spider_error)
        return coordinator

    # --- signals ---------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        self.claim_name()
        recover_leases(self.server, self.keys, self.worker)  # an earlier life's leases
        self.heartbeat()
        self._loops = [task.LoopingCall(self.heartbeat), task.LoopingCall(self.wake)]
        self._loops[0].start(HEARTBEAT_SECONDS, now=False)
        self._loops[1].start(WAKE_SECONDS, now=False)

    def spider_idle(self, spider: Spider) -> None:
        if self.closing or self.server.exists(self.keys.run("closing")):
            return  # the run is over: let the spider close
        if self.run_done():
            self.finish_run()
            return
        self.seed(spider)
        raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        pipe = self.server.pipeline(transaction=True)
        pipe.srem(self.keys.workers, self.worker)
        pipe.delete(self.keys.alive(self.worker))
        pipe.execute()
        logger.info("worker %s leaves run %d (%s)", self.worker, self.keys.run_id, reason)

    def item_done(self, item: Any, response: Any = None, **_: Any) -> None:
        self.release(response)

    def spider_error(self, failure: Any, response: Any = None, **_: Any) -> None:
        self.release(response)  # the callback failed: its request is done with anyway

    # --- the parts -------------------------------------------------------------------

    def claim_name(self) -> None:
        """Take this worker's name. A worker restarted under its old name waits for the
        dead one's heartbeat to lapse; a live one with the name keeps it, and this one
        stops with an error."""
        alive = self.keys.alive(self.worker)
        deadline = time.monotonic() + WORKER_TTL + HEARTBEAT_SECONDS
        while not self.server.set(alive, self.instance, nx=True, ex=WORKER_TTL):
            if time.monotonic() > deadline:
                raise WorkerNameTaken(
                    f"a worker named {self.worker!r} is running already (its heartbeat "
                    "stays fresh); give this one another --name"
                )
            time.sleep(0.5)  # before the crawl starts: nothing else waits on the loop
        self.server.sadd(self.keys.workers, self.worker)

    def heartbeat(self) -> None:
        pipe = self.server.pipeline(transaction=False)
        pipe.set(self.keys.alive(self.worker), self.instance, ex=WORKER_TTL)
        pipe.sadd(self.keys.workers, self.worker)
        for key in self.keys.expiring():
            pipe.expire(key, RUN_KEY_TTL)
        pipe.execute()
        for other in self.server.smembers(self.keys.workers):
            name = _text(other)
            if name != self.worker and not self.server.exists(self.keys.alive(name)):
                recover_leases(self.server, self.keys, name)
                self.server.srem(self.keys.workers, name)
        self._beats += 1
        if self._beats % 3 == 0:
            self.check_run_still_open()

    def wake(self) -> None:
        """Nudge an idle engine when other workers have queued work."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is not None and not self.closing and self.server.llen(self.keys.frontier):
            slot.nextcall.schedule()

    def seed(self, spider: Spider) -> None:
        """Queue the run's first requests, once for all workers."""
        if self.server.exists(self.keys.run("seeded")):
            return
        if not self.server.set(self.keys.run("seeding"), self.worker, nx=True, ex=SEEDING_TTL):
            return
        engine = self.crawler.engine
        assert engine is not None
        count = 0
        for request in cast("WatchSpider", spider).initial_requests():
            engine.crawl(request)
            count += 1
        self.server.set(self.keys.run("seeded"), self.worker, ex=RUN_KEY_TTL)
        logger.info("worker %s seeded run %d with %d requests", self.worker,
                    self.keys.run_id, count)  # fmt: skip

    def run_done(self) -> bool:
        keys = [self.keys.run("seeded"), self.keys.frontier, self.keys.workers]
        return bool(self._run_done(keys=keys, args=[self.keys.lease_prefix]))

    def release(self, response: Any) -> None:
        request = getattr(response, "request", None)
        token = request.meta.get(TOKEN_META) if request is not None else None
        if token:
            release_lease(self.server, self.keys, self.worker, token)

    def finish_run(self) -> None:
        """The first worker to see the run done records its end; the others just stop."""
        self.closing = True
        if not self.server.set(self.keys.run("closing"), self.worker, nx=True, ex=RUN_KEY_TTL):
            return
        summary = RunTally(self.server, self.keys.run("stats")).summary()
        summary["close_reason"] = "finished"
        store_for(self.crawler).finish_run(self.keys.run_id, "finished", summary)
        self.server.delete(*(k for k in self.keys.expiring() if not k.endswith(":stats")))
        logger.info("worker %s finished run %d: %s", self.worker, self.keys.run_id, summary)

    def check_run_still_open(self) -> None:
        status = store_for(self.crawler).get_run(self.keys.run_id).status
        if status != "running" and not self.closing:
            self.closing = True
            logger.warning("run %d is %s: worker %s stops", self.keys.run_id, status, self.worker)
            engine = self.crawler.engine
            assert engine is not None
            deferred_from_coro(engine.close_spider_async(reason=f"run_{status}"))
