"""Item pipelines: the store pipeline writes every fetch and article to the database."""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import Counter
from dataclasses import replace
from typing import Any, Protocol, Self
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.spiders import Spider

from claims import Claim, extract_claims
from claims.changes import ChangeKind, compare_versions
from claims.matching import KnownClaim, KnownClaims, MatchKind
from crawler.clustering import ArticleFacts, ClusterKeeper
from crawler.items import FetchFailedItem, ListingItem, NotModifiedItem, PageItem
from crawler.writer import StoreWriter, optional_component, store_for, writer_for
from pages.extraction import Article, PageStatus
from pages.metadata import more_precise
from storage import ArticleSnapshot, FetchRecord, Store
from storage.claims import ClaimEntry, NewClaim
from storage.common import repeat_transaction
from storage.errors import explain
from storage.urls import URLError, canonicalize_url, outlet_of

logger = logging.getLogger(__name__)

# Page statuses that mean the fetch gave nothing usable (as opposed to a fine page
# that simply is not an article, like a section front).
FAILED_PAGE_STATUSES = {PageStatus.EMPTY: "empty", PageStatus.NOT_HTML: "not_html"}


def article_identity(article: Article, item: PageItem) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The canonical URL of an article and the other URLs that led to it.

    The page's own canonical link (or og:url) wins when it stays on the same host:
    a syndicated copy that names the original as canonical is still its outlet's own
    article, and must stay a separate row for the clustering to see it.
    """
    fetched = canonicalize_url(item.final_url)
    canonical = fetched
    if article.canonical_url:
        try:
            declared = canonicalize_url(article.canonical_url)
        except URLError:
            declared = fetched
        if urlsplit(declared).hostname == urlsplit(fetched).hostname:
            canonical = declared
    aliases: dict[str, str] = {}
    for url in item.redirect_urls:
        aliases.setdefault(url, "redirect")
    for url in (item.url, item.final_url, fetched):
        aliases.setdefault(url, "fetched")
    if item.original_url:
        aliases.setdefault(item.original_url, "link")
    aliases.pop(canonical, None)
    return canonical, tuple(aliases.items())


# Counts other pipelines keep in Scrapy's stats under this prefix end up in the run's
# statistics too (StorePipeline writes them).
SHARED_PREFIX = "wirewatch/"


class RunTally(Protocol):
    """The run's counts kept beyond this process (fleet.seen.RunTally: in Redis)."""

    def flush(self, counts: Counter[str]) -> None:
        """Send what changed in `counts` since the last flush."""


# At most this many lost page URLs are kept with a failed run for the next one.
MAX_LOST_KEPT = 10_000
# Runs whose end this crawl process could not record (the database refused the write):
# crawler.runner exits non-zero so that the process that started it knows.
UNRECORDED_RUNS: list[int] = []
_LISTINGS = ("feeds_read", "sitemaps_read", "pages_not_modified", "pages_fetched")


def run_outcome(reason: str, summary: dict[str, Any]) -> tuple[str, str | None]:
    """A run's status and error from how its crawl closed and what it counted."""
    errors: dict[str, int] = summary["errors"]
    if errors.get("store_failed") or errors.get("story_failed"):
        lost = errors.get("store_failed", 0) + errors.get("story_failed", 0)
        pages = "1 page" if lost == 1 else f"{lost} pages"
        return "failed", (f"{pages} could not be stored (the log says why); the next run "
                          "fetches them again")  # fmt: skip
    status = {"finished": "finished", "shutdown": "interrupted"}.get(reason, "failed")
    if status == "finished" and errors and not any(summary.get(k) for k in _LISTINGS):
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(errors.items()))
        return "failed", f"nothing could be fetched: {kinds}"
    return status, None if status != "failed" else f"the crawl closed: {reason}"


