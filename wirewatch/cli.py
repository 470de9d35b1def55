"""The wirewatch command line. Each command is a thin call into the library; domain
errors become messages and exit codes here and only here.

Exit codes: 0 success, 1 the work failed (database, crawl, extraction), 2 bad input
(a watch file, an option), 130 interrupted.
"""

from __future__ import annotations

import dataclasses
import errno
import gzip
import logging
import re
import sys
from pathlib import Path
from typing import Any

import click

from crawler.watch import WatchError, load_watch
from newsroom.stories import DAYS as NEWSROOM_DAYS
from storage import Store
from storage.store import DEFAULT_DB_URL
from wirewatch import __version__
from wirewatch.edge import BadInput, WirewatchError, WirewatchGroup, log_level
from wirewatch.output import FORMATS, plural, print_json, print_rows

DB_OPTION = click.option(
    "--db",
    "db_url",
    envvar="WIREWATCH_DB",
    default=DEFAULT_DB_URL,
    show_default=True,
    help="Database URL (SQLAlchemy form), e.g. sqlite:///wirewatch.db or "
    "postgresql+psycopg://user@host/db. Also read from WIREWATCH_DB.",
)
FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format: a table for people, json or csv for scripts.",
)
WORKERS_OPTION = click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=None,
    help="Extraction worker processes per crawl (default: one per CPU core; 0 = inline).",
)
PROGRESS_OPTION = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a live progress line while crawling (default: when stderr is a terminal).",
)
REDIS_OPTION_HELP = (
    "Redis URL, e.g. redis://127.0.0.1:6379/0, shared by the scheduler and its workers. "
    "Also read from WIREWATCH_REDIS."
)
LOG_FILE_OPTION = click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the crawler's log to this file instead of stderr.",
)
EXTRACT_FETCH_LIMIT = 10 * 1024 * 1024
# Row ids: positive and within the 64-bit integers both databases store.
ID = click.IntRange(1, 2**63 - 1)


def table_or_json_option(help_text: str) -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help=help_text,
    )


def unwritable(option: str, path: str, exc: OSError) -> click.ClickException:
    """A path the user gave that cannot be written: bad input when the path is the
    trouble (missing, not a folder, no permission, read-only), failed work otherwise
    (a full disk)."""
    where = exc.filename or path
    message = f"{option} {path}: cannot write {where}: {exc.strerror or exc}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR,
                     errno.EEXIST, errno.EISDIR):  # fmt: skip
        return BadInput(message)
    return WirewatchError(message)


def open_store(db_url: str) -> Store:
    """The store; its errors become messages at the edge (wirewatch.edge)."""
    return Store.open(db_url)


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


def load_watch_or_fail(path: str) -> Any:
    try:
        return load_watch(path)
    except WatchError as exc:
        raise BadInput(str(exc)) from exc


def check_watches(watches: list[Any], db_url: str) -> None:
    """No two files may name one watch, here or in the database."""
    from crawler.watch import check_same_watch

    first: dict[str, str] = {}
    for watch in watches:
        if watch.name in first:
            raise BadInput(f"{first[watch.name]} and {watch.source} name the same watch "
                           f"{watch.name!r}: give each watch file its own name")  # fmt: skip
        first[watch.name] = watch.source
    with open_store(db_url) as store:
        for watch in watches:
            try:
                check_same_watch(watch, store.watch_config(watch.name))
            except WatchError as exc:
                raise BadInput(str(exc)) from exc


@main.group("watch")
def watch_group() -> None:
    """Check watch files."""


