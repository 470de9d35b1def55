"""The Store on a real SQLite file, and on PostgreSQL when WIREWATCH_TEST_PG is set:
idempotent writes, versions only on change, safe with several writer processes."""

from __future__ import annotations

import dataclasses
import multiprocessing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from storage import ArticleSnapshot, FetchRecord, Store, StoreOutcome
from storage.store import StoreError


def snapshot(text: str = "first text " * 50, url: str = "http://outlet.test/a") -> ArticleSnapshot:
    from pages.extraction import text_hash

    return ArticleSnapshot(
        canonical_url=url, outlet="outlet.test", title="A title", text=text,
        text_hash=text_hash(text), authors=("A. Writer",), published="2024-10-21",
        aliases=((url + "?utm_source=x", "link"),),
    )  # fmt: skip


def test_same_page_twice_is_one_row_one_version(store_url: str) -> None:
    store = Store.open(store_url)
    watch = store.ensure_watch("w", {"a": 1})
    assert store.ensure_watch("w", {"a": 1}) == watch
    first = store.store_article(watch, snapshot())
    again = store.store_article(watch, snapshot())
    assert first.outcome is StoreOutcome.NEW and again.outcome is StoreOutcome.UNCHANGED
    assert first.article_id == again.article_id
    assert store.count("articles") == 1 and store.count("article_versions") == 1
    store.close()


def test_a_store_at_a_moment_shares_the_database_and_stays_open(store_url: str) -> None:
    """Store.at(now): the replayed day's clock on the process's one Store, which the
    view's closing leaves open; and the URL a crawl process opens the same database by."""
    store = Store.open(store_url)
    day = datetime(2024, 10, 23, 8, 0)
    with store.at(day) as replayed:
        assert replayed.engine is store.engine and replayed.clock() == day
        run = replayed.start_run(replayed.ensure_watch("w", {}))
    assert store.at(None) is store and store.clock() != day
    assert store.get_run(run).started_at == day  # the engine is still open
    with Store.open(store.url) as again:
        assert again.get_run(run).started_at == day
    store.close()


def test_whitespace_is_not_a_change_but_words_are(store_url: str) -> None:
    store = Store.open(store_url)
    base = snapshot()
    store.store_article(None, base)
    spaced = snapshot(text=base.text.replace(" ", "  "))
    assert store.store_article(None, spaced).outcome is StoreOutcome.UNCHANGED
    changed = snapshot(text=base.text + " A new sentence.")
    assert store.store_article(None, changed).outcome is StoreOutcome.UPDATED
    detail = store.article_detail(1)
    assert detail is not None and len(detail["versions"]) == 2
    store.close()


def test_an_alias_finds_the_article(store_url: str) -> None:
    store = Store.open(store_url)
    first = store.store_article(None, snapshot())
    moved = dataclasses.replace(
        snapshot(),
        canonical_url="http://outlet.test/a-new-slug",
        aliases=(("http://outlet.test/a", "redirect"),),
    )
    assert store.store_article(None, moved).article_id == first.article_id
    assert store.known_article_id("http://outlet.test/a?utm_source=x") == first.article_id
    store.close()


def test_record_page_links_fetch_and_article(store_url: str) -> None:
    store = Store.open(store_url)
    stored = store.record_page(
        None, FetchRecord(url="http://outlet.test/a", status_code=200), snapshot()
    )
    store.record_page(
        None, FetchRecord(url="http://outlet.test/x", error_kind="not_found", status_code=404), None
    )
    assert stored is not None
    assert store.fetch_errors() == [
        {"url": "http://outlet.test/x", "status_code": 404, "kind": "not_found", "error": None}
    ]
    assert store.count("fetches") == 2
    store.close()


def _writer(url: str, rounds: int) -> None:
    store = Store.open(url)
    for _ in range(rounds):
        store.store_article(None, snapshot())
        store.store_article(None, snapshot(url="http://outlet.test/b"))
    store.close()


