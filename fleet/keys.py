"""The Redis side of a fleet of workers: connecting, naming keys and workers.

Keys: wirewatch:<watch>:{frontier,requests,workers,leased:<worker>} for the watch,
wirewatch:<watch>:run:<id>:{seen,counts,fingerprints,stats,seeding,seeded,closing} and
the story state under wirewatch:<watch>:run:<id>:stories: for a run,
wirewatch:worker:<name> for a worker's heartbeat.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from storage.errors import redact_url

# The run's story state (fleet.story_state) lives in these hashes under `stories`.
STATE_PARTS = ("entries", "roots", "members", "hashes", "urls", "pairs", "sources", "targets",
               "bands", "indexed", "built")  # fmt: skip
# Per-run keys outlive a run that nobody finishes by a week, then Redis drops them.
RUN_KEY_TTL = 7 * 24 * 3600
# While Redis is unreachable, every call retries with backoff for about a minute
# (30 tries, waits growing to 2 s) before the crawl gives up on it.
RECONNECT_TRIES = 30


def redact(url: str) -> str:
    """A Redis URL fit for logs and messages: any password replaced by ***."""
    return redact_url(url)


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
        """The prefix of the run's shared story state (fleet.story_state)."""
        return self.run("stories:")

    def expiring(self) -> list[str]:
        """The run's keys that must not outlive it by more than RUN_KEY_TTL."""
        parts = ("seen", "counts", "fingerprints", "stats", "seeded")
        return [self.run(p) for p in parts] + [self.stories + p for p in STATE_PARTS]

    @classmethod
    def from_settings(cls, settings: Any, watch: str) -> SharedKeys:
        return cls(watch, settings.getint("WIREWATCH_RUN_ID"))


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def default_worker_name() -> str:
    return f"{os.uname().nodename}-{os.getpid()}"


def worker_name(settings: Any) -> str:
    return str(settings.get("WIREWATCH_WORKER_NAME") or default_worker_name())
