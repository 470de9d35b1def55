"""Claims and their mentions: the Store's share of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Table, func, insert, select

from storage.common import HasSessions, iso, retrying
from storage.dialect import insert_ignoring_conflicts
from storage.models import ArticleRow, ClaimMention, ClaimRow, WatchRow

# The write path is SQLAlchemy Core (one page's claims at a time, as in storage.store).
CLAIMS: Table = ClaimRow.__table__  # type: ignore[assignment]
MENTIONS: Table = ClaimMention.__table__  # type: ignore[assignment]


class _HasClusters(HasSessions, Protocol):
    def resolve_cluster(self, cluster_id: int) -> int | None: ...


@dataclass(frozen=True, slots=True)
class NewClaim:
    """A claim seen for the first time, as the crawler hands it to the store."""

    speaker: str
    speaker_key: str
    cue: str
    content: str
    sentence: str
    quote: bool
    quantities: list[dict[str, Any]]
    relation: str | None = None
    related_claim_id: int | None = None


@dataclass(frozen=True)
class ClaimEntry:
    """One claim sentence of an article version: a mention of claim `claim_id`, or
    (with `new`) a new claim, known in its batch by `provisional_id` (negative)."""

    start: int  # the sentence's offset in the text
    claim_id: int = 0
    new: NewClaim | None = None
    provisional_id: int = 0


class ClaimStore:
    """Mixed into storage.Store."""

    @retrying
    def load_claims(
        self: _HasClusters, watch_id: int | None, after_id: int = 0
    ) -> list[dict[str, Any]]:
        """Every claim of a watch (with an id above `after_id`), oldest first, as the
        matcher needs them."""
        query = select(ClaimRow).where(ClaimRow.id > after_id).order_by(ClaimRow.id)
        if watch_id is not None:
            query = query.where(ClaimRow.watch_id == watch_id)
        with self.session() as s:
            return [_claim_facts(row) for row in s.scalars(query)]

    @retrying
    def record_claims(
        self: _HasClusters,
        watch_id: int | None,
        cluster_id: int | None,
        article_id: int,
        version_id: int,
        entries: list[ClaimEntry],
    ) -> dict[int, int]:
        """Record the claims of one article version, in order and in one transaction:
        new claims with their first mention, and mentions of known claims. An entry may
        refer to a claim new in the same batch by its provisional (negative) id; returns
        the ids the new claims got, by provisional id."""
        now = self.clock()
        ids: dict[int, int] = {}
        mentions: dict[int, dict[str, Any]] = {}  # one a claim (and version): the first
        with self.session() as s:
            connection = s.connection()
            for entry in entries:
                claim_id = ids.get(entry.claim_id, entry.claim_id)
                if entry.new is not None:
                    claim_id = _insert_claim(connection, watch_id, cluster_id, article_id,
                                             version_id, now, entry.new, ids)  # fmt: skip
                    ids[entry.provisional_id] = claim_id
                mentions.setdefault(claim_id, {
                    "claim_id": claim_id, "version_id": version_id, "article_id": article_id,
                    "seen_at": now, "start": entry.start,
                })  # fmt: skip
            if mentions:
                connection.execute(
                    insert_ignoring_conflicts(self.engine, MENTIONS, ["claim_id", "version_id"]),
                    list(mentions.values()),
                )
        return ids

    def list_claims(
        self: _HasClusters,
        since: datetime | None = None,
        new_only: bool = False,
        cluster_id: int | None = None,
        watch: str | None = None,
        limit: int = 1000,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Claims first seen in [since, until) (with `new_only`: not updates of or
        corroborations of earlier ones), oldest first, with where they were seen."""
        mentions = (
            select(
                ClaimMention.claim_id, func.count(func.distinct(ClaimMention.article_id)).label("n")
            )
            .group_by(ClaimMention.claim_id)
            .subquery()
        )
        query = (
            select(
                ClaimRow,
                func.coalesce(ArticleRow.site_name, ArticleRow.outlet),
                ArticleRow.title,
                ArticleRow.canonical_url,
                mentions.c.n,
            )
            .join(ArticleRow, ArticleRow.id == ClaimRow.first_article_id)
            .join(mentions, mentions.c.claim_id == ClaimRow.id, isouter=True)
            .order_by(ClaimRow.first_seen, ClaimRow.id)
            .limit(limit)
        )
        if since is not None:
            query = query.where(ClaimRow.first_seen >= since)
        if until is not None:
            query = query.where(ClaimRow.first_seen < until)
        if new_only:
            query = query.where(ClaimRow.relation.is_(None))
        if watch is not None:
            query = query.join(WatchRow, WatchRow.id == ClaimRow.watch_id).where(
                WatchRow.name == watch
            )
        with self.session() as s:
            rows = [
                {
                    **_claim_facts(row),
                    "outlet": outlet,
                    "title": title,
                    "url": url,
                    "articles": n or 0,
                }
                for row, outlet, title, url, n in s.execute(query)
            ]
        if cluster_id is None:
            return rows
        # a claim keeps the cluster it was first seen in; clusters merge later
        wanted = self.resolve_cluster(cluster_id)
        live = {c: self.resolve_cluster(c) for c in {r["cluster_id"] for r in rows} if c}
        return [r for r in rows if r["cluster_id"] and live[r["cluster_id"]] == wanted]

    def claims_by_id(self: HasSessions, claim_ids: list[int]) -> dict[int, dict[str, Any]]:
        with self.session() as s:
            rows = s.scalars(select(ClaimRow).where(ClaimRow.id.in_(claim_ids))).all()
            return {row.id: _claim_facts(row) for row in rows}

    def claim_mentions(self: _HasClusters, claim_id: int) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.execute(
                select(
                    ClaimMention,
                    func.coalesce(ArticleRow.site_name, ArticleRow.outlet),
                    ArticleRow.canonical_url,
                )
                .join(ArticleRow, ArticleRow.id == ClaimMention.article_id)
                .where(ClaimMention.claim_id == claim_id)
                .order_by(ClaimMention.seen_at, ClaimMention.version_id)
            ).all()
            return [
                {
                    "article_id": m.article_id,
                    "version_id": m.version_id,
                    "outlet": outlet,
                    "url": url,
                    "seen_at": iso(m.seen_at),
                }
                for m, outlet, url in rows
            ]


