"""A crawl never reports success while losing data, against a real local site and a real
SQLite file: nothing fetchable is a failed run; a database that stops taking writes
(read-only mid-run, a full disk) fails the run with a message and a non-zero exit, and
the next run fetches again what was lost; another process holding SQLite's write lock
for longer than the busy timeout costs nothing; a run whose whole process tree was
killed is found at the next start and redone once, within its page budget."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import write_watch
from tests.crawl_helpers import descendants, query
from tests.slow_site import PAGES
from wirewatch.cli import main

ARTICLE_URLS = "select canonical_url from articles order by canonical_url"


def _chain(tmp_path: Path, slow_site: str, **extra: object) -> Path:
    return write_watch(tmp_path, "chain", [f"{slow_site}/a/1"], depth=5,
                       allowed_domains=["127.0.0.1"], **extra)  # fmt: skip


def _crawl(watch: Path, db_url: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "wirewatch", "crawl", str(watch), "--db", db_url,
               "--format", "json", "--workers", "1", "--no-progress"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip


def _wait_for_articles(db_path: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if query(f"sqlite:///{db_path}", "select count(*) from articles")[0][0] >= count:
                return
        except Exception:  # the database is being made
            pass
        time.sleep(0.1)
    raise AssertionError(f"no {count} articles stored: {process.poll()}")


def test_a_crawl_that_fetches_nothing_fails_with_one_line(tmp_path: Path, closed_port: int) -> None:
    seeds = [f"http://127.0.0.1:{closed_port}/north-korea-{n}" for n in range(3)]
    watch = write_watch(tmp_path, "down", seeds, allowed_domains=["127.0.0.1"])
    command = [sys.executable, "-m", "wirewatch", "crawl", str(watch), "--db",
               f"sqlite:///{tmp_path / 'd.db'}", "--no-progress"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr and "Gave up retrying" not in done.stderr
    assert "nothing could be fetched: 3 connection_refused" in done.stdout + done.stderr
    assert len(done.stderr.splitlines()) <= 2, done.stderr


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A folder on a tmpfs of its own (root only), unmounted afterwards."""
    folder = tmp_path / "fs"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a file system needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def immutable_files() -> Iterator[list[Path]]:
    """Files made read-only even for root (chattr +i, on a file system that has it),
    made writable again afterwards."""
    if os.geteuid() != 0 or not shutil.which("chattr"):
        pytest.skip("making a file immutable needs root and chattr")
    made: list[Path] = []
    yield made
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def _freeze(paths: list[Path], made: list[Path]) -> None:
    for path in paths:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"chattr +i refused here: {done.stderr.decode().strip()}")
        made.append(path)


def _broken_midway(database: Path, watch: Path, break_it: Callable[[], None]) -> str:
    """Crawl the chain; once two pages are stored, break the database's storage. The
    crawl must fail with a message; returns what it said on stderr."""
    process = _crawl(watch, f"sqlite:///{database}")
    _wait_for_articles(database, 2, process)
    break_it()
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, (out, err)
    assert "Traceback" not in err and "Error:" in err, err
    return err


def _next_run_gets_everything(watch: Path, db_url: str) -> None:
    stored = query(db_url, ARTICLE_URLS)
    assert 2 <= len(stored) < PAGES
    again = CliRunner().invoke(main, ["crawl", str(watch), "--db", db_url, "--format", "json",
                                      "--workers", "1"])  # fmt: skip
    assert again.exit_code == 0, again.output
    after = query(db_url, ARTICLE_URLS)
    assert len(after) == PAGES and len(set(after)) == PAGES  # all, each once
    assert set(stored) <= set(after)
    runs = query(db_url, "select status, resumed_from from crawl_runs order by id")
    assert runs[0][0] in ("failed", "interrupted") and runs[-1] == ("finished", 1)


def test_a_database_made_read_only_mid_run_fails_it_and_the_next_run_recovers(
    immutable_files: list[Path], slow_site: str, tmp_path: Path
) -> None:
    database = tmp_path / "w.db"
    watch = _chain(tmp_path, slow_site)
    files = [database, Path(f"{database}-wal")]
    _broken_midway(database, watch, lambda: _freeze(files, immutable_files))
    for path in immutable_files:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    _next_run_gets_everything(watch, f"sqlite:///{database}")


def _fill(path: Path) -> None:
    with open(path, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 1024 * 1024)
                out.flush()
        except OSError:
            pass


def test_a_full_disk_fails_the_run_and_the_next_run_fetches_what_was_lost(
    small_fs: Path, slow_site: str, tmp_path: Path
) -> None:
    database = small_fs / "w.db"
    watch = _chain(tmp_path, slow_site)
    filler = small_fs / "filler"
    err = _broken_midway(database, watch, lambda: _fill(filler))
    assert "full" in err
    filler.unlink()
    _next_run_gets_everything(watch, f"sqlite:///{database}")


