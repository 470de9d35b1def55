"""What a page says about itself, beyond its text: headline, site name, and when it was
published and modified, from JSON-LD and meta tags. Pure functions over a parsed page.

trafilatura gives a date (the day only) and a title (often the <title>, with the site
name in it). Pages say more, in machine-readable places that agree with each other
more often than <title> does: schema.org JSON-LD (headline, datePublished,
dateModified, publisher), Open Graph and article: meta tags, itemprop attributes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html

# schema.org types whose headline and dates are an article's own (a WebPage's are the
# page's, often the site's or a section's).
ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|LiveBlogPosting|Story", re.IGNORECASE)
_PUBLISHED_META = ("article:published_time", "og:published_time", "datePublished",
                   "publishdate", "pubdate", "date", "dc.date", "dc.date.issued",
                   "sailthru.date", "parsely-pub-date")  # fmt: skip
_MODIFIED_META = ("article:modified_time", "og:updated_time", "dateModified", "lastmod",
                  "dc.date.modified")  # fmt: skip


@dataclass(frozen=True, slots=True)
class PageMeta:
    headline: str = ""  # JSON-LD headline of an article, else og:title
    site_name: str = ""
    published: str | None = None  # ISO 8601 as precise as the page says it
    modified: str | None = None


def page_metadata(tree: lxml.html.HtmlElement) -> PageMeta:
    articles = [node for node in _json_ld(tree) if _is_article(node)]
    meta = _meta_tags(tree)
    headline = next((h for h in (_text(a.get("headline")) for a in articles) if h), "")
    site = next((s for s in (_publisher(a) for a in articles) if s), "")
    published = _first_time([a.get("datePublished") for a in articles]
                            + [meta.get(k) for k in _PUBLISHED_META]
                            + _itemprop(tree, "datePublished"))  # fmt: skip
    modified = _first_time([a.get("dateModified") for a in articles]
                           + [meta.get(k) for k in _MODIFIED_META]
                           + _itemprop(tree, "dateModified"))  # fmt: skip
    return PageMeta(
        headline=headline or meta.get("og:title", ""),
        site_name=_site_name(meta.get("og:site_name", "") or site),
        published=published,
        modified=modified,
    )


def _site_name(name: str) -> str:
    """A site's name; one given as its address ("https://www.fr.de") as its host."""
    if name.lower().startswith(("http://", "https://")):
        host = urlsplit(name).hostname or name
        return host.removeprefix("www.")
    return name


# --- JSON-LD ---------------------------------------------------------------------------


def _json_ld(tree: lxml.html.HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of the page, in document order: @graph members and objects
    nested in others (a WebPage's mainEntity, say) included."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content().strip() or "null")
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                yield node
                stack.extend(reversed([v for v in node.values() if isinstance(v, list | dict)]))


def _is_article(node: dict[str, Any]) -> bool:
    kinds = node.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(k, str) and ARTICLE_TYPES.search(k) for k in kinds)


def _publisher(node: dict[str, Any]) -> str:
    publisher = node.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    return _text(publisher.get("name")) if isinstance(publisher, dict) else ""


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


# --- meta tags and attributes ------------------------------------------------------------


def _meta_tags(tree: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in tree.xpath("//meta[@content]"):
        key = element.get("property") or element.get("name") or element.get("itemprop") or ""
        content = " ".join(str(element.get("content")).split())
        if key and content:
            found.setdefault(key.strip(), content)
            found.setdefault(key.strip().lower(), content)
    return found


def _itemprop(tree: lxml.html.HtmlElement, name: str) -> list[str]:
    values = []
    for element in tree.xpath(f'//*[@itemprop="{name}"]'):
        value = element.get("content") or element.get("datetime") or element.text_content()
        if value:
            values.append(str(value).strip())
    return values


# --- times -----------------------------------------------------------------------------------


def _first_time(values: list[Any]) -> str | None:
    """The first value that reads as a date or time, as an ISO 8601 string: with its
    time of day and zone when it has them."""
    for value in values:
        moment = parse_time(value) if isinstance(value, str) else None
        if moment is not None:
            return moment
    return None


_DAY_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(value: str) -> str | None:
    """An ISO 8601 string for a date or time as pages write it ("2024-10-21T08:15:00+09:00",
    "2024-10-21 08:15:00Z", "2024-10-21"); None for anything else."""
    value = value.strip()
    if _DAY_ONLY.match(value):
        return value if _plausible(datetime.fromisoformat(value)) else None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment.isoformat(timespec="seconds") if _plausible(moment) else None


def _plausible(moment: datetime) -> bool:
    return 1990 <= moment.year <= datetime.now(UTC).year + 1


def more_precise(page: str | None, other: str | None) -> str | None:
    """The page's own published time, or `other` (a feed's or news sitemap's date for
    it) when the page gives no time of day and `other` does: on the page's day (give or
    take the one day a time zone can move a date) or when the page gives no day."""
    if not other or len(other) <= 10 or (page and len(page) > 10):
        return page or other
    if page:
        try:
            apart = abs((date.fromisoformat(page[:10]) - date.fromisoformat(other[:10])).days)
        except ValueError:
            return page
        if apart > 1:
            return page  # they disagree on the day: the page is the authority on itself
    return other


# --- titles -----------------------------------------------------------------------------------

# Between a headline and the site's name or a section in a <title> or og:title.
_SEPARATORS = re.compile(r"(?:\s+(?:\||-|–|—|·|»|::|/)\s+)|(?:\s*(?:｜|：|│|ㅣ)\s*)|(?:\s?_)")
_DATE_LIKE = re.compile(r"[\d.\s/-]+")
# Parts of a host name that say nothing of the site.
_HOST_WORDS = frozenset("www com net org co de uk at ch cz jp kr in es it fr news".split())


def clean_title(title: str, site_names: list[str], url: str) -> str:
    """A headline without the site's name, section or date around it ("… | CNN
    Politics", "» Local » Noticias » …", "… – DW – 13.06.2023"): parts at either end that
    name the site (its og:site_name, publisher, a word of its host name) or are a date
    are cut; the headline itself is never cut to nothing."""
    parts = _SEPARATORS.split(title)
    if len(parts) < 2:
        return title.strip()
    names = [_fold(n) for n in site_names if n]
    host = [w for w in re.split(r"[.\-]", (urlsplit(url).hostname or "").lower())
            if len(w) >= 3 and w not in _HOST_WORDS]  # fmt: skip
    while len(parts) > 1 and _names_site(parts[-1], names, host):
        parts.pop()
    while len(parts) > 1 and _names_site(parts[0], names, host):
        parts.pop(0)
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end].strip() if 0 <= start < end else title.strip()


def _names_site(part: str, names: list[str], host: list[str]) -> bool:
    folded = _fold(part)
    if not folded or _DATE_LIKE.fullmatch(folded):
        return True
    if any(name and (folded == name or name in folded or folded in name) for name in names):
        return True
    letters = re.sub(r"\W", "", folded)
    return any(word in letters for word in host)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub("[\u00ad\u200b\u200c\u200d\ufeff]", "", text).split())