def _claim_facts(row: ClaimRow) -> dict[str, Any]:
    return {
        "id": row.id, "watch_id": row.watch_id, "cluster_id": row.cluster_id,
        "speaker": row.speaker, "speaker_key": row.speaker_key, "cue": row.cue,
        "content": row.content, "sentence": row.sentence, "quote": row.quote,
        "quantities": list(row.quantities or []), "first_seen": iso(row.first_seen),
        "first_article_id": row.first_article_id, "first_version_id": row.first_version_id,
        "relation": row.relation, "related_claim_id": row.related_claim_id,
    }  # fmt: skip


def _insert_claim(connection: Connection, watch_id: int | None, cluster_id: int | None,
                  article_id: int, version_id: int, now: datetime, claim: NewClaim,
                  ids: dict[int, int]) -> int:  # fmt: skip
    related = claim.related_claim_id
    row = dict(
        watch_id=watch_id, cluster_id=cluster_id, speaker=claim.speaker,
        speaker_key=claim.speaker_key, cue=claim.cue, content=claim.content,
        sentence=claim.sentence, quote=claim.quote, quantities=claim.quantities,
        first_seen=now, first_article_id=article_id, first_version_id=version_id,
        relation=claim.relation, related_claim_id=ids.get(related, related)
        if related is not None else None,
    )  # fmt: skip
    return int(connection.execute(insert(CLAIMS).returning(CLAIMS.c.id), row).scalar_one())
