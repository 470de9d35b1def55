"""Polite to every host a crawl touches, against real local sites: the watch's domains
are the only ones requested (links, redirects, feeds and sitemaps), every host's
robots.txt is read once before its first page, and robots.txt means what RFC 9309 says
(4xx: all allowed and no error; 5xx, 429 or no answer: nothing fetched for now; only
its first 500 KiB read)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.runner import CrawlOptions, run_crawl
from storage import Store
from tests.conftest import write_watch
from tests.crawl_helpers import crawl, query
from tests.sites import Page, Site, article_html
from watches import load_watch

STORY = "/news/north-korea-troops-story"


def related(*links: tuple[str, str]) -> str:
    anchors = "".join(f'<li><a href="{url}">{text}</a></li>' for url, text in links)
    return f'<div class="related-stories"><ul>{anchors}</ul></div>'


@pytest.fixture
def sites() -> Iterator[tuple[Site, Site]]:
    with Site("127.0.0.24") as home, Site("127.0.0.25") as away:
        yield home, away


def _watch(tmp_path: Path, seeds: list[str], domains: list[str], **extra: Any) -> Path:
    return write_watch(tmp_path, "polite", seeds, allowed_domains=domains, **extra)


def _errors(db_url: str) -> dict[str, str]:
    return dict(query(db_url, "select url, error_kind from fetches where error_kind is not null"))


def test_links_off_the_watch_domains_are_not_followed(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    home, away = sites
    away_story = away.add(STORY, article_html("North Korea troops away", ["Away story."]))
    block = related((away_story, "North Korea troops in Kursk"))
    home.add(STORY, article_html("North Korea troops", ["Home story."], after=block))
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    summary = crawl(_watch(tmp_path, [home.url(STORY)], ["127.0.0.24"]), db_url)
    assert dict(away.hits) == {}  # not the page, not its robots.txt
    assert summary["stats"]["links_offsite"] == 1
    assert summary["stats"]["articles_new"] == 1
    # widened: the other outlet is crawled, its robots.txt read first
    crawl(_watch(tmp_path, [home.url(STORY)], ["127.0.0.24", "127.0.0.25"]), db_url)
    assert away.hits["/robots.txt"] == 1 and away.hits[STORY] == 1


def test_a_redirect_off_the_watch_domains_is_a_recorded_error(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    home, away = sites
    away.add(STORY, article_html("North Korea troops away", ["Away story."]))
    moved = home.add("/moved", b"", status=301, headers={"Location": away.url(STORY)})
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    summary = crawl(_watch(tmp_path, [moved], ["127.0.0.24"]), db_url, exit_code=1)
    assert away.hits[STORY] == 0
    assert _errors(db_url) == {moved: "offsite"}
    assert summary["stats"]["errors"] == {"offsite": 1}


def test_feed_and_sitemap_entries_off_the_domains_are_not_requested(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    home, away = sites
    away.add(STORY, article_html("North Korea troops away", ["Away story."]))
    home.add(STORY, article_html("North Korea troops", ["Home story."]))
    feed = (f"<rss><channel><item><title>North Korea troops</title><link>{away.url(STORY)}"
            f"</link></item><item><title>North Korea troops at home</title>"
            f"<link>{home.url(STORY)}</link></item></channel></rss>")  # fmt: skip
    feed_url = home.add("/rss.xml", feed, content_type="application/rss+xml")
    index = (f"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><sitemap>"
             f"<loc>{away.url('/sitemap.xml')}</loc></sitemap></sitemapindex>")  # fmt: skip
    sitemap = home.add("/sitemap.xml", index, content_type="application/xml")
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    watch = _watch(tmp_path, [], ["127.0.0.24"], feeds=[feed_url], sitemaps=[sitemap])
    summary = crawl(watch, db_url)
    assert dict(away.hits) == {}
    assert summary["stats"]["articles_new"] == 1 and summary["stats"]["links_offsite"] == 2


def test_robots_txt_is_read_once_per_host_and_its_sitemaps_followed(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    home, _ = sites
    stories = [f"/news/north-korea-troops-{n}" for n in range(4)]
    for number, path in enumerate(stories):
        home.add(path, article_html(f"North Korea troops, part {number}", [f"Part {number}."]))
    urlset = "".join(f"<url><loc>{home.url(p)}</loc></url>" for p in stories[2:])
    home.add("/sitemap.xml", f"<urlset>{urlset}</urlset>", content_type="application/xml")
    home.add("/robots.txt", f"User-agent: *\nAllow: /\nSitemap: {home.url('/sitemap.xml')}\n",
             content_type="text/plain")  # fmt: skip
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    summary = crawl(_watch(tmp_path, [home.url(p) for p in stories[:2]], ["127.0.0.24"]), db_url)
    assert home.hits["/robots.txt"] == 1 and home.hits["/sitemap.xml"] == 1
    assert summary["stats"]["articles_new"] == 4, summary
    assert summary["stats"]["robots_read"] == 1


def test_a_missing_robots_txt_allows_everything_and_is_no_error(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    home, _ = sites
    home.add(STORY, article_html("North Korea troops", ["Home story."]))
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    summary = crawl(_watch(tmp_path, [home.url(STORY)], ["127.0.0.24"]), db_url)
    assert home.hits["/robots.txt"] == 1 and home.hits[STORY] == 1
    assert summary["stats"]["errors"] == {} and summary["stats"]["articles_new"] == 1


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_robots_txt_that_fails_means_nothing_is_fetched(
    sites: tuple[Site, Site], tmp_path: Path, status: int
) -> None:
    home, _ = sites
    home.add(STORY, article_html("North Korea troops", ["Home story."]))
    home.add("/robots.txt", b"oops", status=status, content_type="text/plain")
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    summary = crawl(_watch(tmp_path, [home.url(STORY)], ["127.0.0.24"]), db_url, exit_code=1)
    assert home.hits[STORY] == 0
    assert _errors(db_url) == {home.url(STORY): "robots_unreachable"}
    (message,) = [m for (m,) in query(db_url, "select error from fetches where error_kind = "
                                      "'robots_unreachable'")]  # fmt: skip
    assert f"HTTP {status}" in message and "RFC 9309" in message
    assert summary["stats"].get("articles_new", 0) == 0


def test_a_robots_txt_that_never_answers_means_nothing_is_fetched(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    home, _ = sites
    home.add(STORY, article_html("North Korea troops", ["Home story."]))
    home.add("/robots.txt", Page(b"User-agent: *\nAllow: /\n", delay=3.0))
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    watch = load_watch(_watch(tmp_path, [home.url(STORY)], ["127.0.0.24"]))
    settings = {"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 0, "WIREWATCH_EXTRACTION_WORKERS": 0}
    with Store.open(db_url) as store:
        run_crawl(watch, store, CrawlOptions(settings=settings))
    assert home.hits[STORY] == 0
    assert _errors(db_url) == {home.url(STORY): "timeout"}


def test_only_the_first_500_kib_of_robots_txt_are_read(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    home, _ = sites
    early, late = "/news/north-korea-early", "/news/north-korea-late"
    for path in (early, late):
        home.add(path, article_html(f"North Korea troops {path}", [f"Story {path}."]))
    padding = b"# " + b"x" * 1000 + b"\n"
    huge = (
        b"User-agent: *\nDisallow: /news/north-korea-early\n"
        + padding * 12_000
        + b"Disallow: /news/north-korea-late\n"
    )  # fmt: skip (12 MB, over the 10 MiB cap)
    home.add("/robots.txt", huge, content_type="text/plain")
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    crawl(_watch(tmp_path, [home.url(early), home.url(late)], ["127.0.0.24"]), db_url)
    assert home.hits[early] == 0  # its rule, near the top, is obeyed (a 12 MB file was refused)
    assert home.hits[late] == 1  # its rule, past the first 500 KiB, is not read
    assert _errors(db_url) == {home.url(early): "robots"}


def test_a_compressed_robots_txt_is_inflated_only_as_far_as_it_is_read(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    """A robots.txt sent gzipped though asked for plain, inflating to 200 MB (the
    decompression cap would refuse it whole): its first rule is obeyed."""
    import gzip

    home, _ = sites
    early = "/news/north-korea-early"
    home.add(early, article_html("North Korea troops early", ["Early story."]))
    bomb = gzip.compress(b"User-agent: *\nDisallow: /news/north-korea-early\n"
                         + b"#" * 200_000_000, compresslevel=9)  # fmt: skip
    home.add("/robots.txt", bomb, content_type="text/plain", headers={"Content-Encoding": "gzip"})
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    crawl(_watch(tmp_path, [home.url(early)], ["127.0.0.24"]), db_url, exit_code=1)
    assert home.hits[early] == 0
    assert _errors(db_url) == {home.url(early): "robots"}


def test_a_page_full_of_figures_is_stored_with_its_claims(
    sites: tuple[Site, Site], tmp_path: Path
) -> None:
    """A 1.5 MB page that is one long table of figures (its claims were quadratic: such a
    page held a crawl for minutes): stored, its claims found, the other pages too."""
    home, _ = sites
    rows = [f"{n:,} troops and {n % 977} shells were counted on Oct. {n % 28 + 1}"
            for n in range(1000, 31_000)]  # fmt: skip
    figures = "The NIS said " + " ".join(rows) + "."
    assert len(figures) > 1_500_000
    home.add("/news/north-korea-figures", article_html("North Korea troops: figures", [figures]))
    home.add(STORY, article_html("North Korea troops", ["Home story."]))
    db_url = f"sqlite:///{tmp_path / 'p.db'}"
    summary = crawl(_watch(tmp_path, [home.url("/news/north-korea-figures"), home.url(STORY)],
                           ["127.0.0.24"]), db_url)  # fmt: skip
    assert summary["stats"]["articles_new"] == 2, summary
    claims = query(db_url, "select speaker, quantities from claims")
    assert any(who == "The NIS" and "1,000 troops" in figures for who, figures in claims)
