"""The story state of a run shared by workers, kept in Redis (dedup.state.StoryState).

Each worker used to hold the whole state of the 30-day window (signatures, groups,
exact-copy and URL lookups, the band index): some 2 KB an article in every worker,
growing with the window (soak, benchmarks/README.md). Here it lives once, in a few
Redis hashes under the run's keys, so a worker's memory stays flat and every worker
clusters against the same index. Writes happen under the run's shared story lock
(Store.hold_story_lock, in the page's transaction), so there are no races between workers; each
multi-key change is one MULTI/EXEC, so a worker killed mid-change leaves none half
done.

The state is built from the stored signatures when a run's first worker needs it and
again whenever Redis has lost it (a restart: the `built` marker is gone); it is
deleted with the run's other keys when the run ends.
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime

import numpy as np
import redis
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from dedup.cluster import DEFAULT_CONFIG
from dedup.index import band_buckets, lsh_bands, require_params
from dedup.signature import Signature, SignatureParams
from dedup.state import Document, Entry, Lookup
from fleet.keys import STATE_PARTS, SharedKeys, connect

# Entries never change once written, so each worker keeps the recent ones: a story's
# members are read a few times per arriving article, and its candidates (at most 86,
# 15 on average, in the 20,000-page soak) once. 512 entries, under 1 MB, hold them;
# a larger cache only filled more slowly (4,096: some 6 MB, full only after 4,000
# pages, after the soak's warm-up), a smaller one reads more from Redis.
CACHED_ENTRIES = 512

# Appends the value ARGV[1] to the space-separated lists in fields ARGV[2..] of the
# hash KEYS[1] (a band index bucket's keys; a key's partial-copy partners).
_APPEND = """
for i = 2, #ARGV do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  redis.call('HSET', KEYS[1], ARGV[i], current and (current .. ' ' .. ARGV[1]) or ARGV[1])
end
return 0
"""

# Adds the key ARGV[1] to the band buckets ARGV[2..] of the hash KEYS[1] (as _APPEND
# does) and marks it indexed in the hash KEYS[2].
_INDEX = """
for i = 2, #ARGV do
  local current = redis.call('HGET', KEYS[1], ARGV[i])
  redis.call('HSET', KEYS[1], ARGV[i], current and (current .. ' ' .. ARGV[1]) or ARGV[1])
end
redis.call('HSET', KEYS[2], ARGV[1], 1)
return 0
"""


class RedisBandIndex:
    """The band index (dedup.index.BandIndex's bands) as one Redis hash: bucket -> keys."""

    def __init__(self, server: redis.Redis, prefix: str, params: SignatureParams,
                 threshold: float) -> None:  # fmt: skip
        self.server = server
        self.params = params
        self.bands, self.rows = lsh_bands(params, threshold)
        self._bands_key, self._indexed_key = prefix + "bands", prefix + "indexed"
        self._index = server.register_script(_INDEX)

    def _fields(self, signature: Signature) -> list[str]:
        require_params(self.params, signature)
        return [format(b, "x") for b in band_buckets(signature, self.bands, self.rows).tolist()]

    def insert(self, key: str, signature: Signature) -> None:
        # one script: one round trip, atomic (a pipeline with a script checks that the
        # script is loaded first, another round trip)
        self._index(keys=[self._bands_key, self._indexed_key],
                    args=[key, *self._fields(signature)])  # fmt: skip

    def query(self, signature: Signature) -> list[str]:
        found: set[str] = set()
        for keys in self.server.hmget(self._bands_key, self._fields(signature)):
            if keys:
                found.update(_text(keys).split(" "))
        if not found:
            return []
        candidates = sorted(found)
        indexed = self.server.hmget(self._indexed_key, candidates)
        return [key for key, flag in zip(candidates, indexed, strict=True) if flag is not None]

    def remove(self, key: str) -> None:
        self.server.hdel(self._indexed_key, key)  # its buckets are skipped by query

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self.server.hexists(self._indexed_key, key))

    def __len__(self) -> int:
        return int(self.server.hlen(self._indexed_key))


