"""Faults against the real services. PostgreSQL restarted in the middle of a crawl:
the writes wait and retry with backoff (storage.common.retrying), the run ends in a
known state, and what was stored is consistent — every page once, every version with
its article, no run left "running"."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crawler.runner import CrawlOptions, run_crawl
from storage import Store
from tests.conftest import PG_URL, write_watch
from tests.slow_site import PAGES
from watches import load_watch

PG_CTLCLUSTER = shutil.which("pg_ctlcluster")


# Long enough that the crawl's writes meet a server that is down, not just a dropped
# connection that the pool's pre-ping would quietly replace.
DOWNTIME_SECONDS = 4


def _restart_postgres() -> None:
    """Stop the local cluster (Debian's pg_ctlcluster), wait, start it again."""
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True,
                              check=True).stdout.split()  # fmt: skip
    version, name = clusters[0], clusters[1]
    try:
        subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True,
                       timeout=60)  # fmt: skip
        time.sleep(DOWNTIME_SECONDS)
    finally:
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True, timeout=60)


@pytest.fixture()
def pg_schema_url() -> object:
    if not PG_URL:
        pytest.skip("set WIREWATCH_TEST_PG to a PostgreSQL URL to run the PostgreSQL tests")
    if PG_CTLCLUSTER is None or os.geteuid() != 0:
        pytest.skip("restarting PostgreSQL needs Debian's pg_ctlcluster, as root")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, pool_pre_ping=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.slow
def test_postgres_restart_during_a_crawl_loses_and_duplicates_nothing(
    slow_site: str, tmp_path: Path, pg_schema_url: str
) -> None:
    watch = load_watch(write_watch(tmp_path, "slow", [f"{slow_site}/a/1"], depth=5,
                                   max_pages=PAGES, allowed_domains=["127.0.0.1"],
                                   keywords=["north korean"]))  # fmt: skip
    store = Store.open(pg_schema_url)  # the schema, before anyone counts rows in it
    result: dict[str, object] = {}
    crawl = threading.Thread(
        target=lambda: result.update(run=run_crawl(
            watch, store, CrawlOptions(settings={"WIREWATCH_EXTRACTION_WORKERS": 0}))),
    )  # fmt: skip
    crawl.start()
    deadline = time.monotonic() + 60
    while _count(pg_schema_url, "select count(*) from article_versions") < 2:
        assert time.monotonic() < deadline and crawl.is_alive(), "nothing was stored"
        time.sleep(0.2)
    _restart_postgres()
    crawl.join(180)
    store.close()
    assert not crawl.is_alive()
    run = result["run"]
    assert run.status == "finished", run  # type: ignore[attr-defined]
    # every page of the chain stored once, with one version each, nothing orphaned
    assert _count(pg_schema_url, "select count(*) from articles") == PAGES
    assert _count(pg_schema_url, "select count(*) from article_versions") == PAGES
    assert _count(pg_schema_url, "select count(*) from (select canonical_url from articles "
                                 "group by canonical_url having count(*) > 1) d") == 0  # fmt: skip
    assert _count(pg_schema_url, "select count(*) from crawl_runs where status = 'running'") == 0
