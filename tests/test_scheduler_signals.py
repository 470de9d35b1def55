"""`wirewatch run` as a real long-running process: SIGTERM or SIGINT mid-crawl stops it
cleanly (what was stored stays, the run is marked interrupted), and the next start
carries on at once instead of waiting for the next interval."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import write_watch
from tests.crawl_helpers import descendants, gone, query
from tests.slow_site import PAGES


def _wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def _articles(db_url: str) -> int:
    try:
        return int(query(db_url, "select count(*) from articles")[0][0])
    except Exception:  # the database may not have its tables yet
        return 0


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_crawl_cleanly_and_the_next_start_carries_on(
    slow_site: str, tmp_path: Path, signum: int
) -> None:
    watch = write_watch(
        tmp_path, "slow", [f"{slow_site}/a/1"], allowed_domains=["127.0.0.1"],
        depth=5, max_pages=PAGES, recrawl_interval="6h",
        keywords=["north korean"],
    )  # fmt: skip
    db_url = f"sqlite:///{tmp_path / 'slow.db'}"
    command = [sys.executable, "-m", "wirewatch", "run", str(watch), "--db", db_url,
               "--workers", "0", "--digest-dir", str(tmp_path / "digests")]  # fmt: skip
    service = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert _wait_for(lambda: _articles(db_url) >= 2, timeout=60), "nothing was crawled"
        service.send_signal(signum)
        stdout, stderr = service.communicate(timeout=60)
    finally:
        if service.poll() is None:
            os.kill(service.pid, signal.SIGKILL)
    assert service.returncode == (130 if signum == signal.SIGINT else 0), stderr
    assert "recrawl:slow: interrupted" in stdout, stdout + stderr
    stored = _articles(db_url)
    assert 2 <= stored < PAGES
    (status,) = query(db_url, "select status from crawl_runs")[0]
    assert status == "interrupted"
    # nothing is due for six hours, but the interrupted crawl runs again at once
    again = subprocess.run(
        [*command, "--once"], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert again.returncode == 0, again.stderr
    assert "recrawl:slow: finished" in again.stdout, again.stdout + again.stderr
    assert _articles(db_url) == PAGES
    # carried on, not started again: no page was fetched twice
    assert query(db_url, "select url from fetches group by url having count(*) > 1") == []
    runs = query(db_url, "select status from crawl_runs order by id")
    assert [s for (s,) in runs] == ["interrupted", "finished"]


@pytest.mark.slow
def test_a_crawl_whose_command_is_killed_stops_and_is_marked_interrupted(
    slow_site: str, tmp_path: Path
) -> None:
    watch = write_watch(
        tmp_path, "slow", [f"{slow_site}/a/1"], allowed_domains=["127.0.0.1"],
        depth=5, max_pages=PAGES, keywords=["north korean"],
    )  # fmt: skip
    db_url = f"sqlite:///{tmp_path / 'slow.db'}"
    command = subprocess.Popen(
        [sys.executable, "-m", "wirewatch", "crawl", str(watch), "--db", db_url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    try:
        assert _wait_for(lambda: _articles(db_url) >= 2, timeout=60), "nothing was crawled"
        # the crawl, the fork server it was forked from, its extraction processes
        crawls = descendants(command.pid)
        command.kill()  # SIGKILL: no clean-up of its own
        command.wait()
        assert len(crawls) >= 3, "the crawl runs in a process of its own"
        assert _wait_for(lambda: all(gone(pid) for pid in crawls), timeout=30), (
            "the crawl went on without its command"
        )
    finally:
        if command.poll() is None:
            command.kill()
    assert _articles(db_url) < PAGES
    assert query(db_url, "select status from crawl_runs") == [("interrupted",)]
