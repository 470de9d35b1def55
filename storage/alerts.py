"""Alerts and their outbox: the Store's share of them.

An alert is written in the transaction of the page that caused it, with one pending
delivery per target of its watch; a sender claims pending deliveries (`sending`,
committed) before it sends and marks them `sent` or `failed` after. A delivery left
`sending` (its process ended mid-send) is never claimed again: at most once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, select, update

from storage.common import HasSessions, iso, retrying
from storage.dialect import insert_ignoring_conflicts
from storage.models import (
    AlertRow,
    ArticleRow,
    ClaimRow,
    ClusterMember,
    CrawlRun,
    DeliveryRow,
    WatchArticle,
    WatchRow,
)

ALERTS: Table = AlertRow.__table__  # type: ignore[assignment]
DELIVERIES: Table = DeliveryRow.__table__  # type: ignore[assignment]

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


def target_key(url: str) -> str:
    """How the outbox names a target: a hash, so that its credentials stay in the watch."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewAlert:
    rule: str
    key: str  # unique in the watch: the same event is one alert
    summary: str
    url: str | None = None
    article_id: int | None = None
    claim_id: int | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """Deliveries a sender has claimed, to send in one message as `batch`."""

    batch: str
    alerts: list[dict[str, Any]]  # the alerts' rows, oldest first