def test_concurrent_writers_never_duplicate(store_url: str) -> None:
    Store.open(store_url).close()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(store_url, 20)) for _ in range(3)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(60)
        assert process.exitcode == 0
    store = Store.open(store_url)
    assert store.count("articles") == 2
    assert store.count("article_versions") == 2
    store.close()


def test_unopenable_database_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open database"):
        Store.open(f"sqlite:///{tmp_path}/missing/dir/x.db")
    with pytest.raises(StoreError) as info:
        Store.open("postgresql+psycopg://wirewatch:s3cret@127.0.0.1:1/none")
    assert "s3cret" not in str(info.value)


def _story(url: str, title: str, text: str) -> ArticleSnapshot:
    return dataclasses.replace(snapshot(text=text, url=url), title=title, aliases=())


def test_full_text_search_ranks_titles_and_follows_new_versions(store_url: str) -> None:
    from storage.fulltext import SearchError

    store = Store.open(store_url)
    watch = store.ensure_watch("w", {})
    filler = "Officials met on Tuesday to discuss the harvest and the weather. " * 20
    store.store_article(watch, _story("http://a.test/1", "Kremlin calls troop reports a hoax",
                                      filler + "Peskov called it a hoax."))  # fmt: skip
    passing = filler + "A hoax was mentioned by Peskov in passing."
    store.store_article(None, _story("http://b.test/2", "Harvest news", passing))
    store.store_article(watch, _story("http://c.test/3", "Rice prices", filler))
    hits = store.search("Peskov hoax")
    assert [h["url"] for h in hits] == ["http://a.test/1", "http://b.test/2"]  # title first
    assert "[Peskov]" in hits[0]["snippet"] and hits[0]["score"] > hits[1]["score"]
    assert [h["url"] for h in store.search('"called it a hoax"')] == ["http://a.test/1"]
    assert [h["url"] for h in store.search("hoax", watch="w")] == ["http://a.test/1"]
    assert store.search("hoax", since=datetime(2999, 1, 1)) == []
    # the user's punctuation is never query syntax, on either engine
    assert store.search('hoax AND ( "unbalanced') == []
    assert len(store.search('hoax) * "')) == 2
    # the index follows the article's current version
    store.store_article(watch, _story("http://c.test/3", "Rice prices", filler + "Zucchini!"))
    assert [h["url"] for h in store.search("zucchini")] == ["http://c.test/3"]
    with pytest.raises(SearchError):
        store.search("  ?! ")
    store.close()


def test_views_answer_the_common_questions(store_url: str) -> None:
    from sqlalchemy import text

    store = Store.open(store_url)
    store.store_article(None, _story("http://a.test/1", "Title", "Some words here. " * 30))
    store.store_article(None, _story("http://a.test/1", "Title", "Other words now. " * 30))
    with store.engine.connect() as connection:
        (row,) = connection.execute(text("SELECT * FROM article_current")).mappings()
        assert row["versions"] == 2 and row["text"].startswith("Other words")
        assert connection.execute(text("SELECT count(*) FROM cluster_summary")).scalar() == 0
        assert connection.execute(text("SELECT count(*) FROM claim_timeline")).scalar() == 0
    store.close()


def test_a_sqlite_url_sets_the_busy_timeout(tmp_path: Path) -> None:
    """`?timeout=SECONDS` (pysqlite's parameter) is the busy timeout of every connection;
    without it, 30 s; a negative one is refused with the URL in the message."""
    from sqlalchemy import text

    from storage.dialect import make_engine
    from storage.errors import BadDatabaseURL

    def busy_timeout(url: str) -> int:
        engine = make_engine(url)
        with engine.connect() as connection:
            value: int = connection.execute(text("PRAGMA busy_timeout")).scalar_one()
        engine.dispose()
        return value

    assert busy_timeout(f"sqlite:///{tmp_path / 'a.db'}?timeout=2.5") == 2500
    assert busy_timeout(f"sqlite:///{tmp_path / 'b.db'}") == 30_000
    with pytest.raises(BadDatabaseURL, match=r"c\.db\?timeout=-1.*not a number of seconds"):
        make_engine(f"sqlite:///{tmp_path / 'c.db'}?timeout=-1")


