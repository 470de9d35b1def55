"""Parsing RSS 2.0, Atom and (news) sitemaps into entries: pure functions over bytes."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    title: str = ""
    summary: str = ""
    published: str | None = None
    keywords: str = ""


@dataclass(frozen=True, slots=True)
class SitemapListing:
    entries: tuple[FeedEntry, ...] = ()
    child_sitemaps: tuple[str, ...] = ()


class FeedError(ValueError):
    """A feed or sitemap that is not parseable XML of a known kind."""


def _root(body: bytes) -> etree._Element:
    if not body.strip():
        raise FeedError("empty document")
    root = etree.fromstring(body.strip(), parser=_PARSER)
    if root is None:
        raise FeedError("not XML")
    return root


def _local(element: etree._Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(element: etree._Element, *names: str) -> str:
    for child in element.iter():
        if _local(child) in names and child.text:
            return " ".join(child.text.split())
    return ""


def parse_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    """Entries of an RSS 2.0 or Atom feed, in document order."""
    root = _root(body)
    kind = _local(root)
    if kind not in {"rss", "feed", "rdf"}:
        raise FeedError(f"not an RSS or Atom feed (root element <{kind}>)")
    entries = []
    for item in root.iter():
        if _local(item) not in {"item", "entry"}:
            continue
        link = _child_text(item, "link")
        if not link:
            hrefs = [c.get("href") for c in item if _local(c) == "link" and c.get("href")]
            link = hrefs[0] if hrefs else ""
        if not link:
            continue
        entries.append(
            FeedEntry(
                url=urljoin(base_url, link.strip()),
                title=_child_text(item, "title"),
                summary=_child_text(item, "description", "summary"),
                published=_child_text(item, "pubdate", "published", "updated", "date") or None,
            )
        )
    return entries


def parse_sitemap(body: bytes, base_url: str) -> SitemapListing:
    """URLs of a sitemap (with Google News titles and keywords) or a sitemap index."""
    root = _root(body)
    kind = _local(root)
    if kind == "sitemapindex":
        children = [
            urljoin(base_url, _child_text(s, "loc")) for s in root if _local(s) == "sitemap"
        ]
        return SitemapListing(child_sitemaps=tuple(c for c in children if c != base_url))
    if kind != "urlset":
        raise FeedError(f"not a sitemap (root element <{kind}>)")
    entries = []
    for url in root:
        if _local(url) != "url":
            continue
        loc = _child_text(url, "loc")
        if loc:
            entries.append(
                FeedEntry(
                    url=urljoin(base_url, loc),
                    title=_child_text(url, "title"),
                    published=_child_text(url, "publication_date", "lastmod") or None,
                    keywords=_child_text(url, "keywords"),
                )
            )
    return SitemapListing(entries=tuple(entries))


def sitemaps_from_robots(body: bytes, base_url: str) -> list[str]:
    """The Sitemap: lines of a robots.txt."""
    found = []
    for line in body.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip():
            found.append(urljoin(base_url, value.strip()))
    return found