class AlertStore:
    """Mixed into storage.Store."""

    # --- written with the page ---------------------------------------------------------

    def record_alerts(
        self: HasSessions,
        watch_id: int,
        run_id: int | None,
        alerts: Sequence[NewAlert],
        target_keys: Sequence[str],
    ) -> int:
        """Record the alerts not recorded before (by key), each with a pending delivery
        per target, in the enclosing transaction; how many were new."""
        now = self.clock()
        with self.session() as s:
            connection = s.connection()
            keys = [a.key for a in alerts]
            known = set(
                connection.execute(
                    select(ALERTS.c.key).where(
                        ALERTS.c.watch_id == watch_id, ALERTS.c.key.in_(keys)
                    )
                ).scalars()
            )
            first: dict[str, NewAlert] = {}  # one alert a key: the rule named first
            for alert in alerts:
                first.setdefault(alert.key, alert)
            new = [a for a in first.values() if a.key not in known]
            if not new:
                return 0
            connection.execute(
                insert_ignoring_conflicts(self.engine, ALERTS, ["watch_id", "key"]),
                [
                    {
                        "watch_id": watch_id,
                        "rule": a.rule,
                        "key": a.key,
                        "summary": a.summary,
                        "url": a.url,
                        "article_id": a.article_id,
                        "claim_id": a.claim_id,
                        "run_id": run_id,
                        "created_at": now,
                    }
                    for a in new
                ],
            )
            ids = connection.execute(
                select(ALERTS.c.id).where(
                    ALERTS.c.watch_id == watch_id, ALERTS.c.key.in_([a.key for a in new])
                )
            ).scalars()
            rows = [
                _delivery(watch_id, "alert", key, now, alert_id=alert_id)
                for alert_id in ids
                for key in target_keys
            ]
            if rows:
                # (two workers of a run take the story lock before this; ignored anyway)
                connection.execute(
                    insert_ignoring_conflicts(self.engine, DELIVERIES, ["alert_id", "target_key"]),
                    rows,
                )
            return len(new)

    def article_source(self: HasSessions, article_id: int) -> tuple[str, str, str] | None:
        """An article's canonical URL, outlet (host) and the name it is shown by."""
        query = select(ArticleRow.canonical_url, ArticleRow.outlet, ArticleRow.site_name).where(
            ArticleRow.id == article_id
        )
        with self.session() as s:
            row = s.execute(query).one_or_none()
        return None if row is None else (row[0], row[1], row[2] or row[1])

    def version_claims(self: HasSessions, version_id: int) -> list[dict[str, Any]]:
        """The claims first seen in an article version, with the earlier claim an update
        or corroboration refers to (its sentence and quantities), oldest first."""
        earlier = ClaimRow.__table__.alias("earlier")
        claims: Table = ClaimRow.__table__  # type: ignore[assignment]
        query = (
            select(
                claims.c.id,
                claims.c.speaker,
                claims.c.cue,
                claims.c.content,
                claims.c.sentence,
                claims.c.quantities,
                claims.c.relation,
                earlier.c.sentence.label("earlier_sentence"),
                earlier.c.quantities.label("earlier_quantities"),
            )
            .join(earlier, earlier.c.id == claims.c.related_claim_id, isouter=True)
            .where(claims.c.first_version_id == version_id)
            .order_by(claims.c.id)
        )
        with self.session() as s:
            return [dict(row._mapping) for row in s.connection().execute(query)]

    @retrying
    def has_finished_run(self: HasSessions, watch_id: int, other_than: int | None) -> bool:
        """True when a run of the watch (other than this one) has finished."""
        query = select(CrawlRun.id).where(
            CrawlRun.watch_id == watch_id, CrawlRun.status == "finished"
        )
        if other_than is not None:
            query = query.where(CrawlRun.id != other_than)
        with self.session() as s:
            return s.execute(query.limit(1)).first() is not None

    def starts_story(self: HasSessions, article_id: int, cluster_id: int) -> bool:
        """True when the article is its cluster's only member: a story of its own."""
        query = select(ClusterMember.article_id).where(ClusterMember.cluster_id == cluster_id)
        with self.session() as s:
            return list(s.execute(query.limit(2)).scalars()) == [article_id]

    def outlet_is_new(self: HasSessions, watch_id: int, article_id: int, outlet: str) -> bool:
        """True when no other article of the watch is from `outlet`."""
        query = (
            select(ArticleRow.id)
            .join(WatchArticle, WatchArticle.article_id == ArticleRow.id)
            .where(WatchArticle.watch_id == watch_id, ArticleRow.outlet == outlet)
            .where(ArticleRow.id != article_id)
            .limit(1)
        )
        with self.session() as s:
            return s.execute(query).first() is None

    # --- the sender ---------------------------------------------------------------------

    @retrying
    def pending_alert_targets(self: HasSessions, watch_id: int) -> dict[str, int]:
        """Target keys with pending alert deliveries, and how many each has."""
        query = (
            select(DELIVERIES.c.target_key, func.count())
            .where(DELIVERIES.c.watch_id == watch_id, DELIVERIES.c.kind == "alert")
            .where(DELIVERIES.c.status == PENDING)
            .group_by(DELIVERIES.c.target_key)
        )
        with self.session() as s:
            return {key: int(n) for key, n in s.connection().execute(query)}

    @retrying
    def last_sent(self: HasSessions, watch_id: int, key: str, kind: str) -> datetime | None:
        query = select(func.max(DELIVERIES.c.sent_at)).where(
            DELIVERIES.c.watch_id == watch_id,
            DELIVERIES.c.target_key == key,
            DELIVERIES.c.kind == kind,
        )
        with self.session() as s:
            sent: datetime | None = s.connection().execute(query).scalar()
            return sent

    @retrying
    def claim_alerts(
        self: HasSessions, watch_id: int, key: str, target: str, batch: str
    ) -> Claimed:
        """Claim every pending alert delivery of one target (committed before anything
        is sent): what a concurrent sender claimed first is not in the batch."""
        now = self.clock()
        with self.session() as s:
            connection = s.connection()
            connection.execute(
                update(DELIVERIES)
                .where(
                    DELIVERIES.c.watch_id == watch_id,
                    DELIVERIES.c.target_key == key,
                    DELIVERIES.c.kind == "alert",
                    DELIVERIES.c.status == PENDING,
                )
                .values(_claiming(batch, target, now))
            )
            query = (
                select(ALERTS)
                .join(DELIVERIES, DELIVERIES.c.alert_id == ALERTS.c.id)
                .where(DELIVERIES.c.batch == batch)
                .order_by(ALERTS.c.id)
            )
            alerts = [dict(row._mapping) for row in connection.execute(query)]
        return Claimed(batch, alerts)

    @retrying
    def claim_digest(
        self: HasSessions,
        watch_id: int,
        day: str,
        key: str,
        target: str,
        batch: str,
        again: bool = False,
    ) -> bool:
        """Claim the sending of one day's digest to one target: False when it was sent
        already (unless `again`), or is being sent, or was by a process that ended
        mid-send."""
        now = self.clock()
        where = and_(
            DELIVERIES.c.watch_id == watch_id,
            DELIVERIES.c.kind == "digest",
            DELIVERIES.c.day == day,
            DELIVERIES.c.target_key == key,
        )
        claimable = [PENDING, FAILED, SENT] if again else [PENDING, FAILED]
        with self.session() as s:
            connection = s.connection()
            connection.execute(
                insert_ignoring_conflicts(
                    self.engine, DELIVERIES, ["watch_id", "kind", "day", "target_key"]
                ),
                [_delivery(watch_id, "digest", key, now, day=day)],
            )
            claimed = connection.execute(
                update(DELIVERIES)
                .where(where, DELIVERIES.c.status.in_(claimable))
                .values(_claiming(batch, target, now))
            )
            return bool(claimed.rowcount)

    @retrying
    def finish_batch(
        self: HasSessions,
        batch: str,
        sent: bool,
        error: str | None = None,
        retry_below: int | None = None,
    ) -> str:
        """Mark a claimed batch sent, or failed; with `retry_below`, a failed delivery
        sent fewer rounds than that is pending again, to try next time. Returns the
        batch's status (pending if some of it is)."""
        now = self.clock()
        mine = and_(DELIVERIES.c.batch == batch, DELIVERIES.c.status == SENDING)
        with self.session() as s:
            connection = s.connection()
            if sent:
                connection.execute(
                    update(DELIVERIES)
                    .where(mine)
                    .values(status=SENT, error=None, updated_at=now, sent_at=now)
                )
                return SENT
            again = 0
            if retry_below is not None:
                again = (
                    connection.execute(
                        update(DELIVERIES)
                        .where(mine, DELIVERIES.c.attempts < retry_below)
                        .values(status=PENDING, error=error, updated_at=now)
                    ).rowcount
                    or 0
                )
            connection.execute(
                update(DELIVERIES).where(mine).values(status=FAILED, error=error, updated_at=now)
            )
            return PENDING if again else FAILED

    @retrying
    def fail_target(self: HasSessions, watch_id: int, key: str, error: str) -> int:
        """Pending deliveries to a target the watch no longer names: failed, and why."""
        with self.session() as s:
            result = s.connection().execute(
                update(DELIVERIES)
                .where(
                    DELIVERIES.c.watch_id == watch_id,
                    DELIVERIES.c.target_key == key,
                    DELIVERIES.c.status == PENDING,
                )
                .values(status=FAILED, error=error, updated_at=self.clock())
            )
            return int(result.rowcount or 0)

    # --- reading ------------------------------------------------------------------------

    @retrying
    def list_deliveries(
        self: HasSessions,
        watch: str | None = None,
        status: str | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Alerts with their deliveries, and digests' deliveries, newest first; an alert
        no target was given for is listed once, with status `recorded`."""
        alert_columns = (
            ALERTS.c.id.label("alert_id"),
            ALERTS.c.rule,
            ALERTS.c.summary,
            ALERTS.c.url,
            ALERTS.c.created_at,
            WatchRow.name.label("watch"),
        )
        query = (
            select(
                *alert_columns,
                DELIVERIES.c.kind,
                DELIVERIES.c.day,
                DELIVERIES.c.target,
                DELIVERIES.c.status,
                DELIVERIES.c.attempts,
                DELIVERIES.c.error,
                DELIVERIES.c.sent_at,
                DELIVERIES.c.updated_at,
                DELIVERIES.c.target_key,
                DELIVERIES.c.created_at.label("queued_at"),
            )
            .select_from(DELIVERIES.outerjoin(ALERTS, ALERTS.c.id == DELIVERIES.c.alert_id))
            .join(WatchRow, WatchRow.id == DELIVERIES.c.watch_id)
        )
        undelivered = (
            select(*alert_columns)
            .join(WatchRow, WatchRow.id == ALERTS.c.watch_id)
            .where(~select(DELIVERIES.c.id).where(DELIVERIES.c.alert_id == ALERTS.c.id).exists())
        )
        if watch is not None:
            query = query.where(WatchRow.name == watch)
            undelivered = undelivered.where(WatchRow.name == watch)
        if status is not None:
            query = query.where(DELIVERIES.c.status == status)
        with self.session() as s:
            connection = s.connection()
            newest = query.order_by(DELIVERIES.c.id.desc()).limit(limit)
            rows = [_listed(dict(r._mapping)) for r in connection.execute(newest)]
            if status in (None, "recorded"):
                newest = undelivered.order_by(ALERTS.c.id.desc()).limit(limit)
                rows += [
                    _listed({**dict(r._mapping), "kind": "alert", "status": "recorded"})
                    for r in connection.execute(newest)
                ]
        rows.sort(key=lambda r: (r["queued_at"] or "", r["alert_id"] or 0), reverse=True)
        return rows[:limit]


def _claiming(batch: str, target: str, now: datetime) -> dict[str, Any]:
    """A delivery claimed for sending, in `batch`: one more sending round, and the last
    round's error gone (a process that ends mid-send leaves no stale reason behind)."""
    return {"status": SENDING, "batch": batch, "target": target, "updated_at": now,
            "attempts": DELIVERIES.c.attempts + 1, "error": None}  # fmt: skip


def _delivery(
    watch_id: int,
    kind: str,
    key: str,
    now: datetime,
    alert_id: int | None = None,
    day: str | None = None,
) -> dict[str, Any]:
    return {
        "watch_id": watch_id,
        "kind": kind,
        "alert_id": alert_id,
        "day": day,
        "target_key": key,
        "target": "",
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    queued = row.get("queued_at") or row.get("created_at")
    return {
        "watch": row["watch"],
        "kind": row["kind"],
        "alert_id": row.get("alert_id"),
        "rule": row.get("rule"),
        "day": row.get("day"),
        "summary": row.get("summary") or (f"digest of {row['day']}" if row.get("day") else ""),
        "url": row.get("url"),
        "target": row.get("target") or None,
        "target_key": row.get("target_key"),
        "status": row["status"],
        "attempts": row.get("attempts", 0),
        "error": row.get("error"),
        "queued_at": iso(queued),
        "sent_at": iso(row.get("sent_at")),
    }
