"""The daily digest: what happened to a watch on one day, as Markdown, HTML and JSON.

`collect_day` gathers the day from the database into one report; the renderers are
pure functions of that report; `write_digests` writes the three files atomically,
and rewrites the watch's Atom feed (digest.feed) from its JSON digests.
"""

from digest.files import digest_paths, feed_path, write_digests
from digest.report import DigestError, collect_day

__all__ = ["DigestError", "collect_day", "digest_paths", "feed_path", "write_digests"]
