"""Keeping the database's story clusters up to date as article versions arrive.

Every version is signed once and its signature stored; at start-up the in-memory
index is rebuilt from the stored signatures of the last `window` (no re-signing). A
version is keyed "v<version id>" and carries its article's canonical URL, so an
updated article stays one story with its earlier text and is re-checked against
everything its new text resembles.
"""

from __future__ import annotations

import functools
import gc
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from dedup.cluster import (
    DEFAULT_CONFIG,
    DedupConfig,
    Role,
    StoryClusters,
    encode_credits,
)
from dedup.signature import Signature, SignatureParams, sign
from dedup.state import Document, Entry, StoryState
from dedup.templates import TemplateLines
from dedup.text import fingerprint, normalize, shingle_hashes
from storage import Store
from storage.clusters import StoredSignature

logger = logging.getLogger(__name__)

# How long catch_up looks again for a signature-log id it skipped over, before taking
# it for a rolled-back transaction's: far longer than a page's transaction lasts (a
# few ms; minutes only while SQLite's write lock is contended, and SQLite commits in
# id order anyway).
GAP_SECONDS = 600.0
# How far below the newest signature-log id a crawl starting up looks for ids not yet
# committed: more than the page transactions a database serves at once.
GAP_LOOKBACK = 256


class SharedStoryState(StoryState, Protocol):
    """A story state the workers of a run share (fleet.story_state.SharedStoryState,
    named by WIREWATCH_STORY_STATE), built from the stored signatures when missing."""

    def current(self) -> bool:
        """Whether the state is built (call it holding the story lock)."""

    def clear(self) -> None: ...

    def mark_built(self) -> None: ...

    def invalidate(self) -> None:
        """Declare the state out of step with the database: the next worker to catch
        up rebuilds it."""


@dataclass(frozen=True)
class ArticleFacts:
    article_id: int
    version_id: int
    canonical_url: str
    outlet: str
    site_name: str | None
    published: str | None
    first_seen: datetime
    text: str


def _document(facts: ArticleFacts | StoredSignature, text: str = "") -> Document:
    return Document(
        key=f"v{facts.version_id}",
        text=text,
        url=facts.canonical_url,
        # one string per outlet, not one per article (a long crawl holds many)
        outlet=sys.intern(facts.outlet),
        site_name=sys.intern(facts.site_name) if facts.site_name else None,
        published=facts.published,
        first_seen=facts.first_seen.isoformat(),
        ref=facts.article_id,
    )


