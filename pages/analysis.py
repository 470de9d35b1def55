"""Everything the crawler wants from one page, computed in one parse: the extracted
article, the links worth following and the feeds the page advertises.

Pure and picklable, so that it runs in the extraction pool's processes (see crawler.pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urljoin

import lxml.html

from claims import Claim, extract_claims
from pages.extraction import (
    Extraction,
    PageStatus,
    decode_html,
    extract_from_tree,
    looks_binary,
    parse_html,
    without_controls,
)

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json"})

# Class/id fragments of blocks that list related stories ("related", "read-next", ...).
RELATED_MARKERS = ("related", "read-next", "readnext", "more-stories", "recommended", "also-read")
# Blocks whose links are site chrome, never story links.
CHROME_TAGS = frozenset({"nav", "header", "footer", "aside", "form"})
CHROME_MARKERS = (
    "nav",
    "menu",
    "footer",
    "header",
    "cookie",
    "banner",
    "share",
    "social",
    "comment",
)


class LinkPlace(StrEnum):
    ARTICLE = "article"  # inside the story text
    RELATED = "related"  # in a related-stories block
    OTHER = "other"  # elsewhere in the page body
    CHROME = "chrome"  # navigation, footer, cookie banner, share buttons


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    text: str
    place: LinkPlace
    title: str = ""


@dataclass(frozen=True, slots=True)
class PageAnalysis:
    extraction: Extraction
    links: tuple[Link, ...] = ()
    feeds: tuple[str, ...] = ()
    # the article's claims, found here in the analysis pool: on the crawl's event loop a
    # long text would stall every download (crawler.pipelines.StoryPipeline stores them)
    claims: tuple[Claim, ...] = ()

    @property
    def status(self) -> PageStatus:
        return self.extraction.status


def analyze_page(
    body: bytes,
    url: str,
    content_type: str | None = None,
    want_links: bool = True,
    want_claims: bool = True,
) -> PageAnalysis:
    """Extract the article, its claims and (when wanted) classify the links of one
    fetched page."""
    if not body.strip():
        return PageAnalysis(Extraction(PageStatus.EMPTY, reason="empty response body"))
    if looks_binary(body, content_type):
        reason = f"not HTML ({content_type or 'binary'})"
        return PageAnalysis(Extraction(PageStatus.NOT_HTML, reason=reason))
    html = without_controls(decode_html(body, content_type))
    try:
        tree = parse_html(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        return PageAnalysis(Extraction(PageStatus.NOT_HTML, reason=f"unparseable HTML: {exc}"))
    base = _base_url(tree, url)
    links = tuple(_links(tree, base)) if want_links else ()
    feeds = tuple(_feeds(tree, base))
    # trafilatura prunes the tree it is given, so it comes last.
    extraction = extract_from_tree(tree, url)
    article = extraction.article
    found = tuple(extract_claims(article.text)) if article is not None and want_claims else ()
    return PageAnalysis(extraction, links, feeds, found)


def _base_url(tree: lxml.html.HtmlElement, url: str) -> str:
    hrefs = tree.xpath("//base/@href")
    return urljoin(url, str(hrefs[0]).strip()) if hrefs else url


def _feeds(tree: lxml.html.HtmlElement, base: str) -> list[str]:
    found = []
    for element in tree.xpath("//link[@href]"):
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").lower().strip()
        if "alternate" in rel and kind in FEED_TYPES:
            found.append(urljoin(base, element.get("href").strip()))
    return list(dict.fromkeys(found))


def _links(tree: lxml.html.HtmlElement, base: str) -> list[Link]:
    kinds: dict[lxml.html.HtmlElement, LinkPlace | None] = {}
    links = []
    for anchor in tree.xpath("//body//a[@href]"):
        href = anchor.get("href").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        absolute = urljoin(base, href)
        if not absolute.startswith(("http://", "https://")):
            continue
        text = " ".join(anchor.text_content().split())
        links.append(Link(absolute, text, _place(anchor, kinds), anchor.get("title") or ""))
    return links


def _place(
    anchor: lxml.html.HtmlElement, kinds: dict[lxml.html.HtmlElement, LinkPlace | None]
) -> LinkPlace:
    """The innermost telling container decides; <article> only where nothing else does."""
    place = LinkPlace.OTHER
    for ancestor in anchor.iterancestors():
        kind = kinds.get(ancestor, LinkPlace.OTHER)
        if kind is LinkPlace.OTHER:  # not cached yet (OTHER is never stored)
            kind = kinds[ancestor] = _own_kind(ancestor)
        if kind is LinkPlace.ARTICLE:
            place = LinkPlace.ARTICLE
        elif kind is not None:
            return kind
    return place


def _own_kind(element: lxml.html.HtmlElement) -> LinkPlace | None:
    """What an element says about the links inside it (cached per page by _place)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    marks = f"{element.get('class', '')} {element.get('id', '')}".lower()
    if any(marker in marks for marker in RELATED_MARKERS):
        return LinkPlace.RELATED
    if tag in CHROME_TAGS or any(marker in marks for marker in CHROME_MARKERS):
        return LinkPlace.CHROME
    if tag == "article":
        return LinkPlace.ARTICLE
    return None
