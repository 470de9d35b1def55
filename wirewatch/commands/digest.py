"""`wirewatch digest`: the daily digest files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from wirewatch.edge import BadInput, WirewatchCommand, WirewatchError
from wirewatch.options import (
    DB_OPTION,
    check_notify_options,
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
@click.option(
    "--send",
    is_flag=True,
    help="Also send each digest to its watch's notify targets (smtp:// email, Apprise "
    "URLs); exit code 1 if a target could not be reached, after trying it three times.",
)
@click.option(
    "--notify",
    "targets",
    multiple=True,
    metavar="URL",
    help="With --send: send to this target instead of the watch's own (repeatable), "
    "e.g. to try one: smtp://HOST:PORT?from=A&to=B, json://HOST/PATH.",
)
@click.option(
    "--again",
    is_flag=True,
    help="With --send: send to targets that had this day's digest already (each day's "
    "delivery to each target is recorded, and not repeated without it).",
)
@table_or_json_option("How to list the files written (and, with --send, where they went).")
def digest(db_url: str, watch_names: tuple[str, ...], day: Any, out_dir: str, send: bool,
           targets: tuple[str, ...], again: bool, fmt: str) -> None:  # fmt: skip
    """Write the daily digest of watches: Markdown, HTML and JSON.

    For each watch and day: the day in numbers, new stories with their syndication
    spread, updated articles with what changed, new claims by story, figures that
    changed, and crawl health per outlet. The same database always gives the same
    files; each is written to a temporary file and renamed, so readers never see half
    a digest. The watch's Atom feed (DIR/WATCH/feed.xml) is rewritten with them. The
    JSON schema is in docs/digest-schema.md.

    \b
    Examples:
      wirewatch digest --watch demo --date 2024-10-23
      wirewatch digest --watch demo --send --notify 'smtp://mail:25?from=ww@x.org&to=desk@x.org'
    """
    from datetime import timedelta

    from digest import DigestError, write_digests
    from digest.delivery import digest_from_files
    from digest.outbox import send_digest_once
    from storage.store import utcnow

    if (targets or again) and not send:
        raise BadInput("--notify and --again only work with --send")
    check_notify_options(targets)
    the_day = (day or utcnow() - timedelta(days=1)).date()
    written, failed = [], []
    with open_store(db_url) as store:
        names = list(watch_names) or store.watch_names()
        if not names:
            raise BadInput("no watches in the database yet: crawl one first")
        for name in names:
            try:
                paths = write_digests(store, name, the_day, Path(out_dir))
            except DigestError as exc:
                raise BadInput(str(exc)) from exc
            except OSError as exc:
                raise unwritable("--out", out_dir, exc) from exc
            row = {"watch": name, "date": the_day.isoformat()}
            written += [{**row, "path": str(p)} for p in paths]
            if send:
                config = store.watch_config(name) or {}
                to = list(targets) or list(config.get("notify") or [])
                if not to:
                    click.echo(f"{name}: no notify targets: nothing sent", err=True)
                digest = digest_from_files(paths)
                for sent in send_digest_once(store, name, to, digest, again=again):
                    written.append({**row, "target": sent.target, "sent": sent.sent,
                                    "attempts": sent.attempts, "skipped": sent.skipped,
                                    "error": sent.error})  # fmt: skip
                    if not (sent.sent or sent.skipped):
                        failed.append(f"{name} to {sent.target}: {sent.error}")
    if fmt == "json":
        print_json(written)
    else:
        for row in written:
            if "path" in row:
                click.echo(row["path"])
            else:
                said = "sent" if row["sent"] else "not sent" if row["skipped"] else "NOT SENT"
                click.echo(f"{said} to {row['target']}"
                           + (f": {row['error']}" if row["error"] else ""))  # fmt: skip
    if failed:
        raise WirewatchError("the digest could not be sent: " + "; ".join(failed))


# --- newsroom and demo -----------------------------------------------------------------------
