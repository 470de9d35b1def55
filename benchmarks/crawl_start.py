"""What it costs to start a crawl: the wall time of short crawls, one after another.

Each crawl runs in a process of its own (crawler.runner). Its start used to be a new
interpreter importing Scrapy, Twisted, trafilatura and our modules (multiprocessing's
spawn); it is now forked from a fork server that imported them once
(crawler.runner.CRAWL_PRELOAD). This script times the same crawls both ways, in one run,
so the two figures are comparable: a watch whose one seed is a loopback port nobody
listens on, so the crawl is its start, robots.txt's retries and its end.

Usage: python benchmarks/crawl_start.py [--crawls 6] [--extraction-workers 0,1]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from crawler import runner
from crawler.runner import CrawlOptions, run_crawl
from storage import Store
from watches import parse_watch


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def time_crawls(method: str, crawls: int, workers: int, folder: Path) -> dict[str, Any]:
    """`crawls` crawls started with `method` ('spawn', or 'forkserver': wirewatch's)."""
    if method == "spawn":
        runner.crawl_context = lambda: multiprocessing.get_context("spawn")  # type: ignore[assignment]
    watch = parse_watch(
        {
            "name": f"start-{method}-{workers}",
            "seeds": [f"http://127.0.0.1:{closed_port()}/a"],
            "keywords": ["k"],
            "allow_private_addresses": True,
        }
    )
    seconds = []
    with Store.open(f"sqlite:///{folder / f'{method}-{workers}.db'}") as store:
        for _ in range(crawls):
            options = CrawlOptions(settings={"WIREWATCH_EXTRACTION_WORKERS": workers})
            began = time.perf_counter()
            run_crawl(watch, store, options)
            seconds.append(time.perf_counter() - began)
    return {
        "start_method": method,
        "extraction_workers": workers,
        "first_crawl_s": round(seconds[0], 2),
        "later_crawls_median_s": round(statistics.median(seconds[1:]), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crawls", type=int, default=6, help="crawls per start method")
    parser.add_argument("--extraction-workers", default="0,1",
                        help="extraction pool sizes to try, comma-separated")  # fmt: skip
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        # the fork server first: once spawn is chosen, this process keeps it
        for method in ("forkserver", "spawn"):
            for workers in (int(w) for w in args.extraction_workers.split(",")):
                results.append(time_crawls(method, args.crawls, workers, Path(tmp)))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
