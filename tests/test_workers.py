"""Several `wirewatch worker` processes on one run, against the real services: the
PostgreSQL server of WIREWATCH_TEST_PG and the Redis server of WIREWATCH_TEST_REDIS
(skipped when unset).

* Three workers store the same articles, versions, clusters and claims as one process
  crawling the same newsroom days.
* A worker killed with SIGKILL mid-crawl and restarted: no page lost, none stored
  twice, the run finished with its pages counted.
* Redis restarted mid-crawl: the workers reconnect and the run finishes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from crawler.runner import CrawlOptions, run_crawl
from fleet.service import queue_run, wait_for_run
from newsroom import Newsroom
from newsroom.stories import DAYS
from storage import Store
from tests.conftest import write_watch
from tests.crawl_helpers import demo_watch_for, descendants, gone
from tests.slow_site import PAGES
from watches import load_watch

pytestmark = pytest.mark.slow

# The days replayed: the story breaking (day 2) and its figures moving (day 4), with
# the articles of day 2 due for a revisit on day 4.
REPLAYED_DAYS = (2, 4)
WORKER_TIMEOUT = 180


def morning(day: int) -> datetime:
    return datetime.combine(date.fromisoformat(DAYS[day]), clock_time(8))


@contextmanager
def workers(db_url: str, redis_url: str, names: list[str], *args: str) -> Iterator[list[Any]]:
    """`wirewatch worker --once` processes, each in its own process group."""
    command = [sys.executable, "-m", "wirewatch", "worker", "--db", db_url, "--redis",
               redis_url, "--once", "--workers", "1", "--no-progress", "--log-level", "WARNING",
               *args]  # fmt: skip
    procs = [subprocess.Popen([*command, "--name", name], start_new_session=True) for name in names]
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_all(procs: list[Any]) -> list[int]:
    return [proc.wait(WORKER_TIMEOUT) for proc in procs]


def query(db_url: str, sql: str) -> list[Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)))
    finally:
        engine.dispose()


def stored_outcome(db_url: str) -> dict[str, Any]:
    """What a crawl stored, in terms that do not depend on the order pages arrived in:
    ids and times left out, groupings compared as sets."""
    versions: dict[str, list[str]] = defaultdict(list)
    for url, status, text_hash in query(
        db_url,
        """
        select a.canonical_url, a.status, v.text_hash from articles a
        join article_versions v on v.article_id = a.id order by v.id""",
    ):
        versions[f"{url} [{status}]"].append(text_hash)
    clusters: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for cluster, url, role in query(
        db_url,
        """
        select m.cluster_id, a.canonical_url, m.role from cluster_members m
        join story_clusters c on c.id = m.cluster_id and c.merged_into is null
        join articles a on a.id = m.article_id""",
    ):
        clusters[cluster].add((url, role))
    claims: dict[int, set[tuple[str, str, int]]] = defaultdict(set)
    speakers: dict[int, str] = {}
    for claim, speaker, url, text_hash, start in query(
        db_url,
        """
        select c.id, c.speaker_key, a.canonical_url, v.text_hash, m.start from claims c
        join claim_mentions m on m.claim_id = c.id
        join articles a on a.id = m.article_id
        join article_versions v on v.id = m.version_id""",
    ):
        claims[claim].add((url, text_hash, start))
        speakers[claim] = speaker
    return {
        "versions": dict(versions),
        "clusters": {frozenset(members) for members in clusters.values()},
        "claims": {(speakers[c], frozenset(places)) for c, places in claims.items()},
    }


def test_three_workers_store_what_one_process_stores(
    tmp_path: Path, pg_url: str, redis_url: str
) -> None:
    name = f"eq-{uuid.uuid4().hex[:8]}"  # its own Redis keys
    single_db = f"sqlite:///{tmp_path / 'single.db'}"
    settings = {"WIREWATCH_EXTRACTION_WORKERS": 1}
    with Newsroom(port=0, day=0) as room:
        watch = load_watch(demo_watch_for(room, tmp_path, with_feeds=True, name=name,
                                          alerts=["figure_change", "new_outlet", "speaker:NIS"],
                                          notify=["json://127.0.0.1:9/hook"]))  # fmt: skip
        with Store.open(single_db) as store:
            for day in REPLAYED_DAYS:
                room.set_day(day)
                run = run_crawl(watch, store, CrawlOptions(settings=settings, now=morning(day)))
                assert run.status == "finished", run
        with Store.open(pg_url) as store:
            for day in REPLAYED_DAYS:
                room.set_day(day)
                run_id = queue_run(watch, store, now=morning(day))
                now = morning(day).strftime("%Y-%m-%dT%H:%M")
                # two requests in flight each, so that no worker takes the whole frontier
                with workers(pg_url, redis_url, ["w1", "w2", "w3"], "--now", now,
                             "--concurrency", "2") as procs:  # fmt: skip
                    assert wait_all(procs) == [0, 0, 0]
                run = wait_for_run(store, run_id)
                assert run.status == "finished", run
                assert len(run.stats["workers"]) >= 2, run.stats  # the pages were shared out
    single, shared = stored_outcome(single_db), stored_outcome(pg_url)
    assert sum(len(v) for v in single["versions"].values()) > len(single["versions"]), (
        "the replay should include an updated article"
    )
    assert shared["versions"] == single["versions"]
    assert shared["clusters"] == single["clusters"]
    assert len(shared["claims"]) == len(single["claims"]) > 20
    assert shared["claims"] == single["claims"]
    # the alerts of the second day, each recorded once with one pending delivery: the
    # same figure changes, outlets and NIS claims (where a syndicated claim or a new
    # outlet was seen first depends on the order pages came in: compared without it)
    single_alerts, shared_alerts = recorded_alerts(single_db), recorded_alerts(pg_url)
    assert shared_alerts == single_alerts and single_alerts["figure_change"]
    assert single_alerts["new_outlet"] and single_alerts["speaker:NIS"]
    deliveries = query(pg_url, "select count(*), count(distinct alert_id) from deliveries"
                               " where status = 'pending'")  # fmt: skip
    assert deliveries == [(sum(len(v) for v in shared_alerts.values()),) * 2]


def recorded_alerts(db_url: str) -> dict[str, list[str]]:
    """Alerts by rule: what a figure-change or speaker alert says (not the outlet it names
    last, in brackets), a new outlet's host."""
    found: dict[str, list[str]] = defaultdict(list)
    for rule, key, summary in query(db_url, "select rule, key, summary from alerts"):
        said = summary.rsplit(" (", 1)[0]
        found[rule].append(key.split(":", 1)[1] if rule == "new_outlet" else said)
    return {rule: sorted(values) for rule, values in found.items()}