class RedisStoryState:
    """dedup.state.StoryState in Redis hashes under `prefix` (one run's)."""

    def __init__(self, server: redis.Redis, prefix: str, params: SignatureParams,
                 threshold: float, cache_size: int = CACHED_ENTRIES) -> None:  # fmt: skip
        self.server = server
        self.params = params
        self.prefix = prefix
        self.cache_size = cache_size
        self.index = RedisBandIndex(server, prefix, params, threshold)
        self._cache: OrderedDict[str, Entry] = OrderedDict()
        self._generation: str | None = None  # of the state the cache holds entries of
        self._append = server.register_script(_APPEND)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisStoryState:
        """The run's state (WIREWATCH_STORY_STATE names this class for workers), unless
        WIREWATCH_STORY_STATE_IN_REDIS is off."""
        settings = crawler.settings
        if not settings.getbool("WIREWATCH_STORY_STATE_IN_REDIS", True):
            raise NotConfigured("WIREWATCH_STORY_STATE_IN_REDIS is off")
        keys = SharedKeys.from_settings(settings, settings.get("WIREWATCH_WATCH_NAME"))
        server = connect(settings.get("WIREWATCH_REDIS_URL"))
        return cls(server, keys.stories, DEFAULT_CONFIG.params, DEFAULT_CONFIG.lsh_threshold)

    def key(self, part: str) -> str:
        return self.prefix + part

    # --- life cycle ----------------------------------------------------------------------

    def current(self) -> bool:
        """Whether the state is built; call it holding the story lock. A state built
        anew since the last look (after Redis lost it) empties this worker's cache."""
        generation = _optional(self.server.get(self.key("built")))
        if generation != self._generation:
            self._cache.clear()
            self._generation = generation
        return generation is not None

    def clear(self) -> None:
        self.server.delete(*(self.key(part) for part in STATE_PARTS))
        self._cache.clear()
        self._generation = None

    def invalidate(self) -> None:
        """Declare the state out of step with the database (a page's transaction
        failed after changing it): the next worker to catch up rebuilds it."""
        self.server.delete(self.key("built"))
        self._cache.clear()
        self._generation = None

    def mark_built(self) -> None:
        self._generation = uuid.uuid4().hex
        self.server.set(self.key("built"), self._generation)

    # --- documents -----------------------------------------------------------------------

    def __contains__(self, key: str) -> bool:
        return key in self._cache or bool(self.server.hexists(self.key("entries"), key))

    def lookup(self, key: str, text_hash: str, url: str) -> Lookup:
        pipe = self.server.pipeline(transaction=False)  # reads: one round trip
        pipe.hexists(self.key("entries"), key)
        if text_hash:
            pipe.hget(self.key("hashes"), text_hash)
        if url:
            pipe.hget(self.key("urls"), url)
        found = iter(pipe.execute())
        added = key in self._cache or bool(next(found))
        twin = _optional(next(found)) if text_hash else None
        return Lookup(added, twin, _optional(next(found)) if url else None)

    def add_entry(self, entry: Entry, text_hash: str = "", url: str = "") -> None:
        key = entry.doc.key
        pipe = self.server.pipeline(transaction=True)
        pipe.hset(self.key("entries"), key, _pack(entry))
        pipe.hset(self.key("roots"), key, key)
        pipe.hset(self.key("members"), key, key)
        if text_hash:
            pipe.hset(self.key("hashes"), text_hash, key)
        if url:
            pipe.hset(self.key("urls"), url, key)
        pipe.execute()
        self._remember(entry)

    def entry(self, key: str) -> Entry:
        return self.entries([key])[0]

    def entries(self, keys: list[str]) -> list[Entry]:
        found: dict[str, Entry] = {}
        for key in keys:
            if key in self._cache:
                self._cache.move_to_end(key)
                found[key] = self._cache[key]
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing:
            blobs = self.server.hmget(self.key("entries"), missing)
            for key, blob in zip(missing, blobs, strict=True):
                if blob is None:
                    raise KeyError(key)
                found[key] = _unpack(blob, self.params)
                self._remember(found[key])  # may push out some just found: not needed
        return [found[key] for key in keys]

    def _remember(self, entry: Entry) -> None:
        self._cache[entry.doc.key] = entry
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def all_keys(self) -> Iterator[str]:
        return (_text(key) for key, _ in self.server.hscan_iter(self.key("roots")))

    # --- groups ------------------------------------------------------------------------

    def root(self, key: str) -> str:
        root = self.server.hget(self.key("roots"), key)
        if root is None:
            raise KeyError(key)
        return _text(root)

    def members(self, root: str) -> list[str]:
        members = self.server.hget(self.key("members"), root)
        return _text(members).split(" ") if members else []

    def merge(self, root_a: str, root_b: str) -> None:
        # the smaller group joins the larger: every member points at its root directly
        a, b = self.members(root_a), self.members(root_b)
        (keep, kept), (drop, moved) = sorted(((root_a, a), (root_b, b)), key=lambda g: -len(g[1]))
        pipe = self.server.pipeline(transaction=True)
        pipe.hset(self.key("roots"), mapping=dict.fromkeys(moved, keep))
        pipe.hset(self.key("members"), keep, " ".join(kept + moved))
        pipe.hdel(self.key("members"), drop)
        pipe.execute()

    # --- lookups ---------------------------------------------------------------------------

    # --- partial copies --------------------------------------------------------------------

    def add_pair(self, source: str, target: str, overlap: float) -> None:
        pair = f"{source} {target}"
        pipe = self.server.pipeline(transaction=True)
        if not self.server.hexists(self.key("pairs"), pair):
            self._append(keys=[self.key("sources")], args=[source, target], client=pipe)
            self._append(keys=[self.key("targets")], args=[target, source], client=pipe)
        pipe.hset(self.key("pairs"), pair, repr(overlap))
        pipe.execute()

    def overlap(self, source: str, target: str) -> float:
        value = self.server.hget(self.key("pairs"), f"{source} {target}")
        if value is None:
            raise KeyError((source, target))
        return float(value)

    def pairs(self) -> Iterator[tuple[str, str]]:
        for pair, _ in self.server.hscan_iter(self.key("pairs")):
            source, target = _text(pair).split(" ")
            yield source, target

    def sources_of(self, key: str) -> list[str]:
        return self._listed("sources", key)

    def targets_of(self, key: str) -> list[str]:
        return self._listed("targets", key)

    def _listed(self, part: str, key: str) -> list[str]:
        value = self.server.hget(self.key(part), key)
        return _text(value).split(" ") if value else []


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _optional(value: bytes | str | None) -> str | None:
    return None if value is None else _text(value)


def _pack(entry: Entry) -> bytes:
    """An entry as JSON, a NUL and the signature's values (no pickle: what Redis holds
    is data, never code)."""
    doc = entry.doc
    head = [doc.key, doc.url, doc.outlet, doc.site_name, doc.published, doc.first_seen, doc.ref,
            entry.signature.size, entry.text_hash, entry.credits, entry.later_version,
            entry.when.isoformat() if entry.when else None]  # fmt: skip
    return json.dumps(head).encode() + b"\0" + entry.signature.to_bytes()


def _unpack(blob: bytes | str, params: SignatureParams) -> Entry:
    data = blob.encode("latin-1") if isinstance(blob, str) else blob
    head, _, values = data.partition(b"\0")
    key, url, outlet, site, published, first_seen, ref, size, text_hash, credits, later, when = (
        json.loads(head)
    )
    doc = Document(key, "", url, outlet, site, published, first_seen, ref)
    signature = Signature(np.frombuffer(values, dtype="<u4").astype(np.uint32), size, params)
    moment = datetime.fromisoformat(when) if when else None
    return Entry(doc, signature, text_hash, moment, credits, later_version=later)
