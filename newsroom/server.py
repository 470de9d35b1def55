"""Serving the newsroom: one threaded HTTP server per outlet, on its own loopback address."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from newsroom import edge, real
from newsroom.pages import (
    SECTIONS,
    render_article,
    render_listing,
    render_news_sitemap,
    render_robots,
    render_rss,
)
from newsroom.stories import DAYS, OUTLETS, Catalogue, Outlet, Story, build_catalogue

DEFAULT_PORT = 8931
# Pages with deliberate misbehaviour (outlet, path): a 500 before the first success,
# and a slow answer.
FLAKY_PAGES = {("worlddesk", "/news/north-korean-soldiers-supporting-russian-troops")}
SLOW_PAGES = {("frontierwire", "/news/north-korea-sending-soldiers-russia-nis"): 1.0}
REDIRECTS = {
    ("koreaherald", "/story/1001"): "/news/evidence-points-to-north-korea-troop-deployment"
}


class Newsroom:
    """The whole offline news site. Use as a context manager, or start() / stop()."""

    def __init__(
        self,
        port: int = 0,
        day: int | None = None,
        outlets: tuple[Outlet, ...] = OUTLETS,
        first_octet_offset: int = 0,
    ) -> None:
        self.port = port
        self.day = len(DAYS) - 1 if day is None else day
        self.outlets = outlets
        self.offset = first_octet_offset
        self.catalogue: Catalogue = build_catalogue()
        self.hits: Counter[tuple[str, str]] = Counter()
        self._servers: dict[str, _OutletServer] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    # --- life cycle -------------------------------------------------------------------

    def start(self) -> Newsroom:
        for outlet in self.outlets:
            server = _OutletServer((self.host_of(outlet), self.port), self, outlet)
            self._servers[outlet.key] = server
            thread = threading.Thread(
                target=server.serve_forever, name=f"newsroom-{outlet.key}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> Newsroom:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- addresses -----------------------------------------------------------------------

    def host_of(self, outlet: Outlet) -> str:
        return f"127.0.0.{outlet.octet + self.offset}"

    def base_url(self, key: str) -> str:
        return self._servers[key].base

    @property
    def base_urls(self) -> dict[str, str]:
        return {key: self.base_url(key) for key in self._servers}

    def url(self, key: str, path: str) -> str:
        return self.base_url(key) + path

    def story_url(self, story: Story) -> str:
        return self.url(story.outlet, f"/news/{story.slug}")

    def set_day(self, day: int) -> None:
        if not 0 <= day < len(DAYS):
            raise ValueError(f"day must be between 0 and {len(DAYS) - 1}")
        self.day = day

    def count_hit(self, outlet: str, path: str) -> int:
        with self._lock:
            self.hits[(outlet, path)] += 1
            return self.hits[(outlet, path)]

    def visible(self, outlet: str) -> list[Story]:
        stories = [s for s in self.catalogue.by_outlet(outlet) if s.visible_on(self.day)]
        return sorted(stories, key=lambda s: (s.published, s.slug), reverse=True)


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], room: Newsroom, outlet: Outlet) -> None:
        super().__init__(address, _Handler)
        self.newsroom = room
        self.outlet = outlet

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: _OutletServer

    server_version = "newsroom/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def room(self) -> Newsroom:
        return self.server.newsroom

    @property
    def outlet(self) -> Outlet:
        return self.server.outlet

    @property
    def base(self) -> str:
        return self.server.base

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests and the demo read the crawler's log, not the server's

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        hit = self.room.count_hit(self.outlet.key, path)
        if self.outlet.key == "edge":
            edge.serve(self, path)
            return
        if self.outlet.key == "realpages":
            real.serve(self, path)
            return
        if (self.outlet.key, path) in FLAKY_PAGES and hit == 1:
            self.send_text(500, "Temporary failure, try again", headers={"Retry-After": "1"})
            return
        delay = SLOW_PAGES.get((self.outlet.key, path))
        if delay:
            time.sleep(delay)
        self.route(path)

    def route(self, path: str) -> None:
        room, outlet = self.room, self.outlet
        if path == "/robots.txt":
            self.send_text(200, render_robots(self.base), "text/plain; charset=utf-8")
        elif path in ("/", "/index.html"):
            self.send_html(
                render_listing(
                    outlet, f"{outlet.name}: latest news", self.base + "/", room.visible(outlet.key)
                )
            )
        elif path.startswith("/section/") and path.split("/")[2] in SECTIONS:
            section = path.split("/")[2]
            stories = [s for s in room.visible(outlet.key) if s.section == section]
            self.send_html(
                render_listing(outlet, f"{section.title()} news", self.base + path, stories)
            )
        elif path == "/rss.xml":
            self.send_text(
                200,
                render_rss(outlet, self.base, room.visible(outlet.key)),
                "application/rss+xml; charset=utf-8",
            )
        elif path == "/news-sitemap.xml":
            self.send_text(
                200,
                render_news_sitemap(outlet, self.base, room.visible(outlet.key)),
                "application/xml; charset=utf-8",
            )
        elif (outlet.key, path) in REDIRECTS:
            self.send_redirect(301, REDIRECTS[(outlet.key, path)])
        elif path.startswith("/news/"):
            self.serve_article(path.split("/", 2)[2])
        elif path.startswith("/private/") or path in ("/about", "/contact"):
            self.send_html(render_listing(outlet, "About " + outlet.name, self.base + path, []))
        else:
            self.send_text(404, "Not found")

    def serve_article(self, slug: str) -> None:
        story = self.room.catalogue.find(self.outlet.key, slug)
        day = self.room.day
        if story is None or story.day > day:
            self.send_text(404, "Not found")
            return
        if story.gone_on(day):
            self.send_text(410, "This article has been removed")
            return
        related = [s for s in self.room.visible(self.outlet.key) if s is not story][:4]
        html = render_article(self.outlet, story, day, self.base, self.room.base_urls, related)
        last_modified = datetime.fromisoformat(story.modified_on(day))
        self.send_html(html, last_modified=last_modified)

    # --- responses ---------------------------------------------------------------------------

    def send_html(self, html: str, last_modified: datetime | None = None) -> None:
        body = html.encode("utf-8")
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag}
        if last_modified is not None:
            headers["Last-Modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
        if self.not_modified(etag, last_modified):
            self.send_response(304)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_bytes(200, body, "text/html; charset=utf-8", headers)

    def not_modified(self, etag: str, last_modified: datetime | None) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since and last_modified is not None:
            try:
                return last_modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def send_text(
        self,
        status: int,
        text: str,
        content_type: str = "text/plain; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_bytes(status, text.encode("utf-8"), content_type, headers)

    def send_redirect(self, status: int, location: str) -> None:
        self.send_bytes(status, b"", "text/plain", {"Location": location})

    def send_bytes(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
