"""Bringing stored articles to the current canonical form of their URLs (storage.urls).

When the canonical form changes (percent-escapes, dot segments, IDNA hosts), an
article's stored canonical URL is rewritten, and articles that turn out to be one
(`a%7Eb` and `a~b`) are merged into the one stored first: every version, alias, fetch,
watch, cluster membership, copy edge, signature and claim of the other is moved to it,
and its URL stays as an alias. Never a duplicate, nothing dropped.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, inspect, text

from storage.urls import URLError, canonicalize_url

# (table, column) of every reference to an article, moved as is.
_MOVED = (
    ("article_versions", "article_id"),
    ("url_aliases", "article_id"),
    ("signatures", "article_id"),
    ("story_clusters", "origin_article_id"),
    ("claims", "first_article_id"),
    ("claim_mentions", "article_id"),
    ("fetches", "article_id"),
)


def recanonicalize(connection: Connection) -> dict[str, int]:
    """Rewrite stored canonical URLs to the current form and merge the articles that
    share one; returns how many were rewritten and merged."""
    rows = connection.execute(text("SELECT id, canonical_url FROM articles ORDER BY id")).all()
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for article_id, url in rows:
        try:
            groups[canonicalize_url(url)].append((article_id, url))
        except URLError:
            continue  # not ours to judge: left as it is
    counts = {"rewritten": 0, "merged": 0}
    for canonical, members in groups.items():
        keep, kept_url = members[0]
        for gone, gone_url in members[1:]:
            merge_article(connection, keep, gone)
            _alias(connection, keep, gone_url)
            counts["merged"] += 1
        if kept_url != canonical:
            connection.execute(text("UPDATE articles SET canonical_url = :url WHERE id = :id"),
                               {"url": canonical, "id": keep})  # fmt: skip
            _alias(connection, keep, kept_url)
            _alias(connection, keep, canonical)
            counts["rewritten"] += 1
    return counts


def merge_article(connection: Connection, keep: int, gone: int) -> None:
    """Move everything of article `gone` to article `keep`, then delete `gone`."""
    ids = {"keep": keep, "gone": gone}
    for table, column in _MOVED:
        connection.execute(text(f"UPDATE {table} SET {column} = :keep WHERE {column} = :gone"), ids)
    # one row per watch and article: the pair is kept once
    connection.execute(text(
        "INSERT INTO watch_articles (watch_id, article_id, first_seen) "
        "SELECT watch_id, :keep, first_seen FROM watch_articles w WHERE article_id = :gone "
        "AND NOT EXISTS (SELECT 1 FROM watch_articles o WHERE o.watch_id = w.watch_id "
        "AND o.article_id = :keep)"), ids)  # fmt: skip
    connection.execute(text("DELETE FROM watch_articles WHERE article_id = :gone"), ids)
    # one cluster per article: the kept article's membership stands
    connection.execute(text(
        "DELETE FROM cluster_members WHERE article_id = :gone AND EXISTS "
        "(SELECT 1 FROM cluster_members WHERE article_id = :keep)"), ids)  # fmt: skip
    connection.execute(
        text("UPDATE cluster_members SET article_id = :keep WHERE article_id = :gone"), ids
    )
    for this, other in (("source_article_id", "target_article_id"),
                        ("target_article_id", "source_article_id")):  # fmt: skip
        connection.execute(text(
            f"DELETE FROM copy_edges WHERE {this} = :gone AND ({other} = :keep OR EXISTS "
            f"(SELECT 1 FROM copy_edges e WHERE e.{this} = :keep AND e.{other} = "
            f"copy_edges.{other}))"), ids)  # fmt: skip
        connection.execute(text(f"UPDATE copy_edges SET {this} = :keep WHERE {this} = :gone"), ids)
    connection.execute(text(
        "UPDATE articles SET first_seen = (SELECT min(first_seen) FROM articles WHERE id IN "
        "(:keep, :gone)), last_seen = (SELECT max(last_seen) FROM articles WHERE id IN "
        "(:keep, :gone)) WHERE id = :keep"), ids)  # fmt: skip
    _reindex(connection, keep, gone)
    connection.execute(text("DELETE FROM articles WHERE id = :gone"), ids)


def _alias(connection: Connection, article_id: int, url: str) -> None:
    exists = connection.execute(text("SELECT 1 FROM url_aliases WHERE url = :url"), {"url": url})
    if exists.first() is None:
        connection.execute(text(
            "INSERT INTO url_aliases (url, article_id, kind, first_seen) SELECT :url, id, "
            "'canonical', first_seen FROM articles WHERE id = :id"),
            {"url": url, "id": article_id})  # fmt: skip


def _reindex(connection: Connection, keep: int, gone: int) -> None:
    """The full-text index: the gone article's entry out, the kept one's from its latest
    version (which may be one of the gone article's, moved)."""
    if not inspect(connection).has_table("article_search"):
        return  # a database from before full-text search: migration 0002 makes it
    key = "rowid" if connection.dialect.name == "sqlite" else "article_id"
    connection.execute(text(f"DELETE FROM article_search WHERE {key} IN (:keep, :gone)"),
                       {"keep": keep, "gone": gone})  # fmt: skip
    connection.execute(text(
        f"INSERT INTO article_search ({key}, title, body) SELECT article_id, title, text "
        "FROM article_versions WHERE id = (SELECT max(id) FROM article_versions "
        "WHERE article_id = :keep)"), {"keep": keep})  # fmt: skip
