"""Article extraction: a pure function from raw response bytes and URL to an Article.

trafilatura does the work (boilerplate removal, metadata); this module decides the
encoding, what counts as an article, and normalises the metadata into typed values.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

import lxml.html
from trafilatura import bare_extraction
from w3lib.encoding import html_to_unicode

logger = logging.getLogger(__name__)

# Fewer words than this and a page is a teaser, a paywall stub or an index, not an
# article. Chosen on ../shared/corpus: the shortest real article bodies there have
# ~90 words, while extracted front and section pages of the newsroom give < 40.
MIN_ARTICLE_WORDS = 60

# og:type values that mark a page as something other than an article. A missing
# og:type is common on real articles, so only an explicit non-article type counts.
NON_ARTICLE_OG_TYPES = frozenset({"website", "profile", "video.other", "book", "music.song"})

_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


class PageStatus(StrEnum):
    """What a fetched page turned out to be."""

    ARTICLE = "article"
    NOT_ARTICLE = "not_article"
    TOO_SHORT = "too_short"
    EMPTY = "empty"
    NOT_HTML = "not_html"


@dataclass(frozen=True, slots=True)
class Article:
    """The extracted content of one article page."""

    url: str
    title: str
    text: str
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO date (YYYY-MM-DD) as found on the page
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    canonical_url: str | None = None  # <link rel=canonical> or og:url, absolute

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True, slots=True)
class Extraction:
    """The result of looking at one page: an article, or the reason there is none."""

    status: PageStatus
    article: Article | None = None
    reason: str = ""
    warnings: tuple[str, ...] = field(default=())


def text_hash(text: str) -> str:
    """A stable hash of article text, insensitive to whitespace and Unicode form."""
    normalised = " ".join(unicodedata.normalize("NFKC", text).split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def looks_binary(body: bytes, content_type: str | None) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type not in _HTML_TYPES:
        return True
    head = body[:1024]
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode page bytes the way browsers do, surviving a wrong charset label.

    w3lib applies the browser rules (BOM, then HTTP header, then <meta>, then a guess).
    When the declared charset cannot decode the bytes (a mislabelled page), fall back
    to detecting the encoding from the bytes with charset_normalizer.
    """
    _, text = html_to_unicode(content_type, body)
    if "\ufffd" not in text or b"\xef\xbf\xbd" in body:
        return text
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is None:
        return text
    logger.debug("declared charset did not fit; detected %s", best.encoding)
    return str(best)


# Control characters other than tab and line breaks: one of them (a stray \x07) made
# lxml and trafilatura return no text at all, losing the article as "empty". Vertical
# tab and form feed are spacing; the others are nothing a reader sees.
_SPACING_CONTROLS = re.compile(r"[\x0b\x0c]")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def without_controls(text: str) -> str:
    return _OTHER_CONTROLS.sub("", _SPACING_CONTROLS.sub(" ", text))


def extract_article(html: bytes | str, url: str, content_type: str | None = None) -> Article | None:
    """Extract the article from one page, or None when the page holds no article."""
    return extract_page(html, url, content_type).article


def extract_page(html: bytes | str, url: str, content_type: str | None = None) -> Extraction:
    """Classify a page and extract its article, never raising on bad input."""
    if isinstance(html, bytes):
        if not html.strip():
            return Extraction(PageStatus.EMPTY, reason="empty response body")
        if looks_binary(html, content_type):
            return Extraction(PageStatus.NOT_HTML, reason=f"not HTML ({content_type or 'binary'})")
        html = decode_html(html, content_type)
    html = without_controls(html)
    if not html.strip():
        return Extraction(PageStatus.EMPTY, reason="empty response body")
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        return Extraction(PageStatus.NOT_HTML, reason=f"unparseable HTML: {exc}")
    return extract_from_tree(tree, url)


def extract_from_tree(tree: lxml.html.HtmlElement, url: str) -> Extraction:
    """Extract from a parsed page. trafilatura prunes the tree, so pass a copy if needed."""
    language = _html_language(tree)
    canonical = canonical_link(tree, url)
    document = bare_extraction(tree, url=url, with_metadata=True, include_comments=False)
    if isinstance(document, dict):  # only with as_dict=True, which is not used here
        raise TypeError("trafilatura returned a dict")
    if document is None or not (document.text or "").strip():
        return Extraction(PageStatus.EMPTY, reason="no main text found")
    page_type = (document.pagetype or "").lower()
    if page_type in NON_ARTICLE_OG_TYPES:
        return Extraction(PageStatus.NOT_ARTICLE, reason=f"og:type is {page_type!r}")
    text = _strip_title_line(document.text or "", document.title)
    if len(text.split()) < MIN_ARTICLE_WORDS:
        words = len(text.split())
        return Extraction(PageStatus.TOO_SHORT, reason=f"{words} words of text")
    article = Article(
        url=url,
        title=(document.title or "").strip(),
        text=text,
        authors=_split_authors(document.author),
        published=document.date or None,
        site_name=document.sitename or None,
        language=document.language or language,
        description=document.description or None,
        tags=tuple(t for t in _as_list(document.tags) if t),
        canonical_url=canonical,
    )
    return Extraction(PageStatus.ARTICLE, article=article)


def canonical_link(tree: lxml.html.HtmlElement, url: str) -> str | None:
    """The page's own claim to its URL: <link rel=canonical>, else og:url."""
    candidates = tree.xpath(
        "//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href"
        " | //meta[@property='og:url']/@content"
    )
    for href in candidates:
        href = str(href).strip()
        if href:
            from urllib.parse import urljoin

            absolute = urljoin(url, href)
            if absolute.startswith(("http://", "https://")):
                return absolute
    return None


def _html_language(tree: lxml.html.HtmlElement) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        return None
    return lang.split("-")[0].strip().lower() or None


def _strip_title_line(text: str, title: str | None) -> str:
    """trafilatura sometimes keeps the headline as the first line of the body."""
    lines = text.strip().split("\n")
    if title and lines and lines[0].strip() == title.strip() and len(lines) > 1:
        lines = lines[1:]
    return "\n".join(line.rstrip() for line in lines).strip()


_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|&|,)\s*")


def _split_authors(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    names = [name.strip() for name in _AUTHOR_SPLIT.split(raw)]
    return tuple(dict.fromkeys(name for name in names if name))


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    if isinstance(value, list | tuple):
        return [str(part).strip() for part in value]
    return [str(value)]
