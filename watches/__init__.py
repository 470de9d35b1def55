"""Watches: the story a user follows (seeds, feeds, sitemaps, keywords, limits), read
from its TOML file or from the form the database stores, validated completely before
anything is crawled or written. Pure: no Scrapy, no database."""

from watches.watch import (
    KNOWN_KEYS,
    MAX_DEPTH,
    MAX_PAGES_LIMIT,
    Watch,
    WatchError,
    check_same_watch,
    load_watch,
    parse_watch,
    watch_from_config,
)

__all__ = [
    "KNOWN_KEYS",
    "MAX_DEPTH",
    "MAX_PAGES_LIMIT",
    "Watch",
    "WatchError",
    "check_same_watch",
    "load_watch",
    "parse_watch",
    "watch_from_config",
]
