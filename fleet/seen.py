"""What a run has asked for and what it has counted, shared by its workers in Redis:
the pages asked for (with the watch's page budget, checked and counted atomically)
and the run's statistics, added up as each worker stores what it fetched.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Self

import redis
from scrapy.crawler import Crawler

from crawler.seen import Added, Budgets
from fleet.keys import SharedKeys, connect, text

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


class SharedSeen:
    """What a run has asked for (pages, feeds, sitemaps, outlets explored) and what it
    has spent of its budgets, shared by its workers (crawler.seen.SeenSet)."""

    shared = True

    def __init__(self, server: redis.Redis, keys: SharedKeys) -> None:
        self.server = server
        self.keys = keys
        self._add = server.register_script(_ADD_SEEN)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        keys = SharedKeys.from_settings(settings, settings.get("WIREWATCH_WATCH_NAME"))
        return cls(connect(settings.get("WIREWATCH_REDIS_URL")), keys)

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


class RunTally:
    """A run's counts in Redis, added to as each worker stores what it fetched."""

    def __init__(self, server: redis.Redis, key: str) -> None:
        self.server = server
        self.key = key
        self._sent: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        keys = SharedKeys.from_settings(settings, settings.get("WIREWATCH_WATCH_NAME"))
        return cls(connect(settings.get("WIREWATCH_REDIS_URL")), keys.run("stats"))

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
        counts = {text(k): int(v) for k, v in self.server.hgetall(self.key).items()}
        parts: dict[str, dict[str, int]] = {"error": {}, "worker": {}, "": {}}
        for key, value in sorted(counts.items()):
            kind, _, name = key.rpartition(":")
            parts[kind if kind in parts else ""][name if kind in parts else key] = value
        # pages fetched by each worker: how the run was shared out
        return {**parts[""], "errors": parts["error"], "workers": parts["worker"]}