class ClusterKeeper:
    """The story state of one crawl process: in its memory, or shared by the workers of
    a run (`shared`: in Redis, fleet.story_state), built there from the stored
    signatures when missing."""

    def __init__(self, store: Store, config: DedupConfig = DEFAULT_CONFIG,
                 shared: SharedStoryState | None = None) -> None:  # fmt: skip
        self.store = store
        self.config = config
        self.templates = TemplateLines()
        self.shared = shared
        self.clusters = StoryClusters(config, templates=self.templates, state=shared)
        self._logged_until = 0  # the last entry of the signature log seen
        self._since: datetime | None = None  # the start of the window
        # with a shared state: what this process added since it last caught up (its
        # own texts need no learning from the log)
        self._added_here: set[str] = set()
        # log ids skipped over by catch_up (uncommitted then), and when first missed
        self._gaps: dict[int, float] = {}

    @classmethod
    def load(cls, store: Store, config: DedupConfig = DEFAULT_CONFIG, now: datetime | None = None,
             shared: SharedStoryState | None = None) -> ClusterKeeper:  # fmt: skip
        """Rebuild the index from stored signatures within the time window (a shared
        state is built by the first catch_up that finds it missing)."""
        keeper = cls(store, config, shared)
        keeper._since = (now or store.clock()) - config.window
        if shared is not None:
            keeper._start_log()
            return keeper
        logger.info("cluster index rebuilt from %d stored signatures", keeper._load_window())
        # The rebuilt index lives as long as the crawl: move it out of the cyclic
        # garbage collector's way, which otherwise rescans it ever more slowly
        # (benchmarks/README.md: 3.8x cost at 100k articles instead of 1.45x).
        gc.freeze()
        return keeper

    def forget_unstored(self) -> None:
        """A page's transaction failed after this keeper added its version, which the
        database does not hold: start again from what it holds. A shared state is
        rebuilt by the next worker to catch up; one of this process's own, now."""
        self._added_here.clear()
        if self.shared is not None:
            self.shared.invalidate()
            return
        self.templates = TemplateLines()
        self.clusters = StoryClusters(self.config, templates=self.templates)
        logger.warning("cluster index rebuilt from %d stored signatures after a failed write",
                       self._load_window())  # fmt: skip

    def _load_window(self) -> int:
        """Add the stored signatures of the window to this process's own index; returns
        how many."""
        assert self._since is not None
        # read first: what is logged meanwhile is caught up on (and skipped if known)
        self._start_log()
        return sum(self._add_stored(stored) for stored in self.store.load_signatures(self._since))

    def catch_up(self) -> int:
        """Learn what other crawl processes stored since the last look: their texts, so
        that this process learns the same outlet templates, and (with a state of its
        own) their signatures. Call it holding the shared story lock. Returns how many
        were new here."""
        added = 0
        before = self._logged_until
        found = self.store.load_signatures(logged_after=before, also_logged=list(self._gaps))
        for stored in found:
            self._logged_until = max(self._logged_until, stored.logged)
            added += self._add_stored(stored)
        self._mind_the_gaps(before, {stored.logged for stored in found})
        self._added_here.clear()
        if self.shared is not None and not self.shared.current():
            self._build_shared()
        return added

    def _start_log(self) -> None:
        """Start reading the signature log at its newest entry, minding the gaps just
        below it: ids of transactions that were still open when the state was read."""
        self._logged_until = self.store.last_logged_signature()
        recent = max(self._logged_until - GAP_LOOKBACK, 0)
        self._mind_the_gaps(recent, self.store.logged_signature_ids(recent))

    def _mind_the_gaps(self, before: int, seen: set[int]) -> None:
        """Remember the log ids skipped over, to look for them again. Log ids are taken
        in order but committed in any order by crawls of different watches (each holds
        only its own watch's story lock): an id below the newest one seen may belong to
        a transaction still open. A rolled-back one never comes: forgotten after
        GAP_SECONDS."""
        now = time.monotonic()
        for logged in seen:
            self._gaps.pop(logged, None)
        for logged in range(before + 1, self._logged_until):
            if logged not in seen:
                self._gaps.setdefault(logged, now)
        for logged, since in list(self._gaps.items()):
            if now - since > GAP_SECONDS:
                del self._gaps[logged]

    def _add_stored(self, stored: StoredSignature) -> bool:
        key = f"v{stored.version_id}"
        known = key in self._added_here if self.shared is not None else key in self.clusters.state
        if known or not self._current_params(stored):
            return False  # known, or made with other parameters (re-signed when changed)
        if stored.text:
            self.templates.learn(stored.outlet, stored.canonical_url, stored.text)
        if self.shared is None:  # a shared state has it already
            self._add_signature(stored)
        return True

    def _current_params(self, stored: StoredSignature) -> bool:
        return SignatureParams(stored.num_perm, stored.seed, stored.scheme) == self.config.params

    def _add_signature(self, stored: StoredSignature) -> None:
        signature = Signature.from_bytes(stored.hashvalues, stored.size, self.config.params)
        self.clusters.add_signed(_document(stored), signature, stored.text_hash,
                                 list(stored.credits))  # fmt: skip

    def _build_shared(self) -> None:
        """(Re)build the shared state from the stored signatures of the window: at a
        run's start, or after Redis lost it."""
        assert self.shared is not None and self._since is not None
        self.shared.clear()
        count = 0
        for stored in self.store.load_signatures(self._since):
            if self._current_params(stored):
                self._add_signature(stored)
                count += 1
        self.shared.mark_built()
        logger.info("shared story state built from %d stored signatures", count)

    def add(self, facts: ArticleFacts) -> tuple[int, Callable[[], None]]:
        """Sign and cluster one new article version. Returns its cluster id and the step
        that stores its signature, for the caller to take when everything else of the
        version is stored: a version without a signature is done again by the next run
        (redo_unfinished). With a shared state the signature is stored at once (other
        workers learn of it through the signature log)."""
        self.templates.learn(facts.outlet, facts.canonical_url, facts.text)
        text = self.templates.strip(facts.outlet, facts.text)
        normalized = normalize(text)
        signature = sign(shingle_hashes(text), self.config.params)
        text_hash = fingerprint(normalized)
        credits = encode_credits(facts.text)
        save = functools.partial(
            self.store.save_signature,
            facts.article_id, facts.version_id, scheme=signature.params.scheme,
            seed=signature.params.seed, num_perm=signature.params.num_perm,
            size=signature.size, hashvalues=signature.to_bytes(), text_hash=text_hash,
            credits=credits,
        )  # fmt: skip
        if self.shared is not None:
            save()
            save = functools.partial(_nothing)
        key = f"v{facts.version_id}"
        self._added_here.add(key)
        try:
            self.clusters.add_signed(_document(facts), signature, text_hash, credits)
        except KeyError:
            if self.shared is None or self.shared.current():
                raise
        if self.shared is not None and not self.shared.current():
            # Redis lost the state meanwhile: the rebuild includes this version, whose
            # signature is stored already
            logger.warning("the shared story state was lost (Redis restarted?): rebuilding it")
            self._build_shared()
        return self._record(key), save

    def _record(self, key: str) -> int:
        keys = self.clusters.component(key)
        roles = self.clusters.roles(keys)
        origin = self.clusters.origin(keys)
        entries = {e.doc.key: e for e in self.clusters.state.entries(keys)}
        members: dict[int, tuple[str, float]] = {}
        # oldest version first: an article's role is its first version's
        for member in sorted(keys, key=lambda k: int(k[1:])):
            article = _article(entries[member])
            if roles[member] is not Role.VERSION and article not in members:
                similarity = entries[member].signature.jaccard(entries[origin].signature)
                members[article] = (roles[member].value, similarity)
        cluster_id = self.store.record_cluster(members, _article(entries[origin]))
        for edge in self.clusters.edges_of(key):
            source, target = map(_article, self.clusters.state.entries([edge.source, edge.target]))
            if source != target:
                self.store.record_edge(source, target, edge.overlap)
        return cluster_id


def _article(entry: Entry) -> int:
    assert entry.doc.ref is not None  # every document of a crawl names its article
    return entry.doc.ref


def _nothing() -> None:
    pass
