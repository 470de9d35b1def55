"""Scrapy's own tooling works on the project: `scrapy crawl watch -a watch=FILE` runs
one crawl of the watch into the database, with the same pipelines as `wirewatch crawl`
(articles, clusters, claims, the run's record), `-s` settings apply, `scrapy list` and
`scrapy check` run, and a missing watch is said plainly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newsroom import Newsroom
from tests.conftest import REPO
from tests.crawl_helpers import demo_watch_for, query


def scrapy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})  # fmt: skip


def test_scrapy_crawl_runs_one_crawl_into_the_database(newsroom: Newsroom, tmp_path: Path) -> None:
    watch = demo_watch_for(newsroom, tmp_path)
    db_url = f"sqlite:///{tmp_path / 'scrapy.db'}"
    done = scrapy("crawl", "watch", "-a", f"watch={watch}", "-s", f"WIREWATCH_DB_URL={db_url}",
                  "-s", "WIREWATCH_EXTRACTION_WORKERS=1", "-s", "LOG_LEVEL=WARNING")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert query(db_url, "select status from crawl_runs") == [("finished",)]
    assert query(db_url, "select count(*) from articles")[0][0] >= 5
    assert query(db_url, "select count(*) from claims")[0][0] > 0
    assert query(db_url, "select count(*) from cluster_members")[0][0] >= 5
    # and the same store answers wirewatch's commands
    from click.testing import CliRunner

    from wirewatch.cli import main

    listed = CliRunner().invoke(main, ["articles", "list", "--db", db_url, "--format", "json"])
    assert listed.exit_code == 0 and "North Korea" in listed.output


def test_the_database_comes_from_the_environment(newsroom: Newsroom, tmp_path: Path) -> None:
    watch = demo_watch_for(newsroom, tmp_path)
    db_url = f"sqlite:///{tmp_path / 'env.db'}"
    done = scrapy("crawl", "watch", "-a", f"watch={watch}", "-s", "LOG_LEVEL=ERROR",
                  env={"WIREWATCH_DB": db_url})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert query(db_url, "select count(*) from articles")[0][0] >= 5


def test_scrapy_list_check_and_a_missing_watch() -> None:
    assert scrapy("list").stdout.split() == ["watch"]
    checked = scrapy("check")
    assert checked.returncode == 0, checked.stderr[-2000:]
    missing = scrapy("crawl", "watch")
    assert missing.returncode != 0
    assert "which watch? scrapy crawl watch -a watch=" in missing.stderr