def stop_crawl(crawler: Crawler, reason: str) -> None:
    """Close the spider (once) from a pipeline, on the event loop."""
    engine = crawler.engine
    if engine is None or getattr(crawler, "_wirewatch_stopping", False):
        return
    logger.error("stopping the crawl: the database cannot store what it fetches")
    closing = asyncio.ensure_future(engine.close_spider_async(reason=reason))
    crawler._wirewatch_stopping = closing  # type: ignore[attr-defined]


class StorePipeline:
    """Writes pages, articles and failures; keeps the run's statistics."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.watch_id: int | None = settings.getint("WIREWATCH_WATCH_ID") or None
        self.run_id: int | None = settings.getint("WIREWATCH_RUN_ID") or None
        self.stats: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.store: Store | None = None
        self.shared_stats: Any = None  # Scrapy's stats: other pipelines count there too
        # with workers, the run's counts are added up in Redis, and the run is ended by
        # the worker that sees it done (WIREWATCH_RUN_TALLY; fleet.coordinator)
        self.tally: RunTally | None = None
        self.crawler: Crawler | None = None
        self.writer: StoreWriter | None = None  # the crawl's (crawler.writer)
        self.lost: list[list[Any]] = []  # [url, depth] of pages fetched but not stored
        self.cpu_ms_at_open = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("WIREWATCH_DB_URL"):
            raise NotConfigured("WIREWATCH_DB_URL is not set")
        pipeline = cls(crawler.settings)
        pipeline.shared_stats = crawler.stats
        pipeline.crawler = crawler
        pipeline.writer = writer_for(crawler)
        pipeline.tally = optional_component(crawler, "WIREWATCH_RUN_TALLY")
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        assert self.crawler is not None
        self.store = store_for(self.crawler)
        self.cpu_ms_at_open = _process_cpu_ms()  # start-up (imports) is not the crawl's

    async def process_item(self, item: Any) -> Any:
        assert self.writer is not None
        write = self.write_page if isinstance(item, PageItem) else self.write
        try:
            await self.writer.run(write, item)
        except Exception as exc:  # a write that failed: recorded, never swallowed
            self.write_failed(item, exc)
        return item

    def write_failed(self, item: Any, exc: Exception) -> None:
        """The item could not be stored: count it, keep its URL for the next run (which
        fetches it again), and stop the crawl: fetching what cannot be stored only
        loses more, and is no use to the sites asked."""
        self.errors["store_failed"] += 1
        url = getattr(item, "url", "?")
        if isinstance(item, PageItem):
            item.outcome = "store_failed"
            if len(self.lost) < MAX_LOST_KEPT:
                self.lost.append([url, item.depth])
        logger.error("could not store %s: %s", url, explain(exc))
        if self.crawler is not None:
            stop_crawl(self.crawler, "store_failed")

    def write_page(self, item: PageItem) -> None:
        """Everything stored of one page, in one transaction (in the crawl's writer
        thread): its fetch, article and version here, then the steps other pipelines
        added (its cluster, claims and signature). Repeated while the database is busy
        or unreachable, until a step has changed the crawl's story state."""
        assert self.store is not None and self.writer is not None
        writer = self.writer
        stats, errors = self.stats.copy(), self.errors.copy()

        def attempt() -> None:
            self.stats, self.errors = stats.copy(), errors.copy()  # counted once
            writer.state_changed = False
            self.store_page(item)
            for step in writer.page_steps:
                step(item)

        try:
            repeat_transaction(self.store, attempt, lambda: not writer.state_changed)
        except Exception:
            if writer.state_changed:
                for bring_back in writer.after_failed_page:
                    bring_back()
            raise
        self.flush_tally(item)

    def write(self, item: Any) -> None:
        """Everything stored of one other item (in the crawl's writer thread)."""
        assert self.store is not None
        if isinstance(item, FetchFailedItem):
            self.store_failure(item)
        elif isinstance(item, ListingItem):
            self.store_listing(item)
        elif isinstance(item, NotModifiedItem):
            self.store_not_modified(item)
        self.flush_tally(item)

    def flush_tally(self, item: Any) -> None:
        if self.tally is not None:
            if isinstance(item, PageItem):
                self.stats[f"worker:{self.settings.get('WIREWATCH_WORKER_NAME')}"] += 1
            errors = Counter({f"error:{k}": v for k, v in self.errors.items()})
            self.tally.flush(self.stats + errors + self.counted_elsewhere())

    def store_page(self, item: PageItem) -> None:
        assert self.store is not None
        self.stats["pages_fetched"] += 1
        extraction = item.analysis.extraction
        snapshot = None
        error_kind = FAILED_PAGE_STATUSES.get(extraction.status)
        reason = extraction.reason or None
        if extraction.article is not None:
            canonical, aliases = article_identity(extraction.article, item)
            article = extraction.article
            published = more_precise(article.published, item.listed_published)
            if published != article.published:
                article = replace(article, published=published)
            snapshot = self.versioned(_snapshot(article, canonical, aliases))
            if snapshot is None:
                error_kind = "shrunk"
                reason = "the text shrank to a fragment of the stored version (paywall?)"
        if error_kind:
            self.errors[error_kind] += 1
        fetch = FetchRecord(
            url=item.url, run_id=self.run_id, final_url=item.final_url,
            status_code=item.status_code, bytes=item.body_bytes,
            content_type=item.content_type, etag=item.etag,
            last_modified=item.last_modified, page_status=extraction.status.value,
            error_kind=error_kind, error=reason, depth=item.depth,
        )  # fmt: skip
        stored = self.store.record_page(self.watch_id, fetch, snapshot)
        if stored is not None:
            item.outcome = stored.outcome.value
            item.article_id, item.version_id = stored.article_id, stored.version_id
            self.stats[f"articles_{stored.outcome.value}"] += 1
        else:
            item.outcome = extraction.status.value
            self.stats[f"pages_{extraction.status.value}"] += 1

    def versioned(self, snapshot: ArticleSnapshot) -> ArticleSnapshot | None:
        """The snapshot marked with what changed since the stored version, or None
        when the new text is a fragment of it (not to be stored as the article)."""
        assert self.store is not None
        urls = [snapshot.canonical_url, *(url for url, _ in snapshot.aliases)]
        latest = self.store.latest_version(urls)
        if latest is None:
            return snapshot
        change = compare_versions(latest.text, snapshot.text)
        if change.kind is ChangeKind.SHRUNK:
            return None
        if change.kind is ChangeKind.SAME:
            return replace(snapshot, changed=False)
        return replace(snapshot, added=change.added, removed=change.removed)

    def store_not_modified(self, item: NotModifiedItem) -> None:
        assert self.store is not None
        self.stats["pages_not_modified"] += 1
        self.store.record_fetch(
            FetchRecord(
                url=item.url,
                run_id=self.run_id,
                status_code=304,
                page_status="not_modified",
                article_id=self.store.known_article_id(item.url),
                depth=item.depth,
            )
        )

    def store_failure(self, item: FetchFailedItem) -> None:
        assert self.store is not None
        self.errors[item.kind] += 1
        if item.status_code in (404, 410) and self.store.mark_taken_down(item.url):
            self.stats["articles_taken_down"] += 1
        self.store.record_fetch(
            FetchRecord(
                url=item.url,
                run_id=self.run_id,
                status_code=item.status_code,
                error_kind=item.kind,
                error=item.message,
                depth=item.depth,
            )
        )

    def store_listing(self, item: ListingItem) -> None:
        assert self.store is not None
        self.stats[f"{item.kind}s_read"] += 1
        error_kind, error = None, None
        if item.errors:
            error_kind, error = f"bad_{item.kind}", "; ".join(item.errors)
        elif item.skipped:  # recorded where it happened, so the analyst can widen them
            error_kind = "listing_budget"
            error = f"{item.skipped} of its sitemaps not read: {item.skip_reason}"
        if error_kind:
            self.errors[error_kind] += 1
        self.store.record_fetch(
            FetchRecord(
                url=item.url,
                run_id=self.run_id,
                status_code=item.status_code,
                bytes=item.body_bytes,
                page_status=item.kind,
                error_kind=error_kind,
                error=error,
            )
        )

    def counted_elsewhere(self) -> Counter[str]:
        """What other components counted in Scrapy's stats under SHARED_PREFIX."""
        counts: Counter[str] = Counter()
        if self.shared_stats is not None:
            for key, value in self.shared_stats.get_stats().items():
                if key.startswith(SHARED_PREFIX):
                    counts[key.removeprefix(SHARED_PREFIX)] = value
        return counts

    def summary(self) -> dict[str, Any]:
        counts = self.stats + self.counted_elsewhere()
        errors = Counter(self.errors)
        for key in [k for k in counts if k.startswith("error:")]:  # other pipelines' errors
            errors[key.removeprefix("error:")] += counts.pop(key)
        return {**dict(sorted(counts.items())), "errors": dict(sorted(errors.items()))}

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.store is None:
            return
        summary = self.summary()
        if self.run_id is not None and self.tally is None:
            summary["cpu_ms_crawl_process"] = _process_cpu_ms() - self.cpu_ms_at_open
            status, error = run_outcome(reason, summary)
            summary["close_reason"] = reason
            if self.lost:
                summary["lost"] = self.lost  # the next run fetches them again
            try:
                self.store.finish_run(self.run_id, status, summary, error)
            except Exception as exc:
                logger.error("could not record the end of run %d: %s", self.run_id, explain(exc))
                UNRECORDED_RUNS.append(self.run_id)
        logger.info("crawl closed (%s): %s", reason, summary)


