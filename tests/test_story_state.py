"""The story state in Redis (fleet.story_state) clusters exactly as the one in memory.

Each test builds both from the same documents and compares everything clustering
answers: groups and roles, every partial-copy edge, each document's own edges. The
in-memory state is the reference (tests/test_dedup.py checks it against the rules).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
import redis

from dedup.cluster import DEFAULT_CONFIG, StoryClusters
from dedup.state import Document
from dedup.templates import TemplateLines
from fleet.keys import STATE_PARTS, connect
from fleet.story_state import RedisStoryState
from newsroom.stories import build_catalogue
from tests import dedup_eval


@pytest.fixture
def server(redis_url: str) -> redis.Redis:
    return connect(redis_url)


@pytest.fixture
def prefix(server: redis.Redis) -> Iterator[str]:
    name = f"wirewatch:test-{uuid.uuid4().hex[:8]}:stories:"
    yield name
    server.delete(*(name + part for part in STATE_PARTS))


def redis_clusters(
    server: redis.Redis, prefix: str, templates: TemplateLines | None = None, cache_size: int = 512
) -> tuple[StoryClusters, RedisStoryState]:
    config = DEFAULT_CONFIG
    state = RedisStoryState(server, prefix, config.params, config.lsh_threshold, cache_size)
    templates = templates if templates is not None else TemplateLines()
    return StoryClusters(DEFAULT_CONFIG, templates=templates, state=state), state


def newsroom_variants() -> list[Document]:
    """The newsroom's texts with what a crawl meets: exact copies, truncated copies,
    later versions at the same URL and partial copies (own words, then the last 40% of a text)."""
    rng = random.Random(3)
    texts = [(s.outlet, s.slug, "\n".join(s.paragraphs)) for s in build_catalogue().stories]
    docs: list[Document] = []
    for n, (outlet, slug, text) in enumerate(texts):
        paragraphs = text.split("\n")
        day = f"2024-10-{10 + n % 5:02d}"
        url = f"https://{outlet}.example/{slug}"
        docs.append(Document(f"a{n}", text, url, outlet, outlet.title(), day))
        docs.append(Document(f"c{n}", text, f"https://copy.example/{slug}", "copy.example",
                             "Copy Desk", day))  # fmt: skip
        cut = max(1, len(paragraphs) // 2)
        docs.append(Document(f"t{n}", "\n".join(paragraphs[:cut]), f"https://cut.example/{slug}",
                             "cut.example", "Cut", day))  # fmt: skip
        docs.append(Document(f"u{n}", text + "\nUpdated with a new paragraph.", url, outlet,
                             outlet.title(), day))  # fmt: skip
    vocabulary = sorted({word for _, _, text in texts for word in text.split()})
    for n, (_, _, text) in enumerate(texts):
        words = text.split()
        kept = words[len(words) * 3 // 5 :]  # its last 40% copied (the cut copy has
        own = [rng.choice(vocabulary) for _ in range(len(words) - len(kept))]  # the first)
        docs.append(Document(f"m{n}", " ".join(own + kept), f"https://mix.example/{n}",
                             "mix.example", "Mix", "2024-10-16"))  # fmt: skip
    rng.shuffle(docs)
    return docs


def assert_same_clustering(docs: list[Document], server: redis.Redis, prefix: str) -> None:
    """Two "workers" add the documents in turns to one state in Redis; a third, with
    nothing cached, reads the outcome, which must be memory's. The workers learn the
    same template lines (as crawler.clustering's catch-up makes them). One caches two
    entries only, so that entries it finds cached are pushed out as it reads others."""
    memory = StoryClusters(DEFAULT_CONFIG, templates=TemplateLines())
    learned = TemplateLines()
    adders = [redis_clusters(server, prefix, learned, size)[0] for size in (2, 512)]
    for turn, doc in enumerate(docs):
        memory.add(doc)
        adders[turn % 2].add(doc)
    shared, _ = redis_clusters(server, prefix)
    assert shared.assignments() == memory.assignments()
    assert shared.edges() == memory.edges()
    for doc in docs:
        assert shared.edges_of(doc.key) == memory.edges_of(doc.key), doc.key
        assert shared.component(doc.key) == memory.component(doc.key), doc.key
    assert len(shared.index) == len(memory.index)


def test_the_redis_state_clusters_the_newsroom_as_memory_does(
    server: redis.Redis, prefix: str
) -> None:
    docs = newsroom_variants()
    assert_same_clustering(docs, server, prefix)
    memory = StoryClusters(DEFAULT_CONFIG, templates=TemplateLines())
    memory.add_all(docs)
    roles = {role for _, role in memory.assignments().values()}
    assert len(roles) == 4, roles  # origins, syndicated and partial copies, versions
    assert memory.edges(), "the variants include partial copies"


@pytest.mark.skipif(
    not (dedup_eval.CORPUS / "manifest.jsonl").exists(),
    reason="../shared/corpus is absent (third-party evaluation data)",
)
def test_the_redis_state_clusters_the_evaluation_set_as_memory_does(
    server: redis.Redis, prefix: str
) -> None:
    assert_same_clustering(dedup_eval.build(dedup_eval.load_stories()).docs, server, prefix)


def test_a_state_built_anew_is_not_read_through_an_old_cache(
    server: redis.Redis, prefix: str
) -> None:
    """After Redis lost the state and a worker rebuilt it, another worker's cached
    entries (of the lost state) are dropped at its next look."""
    doc = Document("v1", "one two three " * 20, "https://a.example/1", "a.example", None,
                   "2024-10-10")  # fmt: skip
    (builder, built), (_, other) = redis_clusters(server, prefix), redis_clusters(server, prefix)
    assert not other.current()
    builder.add(doc)
    built.mark_built()
    assert other.current()
    assert other.entry("v1").doc.url == "https://a.example/1"
    server.delete(*(prefix + part for part in STATE_PARTS))  # Redis restarted
    assert not other.current()
    rebuilt = Document("v1", "one two three " * 20, "https://b.example/1", "b.example", None,
                       "2024-10-10")  # fmt: skip
    built.clear()
    builder.add(rebuilt)
    built.mark_built()
    assert other.current()
    assert other.entry("v1").doc.url == "https://b.example/1"
