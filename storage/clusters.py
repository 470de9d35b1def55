"""Signatures, story clusters, members and partial-copy edges: the Store's share of them.

Cluster ids are stable: when a new article joins two clusters, the one with the lower
id survives and the other records `merged_into`, so an id once shown to a user still
leads to its story.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, update

from storage.common import HasSessions, iso, retrying
from storage.dialect import ARTICLE_LOCKS, insert_ignoring_conflicts, lock_keys
from storage.models import (
    ArticleRow,
    ArticleVersion,
    ClusterMember,
    CopyEdge,
    SignatureLog,
    SignatureRow,
    StoryCluster,
    WatchArticle,
)

# Clusters are written with SQLAlchemy Core: once per new article version, in the
# crawl's page transaction, where ORM bookkeeping cost more than the SQL.
CLUSTERS: Table = StoryCluster.__table__  # type: ignore[assignment]
MEMBERS: Table = ClusterMember.__table__  # type: ignore[assignment]
SIGNATURES: Table = SignatureRow.__table__  # type: ignore[assignment]
SIGNATURE_LOG: Table = SignatureLog.__table__  # type: ignore[assignment]
EDGES: Table = CopyEdge.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class StoredSignature:
    article_id: int
    version_id: int
    canonical_url: str
    outlet: str
    site_name: str | None
    published: str | None
    first_seen: datetime
    scheme: str
    seed: int
    num_perm: int
    size: int
    hashvalues: bytes
    text_hash: str
    credits: tuple[str, ...]
    text: str = ""  # the version's text, when asked for (a worker catching up)
    logged: int = 0  # its id in the signature log, likewise


class ClusterStore:
    """Mixed into storage.Store."""

    @retrying
    def save_signature(
        self: HasSessions,
        article_id: int,
        version_id: int,
        *,
        scheme: str,
        seed: int,
        num_perm: int,
        size: int,
        hashvalues: bytes,
        text_hash: str,
        credits: list[str],
    ) -> None:
        with self.session() as s:
            connection = s.connection()
            connection.execute(
                insert_ignoring_conflicts(self.engine, SIGNATURES, ["version_id"]),
                {"version_id": version_id, "article_id": article_id, "scheme": scheme,
                 "seed": seed, "num_perm": num_perm, "size": size, "hashvalues": hashvalues,
                 "text_hash": text_hash, "credits": credits, "signed_at": self.clock()},
            )  # fmt: skip
            connection.execute(
                insert_ignoring_conflicts(self.engine, SIGNATURE_LOG, ["version_id"]),
                {"version_id": version_id},
            )

    def last_logged_signature(self: HasSessions) -> int:
        """The id of the newest entry of the signature log (0 when it is empty)."""
        with self.session() as s:
            return int(s.scalar(select(func.max(SignatureLog.id))) or 0)

    def logged_signature_ids(self: HasSessions, after: int) -> set[int]:
        """The ids of the signature log's entries after `after` (committed ones)."""
        with self.session() as s:
            return set(s.scalars(select(SignatureLog.id).where(SignatureLog.id > after)))

    @retrying
    def load_signatures(
        self: HasSessions,
        since: datetime | None = None,
        logged_after: int | None = None,
        also_logged: Sequence[int] = (),
    ) -> list[StoredSignature]:
        """Every stored signature (of articles first seen since `since`), oldest first.

        With `logged_after`, only those logged after that id of the signature log (and
        those of the ids `also_logged`), in log order, each with its log id and its
        version's text: what a crawl worker needs to catch up on the signatures other
        workers stored.
        """
        columns: list[Any] = [SignatureRow, ArticleRow]
        if logged_after is not None:
            columns += [ArticleVersion.text, SignatureLog.id]
        query = select(*columns).join(ArticleRow, ArticleRow.id == SignatureRow.article_id)
        if since is not None:
            query = query.where(ArticleRow.first_seen >= since)
        if logged_after is None:
            query = query.order_by(SignatureRow.version_id)
        else:
            query = (
                query.join(SignatureLog, SignatureLog.version_id == SignatureRow.version_id)
                .join(ArticleVersion, ArticleVersion.id == SignatureRow.version_id)
                .where(or_(SignatureLog.id > logged_after, SignatureLog.id.in_(also_logged)))
                .order_by(SignatureLog.id)
            )
        with self.session() as s:
            return [_stored_signature(*row) for row in s.execute(query)]

    @retrying
    def unsigned_versions(self: HasSessions, watch_id: int, since: datetime) -> list[int]:
        """The watch's article versions seen since `since` that have no signature, oldest
        first: stored, but their story work (cluster, claims) was cut short."""
        with self.session() as s:
            query = (
                select(ArticleVersion.id)
                .join(WatchArticle, WatchArticle.article_id == ArticleVersion.article_id)
                .outerjoin(SignatureRow, SignatureRow.version_id == ArticleVersion.id)
                .where(SignatureRow.version_id.is_(None))
                .where(WatchArticle.watch_id == watch_id, ArticleVersion.seen_at >= since)
                .order_by(ArticleVersion.id)
            )
            return list(s.scalars(query))

    @retrying
    def version_facts(self: HasSessions, version_id: int) -> dict[str, Any] | None:
        """What clustering needs of one version: its article's URL, outlet and dates,
        and this version's text."""
        with self.session() as s:
            version = s.get(ArticleVersion, version_id)
            if version is None:
                return None
            article = version.article
            return {
                "article_id": article.id, "version_id": version.id,
                "canonical_url": article.canonical_url, "outlet": article.outlet,
                "site_name": article.site_name, "published": article.published,
                "first_seen": article.first_seen, "text": version.text,
            }  # fmt: skip

    @retrying
    def record_cluster(
        self: HasSessions, members: dict[int, tuple[str, float]], origin: int
    ) -> int:
        """Record one story's members (article id -> (role, similarity to the origin)).

        Returns the cluster id: the lowest id among the clusters the members were in
        (the others are marked merged into it), or a new one. Crawls of different
        watches may record overlapping stories at once: the members are locked first,
        so the second waits and then merges into what the first stored (a story is
        the union of what both saw, whichever came first).
        """
        now = self.clock()
        with self.session() as s:
            connection = s.connection()
            lock_keys(connection, ARTICLE_LOCKS, members)
            current = set(
                connection.execute(
                    select(MEMBERS.c.cluster_id).where(MEMBERS.c.article_id.in_(members))
                ).scalars()
            )
            if current:
                target = min(current)
                merged = current - {target}
                if merged:
                    connection.execute(
                        update(CLUSTERS)
                        .where(CLUSTERS.c.id.in_(merged))
                        .values(merged_into=target, size=0, updated_at=now)
                    )
                    connection.execute(
                        update(CLUSTERS)
                        .where(CLUSTERS.c.merged_into.in_(merged))
                        .values(merged_into=target)
                    )
            else:
                target = connection.execute(
                    insert(CLUSTERS).returning(CLUSTERS.c.id),
                    {"created_at": now, "updated_at": now, "size": 0},
                ).scalar_one()
            joined = {
                article: when
                for article, when in connection.execute(
                    select(MEMBERS.c.article_id, MEMBERS.c.joined_at).where(
                        MEMBERS.c.cluster_id == target
                    )
                )
            }
            connection.execute(delete(MEMBERS).where(MEMBERS.c.article_id.in_(members)))
            connection.execute(insert(MEMBERS), [
                {"article_id": article_id, "cluster_id": target, "role": role,
                 "similarity": round(similarity, 3), "joined_at": joined.get(article_id, now)}
                for article_id, (role, similarity) in members.items()
            ])  # fmt: skip
            size = connection.execute(
                select(func.count()).where(MEMBERS.c.cluster_id == target)
            ).scalar_one()
            connection.execute(
                update(CLUSTERS)
                .where(CLUSTERS.c.id == target)
                .values(origin_article_id=origin, size=size, updated_at=now, merged_into=None)
            )
            return target

    @retrying
    def record_edge(self: HasSessions, source: int, target: int, overlap: float) -> None:
        with self.session() as s:
            s.connection().execute(
                insert_ignoring_conflicts(
                    self.engine, EDGES, ["source_article_id", "target_article_id"]
                ),
                {"source_article_id": source, "target_article_id": target,
                 "overlap": round(overlap, 3), "found_at": self.clock()},
            )  # fmt: skip

    def resolve_cluster(self: HasSessions, cluster_id: int) -> int | None:
        """The live cluster an id stands for (following merges), or None."""
        with self.session() as s:
            for _ in range(100):
                row = s.get(StoryCluster, cluster_id)
                if row is None:
                    return None
                if row.merged_into is None:
                    return row.id
                cluster_id = row.merged_into
        return None

    def list_clusters(
        self: HasSessions, since: datetime | None = None, min_size: int = 1, limit: int = 100
    ) -> list[dict[str, Any]]:
        first_seen = (
            select(
                ClusterMember.cluster_id,
                func.min(ArticleRow.first_seen).label("first_seen"),
                func.count(func.distinct(ArticleRow.outlet)).label("outlets"),
            )
            .join(ArticleRow, ArticleRow.id == ClusterMember.article_id)
            .group_by(ClusterMember.cluster_id)
            .subquery()
        )
        query = (
            select(StoryCluster, ArticleRow, first_seen.c.first_seen, first_seen.c.outlets)
            .join(first_seen, first_seen.c.cluster_id == StoryCluster.id)
            .outerjoin(ArticleRow, ArticleRow.id == StoryCluster.origin_article_id)
            .where(StoryCluster.merged_into.is_(None), StoryCluster.size >= min_size)
            .order_by(first_seen.c.first_seen.desc(), StoryCluster.id.desc())
            .limit(limit)
        )
        if since is not None:
            query = query.where(first_seen.c.first_seen >= since)
        with self.session() as s:
            return [
                {
                    "id": cluster.id,
                    "size": cluster.size,
                    "outlets": outlets,
                    "origin_id": origin.id if origin else None,
                    "origin_outlet": (origin.site_name or origin.outlet) if origin else None,
                    "title": origin.title if origin else None,
                    "published": origin.published if origin else None,
                    "first_seen": iso(seen),
                }
                for cluster, origin, seen, outlets in s.execute(query)
            ]

    def cluster_detail(self: HasSessions, cluster_id: int) -> dict[str, Any] | None:
        with self.session() as s:
            cluster = s.get(StoryCluster, cluster_id)
            if cluster is None:
                return None
            rows = s.execute(
                select(ClusterMember, ArticleRow)
                .join(ArticleRow, ArticleRow.id == ClusterMember.article_id)
                .where(ClusterMember.cluster_id == cluster_id)
                .order_by(
                    ArticleRow.published_at.is_(None),
                    ArticleRow.published_at,
                    ArticleRow.first_seen,
                    ArticleRow.id,
                )
            )
            members = [
                {
                    "article_id": art.id,
                    "outlet": art.site_name or art.outlet,
                    "title": art.title,
                    "published": art.published,
                    "published_at": iso(art.published_at),
                    "first_seen": iso(art.first_seen),
                    "role": member.role,
                    "similarity": member.similarity,
                    "url": art.canonical_url,
                }
                for member, art in rows
            ]
            ids = [m["article_id"] for m in members]
            edges = s.execute(
                select(CopyEdge).where(
                    CopyEdge.source_article_id.in_(ids) | CopyEdge.target_article_id.in_(ids)
                )
            ).scalars()
            return {
                "id": cluster.id,
                "merged_into": cluster.merged_into,
                "origin_id": cluster.origin_article_id,
                "size": cluster.size,
                "members": members,
                "partial_copies": [
                    {"from": e.source_article_id, "to": e.target_article_id, "overlap": e.overlap}
                    for e in edges
                ],
            }


def _stored_signature(
    sig: SignatureRow, art: ArticleRow, text: str = "", logged: int = 0
) -> StoredSignature:
    return StoredSignature(
        sig.article_id, sig.version_id, art.canonical_url, art.outlet, art.site_name,
        art.published, art.first_seen, sig.scheme, sig.seed, sig.num_perm, sig.size,
        sig.hashvalues, sig.text_hash, tuple(sig.credits or ()), text, logged,
    )  # fmt: skip
