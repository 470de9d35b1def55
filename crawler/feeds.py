"""Parsing RSS 2.0, Atom and (news) sitemaps into entries: pure functions over bytes."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

# Strict first: a document that is not well-formed is read again in recovery mode, and
# what that could not recover is said (FeedListing.problems), never passed over.
_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_RECOVER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
# Characters that never belong in a URL taken from a feed: what a broken document
# leaves in a text node (spaces, controls, the replacement character).
_NOT_IN_URLS = re.compile(r"[\s\x00-\x1f\x7f\ufffd]")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    title: str = ""
    summary: str = ""
    published: str | None = None
    keywords: str = ""


@dataclass(frozen=True, slots=True)
class FeedListing:
    entries: tuple[FeedEntry, ...] = ()
    problems: tuple[str, ...] = ()  # what was wrong with it, though it could be read


@dataclass(frozen=True, slots=True)
class SitemapListing:
    entries: tuple[FeedEntry, ...] = ()
    child_sitemaps: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


class FeedError(ValueError):
    """A feed or sitemap that is not parseable XML of a known kind."""


def _root(body: bytes) -> tuple[etree._Element, list[str]]:
    """The document's root, and what was wrong with it if it had to be recovered."""
    if not body.strip():
        raise FeedError("empty document")
    if b"<!ENTITY" in body:
        raise FeedError("declares XML entities, which feeds and sitemaps never need "
                        "(an entity-expansion or XXE attempt?)")  # fmt: skip
    try:
        return etree.fromstring(body.strip(), parser=_STRICT), []
    except etree.XMLSyntaxError as exc:
        root = etree.fromstring(body.strip(), parser=_RECOVER)
        if root is None:
            raise FeedError(f"not XML ({_one_line(exc)})") from exc
        return root, [f"malformed XML ({_one_line(exc)}): read what could be recovered"]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


class _Urls:
    """Entry URLs made absolute, and the ones that are not usable counted."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.refused: list[str] = []

    def __call__(self, raw: str) -> str | None:
        url = urljoin(self.base_url, raw.strip())
        if _NOT_IN_URLS.search(url) or urlsplit(url).scheme not in ("http", "https"):
            self.refused.append(raw.strip())
            return None
        return url

    def problems(self) -> list[str]:
        if not self.refused:
            return []
        return [f"{len(self.refused)} entries with an unusable URL skipped "
                f"(the first: {self.refused[0][:120]!r})"]  # fmt: skip


def _local(element: etree._Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(element: etree._Element, *names: str) -> str:
    for child in element.iter():
        if _local(child) in names and child.text:
            return " ".join(child.text.split())
    return ""


def parse_feed(body: bytes, base_url: str) -> FeedListing:
    """Entries of an RSS 2.0 or Atom feed, in document order."""
    root, problems = _root(body)
    kind = _local(root)
    if kind not in {"rss", "feed", "rdf"}:
        raise FeedError(f"not an RSS or Atom feed (root element <{kind}>)")
    usable = _Urls(base_url)
    entries = []
    for item in root.iter():
        if _local(item) not in {"item", "entry"}:
            continue
        link = _child_text(item, "link")
        if not link:
            hrefs = [c.get("href") for c in item if _local(c) == "link" and c.get("href")]
            link = hrefs[0] if hrefs else ""
        url = usable(link) if link else None
        if url is None:
            continue
        entries.append(
            FeedEntry(
                url=url,
                title=_child_text(item, "title"),
                summary=_child_text(item, "description", "summary"),
                published=_child_text(item, "pubdate", "published", "updated", "date") or None,
            )
        )
    return FeedListing(tuple(entries), tuple(problems + usable.problems()))


# The sitemap format's own limit on a file, uncompressed (sitemaps.org).
SITEMAP_MAX_BYTES = 50 * 1024 * 1024


def parse_sitemap(body: bytes, base_url: str, max_bytes: int = SITEMAP_MAX_BYTES) -> SitemapListing:
    """URLs of a sitemap (with Google News titles and keywords) or a sitemap index, its
    child sitemaps newest first (by lastmod; those without one after, in their order).
    A gzipped sitemap (.xml.gz) is inflated up to `max_bytes`."""
    root, problems = _root(_gunzipped(body, max_bytes))
    kind = _local(root)
    usable = _Urls(base_url)
    if kind == "sitemapindex":
        children = [
            (_child_text(s, "lastmod"), usable(_child_text(s, "loc")))
            for s in root
            if _local(s) == "sitemap" and _child_text(s, "loc")
        ]
        dated = sorted((c for c in children if c[0]), key=lambda c: _when(c[0]), reverse=True)
        ordered = [url for _, url in dated] + [url for lastmod, url in children if not lastmod]
        unique = dict.fromkeys(url for url in ordered if url is not None and url != base_url)
        return SitemapListing(child_sitemaps=tuple(unique),
                              problems=tuple(problems + usable.problems()))  # fmt: skip
    if kind != "urlset":
        raise FeedError(f"not a sitemap (root element <{kind}>)")
    entries = []
    for element in root:
        loc = _child_text(element, "loc") if _local(element) == "url" else ""
        url = usable(loc) if loc else None
        if url is not None:
            entries.append(
                FeedEntry(
                    url=url,
                    title=_child_text(element, "title"),
                    published=_child_text(element, "publication_date", "lastmod") or None,
                    keywords=_child_text(element, "keywords"),
                )
            )
    return SitemapListing(entries=tuple(entries), problems=tuple(problems + usable.problems()))


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
