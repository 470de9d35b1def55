"""Parsing RSS 2.0, Atom and (news) sitemaps into entries: pure functions over bytes."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
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


# The sitemap format's own limit on a file, uncompressed (sitemaps.org).
SITEMAP_MAX_BYTES = 50 * 1024 * 1024


def parse_sitemap(body: bytes, base_url: str, max_bytes: int = SITEMAP_MAX_BYTES) -> SitemapListing:
    """URLs of a sitemap (with Google News titles and keywords) or a sitemap index, its
    child sitemaps newest first (by lastmod; those without one after, in their order).
    A gzipped sitemap (.xml.gz) is inflated up to `max_bytes`."""
    root = _root(_gunzipped(body, max_bytes))
    kind = _local(root)
    if kind == "sitemapindex":
        children = [
            (_child_text(s, "lastmod"), urljoin(base_url, _child_text(s, "loc")))
            for s in root
            if _local(s) == "sitemap" and _child_text(s, "loc")
        ]
        dated = sorted((c for c in children if c[0]), key=lambda c: _when(c[0]), reverse=True)
        ordered = [url for _, url in dated] + [url for lastmod, url in children if not lastmod]
        return SitemapListing(
            child_sitemaps=tuple(u for u in dict.fromkeys(ordered) if u != base_url)
        )
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


def _gunzipped(body: bytes, max_bytes: int) -> bytes:
    """The body, inflated if it is gzip (a .xml.gz served as such); FeedError when it
    is larger than `max_bytes` inflated or is broken gzip."""
    if not body.startswith(b"\x1f\x8b"):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise FeedError(f"broken gzip: {exc}") from exc
    if len(inflated) > max_bytes:
        raise FeedError(f"larger than {max_bytes} bytes once inflated")
    return inflated


def _when(stamp: str) -> datetime:
    """A W3C datetime (lastmod) for sorting; unreadable ones sort last."""
    try:
        moment = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
