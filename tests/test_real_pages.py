"""A crawl of the newsroom's outlet of real pages (newsroom/real.py: six pages copied from
public benchmarks, each with a problem real pages have) stores every article with its
full text, a clean title and its published time. The pages are found the ways real
outlets list them: the JSON Feed the front page advertises, an Atom feed whose entries
name an image enclosure first, and a gzipped news sitemap behind a sitemap index that
robots.txt names. Runs from a fresh clone: the pages are in the repository."""

from __future__ import annotations

from typing import Any

import pytest

from newsroom import Newsroom
from newsroom.real import pages
from tests.conftest import write_watch
from tests.crawl_helpers import crawl, query


@pytest.fixture(scope="module")
def crawled(newsroom: Newsroom, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("real")
    base = newsroom.base_url("realpages")
    host = base.split("//")[1].split(":")[0]
    watch = write_watch(tmp, "real", [base + "/"], feeds=[base + "/atom.xml"], depth=0,
                        allowed_domains=[host], window="3650d",
                        keywords=["mexico", "ahrtal", "vodafone", "korea", "ukraine",
                                  "nordkorea"])  # fmt: skip
    db_url = f"sqlite:///{tmp / 'real.db'}"
    before = dict(newsroom.hits)
    summary = crawl(watch, db_url)
    hits = {path: n - before.get((key, path), 0) for (key, path), n in newsroom.hits.items()
            if key == "realpages"}  # fmt: skip
    return {"db": db_url, "base": base, "summary": summary, "hits": hits}


def _stored(crawled: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    rows = query(crawled["db"], "select a.canonical_url, a.title, a.published, v.text from "
                 "articles a join article_versions v on v.article_id = a.id")  # fmt: skip
    return {url.rsplit("/", 1)[1]: (title, published, text) for url, title, published, text in rows}


def test_every_real_page_is_stored(crawled: dict[str, Any]) -> None:
    assert set(_stored(crawled)) == {page["slug"] for page in pages()}


@pytest.mark.parametrize("page", pages(), ids=lambda p: p["slug"])
def test_full_text_clean_title_and_published_time(crawled: dict[str, Any],
                                                  page: dict[str, Any]) -> None:  # fmt: skip
    title, published, text = _stored(crawled)[page["slug"]]
    flat = "".join(text.split())
    for snippet in page["expect_in_text"]:  # the first and last paragraphs: the whole text
        assert "".join(snippet.split()) in flat, (page["carries"], snippet)
    assert "Ã" not in text  # not garbled
    assert published == page["published"] and len(published) > 10  # with its time of day
    assert title == page["title"] or page["ground_truth_title"] is None
    for site in ("AP News", "読売新聞", "tagesschau.de"):
        assert site not in title


def test_found_through_feeds_and_sitemaps_of_every_kind(crawled: dict[str, Any]) -> None:
    hits = crawled["hits"]
    assert hits.get("/feed.json") == 1  # advertised by the front page
    assert hits.get("/atom.xml") == 1 and hits.get("/sitemap-index.xml") == 1
    assert hits.get("/news-sitemap.xml.gz") == 1  # behind the index robots.txt names
    assert not any(path.startswith("/images/") for path in hits)  # enclosures are not pages
    assert crawled["summary"]["stats"]["errors"] == {}
