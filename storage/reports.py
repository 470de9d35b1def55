"""What happened to a watch in a time window: the queries behind the digest and the
demo's day-by-day report. Windows are half-open, [start, end), naive UTC."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select

from storage.common import HasSessions, iso
from storage.models import (
    ArticleRow,
    ArticleVersion,
    ClaimMention,
    ClusterMember,
    CrawlRun,
    Fetch,
    StoryCluster,
    VersionChange,
    WatchArticle,
    WatchRow,
)


def _came_out(article: dict[str, Any]) -> str:
    """When an article came out: published (UTC) when it says, else first seen."""
    return str(article.get("published_utc") or article["seen_at"])


class _Reports(HasSessions, Protocol):
    def mention_outlets(self, claim_ids: list[int]) -> dict[int, list[dict[str, Any]]]: ...
    def cluster_of(self, article_ids: list[int]) -> dict[int, int]: ...
    def cluster_origins(self, cluster_ids: list[int]) -> dict[int, int]: ...


class ReportStore:
    """Window queries for one watch (mixed into Store)."""

    def watch_id(self: HasSessions, name: str) -> int | None:
        with self.session() as s:
            return s.execute(select(WatchRow.id).where(WatchRow.name == name)).scalar_one_or_none()

    def watch_names(self: HasSessions) -> list[str]:
        with self.session() as s:
            return list(s.execute(select(WatchRow.name).order_by(WatchRow.name)).scalars())

    def new_articles(
        self: HasSessions, watch_id: int, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """Articles the watch first found in the window, first found first."""
        query = (
            _article_columns()
            .join(WatchArticle, WatchArticle.article_id == ArticleRow.id)
            .where(WatchArticle.watch_id == watch_id)
            .where(WatchArticle.first_seen >= start, WatchArticle.first_seen < end)
            .order_by(WatchArticle.first_seen, ArticleRow.id)
        )
        with self.session() as s:
            return [_article_facts(row) for row in s.execute(query)]

    def articles_seen(self: HasSessions, watch_id: int, start: datetime, end: datetime) -> int:
        """Distinct articles fetched (changed or not) by the watch's runs in the window."""
        query = (
            select(func.count(func.distinct(Fetch.article_id)))
            .join(CrawlRun, CrawlRun.id == Fetch.run_id)
            .where(CrawlRun.watch_id == watch_id, Fetch.article_id.is_not(None))
            .where(Fetch.fetched_at >= start, Fetch.fetched_at < end)
        )
        with self.session() as s:
            return int(s.execute(query).scalar_one())

    def changed_articles(
        self: HasSessions, watch_id: int, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """Each meaningful change of a watch's article seen in the window, with the
        sentences it added and removed."""
        query = (
            _article_columns()
            .add_columns(
                ArticleVersion.seen_at,
                VersionChange.version_id,
                VersionChange.added,
                VersionChange.removed,
            )
            .join(ArticleVersion, ArticleVersion.article_id == ArticleRow.id)
            .join(VersionChange, VersionChange.version_id == ArticleVersion.id)
            .join(WatchArticle, WatchArticle.article_id == ArticleRow.id)
            .where(WatchArticle.watch_id == watch_id)
            .where(ArticleVersion.seen_at >= start, ArticleVersion.seen_at < end)
            .order_by(ArticleVersion.seen_at, ArticleVersion.id)
        )
        with self.session() as s:
            return [
                {
                    **_article_facts(row),
                    "version_id": row.version_id,
                    "changed_at": iso(row.seen_at),
                    "added": list(row.added or []),
                    "removed": list(row.removed or []),
                }
                for row in s.execute(query)
            ]

    def new_cluster_ids(
        self: HasSessions, watch_id: int, start: datetime, end: datetime
    ) -> list[int]:
        """Live story clusters created in the window that hold an article of the watch."""
        query = (
            select(StoryCluster.id)
            .join(ClusterMember, ClusterMember.cluster_id == StoryCluster.id)
            .join(WatchArticle, WatchArticle.article_id == ClusterMember.article_id)
            .where(WatchArticle.watch_id == watch_id, StoryCluster.merged_into.is_(None))
            .where(StoryCluster.created_at >= start, StoryCluster.created_at < end)
            .group_by(StoryCluster.id)
            .order_by(StoryCluster.id)
        )
        with self.session() as s:
            return [int(i) for i in s.execute(query).scalars()]

    def spread_cluster_ids(
        self: HasSessions, watch_id: int, start: datetime, end: datetime
    ) -> list[int]:
        """Live story clusters made before the window that an article of the watch first
        seen in the window joined: stories other outlets picked up that day."""
        query = (
            select(StoryCluster.id)
            .join(ClusterMember, ClusterMember.cluster_id == StoryCluster.id)
            .join(ArticleRow, ArticleRow.id == ClusterMember.article_id)
            .join(WatchArticle, WatchArticle.article_id == ClusterMember.article_id)
            .where(WatchArticle.watch_id == watch_id, StoryCluster.merged_into.is_(None))
            .where(StoryCluster.created_at < start)
            .where(ArticleRow.first_seen >= start, ArticleRow.first_seen < end)
            .group_by(StoryCluster.id)
            .order_by(StoryCluster.id)
        )
        with self.session() as s:
            return [int(i) for i in s.execute(query).scalars()]

    def cluster_of(self: HasSessions, article_ids: list[int]) -> dict[int, int]:
        """The live cluster each article belongs to now."""
        with self.session() as s:
            rows = s.execute(
                select(ClusterMember.article_id, ClusterMember.cluster_id).where(
                    ClusterMember.article_id.in_(article_ids)
                )
            ).all()
        return {int(a): int(c) for a, c in rows}

    def mention_outlets(self: HasSessions, claim_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """For each claim, every article that carried it, first seen first."""
        # PostgreSQL wants every selected article column grouped by
        grouped = (ClaimMention.claim_id, ArticleRow.id, ArticleRow.outlet, ArticleRow.site_name,
                   ArticleRow.canonical_url, ArticleRow.title, ArticleRow.published_at)  # fmt: skip
        query = (
            select(*grouped, func.min(ClaimMention.seen_at).label("seen_at"))
            .join(ArticleRow, ArticleRow.id == ClaimMention.article_id)
            .where(ClaimMention.claim_id.in_(claim_ids))
            .group_by(*grouped)
            .order_by(ClaimMention.claim_id, "seen_at", ArticleRow.id)
        )
        carried: dict[int, list[dict[str, Any]]] = defaultdict(list)
        with self.session() as s:
            for row in s.execute(query):
                carried[int(row.claim_id)].append(
                    {"article_id": row.id, "outlet": row.site_name or row.outlet,
                     "url": row.canonical_url, "seen_at": iso(row.seen_at),
                     "title": row.title, "published_utc": iso(row.published_at)}
                )  # fmt: skip
        return dict(carried)

    def article_titles(self: HasSessions, article_ids: list[int]) -> dict[int, str]:
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.id, ArticleRow.title).where(ArticleRow.id.in_(article_ids))
            ).all()
        return {int(a): t or "" for a, t in rows}

    def cluster_origins(self: HasSessions, cluster_ids: list[int]) -> dict[int, int]:
        """The origin article of each cluster that has one."""
        with self.session() as s:
            rows = s.execute(
                select(StoryCluster.id, StoryCluster.origin_article_id).where(
                    StoryCluster.id.in_(cluster_ids), StoryCluster.origin_article_id.is_not(None)
                )
            ).all()
        return {int(c): int(a) for c, a in rows if a is not None}

    def claim_provenance(self: _Reports, claim_ids: list[int]) -> dict[int, dict[str, Any]]:
        """For each claim: the article that first published it (its story's origin
        when the origin carries it, else the earliest published article carrying it,
        else the first seen), and the others that repeated it, in the order they came
        out. Copies are often crawled first: first seen is not first published."""
        carried = self.mention_outlets(claim_ids) if claim_ids else {}
        articles = sorted({a["article_id"] for carriers in carried.values() for a in carriers})
        clusters = self.cluster_of(articles) if articles else {}
        origins = set(self.cluster_origins(sorted(set(clusters.values()))).values())
        provenance = {}
        for claim_id, carriers in carried.items():
            ordered = sorted(carriers, key=lambda a: (a["article_id"] not in origins,
                                                      _came_out(a), a["article_id"]))  # fmt: skip
            provenance[claim_id] = {"first_published": ordered[0], "repeated_by": ordered[1:]}
        return provenance

    def fetch_health(
        self: HasSessions, watch_id: int, start: datetime, end: datetime
    ) -> list[dict[str, Any]]:
        """Per host: pages fetched, 304s, robots blocks, errors by kind, articles taken
        down, for the watch's runs in the window."""
        query = (
            select(Fetch.url, Fetch.status_code, Fetch.error_kind)
            .join(CrawlRun, CrawlRun.id == Fetch.run_id)
            .where(CrawlRun.watch_id == watch_id)
            .where(Fetch.fetched_at >= start, Fetch.fetched_at < end)
        )
        hosts: dict[str, Counter[str]] = defaultdict(Counter)
        with self.session() as s:
            for url, status, kind in s.execute(query):
                counts = hosts[urlsplit(url).netloc]
                counts["fetched"] += 1
                counts["not_modified"] += status == 304
                if kind == "robots":
                    counts["robots"] += 1
                elif kind:
                    counts[f"error:{kind}"] += 1
            for gone in s.execute(_taken_down(watch_id, start, end)).scalars():
                hosts[urlsplit(gone).netloc]["taken_down"] += 1
            names = dict(
                s.execute(
                    select(ArticleRow.outlet, func.max(ArticleRow.site_name))
                    .where(ArticleRow.outlet.in_(list(hosts)))
                    .group_by(ArticleRow.outlet)
                ).all()
            )
        return [
            _health_row(f"{names[host]} ({host})" if names.get(host) else host, counts)
            for host, counts in sorted(hosts.items())
        ]


