"""Everything that differs between database engines lives here and nowhere else."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.sql.dml import Insert

from storage.errors import URL_EXAMPLES, BadDatabaseURL, safe_url

# How long a SQLite writer waits for another process's transaction before failing
# (a URL's own `?timeout=SECONDS`, pysqlite's parameter, overrides it). A crawl's
# writes are a page's transaction each, so this is generous.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """An engine for a database URL, set up for several processes writing at once.
    Raises BadDatabaseURL for a URL that names no database kind SQLAlchemy knows."""
    try:
        engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    except NoSuchModuleError as exc:
        kind = url.split(":", 1)[0]
        raise BadDatabaseURL(
            f"{safe_url(url)}: unknown kind of database {kind!r} ({URL_EXAMPLES})"
        ) from exc
    except (ArgumentError, ValueError) as exc:
        raise BadDatabaseURL(f"{safe_url(url)}: not a database URL ({URL_EXAMPLES})") from exc
    if engine.dialect.name == "sqlite":
        busy_timeout_ms = _sqlite_busy_timeout_ms(engine, url)
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_timeout_ms))
        serialize_sqlite_writers(engine)
    return engine


def _sqlite_busy_timeout_ms(engine: Engine, url: str) -> int:
    """The busy timeout a SQLite URL asks for (`?timeout=2.5`, in seconds), or ours."""
    given = engine.url.query.get("timeout")
    if given is None:
        return SQLITE_BUSY_TIMEOUT_MS
    # a number: create_engine refused anything else (pysqlite's dialect reads it)
    seconds = float(given if isinstance(given, str) else given[-1])
    if not seconds >= 0:
        raise BadDatabaseURL(
            f"{safe_url(url)}: timeout={given!r} is not a number of seconds (0 or more)"
        )
    return round(seconds * 1000)


def _sqlite_pragmas(busy_timeout_ms: int, dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the CLI) work while a crawl writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.close()


def insert_ignoring_conflicts(engine: Engine, table: Any, index_elements: list[str]) -> Insert:
    """INSERT ... ON CONFLICT (cols) DO NOTHING, in the engine's dialect. One statement
    object per table and dialect: built and cache-keyed once, not once per crawled page."""
    return _insert_ignoring(engine.dialect.name, table, tuple(index_elements))


@functools.lru_cache(maxsize=256)
def _insert_ignoring(dialect: str, table: Any, index_elements: tuple[str, ...]) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    raise NotImplementedError(f"unsupported database engine {dialect!r}")


def create_view_statement(engine: Engine, name: str, select: str) -> str:
    """CREATE a view unless it exists (SQLite) or replace it (PostgreSQL)."""
    if engine.dialect.name == "sqlite":
        return f"CREATE VIEW IF NOT EXISTS {name} AS {select}"
    return f"CREATE OR REPLACE VIEW {name} AS {select}"


# Kinds of things locked by lock_keys, each a key space of its own.
STORY_LOCKS = "stories"  # one per watch: its story decisions (Store.hold_story_lock)
ARTICLE_LOCKS = "articles"  # one per article: its cluster membership (record_cluster)


def lock_keys(connection: Connection, space: str, keys: Iterable[int]) -> None:
    """Hold a lock on each key of `space` until the transaction ends, taken in
    ascending order so that two transactions wanting overlapping keys never deadlock.
    PostgreSQL: transaction advisory locks, whose first part names the space and the
    schema (advisory locks are per database; a schema is a wirewatch database of its
    own). SQLite: nothing to do, the write lock every transaction takes at BEGIN
    (serialize_sqlite_writers) serialises them already."""
    ordered = sorted(set(keys))
    if connection.dialect.name != "postgresql" or not ordered:
        return
    connection.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':' || :space), key) "
            "FROM (SELECT key FROM unnest(CAST(:keys AS integer[])) AS key ORDER BY key) AS o"
        ),
        {"space": space, "keys": ordered},
    )


# Execution option of transactions that only read (Store.reading): on SQLite they
# begin deferred, and never wait for the write lock.
READ_ONLY = "wirewatch_read_only"


def serialize_sqlite_writers(engine: Engine) -> None:
    """Make every SQLite transaction take the write lock up front (BEGIN IMMEDIATE).

    With pysqlite's default deferred transactions, two processes can both read
    "no version yet" and then both write one. Taking the lock at BEGIN makes
    read-then-write sequences atomic across processes, as row locks do on PostgreSQL.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
