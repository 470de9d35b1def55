"""`wirewatch articles`: what was stored."""

from __future__ import annotations

import click

from wirewatch.edge import BadInput, WirewatchGroup
from wirewatch.options import (
    DB_OPTION,
    FORMAT_OPTION,
    ID,
    open_store,
    table_or_json_option,
)
from wirewatch.output import print_json, print_rows


@click.group(cls=WirewatchGroup)
def articles() -> None:
    """List and show stored articles."""


ARTICLE_COLUMNS = (
    "id",
    "outlet",
    "site_name",
    "title",
    "published",
    "first_seen",
    "versions",
    "status",
)


@articles.command("list")
@DB_OPTION
@FORMAT_OPTION
@click.option("--watch", "watch_name", default=None, help="Only articles found by this watch.")
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="At most this many articles.",
)
@click.option(
    "--offset",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Skip this many articles first (for paging).",
)
def articles_list(db_url: str, fmt: str, watch_name: str | None, limit: int, offset: int) -> None:
    """List stored articles, oldest first.

    Example: wirewatch articles list --format json --limit 20
    """
    store = open_store(db_url)
    try:
        rows = store.list_articles(watch=watch_name, limit=limit, offset=offset)
    finally:
        store.close()
    print_rows(
        rows,
        ARTICLE_COLUMNS,
        fmt,
        title="Articles",
        optional=("site_name", "status", "versions", "first_seen", "outlet"),
    )


@articles.command("show")
@click.argument("article_id", type=ID)
@DB_OPTION
@table_or_json_option("Output format: readable text, or json for scripts.")
def articles_show(article_id: int, db_url: str, fmt: str) -> None:
    """Show one article: metadata, URLs that led to it, versions and current text.

    Example: wirewatch articles show 3
    """
    store = open_store(db_url)
    try:
        detail = store.article_detail(article_id)
    finally:
        store.close()
    if detail is None:
        raise BadInput(f"no article with id {article_id}")
    if fmt == "json":
        print_json(detail)
        return
    from wirewatch.crawling import print_article

    print_article(detail)


# --- extract ---------------------------------------------------------------------------------
