"""`wirewatch demo` and `wirewatch newsroom serve`."""

from __future__ import annotations

import dataclasses
import sys
import threading
from datetime import date, datetime, time
from pathlib import Path

import click
from rich.console import Console
from rich.text import Text

from claims.sentences import shortened
from digest import collect_day, feed_path, write_digests
from digest.outbox import list_outbox
from digest.report import claim_words
from newsroom import OUTLETS, Newsroom
from newsroom.server import DEFAULT_PORT
from newsroom.stories import DAYS
from scheduler import JobOutcome, SchedulerOptions, WatchScheduler
from storage import Store
from storage.errors import safe_url
from watches import Watch, WatchError, load_watch
from wirewatch.crawling import CrawlProgress
from wirewatch.output import plural
from wirewatch.schedule_cmd import describe

DEMO_WATCH = "demo.toml"
SHOWN_CHARACTERS = 140  # of a claim, on the day's line
NOT_SENT = "recorded; wirewatch demo --notify URL sends it"
DEMO_DB = "demo.db"
# One request at a time and extraction inline: the crawl goes in the same order on every
# run, and so do the article and story ids, and every digest file is the same.
DETERMINISTIC = {"CONCURRENT_REQUESTS": 1, "WIREWATCH_EXTRACTION_WORKERS": 0}


def bundled_seeds() -> Path:
    """The example watches that come with wirewatch (seeds/ of the checkout). Only the
    demo uses them unasked; `wirewatch run` reads ./seeds of the working directory."""
    return Path(__file__).resolve().parents[1] / "seeds"


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
    path = bundled_seeds() / DEMO_WATCH
    try:
        watch = load_watch(path)
    except WatchError as exc:
        raise click.ClickException(str(exc)) from exc
    default = f":{DEFAULT_PORT}/"
    actual = f":{room.port}/"
    return dataclasses.replace(
        watch,
        seeds=tuple(s.replace(default, actual) for s in watch.seeds),
        feeds=tuple(f.replace(default, actual) for f in watch.feeds),
    )


