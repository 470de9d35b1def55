"""Load: pages per second with 1, 2 and 3 `wirewatch worker` processes on one run.

Serves N real pages of ../shared/corpus (repeated under distinct URLs) on loopback
hosts with news sitemaps, and for each worker count: a fresh schema on the PostgreSQL
server, one run queued for workers (fleet.service.queue_run), that many `wirewatch
worker --once` processes sharing it through Redis, timed from their start until the
run is finished. Prints one JSON object per worker count: pages fetched, wall time,
pages per second, how the pages were shared out, and the run's errors.

Usage: python benchmarks/worker_load.py --db postgresql+psycopg://postgres@127.0.0.1/test
           --redis redis://127.0.0.1:6379/0 [--pages 5000] [--hosts 16] [--workers 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from typing import Any

from crawl_throughput import Site
from soak import load_pages
from sqlalchemy import create_engine, text

from crawler.watch import parse_watch
from fleet.service import queue_run, wait_for_run
from storage import Store


def fresh_schema(db_url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in db_url else "?"
    return schema, f"{db_url}{separator}options=-csearch_path%3D{schema}"


def drop_schema(db_url: str, schema: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def one_load(
    bases: list[str], pages: int, db_url: str, redis_url: str, count: int
) -> dict[str, Any]:
    schema, url = fresh_schema(db_url)
    name = f"load-{uuid.uuid4().hex[:8]}"  # its own Redis keys
    watch = parse_watch({"name": name, "sitemaps": [f"{b}/sitemap.xml" for b in bases],
                         "keywords": ["benchmark"], "depth": 0, "max_pages": pages,
                         "allow_private_addresses": True})  # fmt: skip
    try:
        Store.open(url).close()
        run_id = queue_run(watch, url)
        start = time.perf_counter()
        procs = [
            subprocess.Popen([sys.executable, "-m", "wirewatch", "worker", "--db", url,
                              "--redis", redis_url, "--once", "--no-progress",
                              "--name", f"{name}-w{i + 1}", "--log-level", "WARNING"])
            for i in range(count)
        ]  # fmt: skip
        codes = [proc.wait() for proc in procs]
        run = wait_for_run(url, run_id)
        wall = time.perf_counter() - start
    finally:
        drop_schema(db_url, schema)
    fetched = int(run.stats.get("pages_fetched", 0))
    return {
        "workers": count,
        "pages_fetched": fetched,
        "wall_seconds": round(wall, 1),
        "pages_per_second": round(fetched / wall, 1),
        "status": run.status,
        "exit_codes": codes,
        "pages_by_worker": run.stats.get("workers"),
        "errors": run.stats.get("errors"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL (a schema per run)")
    parser.add_argument("--redis", required=True)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure")
    args = parser.parse_args()
    site = Site(load_pages(args.pages), args.hosts)
    bases = site.start()
    try:
        for count in (int(c) for c in args.workers.split(",")):
            print(json.dumps(one_load(bases, args.pages, args.db, args.redis, count)), flush=True)
    finally:
        site.stop()


if __name__ == "__main__":
    main()