@watch_group.command("check")
@click.argument("watch_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def watch_check(watch_files: tuple[str, ...]) -> None:
    """Validate watch files without crawling anything.

    Example: wirewatch watch check seeds/*.toml
    """
    bad = 0
    for path in watch_files:  # every file is checked, and every problem said
        try:
            watch = load_watch(path)
        except WatchError as exc:
            click.echo(f"Error: {exc}", err=True)
            bad += 1
            continue
        click.echo(
            f"{path}: ok ({watch.name}: {plural(len(watch.seeds), 'seed')}, depth "
            f"{watch.depth}, max {plural(watch.max_pages, 'page')})"
        )
    if bad:
        raise BadInput(f"{plural(bad, 'watch file')} of {len(watch_files)} cannot be used")


# --- crawl -----------------------------------------------------------------------------------


@main.command()
@click.argument("watch_file", type=click.Path(dir_okay=False))
@DB_OPTION
@table_or_json_option("Summary format.")
@WORKERS_OPTION
@click.option(
    "--max-pages",
    type=click.IntRange(1),
    default=None,
    help="Override the watch's page budget for this run.",
)
@LOG_FILE_OPTION
@PROGRESS_OPTION
def crawl(
    watch_file: str,
    db_url: str,
    fmt: str,
    workers: int | None,
    max_pages: int | None,
    log_file: str | None,
    progress: bool | None,
) -> None:
    """Crawl WATCH_FILE once and store what it finds.

    Fetches the seeds, follows on-topic related links up to the watch's depth, reads
    the outlets' feeds and news sitemaps, extracts every article and stores it, with
    a new version whenever its text changed. Prints a summary at the end.

    Example: wirewatch crawl seeds/demo.toml --db sqlite:///news.db
    """
    from crawler.runs import CrawlBusy
    from wirewatch.crawling import crawl_with_progress, print_run_summary

    watch = load_watch_or_fail(watch_file)
    if max_pages is not None:
        watch = dataclasses.replace(watch, max_pages=max_pages)
    check_watches([watch], db_url)  # and fail early, and clearly, on a bad database
    settings = {} if workers is None else {"WIREWATCH_EXTRACTION_WORKERS": workers}
    show = sys.stderr.isatty() if progress is None else progress
    try:
        run = crawl_with_progress(watch, db_url, settings, log_level(), log_file, show)
    except CrawlBusy as exc:
        raise WirewatchError(str(exc)) from exc
    print_run_summary(run, fmt)
    if run.status == "failed":
        raise WirewatchError(f"crawl run {run.id} failed: {run.error or 'see the log'}")
    if run.status == "interrupted":
        sys.exit(130)


# --- articles --------------------------------------------------------------------------------


@main.group()
def articles() -> None:
    """List and show stored articles."""


ARTICLE_COLUMNS = (
    "id",
    "outlet",
    "site_name",
    "title",
    "published",
    "first_seen",
    "versions",
    "status",
)


@articles.command("list")
@DB_OPTION
@FORMAT_OPTION
@click.option("--watch", "watch_name", default=None, help="Only articles found by this watch.")
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="At most this many articles.",
)
@click.option(
    "--offset",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Skip this many articles first (for paging).",
)
def articles_list(db_url: str, fmt: str, watch_name: str | None, limit: int, offset: int) -> None:
    """List stored articles, oldest first.

    Example: wirewatch articles list --format json --limit 20
    """
    store = open_store(db_url)
    try:
        rows = store.list_articles(watch=watch_name, limit=limit, offset=offset)
    finally:
        store.close()
    print_rows(
        rows,
        ARTICLE_COLUMNS,
        fmt,
        title="Articles",
        optional=("site_name", "status", "versions", "first_seen", "outlet"),
    )


@articles.command("show")
@click.argument("article_id", type=ID)
@DB_OPTION
@table_or_json_option("Output format: readable text, or json for scripts.")
def articles_show(article_id: int, db_url: str, fmt: str) -> None:
    """Show one article: metadata, URLs that led to it, versions and current text.

    Example: wirewatch articles show 3
    """
    store = open_store(db_url)
    try:
        detail = store.article_detail(article_id)
    finally:
        store.close()
    if detail is None:
        raise BadInput(f"no article with id {article_id}")
    if fmt == "json":
        print_json(detail)
        return
    from wirewatch.crawling import print_article

    print_article(detail)


# --- extract ---------------------------------------------------------------------------------


