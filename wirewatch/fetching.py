"""One page fetched for `wirewatch extract URL`, as carefully as the crawler fetches.

Only http(s), at most five redirects (each checked again), a size cap, and a time limit
on the whole fetch, not just on each read (a server that sends one byte every few
seconds would otherwise hold it for ever). Addresses are checked on the address the
connection is made to: a public page that redirects to this machine, its network or
the cloud metadata service is refused, unless the URL given was such an address
itself (the user asked for it) or private addresses are allowed.
"""

from __future__ import annotations

import http.client
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.addresses import is_public_address

MAX_REDIRECTS = 5
TOTAL_SECONDS = 60.0
READ_TIMEOUT_SECONDS = 20.0


class FetchError(Exception):
    """The page could not be fetched; the message says why."""


@dataclass(frozen=True, slots=True)
class Fetched:
    body: bytes
    content_type: str | None
    url: str


def fetch_page(url: str, limit: int, user_agent: str, allow_private: bool | None = None,
               deadline: float = TOTAL_SECONDS) -> Fetched:  # fmt: skip
    """GET `url` within `deadline` seconds; raises FetchError. Private addresses are
    allowed when `allow_private`, or (None) when the URL given is one itself."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are fetched, not {scheme}:")
    allow = allow_private
    if allow is None:
        allow = not _all_public(urlsplit(url).hostname or "")
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["page"] = _fetch(url, limit, user_agent, allow)
        except Exception as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, daemon=True, name="wirewatch-extract-fetch")
    worker.start()
    worker.join(deadline)
    if worker.is_alive():  # left behind: a daemon thread ends with the command
        raise FetchError(f"no complete answer within {deadline:g} s")
    if "error" in outcome:
        raise _as_fetch_error(outcome["error"])
    page: Fetched = outcome["page"]
    return page


def _as_fetch_error(exc: BaseException) -> FetchError:
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, urllib.error.HTTPError):
        return FetchError(f"HTTP {exc.code} {exc.reason}")
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        return reason if isinstance(reason, FetchError) else FetchError(str(reason))
    return FetchError(f"{type(exc).__name__}: {exc}")


def _fetch(url: str, limit: int, user_agent: str, allow_private: bool) -> Fetched:
    opener = urllib.request.build_opener(
        _GuardedHTTPHandler(allow_private), _GuardedHTTPSHandler(allow_private), _Redirects()
    )
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    with opener.open(request, timeout=READ_TIMEOUT_SECONDS) as response:
        body = response.read(limit + 1)
        if len(body) > limit:
            raise FetchError(f"larger than {limit} bytes")
        return Fetched(body, response.headers.get("Content-Type"), response.geturl())


def _all_public(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return True  # does not resolve: the fetch will say so
    return all(is_public_address(str(info[4][0])) for info in infos)


def _guarded_connect(allow_private: bool) -> Any:
    """socket.create_connection that connects only to an address it has checked."""

    def connect(address: tuple[str, int], timeout: Any = None, source: Any = None) -> Any:
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        checked = [info for info in infos if allow_private or is_public_address(str(info[4][0]))]
        if not checked:
            raise FetchError(f"blocked address: {host} ({infos[0][4][0]}) is not a public address")
        family, kind, proto, _, target = checked[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            if source:
                sock.bind(source)
            sock.connect(target)
        except BaseException:
            sock.close()
            raise
        return sock

    return connect


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connect(allow_private)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, allow_private: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connect(allow_private)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_GuardedHTTPConnection, req, allow_private=self.allow_private)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def https_open(self, req: urllib.request.Request) -> Any:
        context = getattr(self, "_context", None)  # the handler's own, as urllib passes it
        return self.do_open(_GuardedHTTPSConnection, req, context=context,
                            allow_private=self.allow_private)  # fmt: skip


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> Any:  # fmt: skip
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            fp.close()  # urllib closes it only after a redirect it follows
            raise FetchError(f"redirected to a {scheme}: URL ({newurl}), which is not fetched")
        return super().redirect_request(req, fp, code, msg, headers, newurl)
