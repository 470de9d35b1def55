"""What the commands share: common options, reading watch files, opening the store."""

from __future__ import annotations

import errno
import re
from pathlib import Path
from typing import Any

import click

from storage import Store
from storage.store import DEFAULT_DB_URL
from watches import WatchError, load_watch
from wirewatch.edge import BadInput, WirewatchError
from wirewatch.output import FORMATS

DB_OPTION = click.option(
    "--db",
    "db_url",
    envvar="WIREWATCH_DB",
    default=DEFAULT_DB_URL,
    show_default=True,
    help="Database URL (SQLAlchemy form), e.g. sqlite:///wirewatch.db or "
    "postgresql+psycopg://user@host/db. Also read from WIREWATCH_DB.",
)
FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format: a table for people, json or csv for scripts.",
)
WORKERS_OPTION = click.option(
    "--extraction-processes",
    "--workers",
    "workers",
    type=click.IntRange(0, 64),
    default=None,
    help="Processes of the extraction pool per crawl (default: one per CPU core; 0 = "
    "extract inline). --workers is its older name.",
)
PROGRESS_OPTION = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a live progress line while crawling (default: when stderr is a terminal).",
)
REDIS_OPTION_HELP = (
    "Redis URL, e.g. redis://127.0.0.1:6379/0, shared by the scheduler and its workers. "
    "Also read from WIREWATCH_REDIS."
)
LOG_FILE_OPTION = click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the crawler's log to this file instead of stderr.",
)
EXTRACT_FETCH_LIMIT = 10 * 1024 * 1024
# Row ids: positive and within the 64-bit integers both databases store.
ID = click.IntRange(1, 2**63 - 1)


def table_or_json_option(help_text: str) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help=help_text,
    )


def unwritable(option: str, path: str, exc: OSError) -> click.ClickException:
    """A path the user gave that cannot be written: bad input when the path is the
    trouble (missing, not a folder, no permission, read-only), failed work otherwise
    (a full disk)."""
    where = exc.filename or path
    message = f"{option} {path}: cannot write {where}: {exc.strerror or exc}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR,
                     errno.EEXIST, errno.EISDIR):  # fmt: skip
        return BadInput(message)
    return WirewatchError(message)


def open_store(db_url: str) -> Store:
    """The store; its errors become messages at the edge (wirewatch.edge)."""
    return Store.open(db_url)


def load_watch_or_fail(path: str) -> Any:
    """The watch file read and checked whole (its notify targets too), or BadInput."""
    try:
        watch = load_watch(path)
    except WatchError as exc:
        raise BadInput(str(exc)) from exc
    check_targets(watch)
    return watch


def check_watches(watches: list[Any], store: Store) -> None:
    """No two files may name one watch, here or in the database."""
    from watches import check_same_watch

    first: dict[str, str] = {}
    for watch in watches:
        if watch.name in first:
            raise BadInput(f"{first[watch.name]} and {watch.source} name the same watch "
                           f"{watch.name!r}: give each watch file its own name")  # fmt: skip
        first[watch.name] = watch.source
    for watch in watches:
        try:
            check_same_watch(watch, store.watch_config(watch.name))
        except WatchError as exc:
            raise BadInput(str(exc)) from exc


def check_notify_options(targets: tuple[str, ...]) -> None:
    """Refuse a --notify target that could never be sent to."""
    from digest.delivery import TargetError, check_target

    for target in targets:
        try:
            check_target(target)
        except TargetError as exc:
            raise BadInput(f"--notify {exc}") from exc


def check_targets(watch: Any) -> None:
    """Refuse a notify target that could never be sent to, before anything runs."""
    from digest.delivery import TargetError, check_target

    for index, target in enumerate(watch.notify):
        try:
            check_target(target)
        except TargetError as exc:
            raise BadInput(f"{watch.source}: key 'notify': item {index + 1}: {exc}") from exc


def parse_since(value: str | None) -> Any:
    """'7d', '12h', '30m' or an ISO date -> a naive UTC datetime (None for None)."""
    if value is None:
        return None
    from datetime import datetime, timedelta

    from storage.store import utcnow

    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", value)
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
        return utcnow() - timedelta(**{unit: int(match.group(1))})
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError as exc:
        raise BadInput(
            f"--since {value!r}: use a duration like 7d, 12h, 30m or a date like 2024-10-21"
        ) from exc


SINCE_OPTION = click.option(
    "--since",
    default=None,
    help="Only what was first seen in this period: 7d, 12h, 30m, or since a date "
    "(YYYY-MM-DD). Default: everything.",
)


def default_watch_files() -> list[str]:
    """Every watch file in ./seeds of the working directory, whatever it holds."""
    folder = Path("seeds")
    files = sorted(str(p) for p in folder.glob("*.toml"))
    if not files:
        from wirewatch.demo import bundled_seeds

        raise BadInput(
            f"no watch files in {folder.resolve()}: name watch files, or put NAME.toml files "
            f"there (the bundled example watches are in {bundled_seeds()})"
        )
    return files
