"""Rendering newsroom pages: article, front, section, RSS, news sitemap, robots.txt."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from newsroom.stories import Outlet, Story

SECTIONS = ("world", "business", "sport", "culture")
TRACKING = "utm_source=related&utm_medium=web&utm_campaign=newsroom"


def article_path(story: Story) -> str:
    return f"/news/{story.slug}"


def _link_target(target: str, base_of: dict[str, str]) -> str:
    """'outlet/slug' to an absolute URL on that outlet, '/path' stays on this one."""
    if target.startswith("/"):
        return target
    outlet, path = target.split("/", 1)
    if path.startswith("story/"):
        return f"{base_of[outlet]}/{path}"
    return f"{base_of[outlet]}/news/{path}"


def _chrome_top(outlet: Outlet) -> str:
    nav = " ".join(f'<a href="/section/{s}">{s.title()}</a>' for s in SECTIONS)
    return (
        '<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your '
        "experience and to show you personalised advertising. By continuing you agree to our "
        "cookie policy.</p><button>Accept all</button> <button>Manage choices</button></div>\n"
        f'<header class="site-header"><a class="logo" href="/">{escape(outlet.name)}</a>\n'
        f'<nav class="main-nav"><a href="/">Home</a> {nav} <a href="/about">About us</a></nav>'
        "</header>\n"
    )


def _chrome_bottom(outlet: Outlet) -> str:
    return (
        '<div class="newsletter-box"><h3>Get the morning briefing</h3><p>Sign up for our '
        "free newsletter and get the day's top stories in your inbox.</p>"
        '<form><input type="email" placeholder="Your email">'
        "<button>Subscribe</button></form></div>\n"
        f'<footer class="site-footer"><p>© 2024 {escape(outlet.name)}. All rights reserved.</p>'
        '<a href="/about">About</a> <a href="/contact">Contact</a> '
        '<a href="/private/staff-directory">Staff</a> <a href="/rss.xml">RSS</a></footer>\n'
    )


def _head(outlet: Outlet, title: str, canonical: str, og_type: str, extra: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{outlet.language}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)} | {escape(outlet.name)}</title>\n"
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        f'<meta property="og:url" content="{escape(canonical)}">\n'
        f'<meta property="og:type" content="{og_type}">\n'
        f'<meta property="og:site_name" content="{escape(outlet.name)}">\n'
        f'<meta property="og:title" content="{escape(title)}">\n'
        '<link rel="alternate" type="application/rss+xml" title="Latest news" href="/rss.xml">\n'
        f"{extra}</head>\n"
    )


def render_article(
    outlet: Outlet, story: Story, day: int, base: str, base_of: dict[str, str], related: list[Story]
) -> str:
    canonical = base + article_path(story)
    paragraphs = story.paragraphs_on(day)
    modified = story.modified_on(day)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": story.published,
        "dateModified": modified,
        "author": [{"@type": "Person", "name": story.byline or outlet.name}],
        "publisher": {"@type": "Organization", "name": outlet.name},
    }
    meta = (
        f'<meta name="author" content="{escape(story.byline or outlet.name)}">\n'
        f'<meta property="article:published_time" content="{story.published}">\n'
        f'<meta property="article:modified_time" content="{modified}">\n'
        f'<meta name="keywords" content="{escape(", ".join(story.tags))}">\n'
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>\n'
    )
    body = [
        _head(outlet, story.title, canonical, "article", meta),
        "<body>\n",
        _chrome_top(outlet),
        '<main>\n<article class="story">\n',
        f"<h1>{escape(story.title)}</h1>\n",
    ]
    if story.byline:
        body.append(
            f'<p class="byline">By {escape(story.byline)} · '
            f'<time datetime="{story.published}">{story.published[:10]}</time></p>\n'
        )
    if story.caption:
        body.append(
            f'<figure><img src="/img/{story.slug}.jpg" alt="">'
            f"<figcaption>{escape(story.caption)}</figcaption></figure>\n"
        )
    body.append(_widgets(story.widgets[:1]))
    for index, paragraph in enumerate(paragraphs):
        if index in story.subheads:
            body.append(f"<h2>{escape(story.subheads[index])}</h2>\n")
        body.append(f"<p>{escape(paragraph)}</p>\n")
        if index == 1 and story.inline_links:
            links = " ".join(
                f'<a href="{escape(_link_target(t, base_of))}?{TRACKING}">{escape(text)}</a>'
                for text, t in story.inline_links
            )
            body.append(f"<p>Read more: {links}</p>\n")
    if story.credit:
        body.append(f'<p class="credit"><em>{escape(story.credit)}</em></p>\n')
    body.append(_widgets(story.widgets[1:]))
    body.append("</article>\n")
    body.append(_related_block(story, related, base_of))
    body.append(
        '<div class="comments-teaser"><a href="#comments">Join the conversation: '
        "read 12 comments</a></div>\n</main>\n"
    )
    body.append(_chrome_bottom(outlet))
    body.append("</body>\n</html>\n")
    return "".join(body)


def _widgets(labels: tuple[str, ...]) -> str:
    if not labels:
        return ""
    buttons = "".join(f'<button class="widget">{escape(label)}</button>' for label in labels)
    return f'<div class="share-tools">{buttons}</div>\n'


def _related_block(story: Story, related: list[Story], base_of: dict[str, str]) -> str:
    items = [(other.title, article_path(other)) for other in related]
    items += [(text, _link_target(target, base_of)) for text, target in story.related]
    links = "".join(
        f'<li><a href="{escape(url)}{"&" if "?" in url else "?"}{TRACKING}">'
        f"{escape(title)}</a></li>"
        for title, url in items
    )
    return f'<section class="related-stories"><h2>Related stories</h2><ul>{links}</ul></section>\n'


def render_listing(outlet: Outlet, title: str, canonical: str, stories: list[Story]) -> str:
    items = "".join(
        f'<li class="teaser"><a href="{article_path(s)}">{escape(s.title)}</a>'
        f"<span> {s.published[:10]}</span></li>\n"
        for s in stories
    )
    return (
        _head(outlet, title, canonical, "website")
        + "<body>\n"
        + _chrome_top(outlet)
        + f'<main><h1>{escape(title)}</h1>\n<ul class="latest">\n{items}</ul></main>\n'
        + _chrome_bottom(outlet)
        + "</body></html>\n"
    )


def _rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso))


def render_rss(outlet: Outlet, base: str, stories: list[Story]) -> str:
    items = "".join(
        "<item>"
        f"<title>{xml_escape(s.title)}</title>"
        f"<link>{base}{article_path(s)}?utm_source=rss&amp;utm_medium=feed</link>"
        f"<guid>{base}{article_path(s)}</guid>"
        f"<description>{xml_escape(s.paragraphs[0][:200])}</description>"
        f"<pubDate>{_rfc822(s.published)}</pubDate>"
        "</item>\n"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{xml_escape(outlet.name)}</title><link>{base}/</link>"
        f"<description>Latest news from {xml_escape(outlet.name)}</description>\n"
        f"{items}</channel></rss>\n"
    )


def render_news_sitemap(outlet: Outlet, base: str, stories: list[Story]) -> str:
    urls = "".join(
        f"<url><loc>{base}{article_path(s)}</loc><news:news><news:publication>"
        f"<news:name>{xml_escape(outlet.name)}</news:name><news:language>{outlet.language}"
        f"</news:language></news:publication><news:publication_date>{s.published}"
        f"</news:publication_date><news:title>{xml_escape(s.title)}</news:title>"
        f"<news:keywords>{xml_escape(', '.join(s.tags))}</news:keywords></news:news></url>\n"
        for s in stories
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{urls}</urlset>\n"
    )


def render_robots(base: str) -> str:
    return f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/news-sitemap.xml\n"
