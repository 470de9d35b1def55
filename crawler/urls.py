"""Canonical article URLs: one identity per article, whatever link or tracking tag led to it."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived, never which page they read.
# Drawn from the tags seen on news links (Google Analytics, Facebook, Google Ads,
# Mailchimp, HubSpot, Twitter/X share links, Yahoo/Outbrain/Taboola widgets).
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "ref_src",
        "ref_url",
        "cmpid",
        "ocid",
        "taid",
        "outbrain",
        "tbref",
        "smid",
        "share",
    }
)
TRACKING_PREFIXES = ("utm_", "__twitter", "at_", "pk_", "mtm_", "_ga")

DEFAULT_PORTS = {"http": 80, "https": 443}


class URLError(ValueError):
    """A URL that cannot identify a page (no scheme or host, or not http(s))."""


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


PATH_SAFE = "/%:@!$&'()*+,;=~-._"


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an http(s) URL.

    Lower-cased scheme and host, default port dropped, no fragment, tracking
    parameters removed, remaining query parameters sorted, empty path as "/".

    >>> canonicalize_url("HTTPS://Example.COM:443/a?utm_source=x&b=2&a=1#top")
    'https://example.com/a?a=1&b=2'
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise URLError(f"not a valid URL: {url!r} ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise URLError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise URLError(f"URL has no host: {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise URLError(f"URL has a bad port: {url!r}") from exc
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    # spaces and other unsafe characters as a browser sends them; existing escapes kept
    path = quote(parts.path or "/", safe=PATH_SAFE)
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def outlet_of(url: str) -> str:
    """The outlet key of a URL: its host (and port when not the default)."""
    return urlsplit(canonicalize_url(url)).netloc
