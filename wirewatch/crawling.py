"""Crawl runs on the terminal: progress display and summaries."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from crawler.runner import CrawlOptions, run_crawl
from digest.outbox import AlertSending, send_alerts
from storage.errors import explain
from storage.store import RunInfo, Store
from watches import Watch
from wirewatch.output import plural, print_json

logger = logging.getLogger(__name__)
ERROR_KIND_WIDTH = 24
LISTING_ROWS = (
    ("feeds_read", "feeds read"),
    ("sitemaps_read", "sitemaps read"),
    ("robots_read", "robots.txt read"),
    ("links_offsite", "links not followed (off the watch's domains)"),
)


class CrawlProgress:
    """A one-line live display of crawls on stderr: pages, outcomes, the last URL.
    Feed it the crawl's events; with `show` False it does nothing."""

    def __init__(self, show: bool, max_pages: int | None = None) -> None:
        self.show = show
        self.max_pages = max_pages
        self.counts: Counter[str] = Counter()
        self.watch = ""
        self.last = Text("")
        self.console = Console(stderr=True)
        self.live: Live | None = None

    def __enter__(self) -> CrawlProgress:
        if self.show:
            self.live = Live(self.render(), console=self.console, refresh_per_second=8,
                             transient=True)  # fmt: skip
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def on_event(self, watch: str, event: dict[str, Any]) -> None:
        if watch != self.watch or event["kind"] == "start":  # a new crawl: count afresh
            self.watch, self.counts = watch, Counter()
            self.last = Text("")
        if event["kind"] == "start":
            return
        self.counts[event["kind"]] += 1
        self.counts[event["outcome"]] += 1
        self.last = Text(event["url"], style="dim")
        if self.live is not None:
            self.live.update(self.render())

    def render(self) -> Text:
        counts = self.counts
        budget = f"/{self.max_pages}" if self.max_pages else ""
        line = Text.assemble(
            (f"crawling {self.watch}: ", "bold"),
            f"{counts['page'] + counts['error']}{budget} pages · ",
            (f"{counts['new']} new", "green"),
            " · ",
            f"{counts['updated']} updated · ",
            f"{counts['unchanged']} unchanged · ",
            (plural(counts["error"], "error"), "red"),
            " · ",
            self.last,
        )
        line.truncate(self.console.width, overflow="ellipsis")
        return line


def crawl_with_progress(
    watch: Watch,
    store: Store,
    settings: dict[str, Any],
    log_level: str,
    log_file: str | None,
    show_progress: bool,
) -> RunInfo:
    with CrawlProgress(show_progress, watch.max_pages) as progress:

        def on_event(event: dict[str, Any]) -> None:
            progress.on_event(watch.name, event)

        options = CrawlOptions(on_event, settings, log_level, log_file)
        return run_crawl(watch, store, options)


def send_alerts_of_run(store: Store, watch: Watch) -> list[AlertSending]:
    """Send what the run's alert rules found; a failure is logged, never raised: the
    alerts wait in the outbox for the next run (or `wirewatch alerts send`)."""
    try:
        return send_alerts(store, watch.name, watch.notify, watch.alert_every)
    except Exception as exc:
        logger.error("the alerts of %s were not sent: %s", watch.name, explain(exc))
        return []


def print_run_summary(run: RunInfo, fmt: str, alerts: Sequence[AlertSending] = ()) -> None:
    stats = run.stats
    if fmt == "json":
        print_json(
            {
                "run": run.id,
                "watch": run.watch,
                "status": run.status,
                "started_at": run.started_at.isoformat() + "Z",
                "finished_at": run.finished_at.isoformat() + "Z" if run.finished_at else None,
                "stats": stats,
                "error": run.error,
                "alerts": [dataclasses.asdict(a) for a in alerts],
            }
        )
        return
    console = Console()
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    console.print(
        Text.assemble(
            (f"Crawl run {run.id}", "bold"),
            " of watch ",
            (run.watch, "bold"),
            f": {run.status} in {seconds:.1f}s",
        )
    )
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_row("pages fetched", str(stats.get("pages_fetched", 0)))
    for outcome in ("new", "updated", "unchanged"):
        table.add_row(f"articles {outcome}", str(stats.get(f"articles_{outcome}", 0)))
    for key in sorted(stats):
        if key.startswith("pages_") and key != "pages_fetched":
            table.add_row(key.replace("_", " ").replace("pages ", "pages: "), str(stats[key]))
    for key, label in LISTING_ROWS:
        if stats.get(key):
            table.add_row(label, str(stats[key]))
    errors = stats.get("errors", {})
    table.add_row("errors", str(sum(errors.values())) if errors else "0")
    for kind, count in sorted(errors.items()):
        table.add_row(f"  {kind}", str(count))
    console.print(table)
    for sending in alerts:
        why = f": {sending.error}" if sending.error else ""
        line = f"alerts: {sending.alerts} {sending.status} to {sending.target}{why}"
        console.print(Text(line, style="red" if sending.status in ("failed", "pending") else ""))
    if run.error:
        console.print(Text(run.error, style="red"))


def print_article(detail: dict[str, Any]) -> None:
    console = Console()
    # page text is printed as Text, never as Rich markup: "[/b]" in a title would break it
    console.print(Text(detail["title"] or "", style="bold"))
    table = Table(show_header=False, box=None, padding=(0, 2))
    for key in (
        "id",
        "canonical_url",
        "outlet",
        "site_name",
        "authors",
        "published",
        "language",
        "first_seen",
        "last_seen",
        "status",
    ):
        value = detail.get(key)
        shown = ", ".join(value) if isinstance(value, list) else str(value or "")
        table.add_row(key, Text(shown))
    console.print(table)
    console.print("[bold]URLs[/]")
    for alias in detail["aliases"]:
        console.print(Text(f"  {alias['kind']:<9} {alias['url']}"), soft_wrap=True)
    console.print("[bold]Versions[/]")
    for version in detail["versions"]:
        console.print(f"  #{version['id']}  {version['seen_at']}  {version['words']} words")
    console.print()
    console.print(Text(detail["text"]), soft_wrap=False)