@main.command()
@click.argument("source")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
    help="json: text and metadata; text: the body text only.",
)
@click.option(
    "--url",
    "page_url",
    default=None,
    help="The page's URL, when SOURCE is a file (helps resolve links and dates).",
)
def extract(source: str, fmt: str, page_url: str | None) -> None:
    """Extract the article from one page: a file (.html or .html.gz) or an http(s) URL.

    Exits with 1 when the page holds no article.

    Example: wirewatch extract page.html.gz --format text
    """
    from crawler.extraction import extract_page

    body, content_type, url = _read_source(source, page_url)
    result = extract_page(body, url, content_type)
    if fmt == "text":
        if result.article is None:
            raise WirewatchError(f"{source}: no article ({result.status}: {result.reason})")
        click.echo(result.article.text)
        return
    payload: dict[str, Any] = {
        "source": source,
        "status": result.status.value,
        "reason": result.reason or None,
    }
    if result.article is not None:
        payload.update(dataclasses.asdict(result.article))
        payload["words"] = result.article.word_count
    print_json(payload)
    if result.article is None:
        sys.exit(1)


def _read_source(source: str, page_url: str | None) -> tuple[bytes, str | None, str]:
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", source)
    if scheme:
        from wirewatch.fetching import FetchError, fetch_page

        if scheme.group(1).lower() not in ("http", "https"):
            raise BadInput(f"{source}: only http and https URLs are fetched (or give a file)")
        try:
            page = fetch_page(source, EXTRACT_FETCH_LIMIT, f"wirewatch/{__version__}")
        except FetchError as exc:
            raise WirewatchError(f"{source}: cannot fetch: {exc}") from exc
        return page.body, page.content_type, page.url
    path = Path(source)
    try:
        raw = path.read_bytes()
        body = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise BadInput(f"{source}: cannot read: {reason}") from exc
    return body, None, page_url or path.resolve().as_uri()


# --- clusters ------------------------------------------------------------------------------


def parse_since(value: str | None) -> Any:
    """'7d', '12h', '30m' or an ISO date -> a naive UTC datetime (None for None)."""
    if value is None:
        return None
    from datetime import datetime, timedelta

    from storage.store import utcnow

    match = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", value)
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[match.group(2)]
        return utcnow() - timedelta(**{unit: int(match.group(1))})
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError as exc:
        raise BadInput(
            f"--since {value!r}: use a duration like 7d, 12h, 30m or a date like 2024-10-21"
        ) from exc


SINCE_OPTION = click.option(
    "--since",
    default=None,
    help="Only what was first seen in this period: 7d, 12h, 30m, or since a date "
    "(YYYY-MM-DD). Default: everything.",
)


@main.group()
def clusters() -> None:
    """Story clusters: an origin article and its syndicated and partial copies."""


CLUSTER_COLUMNS = ("id", "size", "outlets", "origin_outlet", "title", "published", "first_seen")


@clusters.command("list")
@DB_OPTION
@FORMAT_OPTION
@SINCE_OPTION
@click.option(
    "--min-size",
    type=click.IntRange(1),
    default=2,
    show_default=True,
    help="Only clusters with at least this many articles.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="At most this many clusters, newest first.",
)
def clusters_list(db_url: str, fmt: str, since: str | None, min_size: int, limit: int) -> None:
    """List story clusters, newest first, with their origin article.

    Example: wirewatch clusters list --since 7d --format json
    """
    store = open_store(db_url)
    try:
        rows = store.list_clusters(since=parse_since(since), min_size=min_size, limit=limit)
    finally:
        store.close()
    print_rows(
        rows,
        CLUSTER_COLUMNS,
        fmt,
        title="Story clusters",
        optional=("outlets", "published", "first_seen", "size"),
    )


