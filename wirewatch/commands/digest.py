"""`wirewatch digest`: the daily digest files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from wirewatch.edge import BadInput, WirewatchCommand
from wirewatch.options import (
    DB_OPTION,
    open_store,
    table_or_json_option,
    unwritable,
)
from wirewatch.output import print_json


@click.command(cls=WirewatchCommand)
@DB_OPTION
@click.option(
    "--watch",
    "watch_names",
    multiple=True,
    help="The watch to digest (repeatable; default: every watch in the database).",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The UTC day to digest, YYYY-MM-DD (default: yesterday).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="digests",
    show_default=True,
    help="Directory to write into (DIR/WATCH/DATE.md|html|json).",
)
@table_or_json_option("How to list the files written.")
def digest(db_url: str, watch_names: tuple[str, ...], day: Any, out_dir: str, fmt: str) -> None:
    """Write the daily digest of watches: Markdown, HTML and JSON.

    For each watch and day: the day in numbers, new stories with their syndication
    spread, updated articles with what changed, new claims by story, figures that
    changed, and crawl health per outlet. The same database always gives the same
    files; each is written to a temporary file and renamed, so readers never see half
    a digest. The JSON schema is in docs/digest-schema.md.

    Example: wirewatch digest --watch demo --date 2024-10-23
    """
    from datetime import timedelta

    from digest import DigestError, write_digests
    from storage.store import utcnow

    the_day = (day or utcnow() - timedelta(days=1)).date()
    with open_store(db_url) as store:
        names = list(watch_names) or store.watch_names()
        if not names:
            raise BadInput("no watches in the database yet: crawl one first")
        written = []
        for name in names:
            try:
                paths = write_digests(store, name, the_day, Path(out_dir))
            except DigestError as exc:
                raise BadInput(str(exc)) from exc
            except OSError as exc:
                raise unwritable("--out", out_dir, exc) from exc
            written += [{"watch": name, "date": the_day.isoformat(), "path": str(p)} for p in paths]
    if fmt == "json":
        print_json(written)
    else:
        for row in written:
            click.echo(row["path"])


# --- newsroom and demo -----------------------------------------------------------------------
