"""The schema. Times are UTC, stored naive (SQLite has no time zones)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class WatchRow(Base):
    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    config: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # running | finished | interrupted | failed
    status: Mapped[str] = mapped_column(String(16), default="running")
    stats: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # local: carried out by the process that started it; workers: by `wirewatch worker`
    executor: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    # the run this one carried on from (its queue and what was left of its page budget)
    resumed_from: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_crawl_runs_status_executor", "status", "executor"),)


class Fetch(Base):
    __tablename__ = "fetches"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    # indexed: every page request looks up its URL's last validators (conditional GET)
    url: Mapped[str] = mapped_column(Text, index=True)
    final_url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    status_code: Mapped[int | None] = mapped_column(Integer)
    bytes: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    # what the page was: article | not_article | too_short | empty | not_html | feed | ...
    page_status: Mapped[str | None] = mapped_column(String(32))
    # set when the fetch failed or gave nothing usable: kind is a short machine word
    error_kind: Mapped[str | None] = mapped_column(String(32), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    # a page's distance from the watch's seeds (none for feeds and sitemaps): a run that
    # redoes one cut short fetches its pages again at their depth
    depth: Mapped[int | None] = mapped_column(Integer)


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    outlet: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(Text, default="")
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # as the page wrote it (ISO 8601: a day, or a time with or without its zone) ...
    published: Mapped[str | None] = mapped_column(String(32))
    # ... and the instant, in UTC, where the page gave a time with its zone
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    modified: Mapped[str | None] = mapped_column(String(32))
    modified_at: Mapped[datetime | None] = mapped_column(DateTime)
    site_name: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    first_seen: Mapped[datetime] = mapped_column(DateTime, index=True)
    last_seen: Mapped[datetime] = mapped_column(DateTime)
    # live | taken_down
    status: Mapped[str] = mapped_column(String(16), default="live")

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", order_by="ArticleVersion.id"
    )


class ArticleVersion(Base):
    __tablename__ = "article_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    seen_at: Mapped[datetime] = mapped_column(DateTime)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    word_count: Mapped[int] = mapped_column(Integer)

    article: Mapped[ArticleRow] = relationship(back_populates="versions")

    __table_args__ = (Index("ix_versions_article_seen", "article_id", "id"),)


class UrlAlias(Base):
    """Every URL that led to an article: redirects, tracking variants, non-canonical URLs."""

    __tablename__ = "url_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    # canonical | redirect | fetched
    kind: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(DateTime)


class WatchArticle(Base):
    """Which watches found which articles (an article may belong to several stories)."""

    __tablename__ = "watch_articles"

    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime)


class SignatureRow(Base):
    """The MinHash of one article version's text, with how it was made."""

    __tablename__ = "signatures"

    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer)
    num_perm: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)  # shingles in the text
    hashvalues: Mapped[bytes] = mapped_column(LargeBinary)
    text_hash: Mapped[str] = mapped_column(String(64))
    credits: Mapped[list[str]] = mapped_column(JSON, default=list)
    signed_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class SignatureLog(Base):
    """The order signatures were stored in: crawl workers catch up on the signatures
    the others stored by reading this log past the last id they saw. Within a watch ids
    grow in commit order (its signatures are stored under its story lock); crawls of
    other watches may commit an id after a later one, so a worker looks again for the
    ids it skipped over (crawler.clustering.ClusterKeeper.catch_up)."""

    __tablename__ = "signature_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("signatures.version_id"), unique=True)


class StoryCluster(Base):
    """One story: an origin article and its copies. Merged clusters point to the survivor."""

    __tablename__ = "story_clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin_article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("story_clusters.id"))


class ClusterMember(Base):
    __tablename__ = "cluster_members"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("story_clusters.id"), index=True)
    # origin | syndicated | partial_copy
    role: Mapped[str] = mapped_column(String(16))
    similarity: Mapped[float] = mapped_column(Float)  # estimated Jaccard with the origin
    joined_at: Mapped[datetime] = mapped_column(DateTime)


class CopyEdge(Base):
    """Article `target` reuses a substantial part of article `source`."""

    __tablename__ = "copy_edges"

    source_article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    target_article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    overlap: Mapped[float] = mapped_column(Float)
    found_at: Mapped[datetime] = mapped_column(DateTime)


class VersionChange(Base):
    """What a later version of an article changed: sentences added and removed."""

    __tablename__ = "version_changes"

    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"), primary_key=True)
    previous_version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"))
    added: Mapped[list[str]] = mapped_column(JSON, default=list)
    removed: Mapped[list[str]] = mapped_column(JSON, default=list)


class ClaimRow(Base):
    """An attributed statement, recorded once: where and when it was first seen.

    `related_claim_id` links a claim to an earlier one: `update` (the same speaker
    with a changed figure) or `corroboration` (another speaker with the same figure).
    """

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watches.id"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("story_clusters.id"))
    speaker: Mapped[str] = mapped_column(Text)
    speaker_key: Mapped[str] = mapped_column(String(120), index=True)
    cue: Mapped[str] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    sentence: Mapped[str] = mapped_column(Text)
    quote: Mapped[bool] = mapped_column(default=False)
    quantities: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    first_seen: Mapped[datetime] = mapped_column(DateTime, index=True)
    first_article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    first_version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"))
    relation: Mapped[str | None] = mapped_column(String(16))  # update | corroboration
    related_claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))


class ClaimMention(Base):
    """One appearance of a claim in one article version."""

    __tablename__ = "claim_mentions"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime)
    start: Mapped[int] = mapped_column(Integer)  # the sentence's offset in the text


class AlertRow(Base):
    """Something a watch's alert rule matched, recorded once ever (its key is unique in
    the watch): written in the transaction of the page that caused it."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    rule: Mapped[str] = mapped_column(String(200))  # figure_change, speaker:NIS, ...
    # what it is about, e.g. "figure_change:claim:12": the same event is one alert
    key: Mapped[str] = mapped_column(String(400))
    summary: Mapped[str] = mapped_column(Text)  # one line, as sent
    url: Mapped[str | None] = mapped_column(Text)  # the article it was seen in
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ux_alerts_watch_key", "watch_id", "key", unique=True),)


class DeliveryRow(Base):
    """The outbox: one alert (or one day's digest) for one target of the watch.

    pending → sending (claimed, committed) → sent | failed; a row left `sending` (the
    process ended while it was being sent) is never sent again: at most once."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    kind: Mapped[str] = mapped_column(String(16))  # alert | digest
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    day: Mapped[str | None] = mapped_column(String(10))  # a digest's day
    # sha256 of the target URL: the URL itself (with its credentials) stays in the watch
    target_key: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text, default="")  # masked, once known
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # sending rounds
    error: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[str | None] = mapped_column(String(36))  # the message it went out in
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_deliveries_watch_status", "watch_id", "status"),
        Index("ix_deliveries_batch", "batch"),
        # one row per alert and target; one per digest day and target
        Index("ux_deliveries_alert_target", "alert_id", "target_key", unique=True),
        Index("ux_deliveries_digest_target", "watch_id", "kind", "day", "target_key", unique=True),
    )