def _taken_down(watch_id: int, start: datetime, end: datetime) -> Select[*tuple[Any, ...]]:
    return (
        select(ArticleRow.canonical_url)
        .join(WatchArticle, WatchArticle.article_id == ArticleRow.id)
        .where(WatchArticle.watch_id == watch_id, ArticleRow.status == "taken_down")
        .where(ArticleRow.last_seen >= start, ArticleRow.last_seen < end)
    )


def _health_row(host: str, counts: Counter[str]) -> dict[str, Any]:
    errors = {k.split(":", 1)[1]: n for k, n in sorted(counts.items()) if k.startswith("error:")}
    return {
        "outlet": host,
        "fetched": counts["fetched"],
        "not_modified": counts["not_modified"],
        "robots": counts["robots"],
        "errors": errors,
        "taken_down": counts["taken_down"],
    }


def _article_columns() -> Select[*tuple[Any, ...]]:
    return select(
        ArticleRow.id,
        ArticleRow.outlet,
        ArticleRow.site_name,
        ArticleRow.title,
        ArticleRow.canonical_url,
        ArticleRow.published,
        ArticleRow.first_seen,
        ArticleRow.status,
    )


def _article_facts(row: Any) -> dict[str, Any]:
    return {
        "article_id": row.id,
        "outlet": row.site_name or row.outlet,
        "title": row.title,
        "url": row.canonical_url,
        "published": row.published,
        "first_seen": iso(row.first_seen),
        "status": row.status,
    }
