"""The Store: every read and write wirewatch makes, as methods over plain values.

Writes are idempotent and each is one transaction, or joins the one Store.atomic()
holds open (the crawl stores each page with its cluster, claims and signature so), so a
crash loses at most the page in flight, and several crawler processes may write at
once. Nothing here is specific to one engine except what storage.dialect hides.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, Table, event, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage import fulltext, migrate
from storage.alerts import AlertStore
from storage.claims import ClaimStore
from storage.clusters import ClusterStore
from storage.common import iso, retrying
from storage.dialect import (
    READ_ONLY,
    STORY_LOCKS,
    insert_ignoring_conflicts,
    lock_keys,
    make_engine,
)
from storage.errors import StoreError, explain, safe_url, sqlite_folder_problem
from storage.models import (
    ArticleRow,
    ArticleVersion,
    Base,
    CrawlRun,
    Fetch,
    UrlAlias,
    VersionChange,
    WatchArticle,
    WatchRow,
)
from storage.reports import ReportStore
from storage.times import utc_instant

DEFAULT_DB_URL = "sqlite:///wirewatch.db"
ARTICLES: Table = ArticleRow.__table__  # type: ignore[assignment]
VERSIONS: Table = ArticleVersion.__table__  # type: ignore[assignment]
ALIASES: Table = UrlAlias.__table__  # type: ignore[assignment]
WATCH_ARTICLES: Table = WatchArticle.__table__  # type: ignore[assignment]
FETCHES: Table = Fetch.__table__  # type: ignore[assignment]
CHANGES: Table = VersionChange.__table__  # type: ignore[assignment]


def utcnow() -> datetime:
    """Naive UTC now: the form every time column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def clock_at(now: datetime | None) -> Callable[[], datetime]:
    """A Store clock: the real one, or one stopped at `now` (replaying a day)."""
    return utcnow if now is None else lambda: now


class StoreOutcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class ArticleSnapshot:
    """One observation of an article, as the crawler hands it to the store."""

    canonical_url: str
    outlet: str
    title: str
    text: str
    text_hash: str
    authors: tuple[str, ...] = ()
    published: str | None = None  # ISO 8601 as the page wrote it
    modified: str | None = None
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    # every other URL that led here: fetched URL, redirect hops, tracking variants
    aliases: tuple[tuple[str, str], ...] = ()
    # False when the text differs from the stored one only by noise (spacing, an
    # "Updated at" stamp): the article is refreshed without a new version
    changed: bool = True
    added: tuple[str, ...] = ()  # sentences added and removed since the last version
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredArticle:
    article_id: int
    outcome: StoreOutcome
    version_id: int | None


@dataclass(frozen=True, slots=True)
class FetchRecord:
    url: str
    run_id: int | None = None
    final_url: str | None = None
    status_code: int | None = None
    bytes: int | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    page_status: str | None = None
    error_kind: str | None = None
    error: str | None = None
    article_id: int | None = None
    depth: int | None = None  # pages only: the distance from the seeds


@dataclass(slots=True)
class RunInfo:
    id: int
    watch: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    executor: str = "local"
    watch_id: int = 0
    resumed_from: int | None = None


@dataclass(frozen=True, slots=True)
class LatestVersion:
    article_id: int
    version_id: int
    text: str


