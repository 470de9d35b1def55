"""Helpers for tests that crawl the newsroom through the real CLI and Scrapy."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from click.testing import CliRunner

from newsroom import OUTLETS, Newsroom
from tests.conftest import REPO, write_watch
from watches import load_watch
from wirewatch.cli import main


def demo_watch_for(
    room: Newsroom,
    tmp_path: Path,
    extra_seeds: tuple[str, ...] = (),
    with_feeds: bool = False,
    name: str = "demo",
    **extra: Any,
) -> Path:
    """seeds/demo.toml, re-pointed at a newsroom running on free ports; its feeds only
    `with_feeds` (most tests follow the story from the seeds alone)."""
    demo = load_watch(REPO / "seeds" / "demo.toml")
    by_octet = {f"127.0.0.{o.octet}": o.key for o in OUTLETS}

    def on_room(url: str) -> str:
        parts = urlsplit(url)
        return room.url(by_octet[parts.hostname or ""], parts.path)

    seeds = [on_room(seed) for seed in demo.seeds]
    if with_feeds:
        extra["feeds"] = [on_room(feed) for feed in demo.feeds]
    return write_watch(
        tmp_path,
        name,
        [*seeds, *extra_seeds],
        keywords=list(demo.keywords),
        allowed_domains=list(demo.allowed_domains),
        depth=demo.depth,
        max_pages=demo.max_pages,
        **extra,
    )


def crawl(watch_file: Path, db_url: str, *args: str, exit_code: int = 0) -> dict[str, Any]:
    """Run `wirewatch crawl` and return its JSON summary."""
    result = CliRunner().invoke(
        main,
        ["crawl", str(watch_file), "--db", db_url, "--format", "json", "--workers", "1", *args],
    )
    assert result.exit_code == exit_code, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def query(db_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, params).fetchall()


def process_children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, NotADirectoryError):
            continue
        if entry.name.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # exited, waiting for its (new) parent to reap it


def descendants(pid: int) -> list[int]:
    """Every process under `pid` (its children, theirs, ...), as /proc shows them now."""
    children = process_children(pid)
    return children + [d for child in children for d in descendants(child)]
