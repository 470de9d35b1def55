"""`wirewatch crawl`: one crawl run of a watch."""

from __future__ import annotations

import dataclasses
import sys

import click

from wirewatch.edge import WirewatchCommand, WirewatchError, log_level
from wirewatch.options import (
    DB_OPTION,
    LOG_FILE_OPTION,
    PROGRESS_OPTION,
    WORKERS_OPTION,
    check_watches,
    load_watch_or_fail,
    open_store,
    table_or_json_option,
)


@click.command(cls=WirewatchCommand)
@click.argument("watch_file", type=click.Path(dir_okay=False))
@DB_OPTION
@table_or_json_option("Summary format.")
@WORKERS_OPTION
@click.option(
    "--max-pages",
    type=click.IntRange(1),
    default=None,
    help="Override the watch's page budget for this run.",
)
@LOG_FILE_OPTION
@PROGRESS_OPTION
def crawl(
    watch_file: str,
    db_url: str,
    fmt: str,
    workers: int | None,
    max_pages: int | None,
    log_file: str | None,
    progress: bool | None,
) -> None:
    """Crawl WATCH_FILE once and store what it finds.

    Fetches the seeds, follows on-topic related links up to the watch's depth, reads
    the outlets' feeds and news sitemaps, extracts every article and stores it, with
    a new version whenever its text changed. Prints a summary at the end. What the
    watch's alert rules found is then sent to its notify targets (a target that fails
    never fails the crawl: its alerts wait for the next run; see wirewatch alerts).

    Example: wirewatch crawl seeds/demo.toml --db sqlite:///news.db
    """
    from crawler.runs import CrawlBusy
    from wirewatch.crawling import crawl_with_progress, print_run_summary, send_alerts_of_run

    watch = load_watch_or_fail(watch_file)
    if max_pages is not None:
        watch = dataclasses.replace(watch, max_pages=max_pages)
    settings = {} if workers is None else {"WIREWATCH_EXTRACTION_WORKERS": workers}
    show = sys.stderr.isatty() if progress is None else progress
    with open_store(db_url) as store:  # and fail early, and clearly, on a bad database
        check_watches([watch], store)
        try:
            run = crawl_with_progress(watch, store, settings, log_level(), log_file, show)
        except CrawlBusy as exc:
            raise WirewatchError(str(exc)) from exc
        alerts = send_alerts_of_run(store, watch)
    print_run_summary(run, fmt, alerts)
    if run.status == "failed":
        raise WirewatchError(f"crawl run {run.id} failed: {run.error or 'see the log'}")
    if run.status == "interrupted":
        sys.exit(130)


# --- articles --------------------------------------------------------------------------------