@pytest.mark.slow
def test_a_write_lock_held_past_the_busy_timeout_loses_nothing(
    slow_site: str, tmp_path: Path
) -> None:
    """Another process holds SQLite's write lock past the busy timeout (here set to 3 s
    by the URL; 30 s by default) in the middle of a crawl: every page is stored and
    clustered, and the run finishes."""
    import sqlite3

    database = tmp_path / "w.db"
    busy_timeout = 3
    watch = _chain(tmp_path, slow_site)
    process = _crawl(watch, f"sqlite:///{database}?timeout={busy_timeout}")
    _wait_for_articles(database, 1, process)
    holder = sqlite3.connect(database, isolation_level=None, timeout=60, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(busy_timeout + 2, holder.rollback)
    released.start()
    try:
        out, err = process.communicate(timeout=300)
    finally:
        released.join()
        holder.close()
    assert process.returncode == 0, (out, err)
    assert "database busy" in err  # the lock did outlast the busy timeout
    db_url = f"sqlite:///{database}"
    assert query(db_url, "select count(*) from articles") == [(PAGES,)]
    unclustered = query(db_url, "select count(*) from article_versions v left join signatures s "
                                "on s.version_id = v.id where s.version_id is null")  # fmt: skip
    assert unclustered == [(0,)]
    assert query(db_url, "select status from crawl_runs") == [("finished",)]


@pytest.mark.slow
def test_a_killed_scheduler_and_crawl_are_redone_once_within_the_budget(
    slow_site: str, tmp_path: Path
) -> None:
    budget = 4
    database = tmp_path / "w.db"
    db_url = f"sqlite:///{database}"
    watch = _chain(tmp_path, slow_site, max_pages=budget)
    command = [sys.executable, "-m", "wirewatch", "run", str(watch), "--db", db_url,
               "--workers", "1", "--no-progress", "--state-dir", str(tmp_path / "state"),
               "--digest-dir", str(tmp_path / "digests")]  # fmt: skip
    service = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)  # fmt: skip
    _wait_for_articles(database, 2, service)  # type: ignore[arg-type]
    tree = [service.pid, *descendants(service.pid)]  # the scheduler, its crawl, its pool
    for pid in tree:
        os.kill(pid, signal.SIGKILL)
    service.wait(30)
    assert service.stdout is not None and service.stderr is not None
    service.stdout.close()
    service.stderr.close()
    assert query(db_url, "select status from crawl_runs") == [("running",)]
    again = subprocess.run([*command, "--once"], capture_output=True, text=True, timeout=180)
    assert again.returncode == 0, again.stderr
    runs = query(db_url, "select id, status, error, resumed_from from crawl_runs order by id")
    assert runs[0][1] == "interrupted" and "process died" in runs[0][2]
    assert runs[1][1:] == ("finished", None, 1)
    pages = query(db_url, "select count(distinct url) from fetches where url not like '%/a/1'")
    assert pages[0][0] <= budget  # within the one budget, the seed fetched twice apart
    assert query(db_url, "select count(*) from articles")[0][0] == budget


def test_a_page_whose_story_cannot_be_stored_is_stored_whole_or_not_at_all(
    slow_site: str, tmp_path: Path
) -> None:
    """The database refuses the third page's signature (a trigger), after that page's
    article, version, cluster and claims were written in the same transaction: all of
    it is rolled back, the crawl's story state is reloaded from what the database
    holds, the run fails with the reason, and the next run stores every page once,
    each with its story."""
    import sqlite3

    from storage import Store

    database = tmp_path / "w.db"
    db_url = f"sqlite:///{database}"
    Store.open(db_url).close()
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TRIGGER refuse_third BEFORE INSERT ON signatures "
            "WHEN (SELECT count(*) FROM signatures) >= 2 "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )
    watch = _chain(tmp_path, slow_site)
    process = _crawl(watch, db_url)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 1, (out, err)
    assert "refused by the test" in err and "already added" not in err, err
    assert "rebuilt from 2 stored signatures after a failed write" in err, err
    assert query(db_url, "select count(*) from articles") == [(2,)]
    half_stored = query(db_url, "select count(*) from article_versions v left join signatures s "
                                "on s.version_id = v.id where s.version_id is null")  # fmt: skip
    assert half_stored == [(0,)]
    assert query(db_url, "select count(*) from cluster_members") == [(2,)]
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER refuse_third")
    _next_run_gets_everything(watch, db_url)
    unsigned = query(db_url, "select count(*) from article_versions v left join signatures s "
                             "on s.version_id = v.id where s.version_id is null")  # fmt: skip
    assert unsigned == [(0,)]
    assert query(db_url, "select count(*) from cluster_members") == [(PAGES,)]
