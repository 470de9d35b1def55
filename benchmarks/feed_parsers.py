"""Which feed parser: correctness on the feed cases of tests/feeds, and speed on a large
feed, for wirewatch's parse_feed (feedparser for XML, its own JSON Feed reader),
feedparser alone, fastfeedparser, and the lxml reading wirewatch used before.

Correct means the entry's URL (absolute, the article's and not an enclosure's),
its title as plain text and its published instant are what tests/feeds/expected.json
says (written by hand from the feeds). fastfeedparser is not a dependency of
wirewatch: `pip install fastfeedparser` to include it.

Usage: python benchmarks/feed_parsers.py [--items 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from pages.feeds import parse_feed, plain_text

FEEDS = Path(__file__).resolve().parents[1] / "tests" / "feeds"
BASE = "http://base.test/feed"
Entry = tuple[str, str, str | None]  # url, plain title, published in UTC ISO


def ours(body: bytes) -> list[Entry]:
    return [(e.url, e.title, e.published) for e in parse_feed(body, BASE).entries]


def with_feedparser(body: bytes) -> list[Entry]:
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": BASE})
    return [(str(e.get("link") or ""), plain_text(str(e.get("title") or "")),
             _utc(e.get("published") or e.get("updated"))) for e in parsed.entries]  # fmt: skip


def with_fastfeedparser(body: bytes) -> list[Entry]:
    import fastfeedparser

    parsed = fastfeedparser.parse(body)
    return [(str(e.get("link") or ""), plain_text(str(e.get("title") or "")),
             _utc(e.get("published") or e.get("updated"))) for e in parsed.entries]  # fmt: skip


def with_lxml_as_before(body: bytes) -> list[Entry]:
    """wirewatch's reading before feedparser (crawler/feeds.py at commit 3b9e210)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(body.strip(), parser=parser)
    if root is None:
        return []

    def local(element: Any) -> str:
        tag = element.tag if isinstance(element.tag, str) else ""
        return str(tag.rsplit("}", 1)[-1].lower())

    def child_text(element: Any, *names: str) -> str:
        for child in element.iter():
            if local(child) in names and child.text:
                return " ".join(child.text.split())
        return ""

    found = []
    for item in root.iter():
        if local(item) not in {"item", "entry"}:
            continue
        link = child_text(item, "link")
        if not link:
            hrefs = [c.get("href") for c in item if local(c) == "link" and c.get("href")]
            link = hrefs[0] if hrefs else ""
        if link:
            when = _utc(child_text(item, "pubdate", "published", "updated", "date"))
            found.append((urljoin(BASE, link.strip()), child_text(item, "title"), when))
    return found


PARSERS: dict[str, Callable[[bytes], list[Entry]]] = {
    "wirewatch (feedparser + own JSON Feed)": ours,
    "feedparser 6 alone": with_feedparser,
    "fastfeedparser": with_fastfeedparser,
    "lxml, wirewatch before": with_lxml_as_before,
}


def _utc(value: Any) -> str | None:
    if not value or not isinstance(value, str):
        return None
    from email.utils import parsedate_to_datetime

    for parse in (lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
                  parsedate_to_datetime):  # fmt: skip
        try:
            moment = parse(value.strip())
        except (TypeError, ValueError):
            continue
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).isoformat()
    return None


def correctness() -> dict[str, dict[str, Any]]:
    expected = json.loads((FEEDS / "expected.json").read_text(encoding="utf-8"))
    results: dict[str, dict[str, Any]] = {}
    for name, parse in PARSERS.items():
        right, total, failures = 0, 0, []
        for feed, entries in expected.items():
            want = [(e["url"], e["title"], e["published"]) for e in entries]
            try:
                got = parse((FEEDS / feed).read_bytes())
            except Exception as exc:  # a parser that cannot read a format at all
                got, failures = [], [*failures, f"{feed}: {type(exc).__name__}"]
            total += len(want)
            right += sum(1 for entry in want if entry in got)
            failures += [f"{feed}: {entry[0]}" for entry in want if entry not in got]
        results[name] = {"right": right, "of": total, "missed": failures}
    return results


def big_feed(items: int) -> bytes:
    entries = "".join(
        f"<item><title>Story {n} about North Korea &amp; troops</title>"
        f"<link>http://big.test/news/{n}</link><description><![CDATA[<p>Summary {n} with "
        f"<b>markup</b>.</p>]]></description><pubDate>Tue, 22 Oct 2024 08:15:00 +0900</pubDate>"
        f"<guid>http://big.test/news/{n}</guid></item>"
        for n in range(items)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
            f"<link>http://big.test/</link>{entries}</channel></rss>").encode()  # fmt: skip


def speed(items: int, repeat: int) -> dict[str, float]:
    body = big_feed(items)
    timings = {}
    for name, parse in PARSERS.items():
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            try:
                parse(body)
            except ImportError:
                best = float("nan")
                break
            best = min(best, time.perf_counter() - started)
        timings[name] = round(best, 3)
    return timings


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--items", type=int, default=5000)
    options.add_argument("--repeat", type=int, default=3)
    args = options.parse_args()
    print(json.dumps({"correctness": correctness(),
                      f"seconds for a {args.items}-item RSS feed (best of {args.repeat})":
                      speed(args.items, args.repeat)}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