def _process_cpu_ms() -> int:
    """This crawl process's CPU time so far (all its threads, not its analysis pool)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round((usage.ru_utime + usage.ru_stime) * 1000)


def _snapshot(
    article: Article, canonical: str, aliases: tuple[tuple[str, str], ...]
) -> ArticleSnapshot:
    return ArticleSnapshot(
        canonical_url=canonical,
        outlet=outlet_of(canonical),
        title=article.title,
        text=article.text,
        text_hash=article.text_hash,
        authors=article.authors,
        published=article.published,
        modified=article.modified,
        site_name=article.site_name,
        language=article.language,
        description=article.description,
        tags=article.tags,
        aliases=aliases,
    )


class StoryPipeline:
    """Assigns each new or changed article version to its story cluster, then records
    its claims (new ones once, with where they were first seen; restatements as
    mentions; changed figures and corroborations as new claims linked to the earlier
    one: claims.matching).

    Its work is a step of the page's transaction (the store pipeline runs it:
    crawler.writer), so a page is stored with its story or not at all. Workers sharing
    a run take the story lock in that transaction (until it commits) and catch up on
    what the others stored first; the claims were found in the analysis pool (the lock
    is only around the decisions). WIREWATCH_CLUSTERING = False or
    WIREWATCH_CLAIMS = False switches either part off. The cluster index is rebuilt
    from the stored signatures when the crawl opens (crawler.clustering).
    """

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.clustering = settings.getbool("WIREWATCH_CLUSTERING", True)
        self.claiming = settings.getbool("WIREWATCH_CLAIMS", True)
        self.store: Store | None = None
        self.keeper: ClusterKeeper | None = None
        self.claims: ClaimsRecorder | None = None
        self.stats: Any = None  # Scrapy's stats collector
        # workers of one run take turns at the story decisions (Store.hold_story_lock)
        self.shared = settings.getbool("WIREWATCH_SHARED_STORIES")
        self.watch_id: int | None = settings.getint("WIREWATCH_WATCH_ID") or None
        self.out_of_step = ""  # why the story state can no longer be trusted, if it cannot
        self.crawler: Crawler | None = None
        self.writer: StoreWriter | None = None  # the crawl's (crawler.writer)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not (settings.getbool("WIREWATCH_CLUSTERING", True)
                or settings.getbool("WIREWATCH_CLAIMS", True)):  # fmt: skip
            raise NotConfigured("clustering and claims are switched off")
        if not settings.get("WIREWATCH_DB_URL"):
            raise NotConfigured("WIREWATCH_DB_URL is not set")
        pipeline = cls(settings)
        pipeline.stats = crawler.stats
        pipeline.crawler = crawler
        pipeline.writer = writer_for(crawler)
        pipeline.writer.page_steps.append(pipeline.write)
        pipeline.writer.after_failed_page.append(pipeline.forget_unstored)
        return pipeline

    def open_spider(self) -> None:
        assert self.crawler is not None
        self.store = store_for(self.crawler)
        if self.clustering:
            shared = optional_component(self.crawler, "WIREWATCH_STORY_STATE")
            self.keeper = ClusterKeeper.load(self.store, shared=shared)
        if self.claiming:
            self.claims = ClaimsRecorder(self.store, self.watch_id, self.stats)
            self.claims.catch_up()
        if not self.shared:  # on its own: workers share runs, and their own bookkeeping
            self.redo_unfinished()

    def redo_unfinished(self) -> None:
        """The story work of versions stored without it (a crawl that died between the
        page and its story, a failed write): clustered and their claims recorded now,
        oldest first, as if they had just arrived."""
        watch_id = self.settings.getint("WIREWATCH_WATCH_ID") or None
        if self.store is None or self.keeper is None or watch_id is None:
            return
        since = self.store.clock() - self.keeper.config.window
        unfinished = self.store.unsigned_versions(watch_id, since)
        for version_id in unfinished:
            detail = self.store.version_facts(version_id)
            if detail is None:
                continue
            facts = ArticleFacts(**detail)
            found = extract_claims(facts.text) if self.claims is not None else []
            self.redo(facts, found)
        if unfinished:
            logger.warning("finished the story work of %d stored versions that lacked it",
                           len(unfinished))  # fmt: skip

    def redo(self, facts: ArticleFacts, found: list[Claim]) -> None:
        """One unfinished version's story work, in a transaction of its own (tried again
        while the database is busy, as long as nothing else changed)."""
        assert self.store is not None and self.writer is not None
        writer = self.writer
        writer.state_changed = False
        repeat_transaction(self.store, lambda: self.story(facts.article_id, facts.version_id,
                                                          facts, found),
                           lambda: not writer.state_changed)  # fmt: skip

    def write(self, item: PageItem) -> None:
        """Cluster a new or changed version and record its claims: a step of the page's
        transaction (in the crawl's writer thread)."""
        if item.version_id is None or item.article_id is None:
            return  # an unchanged text, or not an article
        if item.analysis.extraction.article is None:
            return
        if self.out_of_step:
            raise RuntimeError(f"the crawl's story state is out of step with the database "
                               f"({self.out_of_step}); the next run redoes this page")  # fmt: skip
        facts = self.facts(item) if self.keeper is not None else None
        found = list(item.analysis.claims) if self.claims is not None else []
        item.cluster_id = self.story(item.article_id, item.version_id, facts, found)

    def story(self, article_id: int, version_id: int, facts: ArticleFacts | None,
              found: list[Claim]) -> int | None:  # fmt: skip
        """Cluster one version (given its facts) and record its claims, in the
        enclosing transaction; its signature is stored last."""
        assert self.store is not None and self.store.in_atomic()
        if self.shared:
            assert self.watch_id is not None, "workers crawl a stored watch"
            self.store.hold_story_lock(self.watch_id)
            self.catch_up()  # what others committed: safe to repeat
        if self.writer is not None:  # from here on, a failed page cannot be tried again
            self.writer.state_changed = True
        cluster_id, signed = None, None
        if self.keeper is not None and facts is not None:
            cluster_id, signed = self.keeper.add(facts)
        if self.claims is not None:
            self.claims.record(found, article_id, version_id, cluster_id)
        if signed is not None:
            signed()
        return cluster_id

    def forget_unstored(self) -> None:
        """After a page's transaction failed with its story work done in memory (or in
        Redis): reload what the database holds, or stop trusting the state."""
        try:
            if self.keeper is not None:
                self.keeper.forget_unstored()
            if self.claims is not None:
                self.claims.forget_unstored()
        except Exception as exc:
            self.out_of_step = f"it could not be reloaded: {explain(exc)}"
            logger.error("the story state could not be reloaded: %s", explain(exc))

    def catch_up(self) -> None:
        if self.keeper is not None:
            self.keeper.catch_up()
        if self.claims is not None:
            self.claims.catch_up()

    def facts(self, item: PageItem) -> ArticleFacts | None:
        assert self.store is not None and item.article_id is not None
        detail = self.store.article_facts(item.article_id)
        if detail is None or item.version_id is None:
            return None
        return ArticleFacts(item.article_id, item.version_id, **detail)


class ClaimsRecorder:
    """The claims part of StoryPipeline: the watch's known claims, matched and stored."""

    def __init__(self, store: Store, watch_id: int | None, stats: Any) -> None:
        self.store = store
        self.watch_id = watch_id
        self.known = KnownClaims()
        # Scrapy's stats: the store pipeline adds these counts to the run's (and, with
        # workers, sends them to the run's tally with its own, one round trip a page,
        # after the page's transaction committed)
        self.stats = stats

    def catch_up(self) -> None:
        """Add the claims recorded since the last look (by other workers, if any)."""
        after = self.known[-1].id if self.known else 0
        for c in self.store.load_claims(self.watch_id, after_id=after):
            known = KnownClaim.of(c["id"], c["speaker_key"], c["content"], c["quantities"],
                                  c["sentence"])  # fmt: skip
            self.known.append(known)

    def forget_unstored(self) -> None:
        """Known claims again from the database only (a page's transaction failed)."""
        self.known = KnownClaims()
        self.catch_up()

    def record(self, found: list[Claim], article_id: int, version_id: int,
               cluster_id: int | None) -> None:  # fmt: skip
        """Match each claim found in a text against the known ones (and those new
        earlier in the same text), then store them all in one transaction."""
        entries: list[ClaimEntry] = []
        counts: Counter[str] = Counter()
        known_before = len(self.known)
        for claim in found:
            quantities = [q.to_json() for q in claim.quantities]
            known = KnownClaim.of(0, claim.speaker_key, claim.content, quantities,
                                  claim.sentence)  # fmt: skip
            mentioned = frozenset(q["value"] for q in quantities)
            match = self.known.match(claim.speaker_key, claim.content, known.figures,
                                     mentioned, known.measures, known.superseded)  # fmt: skip
            if match.kind is MatchKind.MENTION and match.claim_id is not None:
                entries.append(ClaimEntry(claim.start, claim_id=match.claim_id))
                counts["claim_mentions"] += 1
                continue
            relation = None if match.kind is MatchKind.NEW else match.kind.value
            new = NewClaim(claim.speaker, claim.speaker_key, claim.cue, claim.content,
                           claim.sentence, claim.quote, quantities, relation,
                           match.claim_id)  # fmt: skip
            provisional = -1 - len(entries)
            entries.append(ClaimEntry(claim.start, new=new, provisional_id=provisional))
            self.known.append(replace(known, id=provisional))
            counts[f"claims_{relation or 'new'}"] += 1
        if not entries:
            return
        try:
            ids = self.store.record_claims(self.watch_id, cluster_id, article_id, version_id,
                                           entries)  # fmt: skip
        except Exception:
            self.known.truncate(known_before)  # nothing of this text was stored
            raise
        self.known.renumber(known_before, ids)
        for key, amount in counts.items():
            self.count(key, amount)

    def count(self, key: str, amount: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(SHARED_PREFIX + key, amount)