@clusters.command("show")
@click.argument("cluster_id", type=ID)
@DB_OPTION
@table_or_json_option("Output format: a table, or json for scripts.")
def clusters_show(cluster_id: int, db_url: str, fmt: str) -> None:
    """Show one cluster's members: outlet, title, published and first-seen times, role
    and similarity to the origin, and the partial copies linked to it.

    A cluster that was merged into another is shown as the one it merged into.

    Example: wirewatch clusters show 1
    """
    store = open_store(db_url)
    try:
        live = store.resolve_cluster(cluster_id)
        detail = store.cluster_detail(live) if live is not None else None
    finally:
        store.close()
    if detail is None:
        raise BadInput(f"no cluster with id {cluster_id}")
    if fmt == "json":
        print_json(detail)
        return
    if live != cluster_id:
        click.echo(f"Cluster {cluster_id} was merged into cluster {live}.")
    print_rows(
        detail["members"],
        ("article_id", "outlet", "title", "role", "similarity", "published", "first_seen"),
        "table",
        title=f"Cluster {live}",
        optional=("similarity", "published", "first_seen"),
    )
    if detail["partial_copies"]:
        print_rows(
            detail["partial_copies"],
            ("from", "to", "overlap"),
            "table",
            title="Partial copies (article ids)",
        )


# --- dedup ---------------------------------------------------------------------------------


@main.command()
@click.argument("input_file", type=click.File("rb"))
@click.option(
    "--threshold",
    type=click.FloatRange(0.01, 1.0),
    default=None,
    help="Jaccard similarity from which two texts are the same story (default 0.5).",
)
@click.option(
    "--containment",
    type=click.FloatRange(0.01, 1.0),
    default=None,
    help="Share of the shorter text found in the longer from which they are the "
    "same story, e.g. a truncated copy (default 0.6).",
)
@click.option(
    "--partial",
    type=click.FloatRange(0.01, 1.0),
    default=None,
    help="Share of either text found in the other from which a pair that is not "
    "the same story is a partial copy (default 0.25).",
)
@click.option(
    "--edges",
    "edges_file",
    type=click.File("w", encoding="utf-8", lazy=False),
    default=None,
    help="Write partial-copy edges here, one JSON line each: "
    '{"from": copied from, "to": reused by, "overlap": share}.',
)
def dedup(
    input_file: Any,
    threshold: float | None,
    containment: float | None,
    partial: float | None,
    edges_file: Any,
) -> None:
    """Cluster the texts of INPUT.jsonl into stories (syndicated copies together).

    Each input line is {"id": ..., "text": ...} or {"id": ..., "html": ..., "url": ...}
    (html is extracted first, as the crawler would), optionally with "url",
    "site_name", "published" and "first_seen". Writes one JSON line per input line, in
    input order, {"id": ..., "cluster": ..., "role": ...}; role is origin, syndicated,
    partial_copy or version. Lines that cannot be used are reported on stderr with
    their line number and skipped; the exit code is then 1.

    Example: wirewatch dedup articles.jsonl --edges edges.jsonl > clusters.jsonl
    """
    from dedup.cluster import DedupConfig
    from wirewatch.dedup_cmd import run, write_lines

    defaults = DedupConfig()
    try:
        config = DedupConfig(
            same_jaccard=threshold or defaults.same_jaccard,
            same_containment=containment or defaults.same_containment,
            partial_containment=partial or defaults.partial_containment,
        )
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    lines, problems = run(input_file, input_file.name, config, edges_file)
    write_lines(lines)
    for problem in problems:
        click.echo(f"wirewatch dedup: skipped {problem}", err=True)
    if problems:
        sys.exit(1)


# --- claims -----------------------------------------------------------------------------------


@main.group("claims")
def claims_group() -> None:
    """Claims: attributed statements (who said what, with which figures)."""


CLAIM_COLUMNS = ("id", "first_seen", "speaker", "cue", "content", "figures", "relation",
                 "first_published", "outlet", "repeated_by")  # fmt: skip


