"""Soak: does a crawl process's memory stay flat over a long crawl?

Serves N pages (the real pages of ../shared/corpus, repeated under distinct URLs, so
repeats are syndicated copies to the deduplicator) on loopback hosts with news
sitemaps, crawls them all in one run (fetch, extract, store into SQLite, cluster,
claims), and samples the resident memory of the crawl process and of its extraction
workers every `--every` pages. Prints the samples and the growth after warm-up (the
highest sample after the first one past `--warmup` pages, against that one) as JSON.

With --edit, every page is a light edit of its corpus page (a token of its own ends
each paragraph), so that no two pages have the same text and every one is held in the
near-duplicate index, as syndicated copies with edits are; without it, repeats are exact
copies, which the deduplicator holds once.

With --redis (and --db, PostgreSQL or SQLite), the crawl is one `wirewatch worker`'s:
the run is queued for workers and this process works on it, as the worker would.

Usage: python benchmarks/soak.py [--pages 20000] [--hosts 16] [--every 1000] [--edit]
           [--db URL --redis URL]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from crawl_throughput import CORPUS, Site

from crawler.runner import CrawlOptions, run_crawl
from fleet.service import join_run, queue_run, wait_for_run
from storage import Store
from storage.store import RunInfo
from watches import parse_watch

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
PARAGRAPH_END = re.compile(rb"</p>", re.IGNORECASE)


def load_pages(count: int) -> list[tuple[str, bytes]]:
    """`count` pages cycling over the corpus; repeats share one bytes object."""
    records = [json.loads(line) for line in (CORPUS / "manifest.jsonl").open()]
    bodies = [gzip.decompress((CORPUS / r["file"]).read_bytes()) for r in records]
    return [(f"p{i}", bodies[i % len(bodies)]) for i in range(count)]


def edit_page(path: str, body: bytes) -> bytes:
    """The body with a token naming the page at the end of each paragraph."""
    token = f" ref{path.rsplit('/', 1)[-1].removesuffix('.html')}</p>".encode()
    return PARAGRAPH_END.sub(token, body)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _rss_mb(pid: int) -> float:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return round(pages * PAGE_SIZE / 2**20, 1)


def _descendants(pid: int) -> list[int]:
    children = _children(pid)
    return children + [d for c in children for d in _descendants(c)]


def sample() -> dict[str, float]:
    """RSS of the crawl process (this process's child) and of everything under it: the
    extraction workers (children of a forkserver) and the forkserver."""
    crawlers = _children(os.getpid())
    workers = [w for c in crawlers for w in _descendants(c)]
    return {
        "crawl_mb": sum(_rss_mb(c) for c in crawlers),
        "workers_mb": sum(_rss_mb(w) for w in workers),
    }


def crawl(watch: Any, db_url: str, redis_url: str | None, on_event: Any) -> RunInfo:
    """One crawl of the watch: in a crawl process of its own, or as a worker."""
    with Store.open(db_url) as store:
        if redis_url is None:
            return run_crawl(watch, store, CrawlOptions(on_event))
        run_id = queue_run(watch, store)
        queued = store.get_run(run_id)
        join_run(queued, watch, store, redis_url, "soak-worker", CrawlOptions(on_event))
        return wait_for_run(store, run_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--every", type=int, default=1000, help="pages between samples")
    parser.add_argument("--warmup", type=int, default=2000, help="pages before the baseline")
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    parser.add_argument(
        "--edit", action="store_true", help="make every page a distinct light edit of its source"
    )
    parser.add_argument(
        "--redis", default=None, help="crawl as one `wirewatch worker` sharing this Redis"
    )
    args = parser.parse_args()
    site = Site(load_pages(args.pages), args.hosts, edit_page if args.edit else None)
    bases = site.start()
    watch = parse_watch({
        "name": "soak", "sitemaps": [f"{b}/sitemap.xml" for b in bases],
        "keywords": ["benchmark"], "depth": 0, "max_pages": args.pages,
        "allow_private_addresses": True,
    })  # fmt: skip
    db_url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='wirewatch-soak-')) / 'soak.db'}"
    samples: list[dict[str, Any]] = []
    seen = 0
    began = time.perf_counter()

    def on_event(event: dict[str, Any]) -> None:
        nonlocal seen
        if event["kind"] in ("page", "error"):
            seen += 1
            if seen % args.every == 0:
                took = round(time.perf_counter() - began, 1)
                samples.append({"pages": seen, "seconds": took, **sample()})
                print(json.dumps(samples[-1]), flush=True)

    try:
        run = crawl(watch, db_url, args.redis, on_event)
    finally:
        site.stop()
    base = next((s for s in samples if s["pages"] >= args.warmup), None)
    after = [s for s in samples if base and s["pages"] > base["pages"]]
    # the peak after warm-up, not the last sample: the last may be taken as the
    # extraction workers exit at the end of the run
    peak = {key: max((s[key] for s in after), default=0.0) for key in ("crawl_mb", "workers_mb")}
    growth = (
        {key: round(peak[key] / base[key] - 1, 3) for key in peak}
        if base and after and base["crawl_mb"] and base["workers_mb"]
        else None
    )
    store = Store.open(db_url)
    tables = ("articles", "cluster_members", "story_clusters", "claims")
    # every article is a member of one story: fewer members than articles means pages
    # whose clustering failed (their errors are in the log)
    held = {table: store.count(table) for table in tables}
    store.close()
    print(json.dumps({
        "status": run.status, "pages_fetched": run.stats.get("pages_fetched"), "stored": held,
        "seconds": round(time.perf_counter() - began, 1), "baseline": base,
        "peak_after_warmup": peak, "last": samples[-1] if samples else None,
        "growth_after_warmup": growth,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
