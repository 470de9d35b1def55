"""`wirewatch search`: full-text search of the stored articles."""

from __future__ import annotations

import click

from wirewatch.edge import BadInput, WirewatchCommand
from wirewatch.options import (
    DB_OPTION,
    FORMAT_OPTION,
    open_store,
    parse_since,
)
from wirewatch.output import print_rows


@click.command(cls=WirewatchCommand)
@click.argument("query")
@DB_OPTION
@FORMAT_OPTION
@click.option(
    "--since",
    default=None,
    help="Only articles seen (fetched) in this period: 7d, 12h, 30m, or since a date "
    "(YYYY-MM-DD). Default: all.",
)
@click.option("--watch", "watch_name", default=None, help="Only articles of this watch.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="How many results.")  # fmt: skip
def search(query: str, db_url: str, fmt: str, since: str | None, watch_name: str | None,
           limit: int) -> None:  # fmt: skip
    """Full-text search over the articles' current titles and texts, best first.

    Every word must appear (in the title or the text); "quoted words" must appear
    together. Titles weigh more than the body. Each result has a snippet with the
    matched words in [brackets]. Words are matched as written, without stemming:
    search "troop" and "troops" separately. SQLite FTS5, or PostgreSQL full-text
    search on a PostgreSQL database.

    Example: wirewatch search '"North Korean" Kursk' --since 7d --format json
    """
    from storage.fulltext import SearchError

    store = open_store(db_url)
    try:
        rows = store.search(query, parse_since(since), watch_name, limit)
    except SearchError as exc:
        raise BadInput(str(exc)) from exc
    finally:
        store.close()
    print_rows(rows, ("id", "outlet", "title", "snippet", "last_seen", "score"), fmt,
               title=f"Articles matching {query}", optional=("last_seen", "score"))  # fmt: skip


# --- the scheduler and the digest ---------------------------------------------------------
