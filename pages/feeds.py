"""Parsing feeds (RSS, Atom, JSON Feed) and (news) sitemaps into entries: pure
functions over bytes."""

from __future__ import annotations

import html
import json
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
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


def _one_line(exc: object) -> str:
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
    """Entries of a feed, in document order: RSS 0.9x, 1.0 (RDF) and 2.0, Atom (links
    resolved against xml:base, the rel="alternate" link rather than an enclosure), and
    JSON Feed 1.0 and 1.1. Titles and summaries come as plain text (entities decoded,
    markup dropped), dates as ISO 8601 in UTC.

    XML feeds are read by feedparser (benchmarks/feed_parsers.py: it read every case
    of tests/feeds right, where ours and fastfeedparser missed some; 1 s for a 5,000
    item feed, in the analysis pool), after the checks that keep it safe: no entity
    declarations, a gzipped feed inflated within a cap. feedparser does not read JSON
    Feed, which is read here."""
    body = _gunzipped(body, FEED_MAX_BYTES).strip()
    if not body:
        raise FeedError("empty document")
    if body.startswith(b"{"):
        return _json_feed(body, base_url)
    if b"<!ENTITY" in body:
        raise FeedError("declares XML entities, which feeds and sitemaps never need "
                        "(an entity-expansion or XXE attempt?)")  # fmt: skip
    import feedparser

    parsed = feedparser.parse(
        body,
        response_headers={"content-location": base_url, "content-type": "application/xml"},
        sanitize_html=False,
    )
    if not parsed.get("version") and not parsed.entries:
        reason = _one_line(parsed.get("bozo_exception") or "no feed elements")
        raise FeedError(f"not an RSS, Atom or JSON feed ({reason})")
    problems = []
    if parsed.get("bozo") and parsed.get("bozo_exception") is not None:
        problems.append(f"malformed feed ({_one_line(parsed.bozo_exception)}): read what "
                        "could be recovered")  # fmt: skip
    usable = _Urls(base_url)
    entries = []
    for item in parsed.entries:
        url = usable(str(item.get("link") or "")) if item.get("link") else None
        if url is not None:
            entries.append(FeedEntry(
                url=url,
                title=plain_text(str(item.get("title") or "")),
                summary=plain_text(str(item.get("summary") or "")),
                published=_struct_time(item.get("published_parsed") or item.get("updated_parsed")),
            ))  # fmt: skip
    problems += usable.problems()
    return FeedListing(_capped(entries, problems), tuple(problems))


# A feed larger than this once inflated is not read (they are some KB to a few MB).
FEED_MAX_BYTES = 20 * 1024 * 1024
# Entries read of one feed or sitemap: the sitemap format's own limit (sitemaps.org).
MAX_ENTRIES = 50_000


def _capped(entries: list[FeedEntry], problems: list[str]) -> tuple[FeedEntry, ...]:
    if len(entries) > MAX_ENTRIES:
        problems.append(f"{len(entries) - MAX_ENTRIES} entries past the first {MAX_ENTRIES} "
                        "not read")  # fmt: skip
    return tuple(entries[:MAX_ENTRIES])


def _json_feed(body: bytes, base_url: str) -> FeedListing:
    """A JSON Feed (jsonfeed.org, versions 1 and 1.1)."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"not a JSON feed ({_one_line(exc)})") from exc
    version = document.get("version", "") if isinstance(document, dict) else ""
    items = document.get("items") if isinstance(document, dict) else None
    if not str(version).startswith("https://jsonfeed.org/version/") or not isinstance(items, list):
        raise FeedError("not a JSON feed (no jsonfeed.org version, or no items)")
    usable = _Urls(str(document.get("feed_url") or base_url))
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        url = usable(link) if isinstance(link, str) and link else None
        if url is None:
            continue
        summary = item.get("summary") or item.get("content_text") or item.get("content_html")
        entries.append(FeedEntry(
            url=url,
            title=plain_text(str(item.get("title") or "")),
            summary=plain_text(str(summary or "")),
            published=_iso_utc(item.get("date_published") or item.get("date_modified")),
        ))  # fmt: skip
    problems = usable.problems()
    return FeedListing(_capped(entries, problems), tuple(problems))


_TAG = re.compile(r"<[^>]*>")


def plain_text(text: str) -> str:
    """Text as a reader sees it: markup dropped, entities decoded (twice over, as feeds
    that escape HTML inside an escaped title need), spacing collapsed."""
    for _ in range(2):
        text = html.unescape(_TAG.sub(" ", text))
    return " ".join(text.split())


def _struct_time(value: Any) -> str | None:
    """feedparser's parsed date (a time.struct_time in UTC) as ISO 8601."""
    if not value:
        return None
    try:
        year, month, day, hour, minute, second = value[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()
    except (TypeError, ValueError):
        return None


def _iso_utc(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.isoformat() if moment.tzinfo is None else moment.astimezone(UTC).isoformat()


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
        unique = list(dict.fromkeys(u for u in ordered if u is not None and u != base_url))
        problems += usable.problems()
        if len(unique) > MAX_ENTRIES:
            problems.append(f"{len(unique) - MAX_ENTRIES} child sitemaps past the first "
                            f"{MAX_ENTRIES} not read")  # fmt: skip
        return SitemapListing(child_sitemaps=tuple(unique[:MAX_ENTRIES]), problems=tuple(problems))
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
    problems += usable.problems()
    return SitemapListing(entries=_capped(entries, problems), problems=tuple(problems))


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
