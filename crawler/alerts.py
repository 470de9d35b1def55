"""Alerts: a watch's alert rules, checked against each page as it is stored.

What a rule matches is written to the outbox (storage.alerts) as a step of the page's
transaction, after its story step: the alert is stored with the claims and the cluster
that caused it, or not at all, and the same event is one alert however often its page
is stored again. Sending is for whoever ran the crawl, after the run (digest.alerts).

Rules (the watch's `alerts` key):

* figure_change: a claim that changes its speaker's figure, as the digest says it
  (claims.figures);
* new_story: an article that starts a story of its own (the origin of a new cluster);
* new_outlet: an article from an outlet the watch had no article from;
* speaker:NAME: a new claim by NAME (its short label, or words of its full name);
* keyword:WORD: a new article whose title or text has WORD (a whole word, any case).

A watch's first run records no alerts: what was there before it began is its baseline,
which its first digest tells; alerts start with the first run after one finished.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from claims.figures import figure_changes, speaker_label
from claims.sentences import shortened
from crawler.items import PageItem
from crawler.writer import store_for, writer_for
from storage import Store
from storage.alerts import NewAlert, target_key

logger = logging.getLogger(__name__)
# an alert's line quotes at most this much of a title or a claim
SHOWN_CHARACTERS = 160


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the rules look at of one stored page."""

    article_id: int
    version_id: int
    new_article: bool
    title: str
    text: str
    url: str
    outlet: str  # the host, as stored
    outlet_name: str  # as shown: the site's name where it gives one
    cluster_id: int | None


class AlertRules:
    """A watch's rules, checked against one page at a time (in its transaction)."""

    def __init__(self, rules: tuple[str, ...]) -> None:
        self.plain = {r for r in rules if ":" not in r}
        self.speakers = [r.partition(":")[2] for r in rules if r.startswith("speaker:")]
        self.keywords = {
            r.partition(":")[2]: _whole_word(r.partition(":")[2])
            for r in rules
            if r.startswith("keyword:")
        }

    def __bool__(self) -> bool:
        return bool(self.plain or self.speakers or self.keywords)

    def matches(self, store: Store, watch_id: int, page: PageFacts) -> list[NewAlert]:
        alerts = self.article_alerts(store, watch_id, page) if page.new_article else []
        if "figure_change" in self.plain or self.speakers:
            for claim in store.version_claims(page.version_id):
                alerts += self.claim_alerts(claim, page)
        return alerts

    def article_alerts(self, store: Store, watch_id: int, page: PageFacts) -> list[NewAlert]:
        alerts = []
        title = _shortened(page.title or page.url)
        starts_story = page.cluster_id is not None and "new_story" in self.plain
        if starts_story and store.starts_story(page.article_id, page.cluster_id or 0):
            alerts.append(
                NewAlert(
                    "new_story",
                    f"new_story:article:{page.article_id}",
                    f"New story: {title} ({page.outlet_name})",
                    page.url,
                    page.article_id,
                )
            )
        if "new_outlet" in self.plain and store.outlet_is_new(
            watch_id, page.article_id, page.outlet
        ):
            alerts.append(
                NewAlert(
                    "new_outlet",
                    f"new_outlet:{page.outlet}",
                    f"New outlet: {page.outlet_name} carries {title}",
                    page.url,
                    page.article_id,
                )
            )
        for word, pattern in self.keywords.items():
            if pattern.search(page.title) or pattern.search(page.text):
                alerts.append(
                    NewAlert(
                        f"keyword:{word}",
                        f"keyword:{word.casefold()}:article:{page.article_id}",
                        f"{word}: {title} ({page.outlet_name})",
                        page.url,
                        page.article_id,
                    )
                )
        return alerts

    def claim_alerts(self, claim: dict[str, Any], page: PageFacts) -> list[NewAlert]:
        alerts = []
        claim_id = claim["id"]
        if "figure_change" in self.plain and claim["relation"] == "update":
            earlier = None
            if claim["earlier_sentence"] is not None:
                earlier = (claim["earlier_sentence"], claim["earlier_quantities"])
            for change in figure_changes(
                claim["speaker"], claim["sentence"], claim["quantities"], earlier
            ):
                alerts.append(
                    NewAlert(
                        "figure_change",
                        f"figure_change:claim:{claim_id}:{change.unit}",
                        f"Figure changed: {change.summary} ({page.outlet_name})",
                        page.url,
                        page.article_id,
                        claim_id,
                    )
                )
        for name in self.speakers:
            if _is_speaker(name, claim["speaker"]):
                said = _shortened(claim["content"])
                alerts.append(
                    NewAlert(
                        f"speaker:{name}",
                        f"speaker:claim:{claim_id}",
                        f"{speaker_label(claim['speaker'])} ({claim['cue']}): "
                        f"{said} ({page.outlet_name})",
                        page.url,
                        page.article_id,
                        claim_id,
                    )
                )
        return alerts


class AlertPipeline:
    """Checks the watch's alert rules against each stored page: a step of the page's
    transaction (crawler.writer), after the story step. Off (NotConfigured) without a
    database or with WIREWATCH_ALERTS = False; idle for a watch without rules."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.watch_id: int | None = settings.getint("WIREWATCH_WATCH_ID") or None
        self.run_id: int | None = settings.getint("WIREWATCH_RUN_ID") or None
        self.rules = AlertRules(())
        self.targets: list[str] = []
        self.store: Store | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("WIREWATCH_DB_URL"):
            raise NotConfigured("WIREWATCH_DB_URL is not set")
        if not crawler.settings.getbool("WIREWATCH_ALERTS", True):
            raise NotConfigured("alerts are switched off")
        pipeline = cls(crawler)
        writer_for(crawler).page_steps.append(pipeline.write)
        return pipeline

    def open_spider(self) -> None:
        watch = getattr(self.crawler.spider, "watch", None)
        if watch is None or self.watch_id is None:
            return
        self.store = store_for(self.crawler)
        if watch.alerts and not self.store.has_finished_run(self.watch_id, self.run_id):
            # what was there before the watch began is its baseline, for the first
            # digest to tell: alerting every article of it would bury the first change
            logger.info("the first run of %s: its alerts start with the next run", watch.name)
            return
        self.rules = AlertRules(watch.alerts)
        self.targets = [target_key(url) for url in watch.notify]

    def write(self, item: PageItem) -> None:
        if not self.rules or self.store is None or self.watch_id is None:
            return
        if item.version_id is None or item.article_id is None:
            return  # an unchanged text, or not an article
        article = item.analysis.extraction.article
        source = self.store.article_source(item.article_id)
        if article is None or source is None:
            return
        url, outlet, shown_as = source
        page = PageFacts(item.article_id, item.version_id, item.outcome == "new", article.title,
                         article.text, url, outlet, shown_as, item.cluster_id)  # fmt: skip
        alerts = self.rules.matches(self.store, self.watch_id, page)
        if alerts:
            new = self.store.record_alerts(self.watch_id, self.run_id, alerts, self.targets)
            if new:
                self.crawler.stats.inc_value("wirewatch/alerts", new)


def _whole_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


def _is_speaker(name: str, speaker: str) -> bool:
    """NIS is "South Korea's National Intelligence Service (NIS)", and so is "National
    Intelligence Service": the label, or whole words of the full name, in any case."""
    if name.casefold() == speaker_label(speaker).casefold():
        return True
    return _whole_word(name).search(speaker) is not None


def _shortened(text: str) -> str:
    return shortened(" ".join(text.split()), SHOWN_CHARACTERS)
