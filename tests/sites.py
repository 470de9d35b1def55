"""Small local web sites for tests: pages we write per test, served by a real HTTP server
on a loopback address of the test's choosing (127.0.0.21 and up: the newsroom uses
.11 to .19), with a count of the requests each path received."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


Route = Page | Callable[[str], Page]


class Site:
    """A site on `host`, port chosen by the system. Paths not added answer 404."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self._server: ThreadingHTTPServer | None = None

    def add(self, path: str, route: Route | bytes | str, **page: Any) -> str:
        if isinstance(route, str):
            route = route.encode("utf-8")
        self.routes[path] = Page(route, **page) if isinstance(route, bytes) else route
        return self.url(path)

    def route(self, path: str) -> Route | None:
        """The route of a path: its own, else that of the longest "prefix*" it starts with."""
        if path in self.routes:
            return self.routes[path]
        prefixes = [p for p in self.routes if p.endswith("*") and path.startswith(p[:-1])]
        return self.routes[max(prefixes, key=len)] if prefixes else None

    @property
    def port(self) -> int:
        assert self._server is not None, "start the site first"
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> Self:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits[self.path] += 1
                route = site.route(self.path)
                if route is None:
                    self.send_error(404)
                    return
                page = route(self.path) if callable(route) else route
                time.sleep(page.delay)
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


FILLER = (
    "Officials in Seoul said the deployment marked a new stage in the military "
    "cooperation between Pyongyang and Moscow, and that more units could follow.",
    "Analysts expected the fighting in the Kursk region to continue through the winter, "
    "with both sides bringing in reinforcements from other parts of the front line.",
    "The foreign ministry summoned the Russian ambassador on Monday to demand the "
    "immediate withdrawal of the troops and an end to the transfer of weapons.",
    "Diplomats at the United Nations said the Security Council would discuss the matter "
    "later in the week, although no resolution was expected to pass.",
)


def article_html(title: str, paragraphs: list[str], head: str = "", after: str = "") -> str:
    """A plain news article page: the paragraphs, then filler enough to be an article."""
    body = "".join(f"<p>{escape(p)}</p>\n" for p in [*paragraphs, *FILLER])
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><meta property='og:type' content='article'>{head}"
        f"</head><body><article><h1>{escape(title)}</h1>\n{body}</article>{after}</body></html>"
    )


class WebhookInbox:
    """A webhook receiver on 127.0.0.1: keeps the JSON body of every POST; answers 500
    to the first `failures` of them, 200 after. With `hold`, it answers nothing until
    `release` is set (`arrived` is set when a body has come in): the sender is caught
    between sending and hearing back. Use as a context manager."""

    def __init__(self, failures: int = 0, hold: bool = False) -> None:
        self.received: list[dict[str, Any]] = []
        self.failures = failures
        self.arrived = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                inbox.received.append(json.loads(body))
                inbox.arrived.set()
                inbox.release.wait(60)
                status = 500 if inbox.failures > 0 else 200
                inbox.failures -= 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self._server.server_address[1]}/digest"

    def __enter__(self) -> Self:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


class SmtpInbox:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, in this process: keeps every
    envelope it is given. Use as a context manager; `port` is where it listens."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.envelopes: list[Any] = []
        with socket.socket() as probe:  # aiosmtpd needs its port named beforehand
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def __enter__(self) -> Self:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()
