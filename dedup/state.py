"""Where StoryClusters keeps what it knows: one small interface, two homes.

`MemoryState` holds everything in this process (the default, and all one process
needs). A crawl shared by several workers keeps it in Redis instead
(fleet.story_state), so that a worker's memory does not grow with the articles of
the window and every worker clusters against the same state. The interface is the
whole of what clustering reads and writes; entries never change once added, which
lets an out-of-process home cache them freely.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dedup.index import CandidateIndex
from dedup.signature import Signature


@dataclass(frozen=True, slots=True)
class Document:
    key: str
    text: str
    url: str | None = None
    outlet: str | None = None  # the host, for template lines
    site_name: str | None = None  # the outlet's name, for credit lines
    published: str | None = None  # ISO date or datetime
    first_seen: str | None = None  # ISO datetime
    ref: int | None = None  # the caller's own id for the document (an article's)


@dataclass(slots=True)
class Entry:
    """One document as clustering keeps it: never changed once added."""

    doc: Document
    signature: Signature
    text_hash: str
    when: datetime | None
    credits: list[str] = field(default_factory=list)
    later_version: bool = False  # its URL had a document before it


@dataclass(frozen=True, slots=True)
class Lookup:
    """What StoryState.lookup finds for a document about to be added."""

    added: bool  # its key is in the state already
    twin: str | None  # the first document with its exact text
    first_at: str | None  # the first document seen at its URL


class StoryState(Protocol):
    """Documents, the same-story relation (a union-find over keys), exact-copy and
    same-URL lookups, partial-copy pairs and the candidate index."""

    @property
    def index(self) -> CandidateIndex: ...

    def __contains__(self, key: str) -> bool: ...

    def lookup(self, key: str, text_hash: str, url: str) -> Lookup:
        """What is known of a document about to be added, in one look (one round trip
        for a state in Redis); an empty text_hash or url is not looked up."""

    def add_entry(self, entry: Entry, text_hash: str = "", url: str = "") -> None:
        """Add a new document, alone in its group; with `text_hash` or `url`, as the
        first document with that exact text or at that URL (in the same change)."""

    def entry(self, key: str) -> Entry: ...

    def entries(self, keys: list[str]) -> list[Entry]: ...

    def all_keys(self) -> Iterator[str]: ...

    def root(self, key: str) -> str:
        """The representative of the key's group."""

    def merge(self, root_a: str, root_b: str) -> None:
        """Join two groups, given by their (different) representatives."""

    def members(self, root: str) -> list[str]: ...

    def add_pair(self, source: str, target: str, overlap: float) -> None:
        """Record a partial copy of `source` in `target` (updating a known pair)."""

    def overlap(self, source: str, target: str) -> float: ...

    def pairs(self) -> Iterator[tuple[str, str]]: ...

    def sources_of(self, key: str) -> list[str]: ...

    def targets_of(self, key: str) -> list[str]: ...


class MemoryState:
    """StoryState in this process's memory."""

    def __init__(self, index: CandidateIndex) -> None:
        self.index = index
        self._entries: dict[str, Entry] = {}
        self._parent: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        self._by_hash: dict[str, str] = {}
        self._by_url: dict[str, str] = {}
        self._pairs: dict[tuple[str, str], float] = {}
        # the partial-copy pairs by key, in the order they were found, so that one
        # article's pairs are found without going over every pair
        self._sources_of: dict[str, list[str]] = defaultdict(list)
        self._targets_of: dict[str, list[str]] = defaultdict(list)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def lookup(self, key: str, text_hash: str, url: str) -> Lookup:
        twin = self._by_hash.get(text_hash) if text_hash else None
        return Lookup(key in self._entries, twin, self._by_url.get(url) if url else None)

    def add_entry(self, entry: Entry, text_hash: str = "", url: str = "") -> None:
        key = entry.doc.key
        self._entries[key] = entry
        self._parent[key] = key
        self._members[key] = [key]
        if text_hash:
            self._by_hash[text_hash] = key
        if url:
            self._by_url[url] = key

    def entry(self, key: str) -> Entry:
        return self._entries[key]

    def entries(self, keys: list[str]) -> list[Entry]:
        return [self._entries[k] for k in keys]

    def all_keys(self) -> Iterator[str]:
        return iter(self._entries)

    def root(self, key: str) -> str:
        root = key
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[key] != root:
            self._parent[key], key = root, self._parent[key]
        return root

    def merge(self, root_a: str, root_b: str) -> None:
        low, high = sorted((root_a, root_b))
        self._parent[high] = low
        self._members[low].extend(self._members.pop(high))

    def members(self, root: str) -> list[str]:
        return self._members[root]

    def add_pair(self, source: str, target: str, overlap: float) -> None:
        if (source, target) not in self._pairs:
            self._sources_of[target].append(source)
            self._targets_of[source].append(target)
        self._pairs[(source, target)] = overlap

    def overlap(self, source: str, target: str) -> float:
        return self._pairs[(source, target)]

    def pairs(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs)

    def sources_of(self, key: str) -> list[str]:
        return self._sources_of.get(key, [])

    def targets_of(self, key: str) -> list[str]:
        return self._targets_of.get(key, [])