@claims_group.command("list")
@DB_OPTION
@FORMAT_OPTION
@SINCE_OPTION
@click.option(
    "--new",
    "new_only",
    is_flag=True,
    help="Only claims that are new, not updates or corroborations of earlier ones.",
)
@click.option(
    "--cluster",
    "cluster_id",
    type=ID,
    default=None,
    help="Only claims first seen in this story cluster (merges followed).",
)
@click.option("--watch", "watch_name", default=None, help="Only claims of this watch.")
def claims_list(db_url: str, fmt: str, since: str | None, new_only: bool,
                cluster_id: int | None, watch_name: str | None) -> None:  # fmt: skip
    """List recorded claims, oldest first: speaker, cue and content (so that each can
    be checked against its sentence), figures, the outlet that first published the claim
    (its story's origin when that carries it, else the earliest published), when and
    where wirewatch first saw it (first_seen, outlet), the outlets that repeated it, and
    whether it updates or corroborates an earlier claim (by id; "update (stated)" when
    the sentence gives its own earlier figure).

    Example: wirewatch claims list --since 1d --new --format json
    """
    store = open_store(db_url)
    try:
        rows = store.list_claims(parse_since(since), new_only, cluster_id, watch_name)
        provenance = store.claim_provenance([row["id"] for row in rows]) if rows else {}
    finally:
        store.close()
    for row in rows:
        row["figures"] = ", ".join(q["text"] for q in row["quantities"])
        known = provenance.get(row["id"])
        row["first_published"] = known["first_published"]["outlet"] if known else row["outlet"]
        repeated = known["repeated_by"] if known else []
        row["repeated_by"] = ", ".join(dict.fromkeys(r["outlet"] for r in repeated))
        if row["relation"]:
            related = row["related_claim_id"]
            row["relation"] += f" of {related}" if related else " (stated)"
    print_rows(rows, CLAIM_COLUMNS, fmt, title="Claims",
               optional=("cue", "relation", "figures", "repeated_by"))  # fmt: skip


@claims_group.command("extract")
@click.argument("input_file", type=click.File("rb"))
def claims_extract(input_file: Any) -> None:
    """Find the claims in the texts of INPUT.jsonl (no database needed).

    Each input line is {"id": ..., "text": ...}. Writes one JSON line per claim found:
    {"id", "sentence", "start", "end", "speaker", "cue", "content", "quote",
    "quote_part", "quantities"}, where start and end are character offsets of the
    sentence in the text, quote_part marks a sentence of a quote whose speaker another
    sentence names, and each quantity has text, value, unit, qualifier, scope (what it
    counts: sent, planned, first_batch, region, part, casualties, or "" when unclear)
    and exact (false for a magnitude such as "hundreds"). Lines that cannot be used are reported on
    stderr with their line number and skipped; the exit code is then 1.

    Example: wirewatch claims extract articles.jsonl > claims.jsonl
    """
    from wirewatch.claims_cmd import extract_lines

    lines, problems = extract_lines(input_file, input_file.name)
    for line in lines:
        click.echo(line)
    for problem in problems:
        click.echo(f"wirewatch claims extract: skipped {problem}", err=True)
    if problems:
        sys.exit(1)


# --- the database ----------------------------------------------------------------------------


@main.group("db")
def db_group() -> None:
    """The database schema (Alembic migrations)."""


@db_group.command("upgrade")
@DB_OPTION
def db_upgrade(db_url: str) -> None:
    """Bring the database's schema up to date with this wirewatch.

    A new database gets the whole schema when first used; an existing one is only
    migrated by this command (stop crawls, workers and the scheduler first). A
    database from before migrations is completed and stamped, keeping its data.

    Example: wirewatch db upgrade --db postgresql+psycopg://wirewatch@db/news
    """
    from sqlalchemy.exc import SQLAlchemyError

    from storage import migrate
    from storage.dialect import make_engine

    engine = make_engine(db_url)
    try:
        before, after = migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise WirewatchError(f"cannot upgrade the database: {detail}") from exc
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"the database is up to date (revision {after})")
    else:
        click.echo(f"upgraded the database from revision {before or 'none'} to {after}")


# --- search ----------------------------------------------------------------------------------


@main.command()
@click.argument("query")
@DB_OPTION
@FORMAT_OPTION
@click.option(
    "--since",
    default=None,
    help="Only articles seen (fetched) in this period: 7d, 12h, 30m, or since a date "
    "(YYYY-MM-DD). Default: all.",
)
@click.option("--watch", "watch_name", default=None, help="Only articles of this watch.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True,
              help="How many results.")  # fmt: skip
