"""Canonical article URLs: one identity per article, whatever link or tracking tag led to
it. In storage, beside the articles whose identity they are: the migration that brings
stored URLs to a new canonical form (storage/migrations) uses the same function as the
crawler."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize

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


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an http(s) URL.

    Our rules (http(s) only, a host, a valid port, the default port dropped, tracking
    parameters removed), then w3lib's canonicalisation, which browsers and Scrapy agree
    with: percent-escapes of unreserved characters decoded and the others upper-cased
    (`a%7eb`, `a%7Eb` and `a~b` are one page), dot segments resolved (`/x/../a`), an
    international host in its IDNA form (`bücher.de` is `xn--bcher-kva.de`), the
    query sorted, no fragment, an empty path as "/".

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
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except (ValueError, UnicodeError) as exc:
        raise URLError(f"URL has a bad port or host: {url!r}") from exc
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    ours = urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))
    try:
        canonical = str(w3lib_canonicalize(ours))
    except (ValueError, UnicodeError) as exc:
        raise URLError(f"not a valid URL: {url!r} ({exc})") from exc
    if not urlsplit(canonical).hostname:
        # w3lib reads a host of "\" as browsers do, as a path separator: no host left
        raise URLError(f"URL has no usable host: {url!r}")
    return canonical


def outlet_of(url: str) -> str:
    """The outlet key of a URL: its host (and port when not the default)."""
    return urlsplit(canonicalize_url(url)).netloc