def test_two_watches_never_wait_for_each_others_story_lock(pg_url: str) -> None:
    """The story lock is one per watch: a crawl of watch 2 takes its own while a crawl
    of watch 1 holds watch 1's, and a second crawl of watch 1 waits."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    holder, other_watch, same_watch = (Store.open(pg_url) for _ in range(3))

    def take(store: Store, watch_id: int) -> None:
        with store.atomic():
            with store.session() as session:
                session.execute(text("SET LOCAL lock_timeout = '300ms'"))
            store.hold_story_lock(watch_id)

    with holder.atomic():
        holder.hold_story_lock(1)
        take(other_watch, 2)
        with pytest.raises(OperationalError, match="lock timeout"):
            take(same_watch, 1)
    take(same_watch, 1)  # free once the holder's transaction ended
    for store in (holder, other_watch, same_watch):
        store.close()


def test_two_crawls_recording_one_story_at_once_make_one_cluster(pg_url: str) -> None:
    """Crawls of two watches cluster a shared article at the same moment, each knowing
    one other member: the second waits for the first's members and merges into its
    cluster (without the article locks it failed on the first's uncommitted row)."""
    import threading

    from sqlalchemy import text

    first, second = Store.open(pg_url), Store.open(pg_url)
    a, b, c = (first.store_article(None, snapshot(text=f"{name} text " * 50,
                                                  url=f"http://outlet.test/{name}")).article_id
               for name in "abc")  # fmt: skip
    recorded: dict[str, int] = {}

    def record_second() -> None:
        recorded["second"] = second.record_cluster({a: ("origin", 1.0), c: ("syndicated", 0.8)},
                                                   a)  # fmt: skip

    later = threading.Thread(target=record_second)
    with first.atomic():
        recorded["first"] = first.record_cluster({a: ("origin", 1.0), b: ("syndicated", 0.9)}, a)
        later.start()
        later.join(1.0)
        assert later.is_alive()  # waiting for article a, which the first holds
    later.join(30)
    assert recorded["second"] == recorded["first"]
    with first.reading() as session:
        rows = session.execute(text("select article_id, cluster_id from cluster_members"))
        members = {article: cluster for article, cluster in rows}
    assert members == {a: recorded["first"], b: recorded["first"], c: recorded["first"]}
    first.close()
    second.close()


def test_a_signature_committed_after_a_later_logged_one_is_still_caught_up(pg_url: str) -> None:
    """Crawls of two watches store signatures at once: the one logged first may commit
    last. A worker that caught up in between, or started in between, looks for it
    again, and learns it."""
    from crawler.clustering import ClusterKeeper
    from dedup.signature import sign
    from dedup.text import shingle_hashes

    slow, quick = Store.open(pg_url), Store.open(pg_url)
    stored = [slow.store_article(None, snapshot(text=f"{name} words " * 60,
                                                url=f"http://outlet.test/{name}"))
              for name in ("slow", "quick")]  # fmt: skip
    worker = ClusterKeeper.load(Store.open(pg_url))

    def save(store: Store, article: Any) -> None:
        signature = sign(shingle_hashes(f"text of article {article.article_id} " * 20),
                         worker.config.params)  # fmt: skip
        store.save_signature(
            article.article_id, article.version_id, scheme=signature.params.scheme,
            seed=signature.params.seed, num_perm=signature.params.num_perm,
            size=signature.size, hashvalues=signature.to_bytes(), text_hash="h",
            credits=[],
        )  # fmt: skip

    with slow.atomic():
        save(slow, stored[0])  # logged first, committed last
        save(quick, stored[1])
        assert worker.catch_up() == 1
        starting = ClusterKeeper.load(Store.open(pg_url))  # a worker starting meanwhile
    assert worker.catch_up() == 1
    assert starting.catch_up() == 1
    for keeper in (worker, starting):
        assert all(f"v{article.version_id}" in keeper.clusters.state for article in stored)
    for store in (slow, quick, worker.store, starting.store):
        store.close()
