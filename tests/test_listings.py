"""Feeds and sitemaps have a budget, against real local sites: an index that points at
indexes without end, or at 10,000 children, is read within the run's limits (per run,
per host, nesting depth), and what was left unread is recorded where it happened. A
sitemap may be as large as its format allows (50 MB), and gzipped."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import write_watch
from tests.crawl_helpers import crawl, query
from tests.sites import Page, Site, article_html

XMLNS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@pytest.fixture
def site() -> Iterator[Site]:
    with Site("127.0.0.26") as served:
        yield served


def index(*children: tuple[str, str]) -> str:
    entries = "".join(
        f"<sitemap><loc>{url}</loc>{f'<lastmod>{when}</lastmod>' if when else ''}</sitemap>"
        for url, when in children
    )
    return f"<sitemapindex xmlns='{XMLNS}'>{entries}</sitemapindex>"


def urlset(*urls: str) -> str:
    return (
        f"<urlset xmlns='{XMLNS}'>"
        + "".join(f"<url><loc>{u}</loc></url>" for u in urls)
        + "</urlset>"
    )


def _listing_rows(db_url: str) -> list[tuple[str, str | None, str | None]]:
    return query(db_url, "select url, error_kind, error from fetches where page_status = 'sitemap'")


def test_an_endless_chain_of_sitemap_indexes_stops_at_the_nesting_limit(
    site: Site, tmp_path: Path
) -> None:
    def chain(path: str) -> Page:
        step = int(path.rsplit("=", 1)[1])
        return Page(index((site.url(f"/sitemap?n={step + 1}"), "")).encode(),
                    content_type="application/xml")  # fmt: skip

    site.add("/sitemap?n=*", chain)
    db_url = f"sqlite:///{tmp_path / 'l.db'}"
    watch = write_watch(tmp_path, "chain", [], sitemaps=[site.url("/sitemap?n=0")],
                        allowed_domains=["127.0.0.26"], max_pages=1)  # fmt: skip
    summary = crawl(watch, db_url)
    asked = sorted(p for p in site.hits if p.startswith("/sitemap"))
    assert asked == ["/sitemap?n=0", "/sitemap?n=1", "/sitemap?n=2"]  # the watch's, and 2 deep
    rows = {url: (kind, error) for url, kind, error in _listing_rows(db_url)}
    kind, error = rows[site.url("/sitemap?n=2")]
    assert kind == "listing_budget" and "nested deeper than 2" in (error or "")
    assert summary["stats"]["listings_over_budget"] == 1
    # a second run reads no further: the bound is per run, not per process
    crawl(watch, db_url)
    assert max(int(p.rsplit("=", 1)[1]) for p in site.hits if p.startswith("/sitemap")) == 2


def test_an_index_of_10000_sitemaps_is_read_within_the_host_budget_newest_first(
    site: Site, tmp_path: Path
) -> None:
    children = [(site.url(f"/sitemap-{n}.xml"), f"2024-10-{1 + n % 28:02d}T{n % 24:02d}:00:00Z")
                for n in range(10_000)]  # fmt: skip
    site.add("/sitemap-index.xml", index(*children), content_type="application/xml")
    site.add("/sitemap-*", urlset(), content_type="application/xml")
    db_url = f"sqlite:///{tmp_path / 'l.db'}"
    watch = write_watch(tmp_path, "wide", [], sitemaps=[site.url("/sitemap-index.xml")],
                        allowed_domains=["127.0.0.26"])  # fmt: skip
    summary = crawl(watch, db_url)
    read = [p for p in site.hits if p.startswith("/sitemap-") and p != "/sitemap-index.xml"]
    assert len(read) == 24  # 25 per host, the index included
    newest = sorted(children, key=lambda c: c[1], reverse=True)[:24]
    assert {site.url(p) for p in read} == {url for url, _ in newest}
    rows = {url: (kind, error) for url, kind, error in _listing_rows(db_url)}
    kind, error = rows[site.url("/sitemap-index.xml")]
    assert kind == "listing_budget" and (error or "").startswith("9976 of its sitemaps not read")
    assert summary["stats"]["errors"]["listing_budget"] == 1


def test_a_large_sitemap_and_a_gzipped_one_are_read(site: Site, tmp_path: Path) -> None:
    story = "/news/north-korea-troops-kursk"
    site.add(story, article_html("North Korea troops in Kursk", ["The story."]))
    other = "/news/north-korea-troops-gzipped"
    site.add(other, article_html("North Korea troops, gzipped", ["Another story."]))
    # 50,000 URLs (the format's limit) and some 20 MB, the story last
    filler = [site.url(f"/news/filler-{n:06d}-{'x' * 330}") for n in range(49_999)]
    large = urlset(*filler, site.url(story)).encode()
    assert len(large) > 18 * 1024 * 1024
    site.add("/large.xml", large, content_type="application/xml")
    site.add("/small.xml.gz", gzip.compress(urlset(site.url(other)).encode()),
             content_type="application/x-gzip")  # fmt: skip
    db_url = f"sqlite:///{tmp_path / 'l.db'}"
    watch = write_watch(tmp_path, "large", [], allowed_domains=["127.0.0.26"],
                        sitemaps=[site.url("/large.xml"), site.url("/small.xml.gz")])  # fmt: skip
    summary = crawl(watch, db_url)
    assert site.hits[story] == 1 and site.hits[other] == 1
    assert summary["stats"]["articles_new"] == 2 and summary["stats"]["errors"] == {}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><item><title>&lol3; North Korea troops</title>
<link>http://127.0.0.26/news/north-korea</link></item></channel></rss>"""


