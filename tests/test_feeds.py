"""Feeds in every format real outlets serve, read right (tests/feeds, checked by hand in
expected.json), and crawled for real from a local site: a JSON Feed the page
advertises, Atom entries whose first link is an image, RSS items whose only link is a
<guid>, titles whose words are behind markup or entities; a page's time of day taken
from the feed when the page gives only its day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pages.feeds import FeedError, parse_feed, plain_text
from tests.conftest import write_watch
from tests.crawl_helpers import crawl, query
from tests.sites import Site, article_html

FEEDS = Path(__file__).parent / "feeds"
EXPECTED = json.loads((FEEDS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_feed_format_is_read_right(name: str) -> None:
    listing = parse_feed((FEEDS / name).read_bytes(), "http://base.test/feed")
    got = [{"url": e.url, "title": e.title, "published": e.published} for e in listing.entries]
    assert got == EXPECTED[name]
    assert listing.problems == ()


def test_text_is_plain() -> None:
    assert (
        plain_text("North Korea &amp;amp; <b>Russia</b>&nbsp;talks") == "North Korea & Russia talks"
    )
    assert plain_text("&lt;em&gt;Kursk&lt;/em&gt; offensive") == "Kursk offensive"


def test_not_a_feed_is_said() -> None:
    with pytest.raises(FeedError, match="not a JSON feed"):
        parse_feed(b'{"items": []}', "http://x.test/feed.json")
    with pytest.raises(FeedError, match="not an RSS, Atom or JSON feed"):
        parse_feed(b"<html><body>hello</body></html>", "http://x.test/feed")


@pytest.fixture
def site() -> Iterator[Site]:
    with Site("127.0.0.28") as served:
        yield served


def test_feeds_of_every_kind_are_crawled(site: Site, tmp_path: Path) -> None:
    json_story, atom_story, guid_story = ("/news/peskov-hoax", "/news/kyiv-warns",
                                          "/news/north-korea-guid-only")  # fmt: skip
    for path in (json_story, atom_story, guid_story):
        site.add(path, article_html(f"North Korean troops {path}", [f"Story {path}."],
                                    head="<meta property='article:published_time' "
                                         "content='2024-10-21'>"))  # fmt: skip
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "JSON news",
            "items": [{"id": "1", "url": site.url(json_story),
                       "title": "Peskov: the &quot;North Korean troops&quot; story is a hoax",
                       "date_published": "2024-10-21T14:00:00+03:00"}]}  # fmt: skip
    site.add("/feed.json", json.dumps(feed), content_type="application/feed+json")
    seed = site.add("/news/north-korea-seed", article_html(
        "North Korean troops: the seed", ["The seed story."],
        head=f"<link rel='alternate' type='application/feed+json' href='{site.url('/feed.json')}'>",
    ))  # fmt: skip
    atom = ("<feed xmlns='http://www.w3.org/2005/Atom' xml:base='" + site.url("/news/") + "'>"
            "<title>t</title><id>urn:t</id><updated>2024-10-21T08:00:00Z</updated>"
            "<entry><title type='html'>&lt;b&gt;North&lt;/b&gt; Korean troops: Kyiv warns</title>"
            "<link rel='enclosure' type='image/jpeg' href='/images/photo.jpg'/>"
            "<link rel='alternate' href='kyiv-warns'/><id>urn:1</id>"
            "<updated>2024-10-21T09:00:00Z</updated></entry></feed>")  # fmt: skip
    rss = (
        "<rss version='2.0'><channel><title>t</title><link>" + site.url("/") + "</link>"
        "<item><title>North Korean troops, a guid only</title>"
        f"<guid isPermaLink='true'>{site.url(guid_story)}</guid></item></channel></rss>"
    )
    feeds = [site.add("/atom.xml", atom, content_type="application/atom+xml"),
             site.add("/rss.xml", rss, content_type="application/rss+xml")]  # fmt: skip
    db_url = f"sqlite:///{tmp_path / 'f.db'}"
    watch = write_watch(tmp_path, "feeds", [seed], feeds=feeds, depth=0,
                        allowed_domains=["127.0.0.28"])  # fmt: skip
    summary = crawl(watch, db_url)
    assert site.hits["/images/photo.jpg"] == 0
    for path in (json_story, atom_story, guid_story):
        assert site.hits[path] == 1, path
    assert summary["stats"]["articles_new"] == 4, summary
    published = dict(query(db_url, "select canonical_url, published from articles"))
    # the page gives the day, the feed the time: the time is kept
    assert published[site.url(json_story)] == "2024-10-21T11:00:00+00:00"


def test_a_listing_reads_at_most_the_format_limit_and_says_so() -> None:
    from pages.feeds import MAX_ENTRIES, parse_sitemap

    urls = "".join(f"<url><loc>http://a.test/{n}</loc></url>" for n in range(MAX_ENTRIES + 10))
    listing = parse_sitemap(f"<urlset>{urls}</urlset>".encode(), "http://a.test/sitemap.xml")
    assert len(listing.entries) == MAX_ENTRIES
    assert listing.problems == (f"10 entries past the first {MAX_ENTRIES} not read",)
