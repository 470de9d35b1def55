"""`wirewatch clusters`: story clusters."""

from __future__ import annotations

import click

from wirewatch.edge import BadInput, WirewatchGroup
from wirewatch.options import (
    DB_OPTION,
    FORMAT_OPTION,
    ID,
    SINCE_OPTION,
    open_store,
    parse_since,
    table_or_json_option,
)
from wirewatch.output import print_json, print_rows


@click.group(cls=WirewatchGroup)
def clusters() -> None:
    """Story clusters: an origin article and its syndicated and partial copies."""


CLUSTER_COLUMNS = ("id", "size", "outlets", "origin_outlet", "title", "published", "first_seen")


@clusters.command("list")
@DB_OPTION
@FORMAT_OPTION
@SINCE_OPTION
@click.option(
    "--min-size",
    type=click.IntRange(1),
    default=2,
    show_default=True,
    help="Only clusters with at least this many articles.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="At most this many clusters, newest first.",
)
def clusters_list(db_url: str, fmt: str, since: str | None, min_size: int, limit: int) -> None:
    """List story clusters, newest first, with their origin article.

    Example: wirewatch clusters list --since 7d --format json
    """
    store = open_store(db_url)
    try:
        rows = store.list_clusters(since=parse_since(since), min_size=min_size, limit=limit)
    finally:
        store.close()
    print_rows(
        rows,
        CLUSTER_COLUMNS,
        fmt,
        title="Story clusters",
        optional=("outlets", "published", "first_seen", "size"),
    )


@clusters.command("show")
@click.argument("cluster_id", type=ID)
@DB_OPTION
@table_or_json_option("Output format: a table, or json for scripts.")
def clusters_show(cluster_id: int, db_url: str, fmt: str) -> None:
    """Show one cluster's members: outlet, title, published and first-seen times, role
    and similarity to the origin, and the partial copies linked to it.

    A cluster that was merged into another is shown as the one it merged into.

    Example: wirewatch clusters show 1
    """
    store = open_store(db_url)
    try:
        live = store.resolve_cluster(cluster_id)
        detail = store.cluster_detail(live) if live is not None else None
    finally:
        store.close()
    if detail is None:
        raise BadInput(f"no cluster with id {cluster_id}")
    if fmt == "json":
        print_json(detail)
        return
    if live != cluster_id:
        click.echo(f"Cluster {cluster_id} was merged into cluster {live}.")
    print_rows(
        detail["members"],
        ("article_id", "outlet", "title", "role", "similarity", "published", "first_seen"),
        "table",
        title=f"Cluster {live}",
        optional=("similarity", "published", "first_seen"),
    )
    if detail["partial_copies"]:
        print_rows(
            detail["partial_copies"],
            ("from", "to", "overlap"),
            "table",
            title="Partial copies (article ids)",
        )


# --- dedup ---------------------------------------------------------------------------------