def test_bad_feeds_and_sitemaps_are_recorded_as_such(site: Site, tmp_path: Path) -> None:
    """An entity bomb is refused, not read as an empty feed; a broken document is read
    as far as it goes and recorded as broken; an entry whose URL is garbage is skipped
    and said, never fetched."""
    first, second = "/news/north-korea-first", "/news/north-korea-second"
    for path in (first, second):
        site.add(path, article_html(f"North Korea troops {path}", [f"Story {path}."]))
    broken = (f"<rss><channel><item><title>North Korea troops</title><link>{site.url(first)}"
              "</link></item><item><title>North Korea troops, cut</title><link>"
              ).encode() + b"\xff\xfe garbage"  # fmt: skip
    garbage_loc = urlset(site.url(second), site.url("/news/north-korea \x01\x02junk"))
    site.add("/bomb.xml", BILLION_LAUGHS, content_type="application/rss+xml")
    site.add("/broken.xml", broken, content_type="application/rss+xml")
    site.add("/garbage.xml", garbage_loc, content_type="application/xml")
    db_url = f"sqlite:///{tmp_path / 'l.db'}"
    feeds = [site.url("/bomb.xml"), site.url("/broken.xml")]
    watch = write_watch(tmp_path, "bad", [], feeds=feeds, sitemaps=[site.url("/garbage.xml")],
                        allowed_domains=["127.0.0.26"])  # fmt: skip
    summary = crawl(watch, db_url)
    assert site.hits[first] == 1 and site.hits[second] == 1  # what could be read, was
    assert [p for p in site.hits if "junk" in p or p.startswith("/news/north-korea ")] == []
    rows = {url: (kind, error) for url, kind, error in query(
        db_url, "select url, error_kind, error from fetches where page_status in "
        "('feed', 'sitemap')")}  # fmt: skip
    assert rows[site.url("/bomb.xml")][0] == "bad_feed"
    assert "declares XML entities" in (rows[site.url("/bomb.xml")][1] or "")
    assert rows[site.url("/broken.xml")][0] == "bad_feed"
    assert "malformed feed" in (rows[site.url("/broken.xml")][1] or "")
    assert rows[site.url("/garbage.xml")][0] == "bad_sitemap"
    assert "1 entries with an unusable URL skipped" in (rows[site.url("/garbage.xml")][1] or "")
    assert summary["stats"]["errors"] == {"bad_feed": 2, "bad_sitemap": 1}


def test_news_sitemap_entries_older_than_the_window_are_not_fetched(
    site: Site, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    fresh, stale = "/news/north-korea-fresh", "/news/north-korea-stale"
    for path in (fresh, stale):
        site.add(path, article_html(f"North Korea troops {path}", [f"Story {path}."]))
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    news = "http://www.google.com/schemas/sitemap-news/0.9"
    entries = "".join(
        f"<url><loc>{site.url(path)}</loc><news:news><news:publication_date>{when}"
        f"</news:publication_date><news:title>North Korea troops</news:title></news:news></url>"
        for path, when in ((fresh, yesterday), (stale, "2020-01-01T08:00:00Z"))
    )
    sitemap = site.add("/news.xml", f"<urlset xmlns='{XMLNS}' xmlns:news='{news}'>{entries}"
                                    "</urlset>", content_type="application/xml")  # fmt: skip
    db_url = f"sqlite:///{tmp_path / 'w.db'}"
    watch = write_watch(tmp_path, "window", [], sitemaps=[sitemap], window="30d",
                        allowed_domains=["127.0.0.26"])  # fmt: skip
    summary = crawl(watch, db_url)
    assert site.hits[fresh] == 1 and site.hits[stale] == 0
    assert summary["stats"]["listed_before_window"] == 1
