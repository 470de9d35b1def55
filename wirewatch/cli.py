"""The wirewatch command line. Each command is a thin call into the library; domain
errors become messages and exit codes here and only here.

Exit codes: 0 success, 1 the work failed (database, crawl, extraction), 2 bad input
(a watch file, an option), 130 interrupted.
"""

from __future__ import annotations

import click

from wirewatch import __version__
from wirewatch.commands import (
    alerts,
    articles,
    claims,
    clusters,
    crawl,
    db,
    dedup,
    demo,
    digest,
    extract,
    newsroom,
    run,
    search,
    watch,
    worker,
)
from wirewatch.edge import WirewatchGroup


@click.group(
    cls=WirewatchGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="wirewatch")
def main() -> None:
    """wirewatch: follow a news story across outlets.

    Crawl the articles of a watch (seeds/*.toml), extract their text, and keep every
    version in a database you can query.

    \b
    Quick start:
      wirewatch demo                       # crawl the offline newsroom
      wirewatch crawl seeds/demo.toml      # one crawl run of a watch
      wirewatch articles list              # what was stored
    """


# --- watches ---------------------------------------------------------------------------------


COMMANDS = (
    watch.watch_group, crawl.crawl, articles.articles, extract.extract, clusters.clusters,
    dedup.dedup, claims.claims_group, db.db_group, search.search, run.run, worker.worker,
    digest.digest, alerts.alerts_group, newsroom.newsroom, demo.demo,
)  # fmt: skip
for command in COMMANDS:
    main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
