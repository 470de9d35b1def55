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

from pages.metadata import clean_title, page_metadata

logger = logging.getLogger(__name__)

# Fewer words than this and a page is a teaser, a paywall stub or an index, not an
# article. Chosen on ../shared/corpus: the shortest real article bodies there have
# ~90 words, while extracted front and section pages of the newsroom give < 40.
MIN_ARTICLE_WORDS = 60
# Chinese and Japanese are written without spaces, Thai without spaces between words:
# their characters are counted as words at these rates (Chinese words average about
# 1.5 characters, Japanese 2 to 3 with kana, Thai about 5), so that a 700-character
# Japanese article is some 350 words, not the "13 words" its spaces make. Korean puts
# spaces between words and is counted like the alphabetic scripts.
HAN_KANA_PER_WORD = 2
THAI_PER_WORD = 5
_HAN_KANA = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_THAI = re.compile(r"[\u0e00-\u0e7f]")

# A page whose extracted text is mostly the text of its own links is a front or
# section page: a list of headlines. Chosen on ../shared/corpus and the newsroom: no
# article page of the corpus has more than 18% of its text in link texts, the
# newsroom's front pages 47-49%.
MAX_LINK_TEXT_SHARE = 0.35

# og:type values that mark a page as something other than an article. A missing
# og:type is common on real articles, so only an explicit non-article type counts.
# Not "website" (Tagesschau, Heise, DerStandard, RBB24 and 26 other article pages of
# the corpus carry it; front pages that do are too short or have no main text anyway)
# nor "video.other" (an IGN article carries it, and no page in the corpus is refused
# rightly by it).
NON_ARTICLE_OG_TYPES = frozenset({"profile", "book", "music.song"})

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
    # ISO 8601 as precise as the page says it: with time of day and zone when it gives
    # them (JSON-LD, article:published_time), else the day (trafilatura's htmldate)
    published: str | None = None
    modified: str | None = None
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
        return count_words(self.text)


@dataclass(frozen=True, slots=True)
class Extraction:
    """The result of looking at one page: an article, or the reason there is none."""

    status: PageStatus
    article: Article | None = None
    reason: str = ""
    warnings: tuple[str, ...] = field(default=())


def count_words(text: str) -> int:
    """Words of a text in any script: spaces part them, except in Chinese, Japanese and
    Thai, whose characters count at HAN_KANA_PER_WORD and THAI_PER_WORD a word."""
    han_kana = len(_HAN_KANA.findall(text))
    thai = len(_THAI.findall(text))
    spaced = _THAI.sub(" ", _HAN_KANA.sub(" ", text)).split()
    return len(spaced) + han_kana // HAN_KANA_PER_WORD + thai // THAI_PER_WORD


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


