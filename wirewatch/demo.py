"""`wirewatch demo` and `wirewatch newsroom serve`."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import click
from rich.console import Console

from crawler.watch import Watch, WatchError, load_watch
from newsroom import OUTLETS, Newsroom
from newsroom.server import DEFAULT_PORT
from storage import Store
from wirewatch.crawling import crawl_with_progress, print_run_summary
from wirewatch.output import print_rows

DEMO_WATCH = "demo.toml"


def seeds_dir() -> Path:
    """seeds/ in the working directory, else beside the installed packages (a checkout)."""
    for candidate in (Path.cwd() / "seeds", Path(__file__).resolve().parents[1] / "seeds"):
        if (candidate / DEMO_WATCH).is_file():
            return candidate
    raise click.ClickException("cannot find seeds/demo.toml: run this from the wirewatch checkout")


def start_newsroom(port: int | None, day: int | None = None) -> Newsroom:
    room = Newsroom(port=DEFAULT_PORT if port is None else port, day=day)
    try:
        return room.start()
    except OSError as exc:
        room.stop()
        raise click.ClickException(
            f"cannot start the newsroom on port {room.port}: {exc.strerror or exc}; "
            "is another newsroom running? Pick another with --port."
        ) from exc


def serve_newsroom(day: int | None, port: int | None) -> None:
    room = start_newsroom(port, day)
    click.echo(f"Newsroom day {room.day} serving {len(OUTLETS)} outlets:")
    for outlet in OUTLETS:
        click.echo(f"  {outlet.name:<22} {room.base_url(outlet.key)}/")
    click.echo("Press Ctrl-C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        room.stop()


def demo_watch(room: Newsroom) -> Watch:
    """seeds/demo.toml, pointed at the port the newsroom actually uses."""
    path = seeds_dir() / DEMO_WATCH
    try:
        watch = load_watch(path)
    except WatchError as exc:
        raise click.ClickException(str(exc)) from exc
    default = f":{DEFAULT_PORT}/"
    actual = f":{room.port}/"
    return dataclasses.replace(watch, seeds=tuple(s.replace(default, actual) for s in watch.seeds))


def run_demo(db_url: str, port: int | None, workers: int | None) -> None:
    console = Console()
    room = start_newsroom(port)
    try:
        watch = demo_watch(room)
        console.print(
            f"[bold]Newsroom[/] day {room.day}: {len(OUTLETS)} outlets on "
            f"127.0.0.11-{10 + len(OUTLETS)}, port {room.port}"
        )
        settings = {} if workers is None else {"WIREWATCH_EXTRACTION_WORKERS": workers}
        import sys

        run = crawl_with_progress(watch, db_url, settings, "WARNING", None, sys.stderr.isatty())
    finally:
        room.stop()
    print_run_summary(run, "table")
    if run.status != "finished":
        raise click.ClickException(f"the demo crawl {run.status}: {run.error or 'see the log'}")
    store = Store.open(db_url)
    try:
        rows = store.list_articles(watch=watch.name, limit=1000)
        stories = store.list_clusters(min_size=2)
        details = [store.cluster_detail(story["id"]) for story in stories]
    finally:
        store.close()
    print_rows(
        rows,
        ("id", "site_name", "title", "published", "versions"),
        "table",
        title=f"Articles of watch {watch.name}",
        optional=("versions",),
    )
    for detail in details:
        if detail is not None:
            print_rows(
                detail["members"],
                ("article_id", "outlet", "title", "role", "similarity"),
                "table",
                title=f"Story cluster {detail['id']}: one story, {len(detail['members'])} outlets",
                optional=("similarity",),
            )
    console.print(
        f"\nStored in {db_url}. Look further with:\n"
        "  wirewatch articles list --format json\n"
        "  wirewatch articles show ID\n"
        "  wirewatch clusters list --min-size 1\n"
        "  wirewatch clusters show ID\n"
        "  sqlite3 wirewatch.db 'select outlet, title from articles'"
    )
