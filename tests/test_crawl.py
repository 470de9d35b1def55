"""Crawling the newsroom with real Scrapy, through the CLI, into a real SQLite file."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newsroom import OUTLETS, Newsroom, build_catalogue
from tests.crawl_helpers import crawl, demo_watch_for, query

SEED_STORY_OUTLETS = {
    "koreaherald",
    "ajp",
    "bne",
    "worlddesk",
    "frontierwire",
    "phnompenhpost",
    "ann",
    "straits",
}


@pytest.fixture(scope="module")
def crawled(newsroom: Newsroom, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("crawl")
    db_url = f"sqlite:///{tmp / 'crawl.db'}"
    watch = demo_watch_for(newsroom, tmp)
    first = crawl(watch, db_url)
    return {"db": db_url, "watch": watch, "first": first, "room": newsroom}


def test_run_finishes_with_a_summary(crawled: dict[str, Any]) -> None:
    summary = crawled["first"]
    assert summary["status"] == "finished"
    stats = summary["stats"]
    assert stats["articles_new"] == 8
    assert stats["feeds_read"] == 5 and stats["sitemaps_read"] == 5
    assert stats["errors"] == {"not_found": 1, "robots": 1}
    # what the crawl cost, per stage, for benchmarks/crawl_throughput.py
    assert stats["cpu_ms_crawl_process"] >= stats["cpu_ms_store"] > 0
    assert stats["cpu_ms_analysis"] > 0
    # one transaction per page: its statements, not a commit each
    assert 8 * 10 <= stats["db_statements"] <= stats["pages_fetched"] * 40


def test_stores_every_version_of_the_story_with_metadata(crawled: dict[str, Any]) -> None:
    room: Newsroom = crawled["room"]
    rows = query(crawled["db"], "select canonical_url, title, published, site_name from articles")
    stored = {url: (title, published, site) for url, title, published, site in rows}
    names = {o.key: o.name for o in OUTLETS}
    # (the Straits Observer's copy of the Frontier Wire story is only in its outlet's
    # feed, which seeds/demo.toml reads and this seeds-only watch does not)
    expected = [
        s
        for s in build_catalogue().stories
        if s.outlet in SEED_STORY_OUTLETS and "north" in s.slug and s.credit != "Frontier Wire"
    ]
    assert len(expected) == 8
    for story in expected:
        title, published, site = stored[room.story_url(story)]
        assert title == story.title
        # with its time of day and zone, as the page says it (article:published_time)
        assert datetime.fromisoformat(published) == datetime.fromisoformat(story.published)
        assert site.lower() == names[story.outlet].lower()


def test_noise_is_not_followed(crawled: dict[str, Any]) -> None:
    titles = {t for (t,) in query(crawled["db"], "select title from articles")}
    assert not any("Rice farmers" in t or "derby" in t for t in titles)


def test_boilerplate_stays_out_of_the_text(crawled: dict[str, Any]) -> None:
    texts = dict(
        query(
            crawled["db"],
            "select a.outlet, v.text from articles a "
            "join article_versions v on v.article_id = a.id",
        )
    )
    joined = "\n".join(texts.values())
    for junk in (
        "닫기",
        "Follow World news",
        "ALSO READ",
        "Accept all",
        "Subscribe",
        "Related stories",
        "read 12 comments",
    ):
        assert junk not in joined
    assert "with about 1,500 soldiers sent during the first phase" in joined
    assert "dismissed claims of Pyongyang sending military personnel" in joined


def test_redirect_and_tracking_links_become_aliases(crawled: dict[str, Any]) -> None:
    room: Newsroom = crawled["room"]
    aliases = query(crawled["db"], "select url, kind from url_aliases")
    kinds = {kind for _, kind in aliases}
    assert (room.url("koreaherald", "/story/1001"), "redirect") in aliases
    assert any("utm_source=" in url for url, kind in aliases if kind == "link")
    assert kinds >= {"canonical", "redirect", "link"}
    canonical = [u for (u,) in query(crawled["db"], "select canonical_url from articles")]
    assert not any("utm_" in url or "#" in url for url in canonical)


def test_failures_are_recorded_not_fatal(crawled: dict[str, Any]) -> None:
    room: Newsroom = crawled["room"]
    errors = dict(
        query(crawled["db"], "select url, error_kind from fetches where error_kind is not null")
    )
    assert errors[room.url("bne", "/private/north-korea-briefing")] == "robots"
    assert errors[room.url("bne", "/news/north-korea-deleted-story")] == "not_found"
    # the page that failed with a 500 once was retried and stored
    assert room.hits[("worlddesk", "/news/north-korean-soldiers-supporting-russian-troops")] >= 2


def test_recrawl_creates_no_second_row(crawled: dict[str, Any]) -> None:
    before = query(crawled["db"], "select count(*) from articles")[0][0]
    versions = query(crawled["db"], "select count(*) from article_versions")[0][0]
    second = crawl(crawled["watch"], crawled["db"])
    # the five seeds answer 304 to conditional GETs; the other known articles were
    # checked moments ago, so the revisit schedule leaves them alone
    assert second["stats"]["pages_not_modified"] == 5
    assert second["stats"].get("articles_unchanged", 0) == 0
    assert second["stats"].get("articles_new", 0) == 0
    assert query(crawled["db"], "select count(*) from articles")[0][0] == before
    assert query(crawled["db"], "select count(*) from article_versions")[0][0] == versions
    runs = query(crawled["db"], "select status from crawl_runs order by id")
    assert [s for (s,) in runs][-2:] == ["finished", "finished"]


def test_days_bring_new_articles_and_versions(tmp_path: Path, db_url: str) -> None:
    with Newsroom(port=0, day=2) as room:
        watch = demo_watch_for(room, tmp_path)
        early = crawl(watch, db_url)
        room.set_day(4)
        late = crawl(watch, db_url)
    assert early["stats"]["articles_new"] < 8
    assert late["stats"]["articles_new"] > 0
    assert late["stats"]["articles_updated"] == 1  # the AJP story gained a sentence on day 3
    versions = query(
        db_url,
        "select v.text from article_versions v join articles a "
        "on a.id = v.article_id where a.canonical_url like '%new-evidence' "
        "order by v.id",
    )
    assert len(versions) == 2
    assert "about 3,000 North Korean troops" not in versions[0][0]
    assert "about 3,000 North Korean troops" in versions[1][0]


def test_a_crawl_process_takes_the_environment_its_command_has_now(
    tmp_path: Path, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Crawl processes are forked from a fork server, which keeps the environment it
    started with; each crawl takes its command's as it is when the crawl starts. Seen
    here through Scrapy's SCRAPY_SETTINGS_MODULE, set after the first crawl started
    the server: the second crawl's log lines take the format that module sets."""
    from crawler.runner import CrawlOptions, run_crawl
    from storage import Store
    from tests.conftest import write_watch
    from watches import load_watch

    watch = load_watch(write_watch(tmp_path, "lonely", [f"http://127.0.0.1:{closed_port}/a"],
                                   allowed_domains=["127.0.0.1"]))  # fmt: skip
    (tmp_path / "marked_settings.py").write_text('LOG_FORMAT = "MARKED %(message)s"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    settings = {"WIREWATCH_EXTRACTION_WORKERS": 0, "RETRY_TIMES": 0}
    with Store.open(f"sqlite:///{tmp_path / 'w.db'}") as store:
        for name, module in (("first", None), ("second", "marked_settings")):
            if module is not None:
                monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", module)
            log = tmp_path / f"{name}.log"
            run_crawl(watch, store, CrawlOptions(settings=settings, log_level="INFO",
                                                 log_file=str(log)))  # fmt: skip
            marked = [line for line in log.read_text().splitlines() if line.startswith("MARKED")]
            assert bool(marked) is (module is not None), name
