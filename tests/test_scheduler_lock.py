"""Only one scheduler per database, on SQLite and PostgreSQL: a second one says so and
exits, and the lock dies with the process that held it (no stale lock after a crash)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scheduler import SchedulerError, WatchScheduler
from storage import Store
from tests.conftest import write_watch
from watches import load_watch


def _watch(tmp_path: Path, closed_port: int) -> Path:
    # a seed nobody answers: crawls end at once, and the schedule is what is tested
    return write_watch(tmp_path, "lonely", [f"http://127.0.0.1:{closed_port}/a"],
                       allowed_domains=["127.0.0.1"])  # fmt: skip


def test_a_second_scheduler_on_the_same_database_refuses(
    store_url: str, tmp_path: Path, closed_port: int
) -> None:
    watch = load_watch(_watch(tmp_path, closed_port))
    with Store.open(store_url) as store, WatchScheduler(store, [watch]) as first:
        first.open()
        with Store.open(store_url) as another:  # as another process would
            second = WatchScheduler(another, [watch])
            with pytest.raises(SchedulerError, match="another scheduler is already running"):
                second.open()
            second.close()
    # released with the first: a new one starts
    with Store.open(store_url) as store, WatchScheduler(store, [watch]) as third:
        third.open()


def test_a_second_scheduler_through_another_path_to_the_file_refuses(
    tmp_path: Path, closed_port: int
) -> None:
    watch = load_watch(_watch(tmp_path, closed_port))
    (tmp_path / "elsewhere").mkdir()
    with (
        Store.open(f"sqlite:///{tmp_path}/w.db") as store,  # makes the database file
        WatchScheduler(store, [watch]) as first,
    ):
        first.open()
        (tmp_path / "elsewhere" / "link.db").symlink_to(tmp_path / "w.db")
        for other in (f"sqlite:///{tmp_path}/elsewhere/link.db",
                      f"sqlite:///file:{tmp_path}/w.db?uri=true"):  # fmt: skip
            with Store.open(other) as another:
                second = WatchScheduler(another, [watch])
                with pytest.raises(SchedulerError, match="another scheduler is already running"):
                    second.open()
                second.close()


@pytest.mark.slow
def test_the_lock_dies_with_a_killed_scheduler(
    store_url: str, tmp_path: Path, closed_port: int
) -> None:
    watch = _watch(tmp_path, closed_port)
    command = [sys.executable, "-m", "wirewatch", "run", str(watch), "--db", store_url,
               "--workers", "0", "--state-dir", str(tmp_path / "state"),
               "--digest-dir", str(tmp_path / "digests")]  # fmt: skip
    service = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert service.stderr is not None
        deadline = time.monotonic() + 60
        while "scheduled recrawl:lonely" not in service.stderr.readline():
            assert time.monotonic() < deadline and service.poll() is None, "no scheduler"
        refused = subprocess.run([*command, "--once"], capture_output=True, text=True,
                                 timeout=60, cwd=tmp_path)  # fmt: skip
        assert refused.returncode == 1, refused.stderr
        assert "another scheduler is already running on this database" in refused.stderr
        service.send_signal(signal.SIGKILL)
        service.wait(30)
    finally:
        if service.poll() is None:
            service.kill()
        if service.stderr is not None:
            service.stderr.close()
    after_crash = subprocess.run([*command, "--once"], capture_output=True, text=True,
                                 timeout=120, cwd=tmp_path)  # fmt: skip
    # the lock died with it: this one runs its job (whose crawl of a closed port fails)
    assert "another scheduler" not in after_crash.stderr, after_crash.stderr
    assert "recrawl:lonely: failed" in after_crash.stdout and after_crash.returncode == 1