def search(query: str, db_url: str, fmt: str, since: str | None, watch_name: str | None,
           limit: int) -> None:  # fmt: skip
    """Full-text search over the articles' current titles and texts, best first.

    Every word must appear (in the title or the text); "quoted words" must appear
    together. Titles weigh more than the body. Each result has a snippet with the
    matched words in [brackets]. Words are matched as written, without stemming:
    search "troop" and "troops" separately. SQLite FTS5, or PostgreSQL full-text
    search on a PostgreSQL database.

    Example: wirewatch search '"North Korean" Kursk' --since 7d --format json
    """
    from storage.fulltext import SearchError

    store = open_store(db_url)
    try:
        rows = store.search(query, parse_since(since), watch_name, limit)
    except SearchError as exc:
        raise BadInput(str(exc)) from exc
    finally:
        store.close()
    print_rows(rows, ("id", "outlet", "title", "snippet", "last_seen", "score"), fmt,
               title=f"Articles matching {query}", optional=("last_seen", "score"))  # fmt: skip


# --- the scheduler and the digest ---------------------------------------------------------


@main.command("run")
@click.argument("watch_files", nargs=-1, type=click.Path(dir_okay=False))
@DB_OPTION
@click.option(
    "--once",
    is_flag=True,
    help="Run every job that is due now once, then exit (for cron and for tests).",
)
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
    default=None,
    help="With --once: act as if it were this UTC time, e.g. 2024-10-23T08:00 "
    "(replaying days of a story).",
)
@click.option(
    "--digest-dir",
    type=click.Path(file_okay=False),
    default="digests",
    show_default=True,
    help="Where the daily digest jobs write their files.",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    default=".wirewatch",
    show_default=True,
    help="Where a crawl cut short by a shutdown keeps its pending requests, so that the "
    "next start carries on from them.",
)
@table_or_json_option("One line per job run: text, or a JSON object (JSON lines).")
@WORKERS_OPTION
@LOG_FILE_OPTION
@PROGRESS_OPTION
@click.option(
    "--redis",
    "redis_url",
    envvar="WIREWATCH_REDIS",
    default=None,
    help="Queue each re-crawl for the `wirewatch worker` processes sharing this Redis "
    "instead of crawling here, and wait for them to finish it. " + REDIS_OPTION_HELP,
)
def run(watch_files: tuple[str, ...], db_url: str, once: bool, now: Any, digest_dir: str,
        state_dir: str, fmt: str, workers: int | None, log_file: str | None,
        progress: bool | None, redis_url: str | None) -> None:  # fmt: skip
    """Re-crawl watches on their intervals and write their daily digests.

    WATCH_FILES default to every seeds/*.toml. Each watch gets a re-crawl job every
    recrawl_interval (the first one at once) and a digest job at digest_time (UTC)
    that writes the previous day's digest. The schedule is kept in the database, so a
    restart carries on where it was; missed runs are run once, not once per miss; a
    crawl cut short by a shutdown is run again at the next start.

    Runs until SIGINT or SIGTERM: the crawl in progress then stops cleanly, what it
    stored stays, and its run is marked interrupted. With --once, runs the jobs that
    are due and exits (exit code 1 if one failed).

    \b
    With --redis, each re-crawl is queued for `wirewatch worker` processes (on this
    machine or others) and the scheduler waits for them to finish it.

    \b
    Examples:
      wirewatch run                                  # all watches, until stopped
      wirewatch run seeds/demo.toml --once           # from cron, every few minutes
      wirewatch run --db postgresql+psycopg://wirewatch@db/wirewatch --redis redis://cache:6379/0
    """
    from scheduler import SchedulerError, SchedulerOptions
    from wirewatch.crawling import CrawlProgress
    from wirewatch.schedule_cmd import printer, run_scheduler

    if now is not None and not once:
        raise BadInput("--now only works with --once (the long-running scheduler uses the clock)")
    watches = [load_watch_or_fail(path) for path in watch_files or default_watch_files()]
    check_watches(watches, db_url)
    options = SchedulerOptions(
        digest_dir=Path(digest_dir),
        state_dir=Path(state_dir),
        crawl_settings={} if workers is None else {"WIREWATCH_EXTRACTION_WORKERS": workers},
        log_level=log_level(),
        log_file=log_file,
        on_outcome=printer(fmt),
        redis_url=redis_url,
    )
    show = sys.stderr.isatty() if progress is None else progress
    try:
        with CrawlProgress(show) as display:
            options.on_crawl_event = display.on_event
            outcomes, received = run_scheduler(watches, db_url, options, once, now)
    except SchedulerError as exc:
        raise WirewatchError(str(exc)) from exc
    if received:
        sys.exit(130 if received[0] == 2 else 0)
    if any(o.status == "failed" for o in outcomes):
        sys.exit(1)
    if once and not outcomes:
        # said to a person at a terminal; from cron, silence (or -v) is what is wanted
        if sys.stderr.isatty():
            click.echo("nothing was due", err=True)
        logging.getLogger("wirewatch").info("nothing was due")


