"""`wirewatch claims`: recorded claims, and claims in a JSONL file of texts."""

from __future__ import annotations

import sys
from typing import Any

import click

from wirewatch.edge import WirewatchGroup
from wirewatch.options import (
    DB_OPTION,
    FORMAT_OPTION,
    ID,
    SINCE_OPTION,
    open_store,
    parse_since,
)
from wirewatch.output import print_rows


@click.group("claims", cls=WirewatchGroup)
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
