"""What the Store's parts share: the session protocol their mixins rely on, and the
one way times leave the database (ISO 8601, UTC, "Z")."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session


class HasSessions(Protocol):
    engine: Engine

    def clock(self) -> datetime: ...

    def session(self) -> AbstractContextManager[Session]: ...


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None
