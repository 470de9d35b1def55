"""Writing a day's digest files: Markdown, HTML and JSON, each atomically."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from digest.feed import FEED_DAYS, FEED_FILE, day_entries, render_feed
from digest.html import render_html
from digest.markdown import render_markdown
from digest.report import collect_day
from storage import Store

logger = logging.getLogger(__name__)


def render_json(report: dict[str, Any] | list[dict[str, Any]]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


RENDERERS = (("md", render_markdown), ("html", render_html), ("json", render_json))


def digest_paths(out_dir: Path, watch: str, day: date) -> list[Path]:
    """digests/<watch>/<YYYY-MM-DD>.{md,html,json}"""
    return [out_dir / watch / f"{day.isoformat()}.{suffix}" for suffix, _ in RENDERERS]


def write_digests(store: Store, watch: str, day: date, out_dir: Path) -> list[Path]:
    """Write the watch's digest for `day` in every format and return the paths. The
    same database gives byte-identical files; a reader never sees a half-written one."""
    report = collect_day(store, watch, day)
    paths = []
    for path, (_, render) in zip(digest_paths(out_dir, watch, day), RENDERERS, strict=True):
        write_atomically(path, render(report))
        paths.append(path)
    write_atomically(_entries_path(out_dir / watch, day), render_json(day_entries(report)))
    write_feed(out_dir / watch, watch)
    return paths


def feed_path(out_dir: Path, watch: str) -> Path:
    """digests/<watch>/feed.xml"""
    return out_dir / watch / FEED_FILE


def write_feed(folder: Path, watch: str) -> Path:
    """Rewrite the watch's Atom feed from the feed entries of its newest FEED_DAYS
    days (.feed/DATE.json beside the digests, written with each day's digest; a day
    digested before there were any gets them from its JSON digest, once), atomically.
    A JSON digest that cannot be read is left out of the feed and said in the log."""
    days = []
    for digest in sorted(folder.glob("????-??-??.json"))[-FEED_DAYS:]:
        entries = _entries_path(folder, date.fromisoformat(digest.stem))
        try:
            if not entries.exists():
                report = json.loads(digest.read_text(encoding="utf-8"))
                write_atomically(entries, render_json(day_entries(report)))
            days.append(json.loads(entries.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("%s: left out of the feed, it cannot be read as a digest: %s",
                           digest, exc)  # fmt: skip
    target = folder / FEED_FILE
    write_atomically(target, render_feed(watch, days))
    return target


def _entries_path(folder: Path, day: date) -> Path:
    return folder / ".feed" / f"{day.isoformat()}.json"


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            # mkstemp makes the file private (0600); a digest is for reading by others,
            # so it gets the mode any new file would have.
            os.fchmod(out.fileno(), 0o666 & ~_umask())
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # elsewhere: set and put back at once
    os.umask(mask)
    return mask
