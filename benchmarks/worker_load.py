"""Load: pages per second with 1, 2 and 3 `wirewatch worker` processes on one run.

Serves N real pages of ../shared/corpus (repeated under distinct URLs) on loopback
hosts with news sitemaps, and for each worker count: a fresh schema on the PostgreSQL
server, one run queued for workers (fleet.service.queue_run), that many `wirewatch
worker --once` processes sharing it through Redis, timed from their start until the
run is finished. Prints one JSON object per worker count: pages fetched, wall time,
pages per second, how the pages were shared out, and the run's errors.

With --watches N, N watches are crawled at once, each over its share of the hosts,
the workers spread over them (`--watch`): what two watches gain from having a story
lock each.

Usage: python benchmarks/worker_load.py --db postgresql+psycopg://postgres@127.0.0.1/test
           --redis redis://127.0.0.1:6379/0 [--pages 5000] [--hosts 16] [--workers 1,2,3]
           [--watches 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from crawl_throughput import Site
from soak import load_pages
from sqlalchemy import create_engine, text

from fleet.keys import connect
from fleet.service import queue_run, wait_for_run
from storage import Store
from watches import parse_watch


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


def postgres_cpu_seconds() -> float:
    """CPU time of the PostgreSQL server on this machine so far: its live processes and
    the backends its postmaster has reaped (cutime, cstime)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text_ = stat.read_text()
        except OSError:
            continue
        name = text_[text_.index("(") + 1 : text_.rindex(")")]
        if name != "postgres" and not name.startswith("postgres:"):
            continue
        fields = text_[text_.rindex(")") + 2 :].split()
        # utime and stime, and cutime and cstime: the postmaster's reaped backends
        total += sum(int(value) for value in fields[11:15])
    return total / tick


def redis_figures(redis_url: str) -> tuple[float, int]:
    """(CPU seconds, commands processed) of the Redis server so far."""
    info = connect(redis_url).info()
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"]), int(
        info["total_commands_processed"]
    )


def one_load(
    bases: list[str], pages: int, db_url: str, redis_url: str, count: int, watches: int = 1
) -> dict[str, Any]:
    """`count` workers on one run, or (`watches` > 1) on that many runs at once, one
    per watch, each over its share of the hosts, the workers spread over them."""
    schema, url = fresh_schema(db_url)
    name = f"load-{uuid.uuid4().hex[:8]}"  # its own Redis keys
    names = [name] if watches == 1 else [f"{name}-{n + 1}" for n in range(watches)]
    try:
        store = Store.open(url)
        run_ids = [queue_run(_watch(watch, bases[n::watches], pages), store)
                   for n, watch in enumerate(names)]  # fmt: skip
        pg_before, (redis_cpu, redis_commands) = postgres_cpu_seconds(), redis_figures(redis_url)
        start = time.perf_counter()
        procs = [
            subprocess.Popen([sys.executable, "-m", "wirewatch", "worker", "--db", url,
                              "--redis", redis_url, "--once", "--no-progress",
                              "--name", f"{name}-w{i + 1}", "--log-level", "WARNING",
                              *(["--watch", names[i % watches]] if watches > 1 else [])])
            for i in range(count)
        ]  # fmt: skip
        codes = [proc.wait() for proc in procs]
        runs = [wait_for_run(store, run_id) for run_id in run_ids]
        store.close()
        wall = time.perf_counter() - start
        pg_cpu = postgres_cpu_seconds() - pg_before
        redis_after = redis_figures(redis_url)
    finally:
        drop_schema(db_url, schema)
    run = runs[0]
    if watches > 1:
        return _many_watches(runs, count, wall, codes)
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
        # per page, for the fleet model (benchmarks/README.md)
        "per_page": {
            "db_statements": round(run.stats.get("db_statements", 0) / max(fetched, 1), 1),
            "story_lock_ms": round(run.stats.get("story_lock_ms", 0) / max(fetched, 1), 2),
            "postgres_cpu_ms": round(pg_cpu * 1000 / max(fetched, 1), 2),
            "redis_cpu_ms": round((redis_after[0] - redis_cpu) * 1000 / max(fetched, 1), 2),
            "redis_commands": round((redis_after[1] - redis_commands) / max(fetched, 1), 1),
        },
    }


def _watch(name: str, bases: list[str], pages: int) -> Any:
    return parse_watch({"name": name, "sitemaps": [f"{b}/sitemap.xml" for b in bases],
                        "keywords": ["benchmark"], "depth": 0, "max_pages": pages,
                        "allow_private_addresses": True})  # fmt: skip


def _many_watches(runs: list[Any], count: int, wall: float, codes: list[int]) -> dict[str, Any]:
    fetched = [int(run.stats.get("pages_fetched", 0)) for run in runs]
    return {
        "workers": count,
        "watches": len(runs),
        "pages_fetched": sum(fetched),
        "pages_by_watch": fetched,
        "wall_seconds": round(wall, 1),
        "pages_per_second": round(sum(fetched) / wall, 1),
        "status": [run.status for run in runs],
        "exit_codes": codes,
        "story_lock_ms_per_page": round(
            sum(run.stats.get("story_lock_ms", 0) for run in runs) / max(sum(fetched), 1), 2
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a PostgreSQL URL (a schema per run)")
    parser.add_argument("--redis", required=True)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure")
    parser.add_argument("--watches", type=int, default=1,
                        help="runs of this many watches at once, the hosts and workers "
                             "shared out among them (default: one watch)")  # fmt: skip
    args = parser.parse_args()
    site = Site(load_pages(args.pages), args.hosts)
    bases = site.start()
    try:
        for count in (int(c) for c in args.workers.split(",")):
            result = one_load(bases, args.pages, args.db, args.redis, count, args.watches)
            print(json.dumps(result), flush=True)
    finally:
        site.stop()


if __name__ == "__main__":
    main()
