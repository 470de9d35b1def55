"""Watches: the TOML files in seeds/ that name a story to follow.

A watch is validated completely before anything is crawled or written; every problem
is reported with the file, the key and what is wrong.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, overload
from urllib.parse import urlsplit

from storage.urls import URLError, canonicalize_url

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DURATION_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_DEPTH = 5
MAX_PAGES_LIMIT = 1_000_000
MAX_DURATION = timedelta(days=365)
MAX_WINDOW = timedelta(days=3650)  # a watch that looks back ten years looks at everything

KNOWN_KEYS = {
    "name": "a short slug naming the watch, e.g. 'north-korea-troops'",
    "description": "free text",
    "seeds": "list of article URLs to start from",
    "feeds": "list of RSS/Atom feed URLs",
    "sitemaps": "list of (news) sitemap URLs",
    "allowed_domains": "list of host names the crawl may visit",
    "depth": f"how many links away from a seed to follow (0-{MAX_DEPTH})",
    "max_pages": "page budget per crawl run",
    "keywords": "topic keywords; links and feed items must match one",
    "recrawl_interval": "how often to re-crawl, e.g. '6h' or '30m'",
    "window": "how far back the watch looks, e.g. '30d': news-sitemap entries published "
    "earlier are not fetched",
    "digest_time": "time of the daily digest, 'HH:MM' in UTC (or with an offset: '09:00+02:00')",
    "allow_private_addresses": "true to allow loopback/private hosts (the offline newsroom)",
    "notify": "where the daily digest and the alerts go: smtp:// email targets and Apprise "
    "URLs (json://, slack://, ntfy://, mailto://, ...)",
    "alerts": "what is sent the moment a crawl run finds it: figure_change, new_story, "
    "new_outlet, speaker:NAME, keyword:WORD",
    "alert_every": "at most one alert message per target this often, e.g. '1h' (what comes "
    "in between is sent together); default: one message per target per crawl run",
}
# The alert rules (crawler.alerts evaluates them): plain ones, and those naming a speaker
# or a word after a colon.
ALERT_RULES = ("figure_change", "new_story", "new_outlet")
ALERT_RULES_NAMING = ("speaker", "keyword")


class WatchError(ValueError):
    """A watch file that cannot be used; the message names file, key and problem."""

    def __init__(self, path: str | Path, key: str | None, problem: str) -> None:
        self.path = str(path)
        self.key = key
        self.problem = problem
        where = f"{self.path}: key '{key}'" if key else self.path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class Watch:
    name: str
    seeds: tuple[str, ...]
    keywords: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    depth: int = 1
    max_pages: int = 200
    recrawl_interval: timedelta = timedelta(hours=6)
    window: timedelta = timedelta(days=30)
    digest_time: time = time(7, 0)
    allow_private_addresses: bool = False
    description: str = ""
    notify: tuple[str, ...] = ()  # digest and alert targets (digest.delivery)
    alerts: tuple[str, ...] = ()  # alert rules, e.g. "figure_change", "speaker:NIS"
    alert_every: timedelta | None = None  # the least time between two alert messages
    source: str = field(default="", compare=False)

    def is_on_topic(self, *texts: str) -> bool:
        """True when any text mentions any keyword (case-insensitive, slug-aware)."""
        haystack = " ".join(texts).lower().replace("-", " ").replace("_", " ")
        return any(keyword in haystack for keyword in self.keywords)

    def allows_host(self, host: str) -> bool:
        """True for a host in allowed_domains or a subdomain of one (as Scrapy's
        off-site filter decides), an IP address in any of its spellings; every host when
        allowed_domains is empty."""
        if not self.allowed_domains:
            return True
        host = host.lower().strip("[]").rstrip(".")
        address = _ip(host)
        return any(
            host == domain or host.endswith("." + domain)
            or (address is not None and address == _ip(domain))
            for domain in self.allowed_domains
        )  # fmt: skip

    def to_config(self) -> dict[str, Any]:
        """A JSON-ready description, as stored with the watch in the database."""
        return {
            "name": self.name,
            "description": self.description,
            "seeds": list(self.seeds),
            "feeds": list(self.feeds),
            "sitemaps": list(self.sitemaps),
            "allowed_domains": list(self.allowed_domains),
            "depth": self.depth,
            "max_pages": self.max_pages,
            "keywords": list(self.keywords),
            "recrawl_interval_seconds": int(self.recrawl_interval.total_seconds()),
            "window_seconds": int(self.window.total_seconds()),
            "digest_time": self.digest_time.strftime("%H:%M"),
            "allow_private_addresses": self.allow_private_addresses,
            "notify": list(self.notify),
            "alerts": list(self.alerts),
            "alert_every_seconds": int(self.alert_every.total_seconds())
            if self.alert_every
            else None,
            # the file it was read from, so that another file naming the same watch is
            # noticed instead of merged into it (check_same_watch)
            "source": str(Path(self.source).resolve()) if self.source.endswith(".toml") else "",
        }


def load_watch(path: str | Path) -> Watch:
    """Read and validate one watch file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WatchError(path, None, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise WatchError(path, None, f"not UTF-8 text (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise WatchError(path, None, f"invalid TOML: {exc}") from exc
    except RecursionError as exc:  # tomllib recurses once per level of [[[...]]] or {{...}}
        raise WatchError(path, None, "invalid TOML: nested too deeply") from exc
    return parse_watch(data, path)


def parse_watch(data: dict[str, Any], path: str | Path = "<watch>") -> Watch:
    """Validate a parsed watch document."""
    unknown = sorted(set(data) - set(KNOWN_KEYS))
    if unknown:
        known = ", ".join(sorted(KNOWN_KEYS))
        raise WatchError(path, unknown[0], f"unknown key (known keys: {known})")
    checker = _Checker(data, path)
    name = checker.string("name", required=True)
    if not NAME_PATTERN.match(name):
        raise WatchError(path, "name", "use lower-case letters, digits, '-' or '_' (max 64)")
    seeds = checker.urls("seeds")
    feeds = checker.urls("feeds")
    sitemaps = checker.urls("sitemaps")
    if not (seeds or feeds or sitemaps):
        raise WatchError(path, "seeds", "a watch needs at least one seed, feed or sitemap URL")
    keywords = tuple(k.lower() for k in checker.strings("keywords"))
    if not keywords:
        raise WatchError(path, "keywords", "give at least one topic keyword")
    domains = checker.strings("allowed_domains") or _hosts(seeds + feeds + sitemaps)
    watch = Watch(
        name=name,
        description=checker.string("description"),
        seeds=seeds,
        feeds=feeds,
        sitemaps=sitemaps,
        keywords=keywords,
        allowed_domains=tuple(_ascii_host(d) for d in domains),
        depth=checker.integer("depth", 1, 0, MAX_DEPTH),
        max_pages=checker.integer("max_pages", 200, 1, MAX_PAGES_LIMIT),
        recrawl_interval=checker.duration("recrawl_interval", timedelta(hours=6)),
        window=checker.duration("window", timedelta(days=30), most=MAX_WINDOW),
        digest_time=checker.clock_time("digest_time", time(7, 0)),
        allow_private_addresses=checker.boolean("allow_private_addresses", False),
        notify=checker.targets("notify"),
        alerts=checker.alert_rules("alerts"),
        alert_every=checker.duration("alert_every", None),
        source=str(path),
    )
    for key, urls in (("seeds", seeds), ("feeds", feeds), ("sitemaps", sitemaps)):
        for url in urls:  # a start URL the watch may not visit would be dropped unseen
            if not watch.allows_host(urlsplit(url).hostname or ""):
                raise WatchError(path, key, f"{url} is not on the watch's allowed_domains "
                                 f"({', '.join(watch.allowed_domains)})")  # fmt: skip
    return watch


def watch_from_config(config: dict[str, Any], source: str = "<database>") -> Watch:
    """The watch a stored configuration (Watch.to_config) describes: what crawl workers,
    which have no watch files, crawl by."""
    skipped = ("recrawl_interval_seconds", "window_seconds", "alert_every_seconds", "source")
    data = {k: v for k, v in config.items() if k not in skipped}
    if config.get("alert_every_seconds"):
        data["alert_every"] = timedelta(seconds=int(config["alert_every_seconds"]))
    # as values, not written out as "21600s" to be read back
    for key, default in (("recrawl_interval", 21600), ("window", 30 * 86400)):
        data[key] = timedelta(seconds=int(config.get(f"{key}_seconds", default)))
    return parse_watch(data, source)


def check_same_watch(watch: Watch, stored: dict[str, Any] | None) -> None:
    """Refuse a watch file that names a watch the database knows from another file
    that still exists and still names it: two files would silently crawl into one
    watch, each overwriting the other's settings."""
    if stored is None or not watch.source.endswith(".toml"):
        return
    other = str(stored.get("source") or "")
    mine = str(Path(watch.source).resolve())
    if not other or other == mine or not Path(other).is_file():
        return  # the same file, or the old one was moved or removed
    try:
        still_named = load_watch(other).name == watch.name
    except WatchError:
        return
    if still_named:
        raise WatchError(
            watch.source, "name",
            f"{other} names the same watch {watch.name!r}, and the database holds its "
            "crawls: give each watch file its own name",
        )  # fmt: skip


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _ascii_host(domain: str) -> str:
    """A domain as URLs carry it: lower case, international names in their xn-- form."""
    domain = domain.strip().lower().rstrip(".")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain  # an IP address, or a name IDNA refuses: kept as written


def _tidy_rule(rule: str) -> str:
    kind, colon, named = rule.partition(":")
    return f"{kind}:{' '.join(named.split())}" if colon else kind


def _hosts(urls: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urlsplit(u).hostname or "" for u in urls))


class _Checker:
    def __init__(self, data: dict[str, Any], path: str | Path) -> None:
        self.data = data
        self.path = path

    def fail(self, key: str, problem: str) -> WatchError:
        return WatchError(self.path, key, problem)

    def string(self, key: str, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, f"missing ({KNOWN_KEYS[key]})")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(key, f"expected a non-empty string, got {value!r}")
        return value.strip()

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of strings, got {type(value).__name__}")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(key, f"item {index + 1} is not a non-empty string: {item!r}")
        return tuple(dict.fromkeys(item.strip() for item in value))

    def targets(self, key: str) -> tuple[str, ...]:
        """Target URLs, checked for their form only: what each scheme needs is
        digest.delivery's to check."""
        targets = self.strings(key)
        for index, target in enumerate(targets):
            scheme, separator, rest = target.partition("://")
            if not separator or not scheme or not rest or not scheme.isascii():
                raise self.fail(key, f"item {index + 1} is not a target URL "
                                "(e.g. smtp://HOST?from=A&to=B or json://HOST/PATH)")  # fmt: skip
        return targets

    def alert_rules(self, key: str) -> tuple[str, ...]:
        rules = self.strings(key)
        for index, rule in enumerate(rules):
            kind, colon, named = rule.partition(":")
            plain = not colon and kind in ALERT_RULES
            if not plain and not (colon and kind in ALERT_RULES_NAMING and named.strip()):
                known = ", ".join([*ALERT_RULES, *(f"{k}:NAME" for k in ALERT_RULES_NAMING)])
                raise self.fail(key, f"item {index + 1} is not an alert rule: {rule!r} "
                                f"(known: {known})")  # fmt: skip
        return tuple(dict.fromkeys(_tidy_rule(rule) for rule in rules))

    def urls(self, key: str) -> tuple[str, ...]:
        urls = self.strings(key)
        for index, url in enumerate(urls):
            try:
                canonicalize_url(url)
            except URLError as exc:
                raise self.fail(key, f"item {index + 1}: {exc}") from exc
        return urls

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected a whole number, got {value!r}")
        if not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, got {value}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {value!r}")
        return value

    @overload
    def duration(self, key: str, default: timedelta, most: timedelta = ...) -> timedelta: ...
    @overload
    def duration(self, key: str, default: None, most: timedelta = ...) -> timedelta | None: ...
    def duration(
        self, key: str, default: timedelta | None, most: timedelta = MAX_DURATION
    ) -> timedelta | None:
        """A duration written '30m', '6h' or '1d' (or a timedelta: the stored form)."""
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, timedelta):
            return self._duration_within(key, value, most, value)
        match = DURATION_PATTERN.match(value) if isinstance(value, str) else None
        if not match:
            raise self.fail(key, f"expected a duration like '30m', '6h' or '1d', got {value!r}")
        number = match.group(1)
        if len(number) > 9:  # beyond any sensible interval, and beyond timedelta's range
            raise self.fail(key, f"must be at most {most.days} days, got {value!r}")
        amount = timedelta(**{DURATION_UNITS[match.group(2)]: int(number)})
        return self._duration_within(key, amount, most, value)

    def _duration_within(
        self, key: str, amount: timedelta, most: timedelta, given: Any
    ) -> timedelta:
        if amount < timedelta(minutes=1):
            raise self.fail(key, "must be at least one minute")
        if amount > most:
            raise self.fail(key, f"must be at most {most.days} days, got {given!r}")
        return amount

    def clock_time(self, key: str, default: time) -> time:
        value = self.data.get(key)
        if value is None:
            return default
        try:
            parsed = value if isinstance(value, time) else time.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise self.fail(key, f"expected a time 'HH:MM' (UTC), got {value!r}") from exc
        offset = parsed.utcoffset()
        if offset is None:
            return parsed
        # "07:00+05:00" means 02:00 UTC, the time the digest then runs at
        moment = datetime.combine(date(2000, 1, 2), parsed.replace(tzinfo=None)) - offset
        return moment.time()
