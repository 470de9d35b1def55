"""The demo story replayed through the scheduler, deterministically, for digest tests.

One request at a time and extraction inline make the crawl order, and so every id in
the database, the same on every run; the newsroom's free ports are the one thing that
varies, and `normalise` takes them out."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path

from newsroom import Newsroom
from newsroom.stories import DAYS
from scheduler import SchedulerOptions, WatchScheduler
from storage import Store
from tests.crawl_helpers import demo_watch_for
from watches import load_watch
from wirewatch.demo import DETERMINISTIC

_PORT = re.compile(r"(127\.0\.0\.\d+):\d+")


def replay_demo(tmp_path: Path) -> tuple[str, Path]:
    """(database URL, digest directory) after every newsroom day was run at 08:00."""
    db_url = f"sqlite:///{tmp_path / 'digest.db'}"
    options = SchedulerOptions(
        digest_dir=tmp_path / "digests",
        state_dir=tmp_path / "state",
        crawl_settings=DETERMINISTIC,
    )
    with Newsroom(port=0, day=0) as room:
        watch = load_watch(demo_watch_for(room, tmp_path, with_feeds=True, recrawl_interval="1h"))
        with Store.open(db_url) as store, WatchScheduler(store, [watch], options) as scheduler:
            for day, name in enumerate(DAYS):
                room.set_day(day)
                morning = datetime.combine(date.fromisoformat(name), time(8))
                if day == 0:
                    scheduler.open(now=morning)
                scheduler.run_due(now=morning)
    return db_url, tmp_path / "digests"


def normalise(text: str) -> str:
    return _PORT.sub(r"\1:PORT", text)
