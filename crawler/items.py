"""Typed items: what the spider hands to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field

from pages.analysis import PageAnalysis


@dataclass(slots=True)
class PageItem:
    """A page that answered: its HTTP facts and what analysis made of it."""

    url: str  # the URL as requested (after canonicalisation)
    final_url: str  # the URL that answered, after redirects
    status_code: int
    body_bytes: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    analysis: PageAnalysis
    redirect_urls: tuple[str, ...] = ()
    original_url: str | None = None  # the link as found, tracking parameters and all
    depth: int = 0
    # when the feed or news sitemap that listed the page says it was published
    listed_published: str | None = None
    outcome: str = ""  # set by the store pipeline: new | updated | unchanged | <page status>
    article_id: int | None = None  # set by the store pipeline
    version_id: int | None = None  # set when the text was new or changed
    cluster_id: int | None = None  # set by the cluster pipeline


@dataclass(slots=True)
class FetchFailedItem:
    """A request that gave no usable page: the kind of failure and what was said."""

    url: str
    kind: str
    message: str
    status_code: int | None = None
    depth: int | None = None  # for a page: its distance from the seeds


@dataclass(slots=True)
class ListingItem:
    """A feed or sitemap that was read, with how many entries it gave."""

    url: str
    kind: str
    status_code: int
    body_bytes: int
    entries: int
    matched: int
    errors: list[str] = field(default_factory=list)
    skipped: int = 0  # child sitemaps not read: over the run's listing limits
    skip_reason: str = ""


@dataclass(slots=True)
class NotModifiedItem:
    """A page that answered 304 to a conditional GET: nothing to extract."""

    url: str
    depth: int | None = None
