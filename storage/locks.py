"""One scheduler per database: a lock that dies with the process that holds it.

PostgreSQL: a session advisory lock, held on a connection kept open for the
scheduler's life (so schedulers on several machines exclude each other). SQLite: an
exclusive flock on a file beside the database (SQLite lives on one machine anyway).
Either way a crashed scheduler leaves no stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text


class LockHeld(RuntimeError):
    """Another process holds the lock; the message says which, where it can."""


def _database_file(database: str | None) -> Path:
    """The file a SQLite URL opens, symbolic links followed: two names for one file
    (a symlink, a relative path) must take the same lock."""
    name = (database or ":memory:").removeprefix("file:")
    return Path(name) if name == ":memory:" else Path(name).resolve()


class DatabaseLock:
    """An exclusive, named lock on the database an engine opens. Use as a context
    manager."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._connection: Connection | None = None
        self._file: Any = None

    def acquire(self) -> DatabaseLock:
        if self.engine.dialect.name == "sqlite":
            self._lock_file(_database_file(self.engine.url.database))
        else:
            self._lock_postgres()
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            # the lock belongs to the database session: the connection is closed, not
            # handed back to the engine's pool with the lock still on it
            self._connection.invalidate()
            self._connection.close()
            self._connection = None

    def __enter__(self) -> DatabaseLock:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def _lock_file(self, database: Path) -> None:
        if str(database) == ":memory:":
            return  # nobody else can open an in-memory database
        path = database.with_name(f"{database.name}.{self.name}.lock")
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise LockHeld(f"{holder} holds the {self.name} lock ({path})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        self._file = handle

    def _lock_postgres(self) -> None:
        connection = self.engine.connect()
        key = f"wirewatch:{self.name}:"
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(hashtext(:key || current_schema()))"), {"key": key}
        ).scalar_one()
        connection.commit()
        if not got:
            connection.close()
            raise LockHeld(f"another session holds the {self.name} lock on this database")
        self._connection = connection