_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode page bytes the way browsers and trafilatura do, surviving a wrong label.

    A byte-order mark decides. Then bytes that are valid UTF-8 and not plain ASCII are
    UTF-8, whatever the HTTP header or <meta> declares: a page re-encoded to UTF-8 that
    still declares ISO-8859-1 is common (El Mundo, WinFuture in the corpus), while text
    in a one-byte or East Asian charset that happens to be valid UTF-8 practically never
    occurs. Otherwise w3lib applies the browser rules (HTTP header, <meta>), and with no
    declaration at all, or one that cannot decode the bytes, charset_normalizer guesses
    from the bytes (Shift_JIS, EUC-KR, GB18030 pages without a label)."""
    if not body.startswith(_OTHER_BOMS) and not body.isascii():
        try:
            return body.removeprefix(_UTF8_BOM).decode("utf-8")
        except UnicodeDecodeError:
            pass
    _, text = html_to_unicode(content_type, body, auto_detect_fun=_detect_charset)
    if "\ufffd" not in text or b"\xef\xbf\xbd" in body:
        return text
    guessed = _detect_charset(body)  # the declared charset did not fit the bytes
    if guessed is None:
        return text
    logger.debug("declared charset did not fit; detected %s", guessed)
    return body.decode(guessed, errors="replace")


def _detect_charset(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    return best.encoding if best is not None else None


# Parsed as trafilatura parses: comments and processing instructions left out. lxml
# keeps comment nodes by default, and trafilatura then dropped the text that follows
# one (React's <!-- --> separators): AP News kept 591 of 791 characters.
_PARSER = lxml.html.HTMLParser(collect_ids=False, remove_comments=True, remove_pis=True)
_BYTES_PARSER = lxml.html.HTMLParser(collect_ids=False, remove_comments=True, remove_pis=True,
                                     encoding="utf-8")  # fmt: skip


def parse_html(html: str) -> lxml.html.HtmlElement:
    """The page's tree. A page that declares an XML encoding (XHTML) cannot be parsed
    from a str by lxml: it is parsed from its UTF-8 bytes instead."""
    try:
        return lxml.html.document_fromstring(html, parser=_PARSER)
    except ValueError:
        return lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"),
                                             parser=_BYTES_PARSER)  # fmt: skip


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
        tree = parse_html(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        return Extraction(PageStatus.NOT_HTML, reason=f"unparseable HTML: {exc}")
    return extract_from_tree(tree, url)


def extract_from_tree(tree: lxml.html.HtmlElement, url: str) -> Extraction:
    """Extract from a parsed page. trafilatura prunes the tree, so pass a copy if needed."""
    language = _html_language(tree)
    canonical = canonical_link(tree, url)
    meta = page_metadata(tree)  # before trafilatura prunes the tree
    link_texts = _link_texts(tree)
    document = bare_extraction(tree, url=url, with_metadata=True, include_comments=False)
    if isinstance(document, dict):  # only with as_dict=True, which is not used here
        raise TypeError("trafilatura returned a dict")
    if document is None or not (document.text or "").strip():
        return Extraction(PageStatus.EMPTY, reason="no main text found")
    page_type = (document.pagetype or "").lower()
    if page_type in NON_ARTICLE_OG_TYPES:
        return Extraction(PageStatus.NOT_ARTICLE, reason=f"og:type is {page_type!r}")
    text = _strip_title_line(document.text or "", document.title)
    words = count_words(text)
    if words < MIN_ARTICLE_WORDS:
        return Extraction(PageStatus.TOO_SHORT, reason=f"{words} words of text")
    linked = _linked_share(text, link_texts)
    if linked >= MAX_LINK_TEXT_SHARE:
        reason = f"{linked:.0%} of its text is link text (a front or section page)"
        return Extraction(PageStatus.NOT_ARTICLE, reason=reason)
    site_name = meta.site_name or document.sitename or None
    title = meta.headline or document.title or ""
    article = Article(
        url=url,
        title=clean_title(title, [meta.site_name, document.sitename or ""], url),
        text=text,
        authors=_split_authors(document.author),
        published=_more_precise(meta.published, document.date),
        modified=meta.modified,
        site_name=site_name,
        language=document.language or language,
        description=document.description or None,
        tags=tuple(t for t in _as_list(document.tags) if t),
        canonical_url=canonical,
    )
    return Extraction(PageStatus.ARTICLE, article=article)


def _link_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """The texts of the page's links long enough to be headlines."""
    texts = (" ".join(anchor.text_content().split()) for anchor in tree.iter("a"))
    return {text for text in texts if len(text) >= 12}


def _linked_share(text: str, link_texts: set[str]) -> float:
    """The share of the text's characters in lines that are whole link texts."""
    lines = [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    total = sum(len(line) for line in lines)
    return sum(len(line) for line in lines if line in link_texts) / max(1, total)


def _more_precise(stated: str | None, day: str | None) -> str | None:
    """The page's stated time (JSON-LD, meta tags), else trafilatura's day; the stated
    one only when it is on that day or there is no day to check it against, since a
    page's metadata sometimes dates its template or its last update."""
    if stated and (not day or stated[:10] == day[:10] or len(stated) == 10):
        return stated
    return day or stated


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
