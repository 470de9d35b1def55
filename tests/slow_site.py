"""A local site whose pages answer slowly and link in a chain, so that a crawl of it
lasts long enough to be interrupted, or to have its database restarted, midway."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Each page takes this long to answer and links only to the next one, so a crawl of
# a few pages lasts long enough to be interrupted in the middle.
PAGE_DELAY_SECONDS = 1.5
PAGES = 6  # the seed and five links away: the deepest a watch may go

PARAGRAPH = (
    "North Korean troops were seen at a training ground in Russia's Far East on {n}, "
    "officials in Seoul said, adding that more units were expected to follow in the "
    "coming weeks as Pyongyang deepens its military cooperation with Moscow. "
)


class _SlowArticles(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if not self.path.startswith("/a/"):
            self.send_error(404)
            return
        number = int(self.path.rsplit("/", 1)[1])
        time.sleep(PAGE_DELAY_SECONDS)
        body = "".join(f"<p>{PARAGRAPH.format(n=f'day {number}, note {i}')}</p>" for i in range(8))
        link = f'<a href="/a/{number + 1}">North Korean troops, part {number + 1}</a>'
        html = (
            f"<html><head><title>North Korean troops, part {number}</title></head><body>"
            f"<article><h1>North Korean troops, part {number}</h1>{body}</article>"
            f"{link if number < PAGES else ''}</body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(html)))
        self.end_headers()
        self.wfile.write(html)

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def serve_slow_site() -> Iterator[str]:
    """The site on a free loopback port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowArticles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
