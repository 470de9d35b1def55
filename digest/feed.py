"""A watch's Atom feed: one entry per day's digest and one per figure that changed.

A pure function of the day reports (the JSON digests), so a feed reader subscribed to
digests/WATCH/feed.xml sees each day once and each figure change once: entry ids are
derived from the watch, the day and the claims (never from when the file was written),
and rewriting the feed from the same reports gives the same bytes. Written by
digest.files with the day's digest (RFC 4287: every entry has an id, a title, an
updated time and a link; the feed has an author, a self link and its own id).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
# The namespace of every id in the feeds (urn:uuid, version 5): fixed, so ids stay
# the same on any machine and across releases.
FEED_NAMESPACE = uuid.UUID("3b0f2a52-59c1-5c8e-9a57-4c2e7b6f0d11")
FEED_FILE = "feed.xml"
# A reader polls the feed; the newest days are what it needs. Two months of days
# (and their figure changes) keep the file small however long the watch has run.
FEED_DAYS = 60
# A day's entry names its first new stories; the digest itself has the rest.
FEED_STORIES = 10

ET.register_namespace("", ATOM)


def entry_id(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, '/'.join(map(str, parts)))}"


def headline(report: dict[str, Any]) -> str:
    """The day in one line, for a feed entry's title and an email's subject:
    "demo, 2024-10-23: NIS: 1,500 → about 3,000 troops; 1 new story"."""
    parts = [change["summary"] for change in report["figure_changes"][:2]]
    if len(report["figure_changes"]) > 2:
        parts.append(f"{len(report['figure_changes']) - 2} more figures changed")
    numbers = report["numbers"]
    for key, one, many in (("new_stories", "new story", "new stories"),
                           ("updated_articles", "updated article", "updated articles"),
                           ("new_claims", "new claim", "new claims")):  # fmt: skip
        if numbers[key]:
            parts.append(f"{numbers[key]} {one if numbers[key] == 1 else many}")
    return f"{report['watch']}, {report['date']}: " + ("; ".join(parts) or "nothing new")


def day_entries(report: dict[str, Any]) -> list[dict[str, Any]]:
    """A day's feed entries (its digest, then its figure changes): small, whatever the
    size of the day, so that the feed is rewritten from them and not from the days'
    full JSON digests (30 MB for a day of 10,000 articles, benchmarks/README.md)."""
    return [_day_entry(report), *_change_entries(report)]


def render_feed(watch: str, days: Sequence[Sequence[dict[str, Any]]]) -> str:
    """The feed of `watch` from its days' entries (day_entries), newest first."""
    entries = [entry for day in days for entry in day]
    entries.sort(key=lambda e: (e["updated"], e["id"]), reverse=True)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", entry_id("watch", watch))
    _text(feed, "title", f"wirewatch: {watch}")
    _text(feed, "subtitle", f"The daily digest of the watch {watch}, and each figure that changed")
    _text(feed, "updated", entries[0]["updated"] if entries else "1970-01-01T00:00:00Z")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "wirewatch")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=FEED_FILE)
    _text(feed, "generator", "wirewatch")
    for entry in entries:
        _entry(feed, entry)
    ET.indent(feed)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def _day_entry(report: dict[str, Any]) -> dict[str, Any]:
    numbers = report["numbers"]
    stories = [story["title"] for story in report["new_stories"][:FEED_STORIES]]
    lines = [
        f"{numbers['new_articles']} new articles, {numbers['new_stories']} new stories, "
        f"{numbers['updated_articles']} updated articles, {numbers['new_claims']} new claims, "
        f"{numbers['fetch_errors']} fetch errors.",
        *(f"Figure changed: {change['summary']}" for change in report["figure_changes"]),
        *(f"New story: {title}" for title in stories),
    ]
    if numbers["new_stories"] > len(stories):
        lines.append(f"… and {numbers['new_stories'] - len(stories)} more new stories")
    return {
        "id": entry_id("digest", report["watch"], report["date"]),
        "title": headline(report),
        # the day is whole when it ends: that is when its digest can be read
        "updated": report["window"]["end"],
        "link": f"{report['date']}.html",
        "summary": "\n".join(lines),
    }


def _change_entries(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": entry_id(
                "figure", report["watch"], change["claim_id"], change["earlier_claim_id"]
            ),
            "title": f"{report['watch']}: {change['summary']}",
            "updated": change["first_seen"],
            "link": change["url"],
            "summary": f"{change['summary']}, first seen at {change['outlet']} "
            f"({change['url']}) at {change['first_seen']}. The digest of {report['date']} "
            "has the claim.",
        }
        for change in report["figure_changes"]
    ]


def _entry(feed: ET.Element, entry: dict[str, Any]) -> None:
    element = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(element, "id", entry["id"])
    _text(element, "title", entry["title"])
    _text(element, "updated", entry["updated"])
    ET.SubElement(element, f"{{{ATOM}}}link", rel="alternate", href=entry["link"])
    _text(element, "summary", entry["summary"])


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{tag}").text = text
