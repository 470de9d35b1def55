"""`wirewatch alerts`: what the watches' alert rules found, and where it went."""

from __future__ import annotations

from typing import Any

import click

from wirewatch.edge import BadInput, WirewatchCommand, WirewatchError, WirewatchGroup
from wirewatch.options import DB_OPTION, FORMAT_OPTION, open_store, table_or_json_option
from wirewatch.output import plural, print_json, print_rows

STATUSES = ("pending", "sending", "sent", "failed", "recorded")
ALERT_COLUMNS = ("queued_at", "watch", "kind", "summary", "target", "status", "attempts",
                 "error", "sent_at")  # fmt: skip


@click.group("alerts", cls=WirewatchGroup)
def alerts_group() -> None:
    """Alerts: what the watches' alert rules found, and where it went.

    A watch's `alerts` rules (figure_change, new_story, new_outlet, speaker:NAME,
    keyword:WORD) are checked as each page is stored; what they match is sent to the
    watch's notify targets when the crawl run ends, one message per target, at most
    once. The daily digests' deliveries are listed here too.
    """


@alerts_group.command("list", cls=WirewatchCommand)
@DB_OPTION
@FORMAT_OPTION
@click.option("--watch", "watch_name", default=None, help="Only this watch's alerts.")
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default=None,
    help="Only deliveries in this state: pending (waiting for the end of a run, or to be "
    "tried again), sending (the process sending it ended: it may or may not have "
    "arrived, and is never sent again), sent, failed (and why), recorded (an alert of a "
    "watch without notify targets).",
)
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True,
              help="At most this many rows, newest first.")  # fmt: skip
def alerts_list(db_url: str, fmt: str, watch_name: str | None, status: str | None,
                limit: int) -> None:  # fmt: skip
    """List alerts and digest deliveries, newest first: when each was queued, what it
    says, its target (credentials masked), its state, how many sending rounds it took,
    and, for one not sent, why.

    Example: wirewatch alerts list --status failed --format json
    """
    from digest.outbox import list_outbox

    with open_store(db_url) as store:
        if watch_name is not None and store.watch_id(watch_name) is None:
            raise BadInput(f"no watch named {watch_name!r} in the database")
        rows = list_outbox(store, watch_name, status, limit)
    print_rows(rows, ALERT_COLUMNS, fmt, title="Alerts and deliveries",
               optional=("attempts", "sent_at", "kind"))  # fmt: skip


@alerts_group.command("send", cls=WirewatchCommand)
@DB_OPTION
@click.option(
    "--watch",
    "watch_names",
    multiple=True,
    help="Only this watch (repeatable; default: every watch in the database).",
)
@table_or_json_option("How to say what was sent.")
def alerts_send(db_url: str, watch_names: tuple[str, ...], fmt: str) -> None:
    """Send the pending alerts of watches now, to their notify targets (as stored with
    the watch by its last crawl): what a crawl run sends when it ends, for alerts left
    behind by a run whose process ended first, or by a target that was down. Exit code
    1 if a target could not be reached.

    Example: wirewatch alerts send --watch demo
    """
    from digest.outbox import send_alerts
    from watches import WatchError, watch_from_config

    rows: list[dict[str, Any]] = []
    failed = []
    with open_store(db_url) as store:
        for name in watch_names or store.watch_names():
            config = store.watch_config(name)
            if config is None:
                raise BadInput(f"no watch named {name!r} in the database")
            try:
                watch = watch_from_config(config)
            except WatchError as exc:
                raise WirewatchError(f"the stored watch {name!r} cannot be read: {exc}") from exc
            for sending in send_alerts(store, name, watch.notify, watch.alert_every):
                rows.append({"watch": name, "target": sending.target, "alerts": sending.alerts,
                             "status": sending.status, "error": sending.error})  # fmt: skip
                if sending.status not in ("sent", "held"):
                    failed.append(f"{name} to {sending.target}: {sending.error}")
    if fmt == "json":
        print_json(rows)
    else:
        for row in rows:
            why = f": {row['error']}" if row["error"] else ""
            click.echo(f"{row['watch']}: {plural(row['alerts'], 'alert')} {row['status']} to "
                       f"{row['target']}{why}")  # fmt: skip
        if not rows:
            click.echo("no pending alerts")
    if failed:
        raise WirewatchError("alerts could not be sent: " + "; ".join(failed))
