"""`wirewatch dedup`: clusters of a JSONL file of texts."""

from __future__ import annotations

import sys
from typing import Any

import click

from wirewatch.edge import BadInput, WirewatchCommand


@click.command(cls=WirewatchCommand)
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
