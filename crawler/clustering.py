"""Keeping the database's story clusters up to date as article versions arrive.

Every version is signed once and its signature stored; at start-up the in-memory
index is rebuilt from the stored signatures of the last `window` (no re-signing). A
version is keyed "v<version id>" and carries its article's canonical URL, so an
updated article stays one story with its earlier text and is re-checked against
everything its new text resembles.
"""

from __future__ import annotations

import gc
import logging
import sys
from dataclasses import dataclass
from datetime import datetime

from dedup.cluster import (
    DEFAULT_CONFIG,
    DedupConfig,
    Document,
    Role,
    StoryClusters,
    encode_credits,
)
from dedup.signature import Signature, SignatureParams, sign
from dedup.templates import TemplateLines
from dedup.text import fingerprint, normalize, shingle_hashes
from storage import Store
from storage.clusters import StoredSignature

logger = logging.getLogger(__name__)


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
    )


class ClusterKeeper:
    def __init__(self, store: Store, config: DedupConfig = DEFAULT_CONFIG) -> None:
        self.store = store
        self.config = config
        self.templates = TemplateLines()
        self.clusters = StoryClusters(config, templates=self.templates)
        self._article_of: dict[str, int] = {}
        self._logged_until = 0  # the last entry of the signature log seen

    @classmethod
    def load(cls, store: Store, config: DedupConfig = DEFAULT_CONFIG,
             now: datetime | None = None) -> ClusterKeeper:  # fmt: skip
        """Rebuild the index from stored signatures within the time window."""
        keeper = cls(store, config)
        # read first: what is logged meanwhile is caught up on (and skipped if known)
        keeper._logged_until = store.last_logged_signature()
        since = (now or store.clock()) - config.window
        loaded = sum(keeper._add_stored(stored) for stored in store.load_signatures(since))
        logger.info("cluster index rebuilt from %d stored signatures", loaded)
        # The rebuilt index lives as long as the crawl: move it out of the cyclic
        # garbage collector's way, which otherwise rescans it ever more slowly
        # (benchmarks/README.md: 3.8x cost at 100k articles instead of 1.45x).
        gc.freeze()
        return keeper

    def catch_up(self) -> int:
        """Add the signatures other crawl processes stored since the last look (with
        their texts, so that this process learns the same outlet templates); call it
        holding the shared story lock. Returns how many were new here."""
        added = 0
        for stored in self.store.load_signatures(logged_after=self._logged_until):
            self._logged_until = max(self._logged_until, stored.logged)
            added += self._add_stored(stored)
        return added

    def _add_stored(self, stored: StoredSignature) -> bool:
        key = f"v{stored.version_id}"
        params = SignatureParams(stored.num_perm, stored.seed, stored.scheme)
        if key in self._article_of or params != self.config.params:
            return False  # known, or made with other parameters (re-signed when changed)
        if stored.text:
            self.templates.learn(stored.outlet, stored.canonical_url, stored.text)
        signature = Signature.from_bytes(stored.hashvalues, stored.size, params)
        self._article_of[key] = stored.article_id
        self.clusters.add_signed(_document(stored), signature, stored.text_hash,
                                 list(stored.credits))  # fmt: skip
        return True

    def add(self, facts: ArticleFacts) -> int:
        """Sign, store and cluster one new article version; returns its cluster id."""
        self.templates.learn(facts.outlet, facts.canonical_url, facts.text)
        text = self.templates.strip(facts.outlet, facts.text)
        normalized = normalize(text)
        signature = sign(shingle_hashes(text), self.config.params)
        text_hash = fingerprint(normalized)
        credits = encode_credits(facts.text)
        self.store.save_signature(
            facts.article_id, facts.version_id, scheme=signature.params.scheme,
            seed=signature.params.seed, num_perm=signature.params.num_perm,
            size=signature.size, hashvalues=signature.to_bytes(), text_hash=text_hash,
            credits=credits,
        )  # fmt: skip
        key = f"v{facts.version_id}"
        self._article_of[key] = facts.article_id
        self.clusters.add_signed(_document(facts), signature, text_hash, credits)
        return self._record(key)

    def _record(self, key: str) -> int:
        keys = self.clusters.component(key)
        roles = self.clusters.roles(keys)
        origin = self.clusters.origin(keys)
        members: dict[int, tuple[str, float]] = {}
        # oldest version first: an article's role is its first version's
        for member in sorted(keys, key=lambda k: int(k[1:])):
            article = self._article_of[member]
            if roles[member] is not Role.VERSION and article not in members:
                members[article] = (roles[member].value, self.clusters.similarity(member, origin))
        cluster_id = self.store.record_cluster(members, self._article_of[origin])
        for edge in self.clusters.edges_of(key):
            source, target = self._article_of[edge.source], self._article_of[edge.target]
            if source != target:
                self.store.record_edge(source, target, edge.overlap)
        return cluster_id
