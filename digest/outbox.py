"""The outbox: alerts and digests sent at most once, and what became of each.

Alerts wait in the database (storage.alerts), written with the page that caused them
(crawler.alerts). After a crawl run, whoever ran it calls `send_alerts`: for each target
the pending alerts are claimed (committed as `sending`), sent as one message, and
marked `sent`, or put back as pending to try after the next run, or `failed` (refused
for good, or after MAX_ROUNDS runs). A process that ends between sending and marking
leaves its deliveries `sending`: they are never sent again, and `wirewatch alerts list`
says they may or may not have arrived. A day's digest is recorded the same way
(`send_digest_once`), so a digest job run twice does not send its day twice.
"""

from __future__ import annotations

import html
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from digest.delivery import Delivery, Digest, deliver, mask_target
from storage import Store
from storage.alerts import SENDING, target_key

logger = logging.getLogger(__name__)

# A target that fails is tried again after each of this many crawl runs (each time
# ATTEMPTS tries with backoff, digest.delivery) before its alerts are failed for good:
# with the default 6-hour re-crawl, a day and more of an outage is ridden out.
MAX_ROUNDS = 5
# the order alerts are told in: what moved first
RULE_ORDER = ("figure_change", "speaker", "new_outlet", "new_story", "keyword")
SENT_BEFORE = "sent before, or being sent (--again sends it again)"
UNSURE = (
    "being sent, or the process sending it ended before it could say: it may or may not "
    "have been delivered, and is not sent again"
)


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """Alerts of one watch for one target, as one message."""

    watch: str
    alerts: Sequence[dict[str, Any]]

    @property
    def ordered(self) -> list[dict[str, Any]]:
        def rank(alert: dict[str, Any]) -> tuple[int, int]:
            kind = alert["rule"].partition(":")[0]
            return RULE_ORDER.index(kind) if kind in RULE_ORDER else len(RULE_ORDER), alert["id"]

        return sorted(self.alerts, key=rank)

    @property
    def subject(self) -> str:
        ordered = self.ordered
        first = ordered[0]["summary"]
        if len(ordered) == 1:
            return f"{self.watch}: {first}"
        return f"{self.watch}, {len(ordered)} alerts: {first}; …"

    @property
    def markdown(self) -> str:
        lines = [f"# {self.watch}: {len(self.alerts)} alert{'s' * (len(self.alerts) != 1)}", ""]
        for alert in self.ordered:
            link = f" <{alert['url']}>" if alert["url"] else ""
            lines.append(f"- {alert['summary']}{link}")
        return "\n".join(lines) + "\n"

    @property
    def html(self) -> str:
        items = []
        for alert in self.ordered:
            text = html.escape(alert["summary"])
            if alert["url"]:
                text = f'<a href="{html.escape(alert["url"])}">{text}</a>'
            items.append(f"<li>{text}</li>")
        title = html.escape(f"{self.watch}: alerts")
        return (
            f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1><ul>{''.join(items)}</ul></body></html>\n"
        )


@dataclass(frozen=True, slots=True)
class AlertSending:
    """What became of one target's pending alerts."""

    target: str  # masked
    alerts: int
    status: str  # sent | held | pending (to try again) | failed
    error: str | None = None


def send_alerts(
    store: Store,
    watch: str,
    targets: Sequence[str],
    every: timedelta | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> list[AlertSending]:
    """Send a watch's pending alerts to its `targets` (its notify URLs): one message per
    target, at most one every `every` (its alert_every)."""
    watch_id = store.watch_id(watch)
    if watch_id is None:
        return []
    urls = {target_key(url): url for url in targets}
    results = []
    for key, count in sorted(store.pending_alert_targets(watch_id).items()):
        url = urls.get(key)
        if url is None:
            store.fail_target(watch_id, key, "the watch no longer names this target")
            continue
        masked = mask_target(url)
        last = store.last_sent(watch_id, key, "alert")
        if every and last is not None and store.clock() - last < every:
            results.append(AlertSending(masked, count, "held"))  # sent with the next ones
            continue
        results.append(_send_batch(store, watch, watch_id, key, url, masked, pause))
    for result in results:
        logger.info("alerts of %s to %s: %d %s%s", watch, result.target, result.alerts,
                    result.status, f" ({result.error})" if result.error else "")  # fmt: skip
    return [r for r in results if r.alerts]


def _send_batch(store: Store, watch: str, watch_id: int, key: str, url: str, masked: str,
                pause: Callable[[float], None]) -> AlertSending:  # fmt: skip
    batch = str(uuid.uuid4())
    claimed = store.claim_alerts(watch_id, key, masked, batch)
    if not claimed.alerts:  # another sender took them first
        return AlertSending(masked, 0, "sent")
    delivery = deliver(url, AlertMessage(watch, claimed.alerts), pause)
    retry = None if delivery.permanent else MAX_ROUNDS
    status = store.finish_batch(batch, delivery.sent, delivery.error, retry_below=retry)
    return AlertSending(masked, len(claimed.alerts), status, delivery.error)


def send_digest_once(
    store: Store, watch: str, targets: Sequence[str], digest: Digest, again: bool = False,
    pause: Callable[[float], None] = time.sleep,
) -> list[Delivery]:  # fmt: skip
    """Send a day's digest to each target that has not had it (all of them, `again`),
    recording each delivery; a target that had it comes back as not sent, and says so."""
    watch_id = store.watch_id(watch)
    if watch_id is None:
        return [deliver(target, digest, pause) for target in targets]
    day = str(digest.report["date"])
    deliveries = []
    for target in targets:
        masked, batch = mask_target(target), str(uuid.uuid4())
        key = target_key(target)
        if not store.claim_digest(watch_id, day, key, masked, batch, again=again):
            deliveries.append(Delivery(masked, False, 0, SENT_BEFORE, skipped=True))
            continue
        delivery = deliver(target, digest, pause)
        store.finish_batch(batch, delivery.sent, delivery.error)
        deliveries.append(delivery)
    return deliveries


def list_outbox(
    store: Store, watch: str | None = None, status: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Alerts and digest deliveries, newest first. A delivery not yet claimed names its
    target (masked) when its watch still names it; one left `sending` says it may not
    have arrived."""
    rows = store.list_deliveries(watch, status, limit)
    masked: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["watch"] not in masked:
            config = store.watch_config(row["watch"]) or {}
            urls = config.get("notify") or []
            masked[row["watch"]] = {target_key(url): mask_target(url) for url in urls}
        key = row.pop("target_key")
        row["target"] = row["target"] or masked[row["watch"]].get(key)
        if row["status"] == SENDING and not row["error"]:
            row["error"] = UNSURE
    return rows
