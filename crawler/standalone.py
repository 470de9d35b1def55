"""The watch spider started by Scrapy's own command, not by wirewatch:

    scrapy crawl watch -a watch=seeds/demo.toml [-s WIREWATCH_DB_URL=...] [-s ...]

does what `wirewatch crawl seeds/demo.toml` does, in Scrapy's process: the watch file
is read, the run is started (crawler.runs: the watch's crawl lock, dead runs closed, a
cut-short run carried on from) and the settings wirewatch's runner would give are set
on the crawler, before Scrapy freezes them, so every component runs as in a wirewatch
crawl. The lock is let go when the engine stops, after the run's end is recorded.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from crawler.resolver import GuardedResolver
from crawler.runs import start_run
from crawler.writer import store_for
from storage import Store
from storage.store import DEFAULT_DB_URL
from watches import Watch, WatchError, load_watch

USAGE = "scrapy crawl watch -a watch=seeds/demo.toml (a watch file; see the README)"


def start_standalone(crawler: Crawler, watch: Watch | str | None) -> dict[str, Any]:
    """Start a run for a spider that Scrapy's command created; returns the spider's
    arguments that go with it (the watch and its revisit plan)."""
    if watch is None:
        raise UsageError(f"which watch? {USAGE}")
    if isinstance(watch, str):
        try:
            watch = load_watch(watch)
        except WatchError as exc:
            raise UsageError(str(exc)) from exc
    settings = crawler.settings
    db_url = settings.get("WIREWATCH_DB_URL") or os.environ.get("WIREWATCH_DB") or DEFAULT_DB_URL
    settings.set("WIREWATCH_DB_URL", db_url, priority="spider")
    Store.open(db_url).close()  # a new database gets its tables, as `wirewatch crawl` does
    stack = ExitStack()
    started = stack.enter_context(start_run(watch, store_for(crawler)))
    crawler.signals.connect(lambda: stack.close(), signal=signals.engine_stopped, weak=False)
    settings.setdict(
        {
            "WIREWATCH_ALLOW_PRIVATE_ADDRESSES": watch.allow_private_addresses,
            "WIREWATCH_WATCH_ID": started.watch_id,
            "WIREWATCH_WATCH_NAME": watch.name,
            "WIREWATCH_RUN_ID": started.run_id,
        },
        priority="spider",
    )
    GuardedResolver.watch_allows_private = watch.allow_private_addresses
    return {"watch": watch, "revisit": started.revisit}
