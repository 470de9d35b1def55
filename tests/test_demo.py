"""`wirewatch demo` and `wirewatch newsroom serve`, end to end."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import feedparser
from click.testing import CliRunner

from newsroom import OUTLETS
from newsroom.stories import DAYS
from storage import Store
from tests.crawl_helpers import query
from tests.sites import WebhookInbox
from wirewatch.cli import main

FIGURES_DAY = "2024-10-23"  # the NIS figure moves


def free_port_on_all_outlets() -> int:
    """A port that is free on every outlet address (the demo uses one port for all)."""
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind(("127.0.0.11", 0))
            port = int(probe.getsockname()[1])
        sockets = []
        try:
            for outlet in OUTLETS:
                sock = socket.socket()
                sockets.append(sock)
                sock.bind((f"127.0.0.{outlet.octet}", port))
            return port
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free port")


def test_demo_replays_the_days_through_the_scheduler(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    digests = tmp_path / "digests"
    port = free_port_on_all_outlets()
    with WebhookInbox() as hook:
        args = ["--db", db_url, "--port", str(port), "--digest-dir", str(digests)]
        result = CliRunner().invoke(main, ["demo", *args, "--notify", hook.url])
    assert result.exit_code == 0, result.output
    out = result.output
    for day, name in enumerate(DAYS):
        assert f"Day {day}: {name}" in out
    # day by day: new articles, the updated article with its added sentence, new
    # claims, and the NIS figure that changed between days
    assert "new     The Korea Herald: Evidence points to N. Korea's looming" in out
    assert "updated AJP:" in out and "+ South Korea's National Intelligence Service" in out
    assert "claim   Kremlin spokesman Dmitry Peskov (dismissed)" in out
    assert "figure changed NIS: 1,500 → about 3,000 troops" in out
    assert out.index("figure changed NIS") > out.index(f"Day 3: {DAYS[3]}")
    # it ends by writing every day's digest and printing the paths
    for name in DAYS:
        for suffix in ("md", "html", "json"):
            path = digests / "demo" / f"{name}.{suffix}"
            assert path.is_file() and str(path) in out.replace("\n", "")
    # and the feed, with the day the NIS figure moved and the change itself
    feed = feedparser.parse((digests / "demo" / "feed.xml").read_bytes())
    assert "feed.xml" in out and not feed.bozo
    titles = [entry.title for entry in feed.entries]
    assert "demo: NIS: 1,500 → about 3,000 troops" in titles
    days = len(list((digests / "demo").glob("*.json")))  # the quiet days between too
    assert len([t for t in titles if t.startswith("demo, ")]) == days >= len(DAYS)
    # each morning the scheduler sent the digest of the day before; on the last, the
    # missed quiet days were written but not sent, only the newest of them (10-28)
    titles = [payload["title"] for payload in hook.received]
    sent = [t for t in titles if re.match(r"demo, \d{4}-\d\d-\d\d: ", t)]
    expected = [*DAYS[:-1], "2024-10-28"]
    assert [t.split(":")[0] for t in sent] == [f"demo, {day}" for day in expected]
    assert sent[DAYS.index(FIGURES_DAY)].startswith(
        f"demo, {FIGURES_DAY}: NIS: 1,500 → about 3,000 troops"
    )
    # and the alerts of seeds/demo.toml as each run found them: the NIS figure on the
    # day it moved (before that day's digest, the next morning), once
    alerts = [p for p in hook.received if p["title"] not in sent]
    moved = [p for p in alerts if "Figure changed: NIS: 1,500 → about 3,000 troops" in p["message"]]
    assert len(moved) == 1 and "Figure changed: NIS" in moved[0]["title"]
    assert titles.index(moved[0]["title"]) < titles.index(sent[DAYS.index(FIGURES_DAY)])
    assert "alerts sent to json://" in out
    # and each day's printout lists the alerts its run found, and where they went
    words = " ".join(out.split())  # the lines wrap at the console's width
    assert "alert Figure changed: NIS: 1,500 → about 3,000 troops (AJP) (sent to json://" in words
    rows = query(db_url, "select site_name, title, published from articles order by site_name")
    sites = {site.lower() for site, _, _ in rows}
    newsroom = {o.name.lower() for o in OUTLETS if o.key not in ("edge", "realpages")}
    # and the World Press Review's real pages on the story, under their publishers' names
    assert sites == newsroom | {"fr.de", "読売新聞オンライン"}


def test_demo_refuses_a_database_that_already_holds_the_story(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    port = free_port_on_all_outlets()
    store = Store.open(db_url)
    store.start_run(store.ensure_watch("demo", {}))
    store.close()
    args = ["demo", "--db", db_url, "--port", str(port), "--digest-dir", str(tmp_path)]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "already holds the 'demo' watch" in again.output
    assert query(db_url, "select count(*) from crawl_runs") == [(1,)]


def test_newsroom_serve_prints_urls_that_answer() -> None:
    port = free_port_on_all_outlets()
    process = subprocess.Popen(
        [sys.executable, "-m", "wirewatch", "newsroom", "serve", "--day", "0", "--port",
         str(port)], stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(len(OUTLETS) + 1)]
        assert "day 0" in lines[0]
        urls = {line.rsplit(None, 1)[0].strip(): line.split()[-1] for line in lines[1:]}

        def feed(outlet: str) -> str:
            with urllib.request.urlopen(urls[outlet] + "rss.xml", timeout=10) as response:
                return str(response.read().decode())

        assert "New evidence suggests North Korea" in feed("AJP")
        # the Korea Herald's story comes out on day 1, its noise article on day 0
        korea_herald = feed("The Korea Herald")
        assert "Evidence points to" not in korea_herald and "Rice farmers" in korea_herald
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