def run_demo(db_url: str | None, port: int | None, workers: int | None, digest_dir: Path,
             targets: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Replay the newsroom's days through the scheduler in accelerated time: each day
    at 08:00 (UTC) the due jobs run (the re-crawl, and the digest of the day before);
    then the day's new articles, changes and claims are printed."""
    db_url = db_url or fresh_demo_database()
    with Store.open(db_url) as store:
        replay(store, port, workers, digest_dir, targets)
    console = Console()
    console.print(
        f"\nStored in {db_url}. Look further with:\n"
        f"  wirewatch claims list --db {db_url}\n"
        f"  wirewatch clusters list --db {db_url}\n"
        f"  wirewatch articles show ID --db {db_url}"
    )


def replay(store: Store, port: int | None, workers: int | None, digest_dir: Path,
           targets: tuple[str, ...]) -> None:  # fmt: skip
    console = Console()
    room = start_newsroom(port, day=0)
    try:
        watch = dataclasses.replace(demo_watch(room), notify=targets)
        refuse_used_database(store, watch.name)
        console.print(
            f"[bold]Newsroom[/]: {len(OUTLETS)} outlets on 127.0.0.11-{10 + len(OUTLETS)}, "
            f"port {room.port}; {len(DAYS)} days from {DAYS[0]} to {DAYS[-1]}, "
            f"replayed through the scheduler (watch {watch.name}, every "
            f"{watch.recrawl_interval}, digest at {watch.digest_time:%H:%M} UTC)"
        )
        settings = dict(DETERMINISTIC)
        if workers is not None:
            settings["WIREWATCH_EXTRACTION_WORKERS"] = workers
        options = SchedulerOptions(digest_dir=digest_dir, crawl_settings=settings)
        progress = CrawlProgress(sys.stderr.isatty(), watch.max_pages)
        options.on_crawl_event = progress.on_event
        with WatchScheduler(store, [watch], options) as scheduler, progress:
            for day in range(len(DAYS)):
                room.set_day(day)
                morning = datetime.combine(date.fromisoformat(DAYS[day]), time(8))
                if day == 0:
                    scheduler.open(now=morning)
                outcomes = scheduler.run_due(now=morning)
                print_day(console, day, outcomes, store, watch.name)
    finally:
        room.stop()
    paths = [
        path
        for day in DAYS
        for path in write_digests(store, watch.name, date.fromisoformat(day), digest_dir)
    ]
    console.print("\n[bold]Digests[/] (Markdown, HTML, JSON) for the newsroom's days:")
    for path in paths:
        console.print(f"  {path}", soft_wrap=True)
    feed = feed_path(digest_dir, watch.name).resolve()
    console.print(
        f"\n[bold]Feed[/] (Atom: a digest a day and each figure that changed): {feed}\n"
        f"  subscribe in a feed reader to {feed.as_uri()}, or serve {feed.parent} over HTTP",
        soft_wrap=True,
    )


def fresh_demo_database() -> str:
    """The demo's own database, ./demo.db, made afresh: the replay starts on day one."""
    path = Path(DEMO_DB)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def refuse_used_database(store: Store, watch: str) -> None:
    if store.last_run(watch) is not None:
        raise click.ClickException(
            f"{safe_url(store.url)} already holds the {watch!r} watch: the demo replays its "
            "days from the start, so give it a new database (or leave out --db to use "
            "./demo.db afresh)"
        )


def print_day(
    console: Console, day: int, outcomes: list[JobOutcome], store: Store, watch: str
) -> None:
    report = collect_day(store, watch, date.fromisoformat(DAYS[day]))
    console.rule(f"[bold]Day {day}: {DAYS[day]}")
    # Page text (titles, sentences, speakers, outlets) goes out as Text, never as markup.
    for outcome in outcomes:
        console.print(Text(describe(outcome), style="dim"), soft_wrap=True)
    numbers = report["numbers"]
    console.print(
        f"{plural(numbers['new_articles'], 'new article')}, {numbers['updated_articles']} "
        f"updated, {plural(numbers['new_claims'], 'new claim')}, "
        f"{plural(numbers['fetch_errors'], 'fetch error')}"
    )
    for article in report["new_articles"]:
        console.print(_line(("new", "green"), f"{article['outlet']}: {article['title']}"))
    for change in report["updated_articles"]:
        console.print(_line(("updated", "yellow"), f"{change['outlet']}: {change['title']}"))
        for sentence in change["added"]:
            console.print(Text(f"            + {sentence}", style="green"))
        for sentence in change["removed"]:
            console.print(Text(f"            - {sentence}", style="red"))
    for group in report["claims"]:
        for claim in group["claims"]:
            words = claim_words(claim)
            said = shortened(words["said"], SHOWN_CHARACTERS)
            console.print(
                _line(
                    ("claim", "magenta"),
                    f"{words['speaker']} ({words['cue']}): {said}",
                    (f" {words['figures']}" if words["figures"] else "", "cyan"),
                    (f" {claim['first_outlet']}", "dim"),
                )
            )
    for change in report["figure_changes"]:
        console.print(Text.assemble(("  figure changed ", "bold red"), change["summary"]))
    for summary, where in _alerts_of_day(store, watch, DAYS[day]).items():
        console.print(_line(("alert", "bold red"), summary, (f" ({where})", "dim")))


def _alerts_of_day(store: Store, watch: str, day: str) -> dict[str, str]:
    """The alerts the day's run found, oldest first, each with where it went."""
    went: dict[str, list[str]] = {}
    for row in reversed(list_outbox(store, watch)):
        if row["kind"] == "alert" and (row["queued_at"] or "").startswith(day):
            where = f"{row['status']} to {row['target']}" if row["target"] else NOT_SENT
            went.setdefault(row["summary"], []).append(where)
    return {summary: ", ".join(places) for summary, places in went.items()}


def _line(label: tuple[str, str], *parts: str | tuple[str, str]) -> Text:
    """'  label   rest', the label styled and padded to line up."""
    return Text.assemble("  ", (f"{label[0]:<8}", label[1]), *parts)
