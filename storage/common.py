"""What the Store's parts share: the session protocol their mixins rely on, and the
one way times leave the database (ISO 8601, UTC, "Z")."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

# Waits between attempts when a server database does not answer: about 30 s in all,
# enough for a PostgreSQL restart or fail-over, short enough that an outage surfaces.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
# Another process may hold SQLite's write lock longer than the busy timeout (30 s):
# a write waits that many times more (the crawl's writes wait in a thread of their
# own, crawler.writer, so downloads go on meanwhile) before it fails.
SQLITE_LOCKED_RETRIES = 3

Method = TypeVar("Method", bound=Callable[..., Any])
T = TypeVar("T")


class HasSessions(Protocol):
    engine: Engine

    def clock(self) -> datetime: ...

    def session(self) -> AbstractContextManager[Session]: ...

    def reading(self) -> AbstractContextManager[Session]: ...

    def in_atomic(self) -> bool: ...

    def atomic(self) -> AbstractContextManager[None]: ...


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def retrying(method: Method) -> Method:
    """Run a Store method again, with backoff, when the database server cannot be
    reached or dropped the connection (a restart), or when another process held
    SQLite's write lock past the busy timeout (SQLITE_LOCKED_RETRIES more waits of it).
    Only for methods that are one transaction and safe to repeat: the whole method
    runs again."""

    @functools.wraps(method)
    def run(self: HasSessions, *args: Any, **kwargs: Any) -> Any:
        if self.in_atomic():  # part of a larger transaction: its owner retries it
            return method(self, *args, **kwargs)
        return _again_while_busy(self, lambda: method(self, *args, **kwargs), _always)

    return run  # type: ignore[return-value]


def repeat_transaction(
    store: HasSessions, work: Callable[[], T], repeatable: Callable[[], bool]
) -> T:
    """`work()` in one transaction (Store.atomic), run again as `retrying` runs a
    method, as long as `repeatable()` says that a failed attempt changed nothing
    outside the database (the crawl's story state lives in memory or Redis)."""

    def attempt() -> T:
        with store.atomic():
            return work()

    return _again_while_busy(store, attempt, repeatable)


def _always() -> bool:
    return True


def _again_while_busy(
    store: HasSessions, attempt: Callable[[], T], repeatable: Callable[[], bool]
) -> T:
    sqlite = store.engine.dialect.name == "sqlite"
    delays = (0.0,) * SQLITE_LOCKED_RETRIES if sqlite else RETRY_DELAYS
    for delay in (*delays, None):
        try:
            return attempt()
        except OperationalError as exc:
            reason = " ".join(str(exc.orig or exc).split())[:200]
            if delay is None or (sqlite and "database is locked" not in reason):
                raise
            if not repeatable():
                raise
            logger.warning("database %s (%s); trying again", "busy" if sqlite else
                           "unreachable", reason)  # fmt: skip
            time.sleep(delay)
    raise AssertionError("unreachable")
