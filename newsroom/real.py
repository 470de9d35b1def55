"""The World Press Review: an outlet of real pages nobody on the project wrote.

Six pages copied from public extraction benchmarks (newsroom/data/real/pages.json names
each page's source repository, commit, path, original URL and licence; the text stays
its publisher's), each carrying a problem real pages have: React's `<!-- -->`
separators inside paragraphs, `og:type` "website" on an article, UTF-8 bytes under a
`<meta>` that declares ISO-8859-1, a Japanese article, a title with the site's name in
it, a published time only in JSON-LD. The pages are served as their publishers' bytes,
with no charset in the header. They are listed the ways real outlets list them: a JSON
Feed (advertised by the front page), an Atom feed whose entries name an image
enclosure before the article, and a gzipped news sitemap behind a sitemap index that
robots.txt names.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from html import escape
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape as xml_escape

DATA = "data/real"


@cache
def pages() -> tuple[dict[str, Any], ...]:
    manifest = resources.files("newsroom").joinpath(f"{DATA}/pages.json").read_text("utf-8")
    return tuple(json.loads(manifest))


@cache
def page_body(slug: str) -> bytes | None:
    page = next((p for p in pages() if p["slug"] == slug), None)
    if page is None:
        return None
    return gzip.decompress(
        resources.files("newsroom").joinpath(f"{DATA}/{page['file']}").read_bytes()
    )


def serve(handler: Any, path: str) -> None:
    base = handler.base
    if path == "/robots.txt":
        handler.send_text(200, f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap-index.xml\n")
    elif path == "/":
        handler.send_bytes(200, front_page(base).encode("utf-8"), "text/html; charset=utf-8")
    elif path == "/feed.json":
        handler.send_bytes(200, json_feed(base).encode("utf-8"), "application/feed+json")
    elif path == "/atom.xml":
        handler.send_bytes(200, atom_feed(base).encode("utf-8"), "application/atom+xml")
    elif path == "/sitemap-index.xml":
        handler.send_bytes(200, sitemap_index(base).encode("utf-8"), "application/xml")
    elif path == "/news-sitemap.xml.gz":
        body = gzip.compress(news_sitemap(base).encode("utf-8"), mtime=0)
        handler.send_bytes(200, body, "application/x-gzip")
    elif path.startswith("/news/") and (page := page_body(path.removeprefix("/news/"))):
        handler.send_bytes(200, page, "text/html")  # the publisher's bytes, no charset said
    else:
        handler.send_text(404, "Not found")


def front_page(base: str) -> str:
    links = "".join(
        f'<li><a href="{base}/news/{p["slug"]}">{escape(p["title"])}</a></li>' for p in pages()
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>World Press Review</title>"
        f"<link rel='alternate' type='application/feed+json' href='{base}/feed.json'>"
        f"</head><body><h1>World Press Review</h1><ul>{links}</ul></body></html>"
    )


def json_feed(base: str) -> str:
    items = [
        {"id": f"{base}/news/{p['slug']}", "url": f"{base}/news/{p['slug']}",
         "title": p["title"], "summary": p["summary"], "date_published": p["published"]}
        for p in pages()
    ]  # fmt: skip
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "World Press Review",
        "home_page_url": f"{base}/",
        "feed_url": f"{base}/feed.json",
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False)


def atom_feed(base: str) -> str:
    entries = "".join(
        f"<entry><title>{xml_escape(p['title'])}</title>"
        f"<link rel='enclosure' type='image/jpeg' href='/images/{p['slug']}.jpg'/>"
        f"<link rel='alternate' type='text/html' href='/news/{p['slug']}'/>"
        f"<id>{base}/news/{p['slug']}</id><updated>{p['published']}</updated></entry>"
        for p in pages()
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
        f"xml:base='{base}/'><title>World Press Review</title><id>{base}/</id>"
        f"<updated>2024-12-03T00:00:00Z</updated>{entries}</feed>"
    )


def sitemap_index(base: str) -> str:
    return (
        "<?xml version='1.0' encoding='utf-8'?>"
        "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<sitemap><loc>{base}/news-sitemap.xml.gz</loc></sitemap></sitemapindex>"
    )


def news_sitemap(base: str) -> str:
    urls = "".join(
        f"<url><loc>{base}/news/{p['slug']}</loc><news:news><news:publication>"
        "<news:name>World Press Review</news:name><news:language>und</news:language>"
        f"</news:publication><news:publication_date>{p['published']}</news:publication_date>"
        f"<news:title>{xml_escape(p['title'])}</news:title></news:news></url>"
        for p in pages()
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?>"
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        f"xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>{urls}</urlset>"
    )
