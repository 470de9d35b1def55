"""Writing a day's digest files: Markdown, HTML and JSON, each atomically."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from digest.feed import FEED_DAYS, FEED_FILE, render_feed
from digest.html import render_html
from digest.markdown import render_markdown
from digest.report import collect_day
from storage import Store

logger = logging.getLogger(__name__)


def render_json(report: dict[str, Any]) -> str:
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
    write_feed(out_dir / watch, watch)
    return paths


def feed_path(out_dir: Path, watch: str) -> Path:
    """digests/<watch>/feed.xml"""
    return out_dir / watch / FEED_FILE


def write_feed(folder: Path, watch: str) -> Path:
    """Rewrite the watch's Atom feed from the JSON digests in its folder (the newest
    FEED_DAYS of them), atomically. A JSON digest that cannot be read is left out of
    the feed, and said so in the log; the digest files themselves are already written."""
    reports = []
    for path in sorted(folder.glob("????-??-??.json"))[-FEED_DAYS:]:
        try:
            reports.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            logger.warning("%s: left out of the feed, it cannot be read as a digest: %s", path, exc)
    target = folder / FEED_FILE
    write_atomically(target, render_feed(watch, reports))
    return target


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
