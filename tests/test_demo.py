"""`wirewatch demo` and `wirewatch newsroom serve`, end to end."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from newsroom import OUTLETS
from tests.crawl_helpers import query
from wirewatch.cli import main


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


def test_demo_stores_the_story(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    port = free_port_on_all_outlets()
    result = CliRunner().invoke(main, ["demo", "--db", db_url, "--port", str(port)])
    assert result.exit_code == 0, result.output
    assert "finished" in result.output and "Articles of watch demo" in result.output
    rows = query(db_url, "select site_name, title, published from articles order by site_name")
    sites = {site.lower() for site, _, _ in rows}
    assert sites == {o.name.lower() for o in OUTLETS if o.key != "edge"}
    assert (
        "The Korea Herald",
        "Evidence points to N. Korea's looming troop deployment in Ukraine war",
        "2024-10-21",
    ) in rows


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
