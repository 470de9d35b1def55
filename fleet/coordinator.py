"""One worker's part in a shared run: heartbeat, seeding, lease hand-back, the end.
The run is over when it was seeded, the frontier is empty and no worker holds a lease,
all checked in one Lua call so that no request is in between places when it is
checked.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Any, Self, cast

import redis
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler.writer import store_for
from fleet.frontier import TOKEN_META, recover_leases, release_lease
from fleet.keys import RUN_KEY_TTL, SharedKeys, connect, text, worker_name
from fleet.seen import RunTally

if TYPE_CHECKING:
    from crawler.spiders.watch import WatchSpider

logger = logging.getLogger(__name__)

# A worker renews its heartbeat every HEARTBEAT_SECONDS; one silent for WORKER_TTL is
# taken for dead and its leases go back to the frontier. 10 s rides out a busy event
# loop (an extraction result can hold it for a second) yet recovers work quickly.
HEARTBEAT_SECONDS = 2.0
WORKER_TTL = 10
# An idle worker looks at the frontier this often for work that others queued
# (Scrapy's own engine would look again only every 5 s).
WAKE_SECONDS = 0.5
SEEDING_TTL = 120  # a worker that dies while seeding is replaced after this


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

    An extension that fleet.service.worker_settings adds to a worker's crawl.
    """

    def __init__(self, crawler: Crawler, server: redis.Redis, keys: SharedKeys) -> None:
        self.crawler = crawler
        self.server = server
        self.keys = keys
        self.worker = worker_name(crawler.settings)
        self.instance = uuid.uuid4().hex
        self._run_done = server.register_script(_RUN_DONE)
        self._loops: list[Any] = []
        self._beats = 0
        self.closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("WIREWATCH_REDIS_URL")
        if not url:
            raise NotConfigured("WIREWATCH_REDIS_URL is not set")
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
            name = text(other)
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
