"""Turning download failures into short, stable error kinds for the fetch log."""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_errors
from twisted.python.failure import Failure

from crawler.addresses import BlockedAddress

# Scrapy 2.14+ wraps network errors in its own types; older versions raise Twisted's.
_SCRAPY_KINDS = tuple(
    (getattr(scrapy_errors, name), kind)
    for name, kind in (
        ("DownloadConnectionRefusedError", "connection_refused"),
        ("CannotResolveHostError", "dns"),
        ("DownloadTimeoutError", "timeout"),
        ("DownloadCancelledError", "too_large"),
        ("ResponseDataLossError", "connection_lost"),
        ("DownloadFailedError", "connection_error"),
    )
    if hasattr(scrapy_errors, name)
)

_NETWORK_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    *_SCRAPY_KINDS,
    (net_errors.ConnectionRefusedError, "connection_refused"),
    (net_errors.DNSLookupError, "dns"),
    (net_errors.TimeoutError, "timeout"),
    (net_errors.TCPTimedOutError, "timeout"),
    (net_errors.ConnectionLost, "connection_lost"),
    (net_errors.ConnectError, "connection_error"),
)


def classify_failure(failure: Failure) -> tuple[str, str, int | None]:
    """(kind, message, HTTP status or None) for a request's failure."""
    error = failure.value
    if error is None:
        return "error", "unknown failure", None
    if isinstance(error, HttpError):
        status = error.response.status
        kind = {404: "not_found", 410: "gone", 403: "forbidden", 429: "rate_limited"}.get(
            status, "server_error" if status >= 500 else "http_error"
        )
        return kind, f"HTTP {status}", status
    if isinstance(error, BlockedAddress):
        return "blocked_address", _one_line(error), None
    own_kind = getattr(error, "kind", None)
    if isinstance(error, IgnoreRequest) and isinstance(own_kind, str):
        return own_kind, _one_line(error), None  # our own refusals say their kind
    if isinstance(error, IgnoreRequest):
        message = str(error) or "request ignored"
        if message.startswith("blocked address"):
            return "blocked_address", message, None
        if "exceeded DOWNLOAD_MAXSIZE" in message or "larger than the download max size" in message:
            return "too_large", _one_line(error), None
        if "robots.txt" in message:
            return "robots", "forbidden by robots.txt", None
        if "redirect" in message:
            return "redirect_loop", message, None
        return "ignored", message, None
    for error_type, kind in _NETWORK_KINDS:
        if isinstance(error, error_type):
            return kind, _one_line(error), None
    if error.__class__.__name__ in {"ResponseNeverReceived", "ResponseFailed"}:
        return "connection_lost", _one_line(error), None
    return "error", f"{error.__class__.__name__}: {_one_line(error)}", None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:500] or error.__class__.__name__