@main.command()
@DB_OPTION
@click.option("--redis", "redis_url", envvar="WIREWATCH_REDIS", required=True,
              help=REDIS_OPTION_HELP)  # fmt: skip
@click.option(
    "--name",
    default=None,
    help="This worker's name, unique among the running workers (default: HOST-PID). The "
    "requests a dead worker held go back to the frontier when its heartbeat lapses (10 "
    "s): taken back by the others, or by itself when restarted under the same name.",
)
@click.option(
    "--watch",
    "watch_names",
    multiple=True,
    help="Only work on runs of this watch (repeatable; default: every watch).",
)
@click.option(
    "--once", is_flag=True, help="Work on the runs waiting now, then exit (tests, batch jobs)."
)
@click.option(
    "--now",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]),
    default=None,
    help="Act as if it were this UTC time (replaying days of a story, like run --now).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=16,
    show_default=True,
    help="Requests this worker keeps in flight (it takes that many from the shared "
    "frontier at a time; still at most two per site).",
)
@table_or_json_option("One line per run worked on: text, or a JSON object (JSON lines).")
@WORKERS_OPTION
@LOG_FILE_OPTION
@PROGRESS_OPTION
def worker(db_url: str, redis_url: str, name: str | None, watch_names: tuple[str, ...],
           once: bool, now: Any, concurrency: int, fmt: str, workers: int | None,
           log_file: str | None, progress: bool | None) -> None:  # fmt: skip
    """Crawl the runs `wirewatch run --redis` queues, together with other workers.

    Workers on one machine or several share each watch's frontier, its page budget and
    its seen-page set in Redis, and one story index in the database, so the articles,
    clusters and claims are the same as one process would store. A worker killed
    mid-crawl loses nothing: the requests it held go back to the frontier. Runs until
    SIGINT or SIGTERM (the requests in flight finish first), or with --once until no
    run is waiting.

    \b
    Example, three workers and a scheduler on PostgreSQL and Redis:
      export WIREWATCH_DB=postgresql+psycopg://wirewatch@db/wirewatch
      export WIREWATCH_REDIS=redis://cache:6379/0
      wirewatch worker --name w1 &  wirewatch worker --name w2 &  wirewatch worker --name w3 &
      wirewatch run
    """
    from wirewatch.worker_cmd import serve

    settings: dict[str, Any] = {"CONCURRENT_REQUESTS": concurrency}
    if workers is not None:
        settings["WIREWATCH_EXTRACTION_WORKERS"] = workers
    serve(db_url, redis_url, name, watch_names, once, now, fmt, settings, log_level(), log_file,
          progress)  # fmt: skip


def default_watch_files() -> list[str]:
    """Every watch file in ./seeds of the working directory, whatever it holds."""
    folder = Path("seeds")
    files = sorted(str(p) for p in folder.glob("*.toml"))
    if not files:
        from wirewatch.demo import bundled_seeds

        raise BadInput(
            f"no watch files in {folder.resolve()}: name watch files, or put NAME.toml files "
            f"there (the bundled example watches are in {bundled_seeds()})"
        )
    return files


