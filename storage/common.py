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

Method = TypeVar("Method", bound=Callable[..., Any])


class HasSessions(Protocol):
    engine: Engine

    def clock(self) -> datetime: ...

    def session(self) -> AbstractContextManager[Session]: ...


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def retrying(method: Method) -> Method:
    """Run a Store method again, with backoff, when the database server cannot be
    reached or dropped the connection (a restart). Only for methods that are one
    transaction and safe to repeat: the whole method runs again. SQLite never
    retries here: its "locked" waits are the busy timeout's business."""

    @functools.wraps(method)
    def run(self: HasSessions, *args: Any, **kwargs: Any) -> Any:
        for delay in (*RETRY_DELAYS, None):
            try:
                return method(self, *args, **kwargs)
            except OperationalError as exc:
                if delay is None or self.engine.dialect.name == "sqlite":
                    raise
                reason = " ".join(str(exc.orig or exc).split())[:200]
                logger.warning("database unreachable (%s); retrying in %.1f s", reason, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    return run  # type: ignore[return-value]