def _slow_watch(tmp_path: Path, slow_site: str) -> Any:
    return load_watch(write_watch(tmp_path, f"slow-{uuid.uuid4().hex[:8]}",
                                  [f"{slow_site}/a/1"], depth=5, max_pages=PAGES,
                                  allowed_domains=["127.0.0.1"],
                                  keywords=["north korean"]))  # fmt: skip


def _wait_for_versions(db_url: str, count: int, procs: list[Any]) -> None:
    deadline = time.monotonic() + 60
    while query(db_url, "select count(*) from article_versions")[0][0] < count:
        assert time.monotonic() < deadline, "nothing was stored"
        assert all(p.poll() is None for p in procs), "a worker ended early"
        time.sleep(0.2)


def _assert_every_page_once(db_url: str, run_id: int, counted: bool = True) -> None:
    assert query(db_url, "select count(*) from articles")[0][0] == PAGES
    assert query(db_url, "select count(*) from article_versions")[0][0] == PAGES
    urls = [urlsplit(row[0]).path for row in query(db_url, "select canonical_url from articles")]
    assert sorted(urls) == [f"/a/{n}" for n in range(1, PAGES + 1)]
    with Store.open(db_url) as store:
        run = wait_for_run(store, run_id)
    assert run.status == "finished", run
    if counted:  # the run's counts, kept in Redis, add up across the crash
        assert run.stats["articles_new"] == PAGES
        assert run.stats["pages_fetched"] >= PAGES


def test_a_worker_killed_mid_crawl_and_restarted_loses_nothing(
    tmp_path: Path, pg_url: str, redis_url: str, slow_site: str
) -> None:
    with Store.open(pg_url) as store:
        run_id = queue_run(_slow_watch(tmp_path, slow_site), store)
    with workers(pg_url, redis_url, ["victim"]) as procs:
        _wait_for_versions(pg_url, 2, procs)
        below = descendants(procs[0].pid)  # its crawl, the fork server, the extraction
        assert len(below) >= 3
        os.killpg(procs[0].pid, signal.SIGKILL)
        procs[0].wait()
        deadline = time.monotonic() + 30
        while not all(gone(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in below if not gone(pid)] == [], "left running by a killed worker"
    assert query(pg_url, "select status from crawl_runs")[0][0] == "running"
    with workers(pg_url, redis_url, ["victim"]) as procs:  # restarted under its name
        assert wait_all(procs) == [0]
    _assert_every_page_once(pg_url, run_id)


REDIS_CONF = Path("/etc/redis/redis.conf")


def _restart_redis(url: str) -> None:
    parts = urlsplit(url)
    subprocess.run(["redis-cli", "-h", parts.hostname or "127.0.0.1", "-p",
                    str(parts.port or 6379), "shutdown", "nosave"], check=False,
                   timeout=30)  # fmt: skip
    time.sleep(2)
    subprocess.run(["redis-server", str(REDIS_CONF)], check=True, timeout=30)


def test_workers_reconnect_after_redis_restarts(
    tmp_path: Path, pg_url: str, redis_url: str, slow_site: str
) -> None:
    if shutil.which("redis-server") is None or not REDIS_CONF.exists() or os.geteuid() != 0:
        pytest.skip("restarting Redis needs Debian's redis-server and its config, as root")
    if urlsplit(redis_url).hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("only a Redis server on this machine is restarted")
    with Store.open(pg_url) as store:
        run_id = queue_run(_slow_watch(tmp_path, slow_site), store)
    with workers(pg_url, redis_url, ["r1", "r2"]) as procs:
        _wait_for_versions(pg_url, 2, procs)
        try:
            _restart_redis(redis_url)
        finally:
            subprocess.run(["redis-cli", "ping"], check=False, timeout=30)
        assert wait_all(procs) == [0, 0]
    # Redis lost the run's frontier and counts: the workers started it again from its
    # seed, and the pages stored before the restart came back unchanged, not as new
    # versions.
    _assert_every_page_once(pg_url, run_id, counted=False)
