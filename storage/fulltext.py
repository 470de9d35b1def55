"""Full-text search over each article's current title and text: the one place where
wirewatch speaks each engine's own SQL (SQLite FTS5, PostgreSQL tsvector).

Both keep a search table, `article_search`, with one row per article, filled by a
trigger on `article_versions`, so every writer (a crawl process, a worker on another
machine) keeps it current without knowing it exists. Neither stems words ("troop"
does not find "troops"): the same query finds the same articles on both engines,
whatever the language of the page.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Float, Integer, String, column, text

SNIPPET_WORDS = 16
# bm25 weights (SQLite) and setweight classes (PostgreSQL): a word in the title counts
# as much as four in the body, so an article about a topic outranks one that mentions it.
TITLE_WEIGHT = 4.0

_SQLITE_SETUP = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS article_search_on_version AFTER INSERT ON article_versions "
    "BEGIN "
    "DELETE FROM article_search WHERE rowid = new.article_id; "
    "INSERT INTO article_search (rowid, title, body) "
    "VALUES (new.article_id, new.title, new.text); "
    "END",
)
_SQLITE_BACKFILL = (
    "INSERT INTO article_search (rowid, title, body) "
    "SELECT v.article_id, v.title, v.text FROM article_versions v "
    "WHERE v.id = (SELECT max(id) FROM article_versions WHERE article_id = v.article_id)"
)
_SQLITE_SEARCH = f"""
SELECT a.id, coalesce(a.site_name, a.outlet) AS outlet, a.title, a.canonical_url AS url,
       a.published, a.last_seen,
       snippet(article_search, 1, '[', ']', '…', {SNIPPET_WORDS}) AS snippet,
       -bm25(article_search, {TITLE_WEIGHT}, 1.0) AS score
FROM article_search JOIN articles a ON a.id = article_search.rowid
WHERE article_search MATCH :query {{filters}}
ORDER BY score DESC, a.id
LIMIT :limit
"""

_POSTGRES_SETUP = (
    "SELECT pg_advisory_xact_lock(7261)",  # concurrent first starts: one creates
    "CREATE TABLE IF NOT EXISTS article_search ("
    "article_id integer PRIMARY KEY, title text NOT NULL, body text NOT NULL, "
    "document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', title), 'A') || "
    "setweight(to_tsvector('simple', body), 'D')) STORED)",
    "CREATE INDEX IF NOT EXISTS article_search_document ON article_search USING gin (document)",
    "CREATE OR REPLACE FUNCTION article_search_on_version() RETURNS trigger AS $$ BEGIN "
    "INSERT INTO article_search (article_id, title, body) "
    "VALUES (NEW.article_id, NEW.title, NEW.text) "
    "ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body; "
    "RETURN NEW; END $$ LANGUAGE plpgsql",
    "CREATE OR REPLACE TRIGGER article_search_on_version AFTER INSERT ON article_versions "
    "FOR EACH ROW EXECUTE FUNCTION article_search_on_version()",
)
_POSTGRES_BACKFILL = (
    "INSERT INTO article_search (article_id, title, body) "
    "SELECT DISTINCT ON (article_id) article_id, title, text FROM article_versions "
    "ORDER BY article_id, id DESC ON CONFLICT (article_id) DO NOTHING"
)
# ts_rank's weights (each at most 1) are for classes {D, C, B, A}: body D, title A.
# Articles must match every word (q), but are ranked on any of them (q_any): ts_rank
# on an AND query scores the closest pair of matches, and a title match never counts.
_POSTGRES_SEARCH = f"""
SELECT a.id, coalesce(a.site_name, a.outlet) AS outlet, a.title, a.canonical_url AS url,
       a.published, a.last_seen,
       ts_headline('simple', s.body, q,
                   'StartSel=[, StopSel=], MaxWords={SNIPPET_WORDS}, MinWords=8, '
                   'MaxFragments=1, FragmentDelimiter=…') AS snippet,
       ts_rank('{{{1 / TITLE_WEIGHT}, 0.0, 0.0, 1.0}}', s.document, q_any) AS score
FROM article_search s JOIN articles a ON a.id = s.article_id,
     websearch_to_tsquery('simple', :query) q,
     to_tsquery('simple', array_to_string(
         tsvector_to_array(to_tsvector('simple', :query)), ' | ')) q_any
WHERE s.document @@ q {{filters}}
ORDER BY score DESC, a.id
LIMIT :limit
"""

_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")


class SearchError(ValueError):
    """A search that cannot be run (an empty query); the message says why."""


def install(connection: Connection) -> None:
    """Create the search table and its trigger if missing, and index every article
    already stored (a database made before search existed)."""
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return
    setup, backfill = (
        (_SQLITE_SETUP, _SQLITE_BACKFILL)
        if dialect == "sqlite"
        else (_POSTGRES_SETUP, _POSTGRES_BACKFILL)
    )
    empty = not _exists(connection, dialect) or _is_empty(connection)
    for statement in setup:
        connection.exec_driver_sql(statement)
    if empty:
        connection.exec_driver_sql(backfill)


def uninstall(connection: Connection) -> None:
    on_table = " ON article_versions" if connection.dialect.name == "postgresql" else ""
    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS article_search_on_version{on_table}")
    connection.exec_driver_sql("DROP TABLE IF EXISTS article_search")


def _exists(connection: Connection, dialect: str) -> bool:
    if dialect == "sqlite":
        query = "SELECT 1 FROM sqlite_master WHERE name = 'article_search'"
    else:
        query = "SELECT 1 WHERE to_regclass('article_search') IS NOT NULL"
    return connection.exec_driver_sql(query).first() is not None


def _is_empty(connection: Connection) -> bool:
    return connection.exec_driver_sql("SELECT 1 FROM article_search LIMIT 1").first() is None


def search(
    connection: Connection,
    query: str,
    since: datetime | None = None,
    watch_id: int | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Articles whose current title or text has every word of `query` ("quoted
    phrases" kept together), best first, with a snippet around the match."""
    words = _WORD.findall(query)
    if not words:
        raise SearchError(f"nothing to search for in {query!r}: give at least one word")
    filters, params = _filters(since, watch_id)
    params.update(limit=limit)
    if connection.dialect.name == "sqlite":
        sql, params["query"] = _SQLITE_SEARCH, fts5_query(query)
    elif connection.dialect.name == "postgresql":
        sql, params["query"] = _POSTGRES_SEARCH, query
    else:
        raise NotImplementedError(f"no full-text search on {connection.dialect.name!r}")
    statement = text(sql.replace("{filters}", filters)).columns(
        column("id", Integer), column("outlet", String), column("title", String),
        column("url", String), column("published", String), column("last_seen", DateTime),
        column("snippet", String), column("score", Float),
    )  # fmt: skip
    rows = connection.execute(statement, params)
    return [dict(row._mapping) for row in rows]


def fts5_query(query: str) -> str:
    """The user's words as an FTS5 query that cannot be a syntax error: each word or
    "quoted phrase" becomes a quoted string, all of which must match."""
    terms = []
    for phrase, word in _TERM.findall(query):
        tokens = _WORD.findall(phrase or word)
        if tokens:
            terms.append('"' + " ".join(tokens) + '"')
    return " ".join(terms)


def _filters(since: datetime | None, watch_id: int | None) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if since is not None:
        clauses.append("AND a.last_seen >= :since")
        params["since"] = since
    if watch_id is not None:
        clauses.append(
            "AND a.id IN (SELECT article_id FROM watch_articles WHERE watch_id = :watch_id)"
        )
        params["watch_id"] = watch_id
    return " ".join(clauses), params
