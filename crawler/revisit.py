"""Which known articles to check again on a re-crawl: a decaying schedule.

An article is due when the time since its last check is at least a fraction of its
age, within a floor and a ceiling: a one-hour-old article is checked at every run, a
month-old one about weekly. News articles change most in their first hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

REVISIT_FRACTION = 0.2
REVISIT_FLOOR = timedelta(minutes=30)
REVISIT_CEILING = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RevisitPlan:
    due: tuple[str, ...]  # known articles to fetch again now
    not_due: tuple[str, ...]  # known articles to leave alone this time
    # After a run that was cut short (it failed to store pages, or its process died):
    # the pages it fetched but could not store, with their depth, to fetch again; and
    # whether the seeds are fetched whole (no conditional GET), so that the links of an
    # unchanged seed are followed again to whatever the cut-short run did not reach;
    lost: tuple[tuple[str, int], ...] = ()
    unconditional_seeds: bool = False
    # the pages the cut-short run fetched, with their depth: fetched whole again, to
    # follow their links, without counting again in the page budget ...
    redo: tuple[tuple[str, int], ...] = ()
    # ... of which they spent this much already
    spent: int = 0


def revisit_wait(age: timedelta, fraction: float = REVISIT_FRACTION) -> timedelta:
    return min(max(age * fraction, REVISIT_FLOOR), REVISIT_CEILING)


def plan_revisits(candidates: list[dict[str, Any]], now: datetime) -> RevisitPlan:
    """Split a watch's known articles (Store.revisit_candidates) into due and not."""
    due: list[str] = []
    not_due: list[str] = []
    for article in candidates:
        born = _published(article.get("published")) or article["first_seen"]
        checked = article.get("checked") or article["first_seen"]
        wait = revisit_wait(max(now - born, timedelta(0)))
        (due if now - checked >= wait else not_due).append(article["canonical_url"])
    return RevisitPlan(tuple(due), tuple(not_due))


def _published(value: str | None) -> datetime | None:
    """A page's published date as naive UTC (how the store keeps times), if readable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment
