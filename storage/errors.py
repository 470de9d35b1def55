"""What goes wrong with a database, said in one line a person can act on."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError


class StoreError(RuntimeError):
    """The database could not be opened or written; the message says which and why."""


class BadDatabaseURL(StoreError):
    """A --db value that is not a database URL wirewatch can use (bad input)."""


URL_EXAMPLES = "e.g. sqlite:///wirewatch.db or postgresql+psycopg://user@host/dbname"

# SQLite's and PostgreSQL's own words for the failures a user can fix, and the fix.
_HINTS = (
    ("attempt to write a readonly database",
     "the database is read-only (file permissions, mode=ro or immutable=1 in the URL, or a "
     "read-only file system): wirewatch needs to write to it"),
    ("unable to open database file",
     "cannot open the database file: does its folder exist, and can wirewatch write there? "
     "(SQLite keeps its -wal and -shm files beside the database, so even reading needs a "
     "writable folder)"),
    ("readonly database",
     "the database or its folder is read-only: SQLite needs to write the database and its "
     "-wal and -shm files beside it"),
    ("database or disk is full", "the disk holding the database is full"),
    ("disk i/o error", "the disk holding the database failed to read or write (full?)"),
    ("database is locked",
     "another process held the database's write lock for too long; try again"),
    ("file is not a database", "the file is not a SQLite database"),
    ("connection refused", "the database server refused the connection: is it running?"),
    ("could not translate host name", "the database server's host name does not resolve"),
    ("does not exist", "the database (or its user) does not exist on the server"),
    ("password authentication failed", "the database server refused the user or password"),
)  # fmt: skip


def safe_url(url: str) -> str:
    """A database URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # unparseable: shown whole unless it may hold a password
        return url if "@" not in url else url.split(":", 1)[0] + ":..."


def redact_url(url: str, bare_user_is_secret: bool = False) -> str:
    """Any URL fit for logs and messages: its password replaced by ***; with
    `bare_user_is_secret`, a user part without a password too (where a service puts
    its token: ntfy://TOKEN@host)."""
    parts = urlsplit(url)
    if parts.password is None and not (bare_user_is_secret and parts.username is not None):
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***" if parts.password is not None else "***"
    return urlunsplit(parts._replace(netloc=f"{user}@{host}"))


def explain(exc: BaseException) -> str:
    """One line for a database error: the fix when it is a known one, then the driver's
    own words."""
    detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
    if isinstance(exc, SQLAlchemyError):
        detail = detail.split(" [SQL:", 1)[0].split("(Background on", 1)[0].strip()
    lowered = detail.lower()
    for words, hint in _HINTS:
        if words in lowered:
            return f"{hint} ({detail})"
    return detail


def sqlite_folder_problem(url: str) -> str | None:
    """Why SQLite cannot work in the folder of a database file, if that is the trouble:
    it writes the -wal and -shm files beside the database, even to read it."""
    try:
        parsed = make_url(url)
    except Exception:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    name = parsed.database.removeprefix("file:")
    if name in ("", ":memory:") or parsed.query.get("immutable") == "1":
        return None
    folder = Path(name).resolve().parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    if os.access(folder, os.W_OK):
        return None
    read_only_fs = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    where = "is on a read-only file system" if read_only_fs else "is not writable"
    return (
        f"the folder {folder} {where}: SQLite writes its -wal and -shm files beside the "
        f"database, even to read it (to only read it there, use "
        f"--db 'sqlite:///file:{Path(name).resolve()}?immutable=1&uri=true')"
    )