class Store(ClusterStore, ClaimStore, ReportStore, AlertStore):
    """Open with Store.open(url); every method is one transaction, unless called in an
    atomic() block, whose transaction it joins."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._owns_engine = True
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._reads = sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        self._local = threading.local()  # the transaction atomic() holds open, per thread
        # statements sent to the database (round trips, on a server), and how long the
        # story lock was held, in all: the crawl reports them per page
        self.statements = 0
        self.story_lock_seconds = 0.0
        event.listen(engine, "before_cursor_execute", self._count_statement)

    def _count_statement(self, *_: Any) -> None:
        self.statements += 1

    @classmethod
    def open(
        cls, url: str = DEFAULT_DB_URL, create: bool = True, clock: Callable[[], datetime] = utcnow
    ) -> Store:
        where = safe_url(url)
        try:
            engine = make_engine(url)
        except ImportError as exc:
            raise StoreError(
                f"cannot open database {where}: its driver is not installed ({exc.name}); "
                "for PostgreSQL: pip install 'psycopg[binary]'"
            ) from exc
        try:
            if create:
                _migrate_if_new(engine, where)
        except SQLAlchemyError as exc:
            engine.dispose()
            problem = sqlite_folder_problem(url) or explain(exc)
            raise StoreError(f"cannot open database {where}: {problem}") from exc
        except BaseException:
            engine.dispose()  # no pooled connection outlives a failed open
            raise
        return cls(engine, clock)

    @property
    def url(self) -> str:
        """The database's URL, password and all: for a process of its own (a crawl)
        to open the same database. Never for a log line: storage.errors.safe_url."""
        return self.engine.url.render_as_string(hide_password=False)

    def at(self, now: datetime | None) -> Store:
        """This store with its clock stopped at `now` (a replayed day, a test), on the
        same engine and transactions; itself when `now` is None. Closing the view
        leaves the store open."""
        if now is None:
            return self
        view = copy.copy(self)
        view.clock = clock_at(now)
        view._owns_engine = False
        return view

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def session(self) -> AbstractContextManager[Session]:
        """A transaction of its own, or the one an enclosing atomic() holds open."""
        return self._joining(self._sessions)

    def reading(self) -> AbstractContextManager[Session]:
        """A read-only transaction: on SQLite a deferred one, which never waits for the
        write lock (WAL readers do not), so the crawl's event loop can look things up
        while the writer thread holds a page's transaction open."""
        return self._joining(self._reads)

    @contextmanager
    def _joining(self, sessions: sessionmaker[Session]) -> Iterator[Session]:
        held: Session | None = getattr(self._local, "session", None)
        if held is not None:
            yield held
            return
        with sessions.begin() as session:
            yield session

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction for every Store call this thread makes in the block: the
        crawl stores a page, its version, cluster, claims and signature together, so a
        crash or a failed write leaves all of them or none. Nested blocks join the
        outer one. Store methods are not retried inside it (the caller retries the
        whole block, when that is safe)."""
        if self.in_atomic():
            yield
            return
        self._local.locked_at = None
        with self._sessions.begin() as session:
            self._local.session = session
            try:
                yield
            finally:
                self._local.session = None
        # (after the commit or rollback, which is what releases the story lock)
        if self._local.locked_at is not None:
            self.story_lock_seconds += time.perf_counter() - self._local.locked_at

    def in_atomic(self) -> bool:
        return getattr(self._local, "session", None) is not None

    def hold_story_lock(self, watch_id: int) -> None:
        """Take the lock that the crawl processes of one watch hold around their story
        decisions (its known claims, its run's shared story state), until the
        enclosing atomic() block ends. One lock per watch: two watches never wait for
        each other; where their stories meet, in the clusters every watch shares,
        record_cluster locks the articles it changes. PostgreSQL: a transaction
        advisory lock, gone at commit or rollback; SQLite: the write lock every
        transaction takes at BEGIN serialises them already."""
        assert self.in_atomic(), "the story lock is held for a transaction"
        with self.session() as s:
            lock_keys(s.connection(), STORY_LOCKS, [watch_id])
        self._local.locked_at = time.perf_counter()

    # --- watches and runs ------------------------------------------------------

    @retrying
    def ensure_watch(self, name: str, config: dict[str, Any]) -> int:
        now = self.clock()
        with self.session() as s:
            s.execute(
                insert_ignoring_conflicts(self.engine, WatchRow, ["name"]).values(
                    name=name, config=config, created_at=now, updated_at=now
                )
            )
            row = s.scalars(select(WatchRow).where(WatchRow.name == name)).one()
            if row.config != config:
                row.config = config
                row.updated_at = now
            return row.id

    def start_run(
        self, watch_id: int, executor: str = "local", resumed_from: int | None = None
    ) -> int:
        """A new running run; with executor "workers", `wirewatch worker`s carry it out."""
        with self.session() as s:
            run = CrawlRun(watch_id=watch_id, started_at=self.clock(), status="running",
                           stats={}, executor=executor, resumed_from=resumed_from)  # fmt: skip
            s.add(run)
            s.flush()
            return run.id

    @retrying
    def close_dead_runs(self, watch_id: int, error: str) -> list[int]:
        """Mark the watch's local runs still 'running' as interrupted, with `error`: the
        caller has made sure that no process is carrying them out (crawler.runner)."""
        with self.session() as s:
            dead = select(CrawlRun.id).where(
                CrawlRun.watch_id == watch_id,
                CrawlRun.status == "running",
                CrawlRun.executor == "local",
            )
            ids = list(s.scalars(dead))
            if ids:
                s.execute(
                    update(CrawlRun)
                    .where(CrawlRun.id.in_(ids))
                    .values(status="interrupted", error=error, finished_at=self.clock())
                )
            return ids

    @retrying
    def pages_of_run(self, run_id: int) -> list[tuple[str, int]]:
        """(URL, depth) of the pages a run fetched whole, in the order it fetched them."""
        with self.session() as s:
            rows = s.execute(
                select(Fetch.url, func.min(Fetch.depth))
                .where(Fetch.run_id == run_id, Fetch.depth.is_not(None))
                .where(Fetch.status_code == 200)
                .group_by(Fetch.url)
                .order_by(func.min(Fetch.id))
            )
            return [(url, depth) for url, depth in rows if depth is not None]

    @retrying
    def watch_id(self, name: str) -> int | None:
        with self.session() as s:
            return s.scalar(select(WatchRow.id).where(WatchRow.name == name))

    @retrying
    def finish_run(
        self, run_id: int, status: str, stats: dict[str, Any], error: str | None = None
    ) -> None:
        with self.session() as s:
            s.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id)
                .values(status=status, stats=stats, finished_at=self.clock(), error=error)
            )

    @retrying
    def get_run(self, run_id: int) -> RunInfo:
        with self.session() as s:
            row = s.execute(
                select(CrawlRun, WatchRow.name)
                .join(WatchRow, WatchRow.id == CrawlRun.watch_id)
                .where(CrawlRun.id == run_id)
            ).one_or_none()
            if row is None:
                raise StoreError(f"no crawl run with id {run_id}")
            run, watch = row
            return _run_info(run, watch)

    @retrying
    def worker_runs(self, watches: Sequence[str] = ()) -> list[RunInfo]:
        """The running runs that wait for workers, oldest first (of `watches` if given)."""
        query = (
            select(CrawlRun, WatchRow.name)
            .join(WatchRow, WatchRow.id == CrawlRun.watch_id)
            .where(CrawlRun.status == "running", CrawlRun.executor == "workers")
            .order_by(CrawlRun.id)
        )
        if watches:
            query = query.where(WatchRow.name.in_(list(watches)))
        with self.session() as s:
            return [_run_info(run, watch) for run, watch in s.execute(query)]

    @retrying
    def watch_config(self, name: str) -> dict[str, Any] | None:
        """The configuration a watch was last crawled with (what workers crawl by)."""
        with self.session() as s:
            config = s.scalar(select(WatchRow.config).where(WatchRow.name == name))
            return dict(config) if config is not None else None

    def search(
        self,
        query: str,
        since: datetime | None = None,
        watch: str | None = None,
        limit: int = 20,
    ) -> list[dict[str, Any]]:
        """Full-text search over articles' current titles and texts, best first, with
        a snippet ([matched words] in brackets). Raises SearchError on an empty query."""
        with self.engine.connect() as connection:
            watch_id = None
            if watch is not None:
                watch_id = connection.execute(
                    select(WatchRow.id).where(WatchRow.name == watch)
                ).scalar_one_or_none()
                if watch_id is None:
                    return []
            rows = fulltext.search(connection, query, since, watch_id, limit)
        for row in rows:
            row["last_seen"] = iso(row["last_seen"])
            row["score"] = round(float(row["score"]), 6)
        return rows

    @retrying
    def last_run(self, watch: str) -> RunInfo | None:
        """The latest crawl run of a watch, by name, or None if it never ran."""
        with self.session() as s:
            run_id = s.execute(
                select(CrawlRun.id)
                .join(WatchRow, WatchRow.id == CrawlRun.watch_id)
                .where(WatchRow.name == watch)
                .order_by(CrawlRun.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        return None if run_id is None else self.get_run(run_id)

    def first_run_at(self, watch: str) -> datetime | None:
        """When the watch was first crawled, or None."""
        with self.session() as s:
            return s.execute(
                select(func.min(CrawlRun.started_at))
                .join(WatchRow, WatchRow.id == CrawlRun.watch_id)
                .where(WatchRow.name == watch)
            ).scalar_one_or_none()

    # --- fetches and articles ---------------------------------------------------

    @retrying
    def record_fetch(self, record: FetchRecord) -> int:
        with self.session() as s:
            fetch = Fetch(fetched_at=self.clock(), **_fields(record))
            s.add(fetch)
            s.flush()
            return fetch.id

    @retrying
    def store_article(self, watch_id: int | None, snap: ArticleSnapshot) -> StoredArticle:
        """Insert or refresh one article; add a version only when its text changed."""
        with self.session() as s:
            return self._store_article(s, watch_id, snap, self.clock())

    @retrying
    def record_page(
        self, watch_id: int | None, fetch: FetchRecord, snap: ArticleSnapshot | None
    ) -> StoredArticle | None:
        """Store a fetched page's article (if any) and its fetch, in one transaction."""
        now = self.clock()
        with self.session() as s:
            stored = self._store_article(s, watch_id, snap, now) if snap is not None else None
            fields = _fields(fetch)
            if stored is not None:
                fields["article_id"] = stored.article_id
            s.connection().execute(insert(FETCHES), {**fields, "fetched_at": now})
            return stored

    # The write path uses SQLAlchemy Core on the session's connection: it runs once per
    # crawled page, and ORM unit-of-work bookkeeping cost more than the SQL itself.

    def _store_article(
        self, s: Session, watch_id: int | None, snap: ArticleSnapshot, now: datetime
    ) -> StoredArticle:
        connection = s.connection()
        article_id = self._article_id_for(connection, snap, now)
        # Serialise writers of one article (PostgreSQL row lock; SQLite already holds the
        # database write lock from BEGIN IMMEDIATE), so two crawlers storing the same
        # text cannot both see "no version yet" and both add one. FOR NO KEY UPDATE, not
        # FOR UPDATE: it does not block the key-share locks that rows referring to the
        # article take, so a worker holding the story lock and writing this article's
        # cluster or claims never waits for this page's transaction, which may be waiting
        # for that lock (a deadlock).
        if self.engine.dialect.name == "postgresql":
            connection.execute(
                select(ARTICLES.c.id)
                .where(ARTICLES.c.id == article_id)
                .with_for_update(key_share=True)
            )
        latest = connection.execute(
            select(VERSIONS.c.id, VERSIONS.c.text_hash)
            .where(VERSIONS.c.article_id == article_id)
            .order_by(VERSIONS.c.id.desc())
            .limit(1)
        ).one_or_none()
        connection.execute(
            update(ARTICLES).where(ARTICLES.c.id == article_id).values(_metadata(snap, now))
        )
        aliases = [{"url": snap.canonical_url, "kind": "canonical"}]
        aliases += [{"url": url, "kind": kind} for url, kind in snap.aliases]
        connection.execute(
            insert_ignoring_conflicts(self.engine, ALIASES, ["url"]),
            [{**row, "article_id": article_id, "first_seen": now} for row in aliases],
        )
        if watch_id is not None:
            connection.execute(
                insert_ignoring_conflicts(self.engine, WATCH_ARTICLES, ["watch_id", "article_id"]),
                {"watch_id": watch_id, "article_id": article_id, "first_seen": now},
            )
        if latest is not None and (latest.text_hash == snap.text_hash or not snap.changed):
            return StoredArticle(article_id, StoreOutcome.UNCHANGED, None)
        version_id = connection.execute(
            insert(VERSIONS).returning(VERSIONS.c.id),
            {
                "article_id": article_id,
                "seen_at": now,
                "title": snap.title,
                "text": snap.text,
                "text_hash": snap.text_hash,
                "word_count": len(snap.text.split()),
            },
        ).scalar_one()
        if latest is None:
            return StoredArticle(article_id, StoreOutcome.NEW, version_id)
        connection.execute(
            insert(CHANGES),
            {"version_id": version_id, "previous_version_id": latest.id,
             "added": list(snap.added), "removed": list(snap.removed)},
        )  # fmt: skip
        return StoredArticle(article_id, StoreOutcome.UPDATED, version_id)

    def _article_id_for(self, connection: Connection, snap: ArticleSnapshot, now: datetime) -> int:
        urls = [snap.canonical_url, *(url for url, _ in snap.aliases)]
        known = connection.execute(
            select(ALIASES.c.article_id).where(ALIASES.c.url.in_(urls)).limit(1)
        ).scalar_one_or_none()
        if known is not None:
            return int(known)
        connection.execute(
            insert_ignoring_conflicts(self.engine, ARTICLES, ["canonical_url"]),
            {
                "canonical_url": snap.canonical_url,
                "outlet": snap.outlet,
                "first_seen": now,
                **_metadata(snap, now),
            },
        )
        return int(
            connection.execute(
                select(ARTICLES.c.id).where(ARTICLES.c.canonical_url == snap.canonical_url)
            ).scalar_one()
        )

    @retrying
    def article_facts(self, article_id: int) -> dict[str, Any] | None:
        """What clustering needs of an article: URL, outlet, dates and current text."""
        latest = (
            select(VERSIONS.c.text)
            .where(VERSIONS.c.article_id == ARTICLES.c.id)
            .order_by(VERSIONS.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        query = select(
            ARTICLES.c.canonical_url, ARTICLES.c.outlet, ARTICLES.c.site_name,
            ARTICLES.c.published, ARTICLES.c.first_seen, latest.label("text"),
        ).where(ARTICLES.c.id == article_id)  # fmt: skip
        with self.session() as s:
            row = s.connection().execute(query).one_or_none()
            return None if row is None or row.text is None else dict(row._mapping)

    @retrying
    def latest_version(self, urls: list[str]) -> LatestVersion | None:
        """The current text of the article any of these URLs leads to."""
        with self.session() as s:
            row = (
                s.connection()
                .execute(
                    select(VERSIONS.c.article_id, VERSIONS.c.id, VERSIONS.c.text)
                    .join(ALIASES, ALIASES.c.article_id == VERSIONS.c.article_id)
                    .where(ALIASES.c.url.in_(urls))
                    .order_by(VERSIONS.c.id.desc())
                    .limit(1)
                )
                .one_or_none()
            )
            return LatestVersion(*row) if row is not None else None

    @retrying
    def validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified of the last good fetch of a URL, for a
        conditional GET."""
        with self.reading() as s:
            row = s.execute(
                select(FETCHES.c.etag, FETCHES.c.last_modified)
                .where(FETCHES.c.url == url, FETCHES.c.status_code.in_([200, 304]))
                .where((FETCHES.c.etag.is_not(None)) | (FETCHES.c.last_modified.is_not(None)))
                .order_by(FETCHES.c.id.desc())
                .limit(1)
            ).one_or_none()
            return (row.etag, row.last_modified) if row is not None else (None, None)

    @retrying
    def mark_taken_down(self, url: str) -> int | None:
        """A known article whose page is gone (404/410): marked, every version kept."""
        with self.session() as s:
            article_id = s.execute(
                select(ALIASES.c.article_id).where(ALIASES.c.url == url)
            ).scalar_one_or_none()
            if article_id is not None:
                s.execute(
                    update(ARTICLES)
                    .where(ARTICLES.c.id == article_id)
                    .values(status="taken_down", last_seen=self.clock())
                )
            return article_id

    @retrying
    def revisit_candidates(self, watch_id: int) -> list[dict[str, Any]]:
        """A watch's live articles with when they appeared and were last checked."""
        checked = (
            select(FETCHES.c.article_id, func.max(FETCHES.c.fetched_at).label("checked"))
            .where(FETCHES.c.article_id.is_not(None))
            .group_by(FETCHES.c.article_id)
            .subquery()
        )
        query = (
            select(
                ARTICLES.c.id,
                ARTICLES.c.canonical_url,
                ARTICLES.c.first_seen,
                ARTICLES.c.published,
                checked.c.checked,
            )
            .join(WATCH_ARTICLES, WATCH_ARTICLES.c.article_id == ARTICLES.c.id)
            .join(checked, checked.c.article_id == ARTICLES.c.id, isouter=True)
            .where(WATCH_ARTICLES.c.watch_id == watch_id, ARTICLES.c.status == "live")
            .order_by(ARTICLES.c.id)
        )
        with self.session() as s:
            return [dict(row._mapping) for row in s.execute(query)]

    def version_changes(self, article_id: int) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.execute(
                select(CHANGES, VERSIONS.c.seen_at)
                .join(VERSIONS, VERSIONS.c.id == CHANGES.c.version_id)
                .where(VERSIONS.c.article_id == article_id)
                .order_by(CHANGES.c.version_id)
            ).all()
            return [
                {
                    "version_id": r.version_id,
                    "previous_version_id": r.previous_version_id,
                    "seen_at": iso(r.seen_at),
                    "added": r.added,
                    "removed": r.removed,
                }
                for r in rows
            ]

    @retrying
    def known_article_id(self, url: str) -> int | None:
        with self.session() as s:
            return s.execute(
                select(UrlAlias.article_id).where(UrlAlias.url == url)
            ).scalar_one_or_none()

    # --- queries -------------------------------------------------------------------

    def list_articles(
        self, watch: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        versions = (
            select(ArticleVersion.article_id, func.count().label("versions"))
            .group_by(ArticleVersion.article_id)
            .subquery()
        )
        query = (
            select(ArticleRow, versions.c.versions)
            .join(versions, versions.c.article_id == ArticleRow.id, isouter=True)
            .order_by(ArticleRow.first_seen, ArticleRow.id)
            .limit(limit)
            .offset(offset)
        )
        if watch is not None:
            query = (
                query.join(WatchArticle, WatchArticle.article_id == ArticleRow.id)
                .join(WatchRow, WatchRow.id == WatchArticle.watch_id)
                .where(WatchRow.name == watch)
            )
        with self.session() as s:
            return [_article_summary(a, n or 0) for a, n in s.execute(query)]

    def article_detail(self, article_id: int) -> dict[str, Any] | None:
        with self.session() as s:
            article = s.get(ArticleRow, article_id)
            if article is None:
                return None
            aliases = s.execute(
                select(UrlAlias.url, UrlAlias.kind)
                .where(UrlAlias.article_id == article_id)
                .order_by(UrlAlias.id)
            ).all()
            detail = _article_summary(article, len(article.versions))
            detail["aliases"] = [{"url": url, "kind": kind} for url, kind in aliases]
            detail["versions"] = [
                {
                    "id": v.id,
                    "seen_at": iso(v.seen_at),
                    "words": v.word_count,
                    "text_hash": v.text_hash,
                }
                for v in article.versions
            ]
            detail["text"] = article.versions[-1].text if article.versions else ""
            return detail

    def count(self, table: str) -> int:
        model = {m.__tablename__: m for m in Base.__subclasses__()}[table]
        with self.session() as s:
            return s.execute(select(func.count()).select_from(model)).scalar_one()

    def fetch_errors(self, run_id: int | None = None) -> list[dict[str, Any]]:
        query = select(Fetch).where(Fetch.error_kind.is_not(None)).order_by(Fetch.id)
        if run_id is not None:
            query = query.where(Fetch.run_id == run_id)
        with self.session() as s:
            return [
                {"url": f.url, "status_code": f.status_code, "kind": f.error_kind, "error": f.error}
                for f in s.scalars(query)
            ]


def _migrate_if_new(engine: Engine, where: str) -> None:
    """A new database gets the whole schema; an older one must be upgraded on purpose
    (other processes may be using it)."""
    state = migrate.schema_state(engine)
    if not state.has_tables:
        migrate.upgrade(engine)
    elif not state.up_to_date:
        raise StoreError(
            f"the database {where} has schema revision {state.current or 'none (pre-migrations)'}; "
            f"this wirewatch needs {state.head}: run `wirewatch db upgrade --db URL` first"
        )


def _metadata(snap: ArticleSnapshot, now: datetime) -> dict[str, Any]:
    return {
        "title": snap.title, "authors": list(snap.authors), "published": snap.published,
        "published_at": utc_instant(snap.published), "modified": snap.modified,
        "modified_at": utc_instant(snap.modified),
        "site_name": snap.site_name, "language": snap.language,
        "description": snap.description, "tags": list(snap.tags), "last_seen": now,
        "status": "live",
    }  # fmt: skip


def _fields(record: FetchRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def _article_summary(article: ArticleRow, versions: int) -> dict[str, Any]:
    return {
        "id": article.id,
        "canonical_url": article.canonical_url,
        "outlet": article.outlet,
        "site_name": article.site_name,
        "title": article.title,
        "authors": list(article.authors or []),
        "published": article.published,
        "published_at": iso(article.published_at),
        "modified": article.modified,
        "language": article.language,
        "first_seen": iso(article.first_seen),
        "last_seen": iso(article.last_seen),
        "status": article.status,
        "versions": versions,
    }


def _run_info(run: CrawlRun, watch: str) -> RunInfo:
    return RunInfo(run.id, watch, run.started_at, run.finished_at, run.status,
                   dict(run.stats or {}), run.error, run.executor, run.watch_id,
                   run.resumed_from)  # fmt: skip
