"""Story clusters: syndicated copies grouped with their origin, partial copies as edges.

Rules (also in the README, "Story clusters"):
* Two texts are the same story when their estimated Jaccard similarity reaches
  `same_jaccard`, or when the smaller is contained in the larger to `same_containment`
  (a copy truncated to its first paragraphs, or wrapped in another outlet's intro and
  outro). Exact copies (same normalised text) short-cut through a text hash; pages with
  the same URL are versions of one article.
* A cluster is a connected component of that relation. Candidate pairs come from LSH,
  whose band collisions are symmetric, and verification looks only at the two
  signatures, so the same documents give the same clusters in any arrival order.
* Pairs from different outlets that are not the same story but share
  `partial_containment` of either text are partial copies: an edge from the earlier
  article (copied from) to the later one. Within one outlet, shared text between
  different stories is boilerplate, not copying.
* The origin of a cluster is the earliest published member among those whose outlet the
  copies credit (credit lines, wire datelines), else among all members; ties by first
  seen, then by key. Its key is the cluster's label, so labels do not depend on order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from dedup.credits import credit_weights, names_match
from dedup.index import DEFAULT_LSH_THRESHOLD, BandIndex, CandidateIndex
from dedup.signature import DEFAULT_PARAMS, Signature, SignatureParams, sign
from dedup.state import Document, Entry, MemoryState, StoryState
from dedup.templates import TemplateLines
from dedup.text import fingerprint, normalize, shingle_hashes

# Thresholds, chosen on the evaluation set (benchmarks/dedup_quality.py; see
# benchmarks/README.md): 5% word edits leave a Jaccard of ~0.6 and a containment of
# ~0.75; a copy cut to 40% of the original is contained at ~0.75 even with edits;
# unrelated stories from one outlet stay under 0.1 once template lines are removed.
SAME_JACCARD = 0.5
SAME_CONTAINMENT = 0.6
PARTIAL_CONTAINMENT = 0.25
# Texts with fewer shingles than this are too short to judge by similarity (a caption,
# a one-line brief): only exact copies are grouped.
MIN_SHINGLES = 25
DEFAULT_WINDOW = timedelta(days=30)


class Role(StrEnum):
    ORIGIN = "origin"
    SYNDICATED = "syndicated"
    PARTIAL = "partial_copy"
    VERSION = "version"


@dataclass(frozen=True)
class DedupConfig:
    params: SignatureParams = DEFAULT_PARAMS
    lsh_threshold: float = DEFAULT_LSH_THRESHOLD
    same_jaccard: float = SAME_JACCARD
    same_containment: float = SAME_CONTAINMENT
    partial_containment: float = PARTIAL_CONTAINMENT
    min_shingles: int = MIN_SHINGLES
    window: timedelta = DEFAULT_WINDOW

    def __post_init__(self) -> None:
        for name in ("same_jaccard", "same_containment", "partial_containment"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if self.partial_containment > self.same_containment:
            raise ValueError("partial_containment must not exceed same_containment")


DEFAULT_CONFIG = DedupConfig()


@dataclass(frozen=True)
class Edge:
    source: str  # the article copied from
    target: str  # the article that reuses it
    overlap: float  # share of the target's text found in the source


class StoryClusters:
    """Incremental clustering: add documents one by one (query, then insert).

    What it knows lives in a StoryState: this process's memory unless another is given
    (several workers share one in Redis: fleet.story_state).
    """

    def __init__(self, config: DedupConfig = DEFAULT_CONFIG, index: CandidateIndex | None = None,
                 templates: TemplateLines | None = None,
                 state: StoryState | None = None) -> None:  # fmt: skip
        self.config = config
        if state is None:
            index = index if index is not None else BandIndex(config.params, config.lsh_threshold)
            state = MemoryState(index)
        self.state = state
        self.templates = templates

    @property
    def index(self) -> CandidateIndex:
        return self.state.index

    # --- adding --------------------------------------------------------------------------

    def add(self, doc: Document) -> None:
        """Sign a document's text (without its outlet's template lines) and add it."""
        text = self.templates.strip(doc.outlet, doc.text) if self.templates else doc.text
        normalized = normalize(text)
        signature = sign(shingle_hashes(text), self.config.params)
        self.add_signed(doc, signature, fingerprint(normalized), encode_credits(doc.text))

    def add_signed(self, doc: Document, signature: Signature, text_hash: str,
                   credits: list[str]) -> None:  # fmt: skip
        """Add a document whose signature was computed before (e.g. loaded from storage).

        An empty text_hash means an empty text, which is never an exact copy of another.
        """
        state = self.state
        known = state.lookup(doc.key, text_hash, doc.url or "")
        if known.added:
            raise ValueError(f"document {doc.key!r} was already added")
        twin, first = known.twin, known.first_at
        twin_entry = state.entry(twin) if twin is not None else None
        if twin_entry is not None and _same_signature(twin_entry.signature, signature):
            # exact copies are most of a syndication-heavy crawl: hold their one
            # signature once (soak, benchmarks/README.md)
            signature, text_hash = twin_entry.signature, twin_entry.text_hash
        entry = Entry(doc, signature, text_hash, _when(doc), credits, later_version=bool(first))
        # the first document with its text, the first at its URL: noted as it is added
        first_text = text_hash if twin is None else ""
        state.add_entry(entry, first_text, (doc.url or "") if first is None else "")
        if first is not None:
            self._union(first, doc.key)
        if twin is not None:
            self._union(twin, doc.key)  # exact copy: same candidates as its twin
            return
        if signature.size < self.config.min_shingles:
            return
        for other in state.entries(self.index.query(signature)):
            self._compare(entry, other)
        self.index.insert(doc.key, signature)

    def add_all(self, docs: Iterable[Document]) -> None:
        for doc in docs:
            self.add(doc)

    def _compare(self, new: Entry, old: Entry) -> None:
        if not self._within_window(new, old):
            return
        a, b = new.signature, old.signature
        if min(a.size, b.size) < self.config.min_shingles:
            return
        jaccard = a.jaccard(b)
        new_in_old, old_in_new = a.containment_in(b), b.containment_in(a)
        smaller_inside = new_in_old if a.size <= b.size else old_in_new
        if jaccard >= self.config.same_jaccard or smaller_inside >= self.config.same_containment:
            self._union(new.doc.key, old.doc.key)
        elif max(new_in_old, old_in_new) >= self.config.partial_containment and not _same_outlet(
            new, old
        ):
            source, target = sorted((new, old), key=_age_key)
            overlap = target.signature.containment_in(source.signature)
            self.state.add_pair(source.doc.key, target.doc.key, round(overlap, 3))

    def _within_window(self, a: Entry, b: Entry) -> bool:
        if a.when is None or b.when is None:
            return True
        return abs(a.when - b.when) <= self.config.window

    def _find(self, key: str) -> str:
        return self.state.root(key)

    def _union(self, a: str, b: str) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            self.state.merge(root_a, root_b)

    # --- results --------------------------------------------------------------------------------

    def groups(self) -> dict[str, list[str]]:
        """Cluster label (the origin's key) -> member keys, sorted."""
        members: dict[str, list[str]] = defaultdict(list)
        for key in self.state.all_keys():
            members[self._find(key)].append(key)
        return {self.origin(keys): sorted(keys) for keys in members.values()}

    def component(self, key: str) -> list[str]:
        """The keys of the cluster `key` belongs to, sorted."""
        return sorted(self.state.members(self._find(key)))

    def roles(self, keys: list[str]) -> dict[str, Role]:
        """Roles within one cluster (keys as returned by component())."""
        label = self.origin(keys)
        roles = {}
        for entry in self.state.entries(keys):
            key = entry.doc.key
            if key == label:
                reuses = bool(self.state.sources_of(key))
                roles[key] = Role.PARTIAL if len(keys) == 1 and reuses else Role.ORIGIN
            elif entry.later_version:
                roles[key] = Role.VERSION
            else:
                roles[key] = Role.SYNDICATED
        return roles

    def edges_of(self, key: str) -> list[Edge]:
        """Partial-copy edges that involve `key` (as copied-from or as reuser): the same
        as filtering edges(), at the cost of the pairs near `key` rather than of all."""
        root = self._find(key)
        wanted = {(self._find(source), key) for source in self.state.sources_of(key)}
        wanted |= {
            (root, target) for member in self.state.members(root)
            for target in self.state.targets_of(member)
        }  # fmt: skip
        found = (self._best_edge(group, target) for group, target in wanted)
        edges = [e for e in found if e is not None and key in (e.source, e.target)]
        return sorted(edges, key=lambda e: (e.source, e.target))

    def _best_edge(self, group: str, target: str) -> Edge | None:
        """The edge from the cluster `group` (a root) to `target`, chosen as edges() does."""
        if self._find(target) == group:
            return None  # copied within its own cluster: not a partial copy
        origin = self.origin(self.state.members(group))
        best: Edge | None = None
        for source in self.state.sources_of(target):
            if self._find(source) != group:
                continue
            overlap = self.state.overlap(source, target)
            if (
                best is None
                or source == origin
                or (best.source != origin and overlap > best.overlap)
            ):
                best = Edge(source, target, overlap)
        return best

    def origin(self, keys: list[str]) -> str:
        entries = self.state.entries(keys)
        # later versions of one URL never name a story's origin
        firsts = [e for e in entries if not e.later_version]
        votes: dict[str, int] = defaultdict(int)
        for entry in entries:
            for item in entry.credits:
                name, _, weight = item.rpartition("|")
                votes[name] += int(weight or 1)
        scores = {
            e.doc.key: sum(w for name, w in votes.items() if names_match(name, e.doc.site_name))
            for e in firsts
        }
        best = max(scores.values(), default=0)
        favoured = [e for e in firsts if best > 0 and scores[e.doc.key] == best]
        return min(favoured or firsts or entries, key=_age_key).doc.key

    def assignments(self) -> dict[str, tuple[str, Role]]:
        """key -> (cluster label, role)."""
        result: dict[str, tuple[str, Role]] = {}
        for label, keys in self.groups().items():
            for key, role in self.roles(keys).items():
                result[key] = (label, role)
        return result

    def edges_by_key(self) -> list[tuple[str, str]]:
        return [pair for pair in self.state.pairs() if self._find(pair[0]) != self._find(pair[1])]

    def edges(self) -> list[Edge]:
        """Partial-copy edges, one per (copied story, reusing article), sorted.

        A text copied from a syndicated story matches every copy of it; the edge names
        the story's origin when that matches, else the member with the largest overlap.
        """
        origins = {self._find(label): label for label in self.groups()}
        best: dict[tuple[str, str], Edge] = {}
        for source, target in self.edges_by_key():
            overlap = self.state.overlap(source, target)
            group = self._find(source)
            current = best.get((group, target))
            is_origin = source == origins[group]
            if (
                current is None
                or is_origin
                or (current.source != origins[group] and overlap > current.overlap)
            ):
                best[(group, target)] = Edge(source, target, overlap)
        return sorted(best.values(), key=lambda e: (e.source, e.target))

    def similarity(self, a: str, b: str) -> float:
        first, second = self.state.entries([a, b])
        return first.signature.jaccard(second.signature)


def encode_credits(text: str) -> list[str]:
    """A text's credits as "name|weight" strings (how they are kept with a signature)."""
    return [f"{name}|{weight}" for name, weight in credit_weights(text).items()]


def _same_signature(a: Signature, b: Signature) -> bool:
    return a.params == b.params and a.size == b.size and bool((a.values == b.values).all())


def _same_outlet(a: Entry, b: Entry) -> bool:
    """Text shared by two different stories of one outlet is its boilerplate (an "About
    us" block, a newsletter box) far more often than a copy, so such pairs are not
    partial copies. Seen in ../shared/corpus: two my6sense press releases."""
    return a.doc.outlet is not None and a.doc.outlet == b.doc.outlet


def _when(doc: Document) -> datetime | None:
    """When a document came out, in naive UTC: its published time; for a page that
    gives only the day, the latest moment that fits what is known (the end of that day,
    or when it was first seen if that was earlier), so that of two copies published the
    same day the one that states its time is not put after a guess of midnight."""
    published, seen = _instant(doc.published), _instant(doc.first_seen)
    if published is None:
        return seen
    if doc.published is not None and len(doc.published) <= 10:
        end_of_day = published + timedelta(days=1) - timedelta(microseconds=1)
        return min(end_of_day, seen) if seen is not None and seen >= published else end_of_day
    return published


def _instant(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _age_key(entry: Entry) -> tuple[datetime, str, str]:
    """Earliest first: publication time (UTC), then first seen, then key."""
    return (entry.when or datetime.max, entry.doc.first_seen or "9999", entry.doc.key)