@main.command()
@DB_OPTION
@click.option(
    "--watch",
    "watch_names",
    multiple=True,
    help="The watch to digest (repeatable; default: every watch in the database).",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="The UTC day to digest, YYYY-MM-DD (default: yesterday).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="digests",
    show_default=True,
    help="Directory to write into (DIR/WATCH/DATE.md|html|json).",
)
@table_or_json_option("How to list the files written.")
def digest(db_url: str, watch_names: tuple[str, ...], day: Any, out_dir: str, fmt: str) -> None:
    """Write the daily digest of watches: Markdown, HTML and JSON.

    For each watch and day: the day in numbers, new stories with their syndication
    spread, updated articles with what changed, new claims by story, figures that
    changed, and crawl health per outlet. The same database always gives the same
    files; each is written to a temporary file and renamed, so readers never see half
    a digest. The JSON schema is in docs/digest-schema.md.

    Example: wirewatch digest --watch demo --date 2024-10-23
    """
    from datetime import timedelta

    from digest import DigestError, write_digests
    from storage.store import utcnow

    the_day = (day or utcnow() - timedelta(days=1)).date()
    store = open_store(db_url)
    try:
        names = list(watch_names) or store.watch_names()
    finally:
        store.close()
    if not names:
        raise BadInput("no watches in the database yet: crawl one first")
    written = []
    for name in names:
        try:
            paths = write_digests(db_url, name, the_day, Path(out_dir))
        except DigestError as exc:
            raise BadInput(str(exc)) from exc
        except OSError as exc:
            raise unwritable("--out", out_dir, exc) from exc
        written += [{"watch": name, "date": the_day.isoformat(), "path": str(p)} for p in paths]
    if fmt == "json":
        print_json(written)
    else:
        for row in written:
            click.echo(row["path"])


# --- newsroom and demo -----------------------------------------------------------------------


@main.group()
def newsroom() -> None:
    """The offline newsroom: local news sites for tests and the demo."""


@newsroom.command("serve")
@click.option(
    "--day",
    type=click.IntRange(0, len(NEWSROOM_DAYS) - 1),
    default=None,
    help=f"Newsroom day to serve, 0-{len(NEWSROOM_DAYS) - 1} ({NEWSROOM_DAYS[0]} to "
    f"{NEWSROOM_DAYS[-1]}; default: the last).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port for every outlet (default 8931; 0 picks free ports).",
)
def newsroom_serve(day: int | None, port: int | None) -> None:
    """Serve the newsroom until interrupted, and print its outlets' URLs.

    Each outlet listens on its own loopback address (127.0.0.11, .12, ...).

    Example: wirewatch newsroom serve --day 2
    """
    from wirewatch.demo import serve_newsroom

    serve_newsroom(day, port)


@main.command()
@click.option(
    "--db",
    "db_url",
    default=None,
    help="Database URL for the demo (default: ./demo.db, recreated on every run). "
    "It must not hold the demo watch already: the demo replays the story from day one.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Newsroom port (default 8931, as in seeds/demo.toml).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=None,
    help="Extraction worker processes (default 0: inline, one page at a time, so that "
    "every replay stores the same ids and writes the same digests).",
)
@click.option(
    "--digest-dir",
    type=click.Path(file_okay=False),
    default="digests",
    show_default=True,
    help="Where to write the digests of the newsroom's days.",
)
def demo(db_url: str | None, port: int | None, workers: int | None, digest_dir: str) -> None:
    """Replay the North Korean troops story on the offline newsroom, day by day.

    Starts the newsroom (ten outlets on 127.0.0.11-20) at its first day and runs the
    scheduler in accelerated time over its five days: each morning the re-crawl and
    the digest jobs run, then the day's new articles, updated articles (with the
    sentences added and removed), new claims and changed figures are printed. Ends by
    writing the digest of every day (Markdown, HTML, JSON) and printing their paths.

    Example: wirewatch demo
    """
    from wirewatch.demo import run_demo

    run_demo(db_url, port, workers, Path(digest_dir))


if __name__ == "__main__":  # pragma: no cover
    main()
