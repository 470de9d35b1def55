"""Printing rows as a terminal table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "json", "csv")
WIDE_COLUMNS = frozenset({"title", "url", "canonical_url", "error", "text", "snippet"})
NARROW_COLUMNS = frozenset({"id", "versions", "words", "size", "status"})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


# Outlet names: wrapping them mid-name is hard to read.
NAME_COLUMNS = frozenset({"outlet", "site_name", "origin_outlet"})
# Columns whose values are long tokens that cannot wrap nicely.
TIMESTAMP_COLUMNS = frozenset({"first_seen", "last_seen", "seen_at", "started_at"})


def _min_width(column: str) -> int:
    if column in WIDE_COLUMNS:
        return 20
    if column in TIMESTAMP_COLUMNS:
        return 20
    if column in NAME_COLUMNS:
        return 17
    return max(len(column), 10)


def fit_columns(columns: Sequence[str], optional: Sequence[str], width: int) -> list[str]:
    """Drop optional columns (last named first) until the table fits the terminal."""
    kept = list(columns)

    def needed(cols: list[str]) -> int:
        return sum(_min_width(c) + 3 for c in cols) + 1

    for column in reversed(optional):
        if needed(kept) <= width:
            break
        if column in kept:
            kept.remove(column)
    return kept


def print_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    fmt: str,
    title: str | None = None,
    optional: Sequence[str] = (),
) -> None:
    """Print rows; in a table, `optional` columns give way on a narrow terminal."""
    if fmt == "json":
        json.dump(list(rows), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _cell(row.get(c)) for c in columns})
    else:
        console = Console()
        columns = fit_columns(columns, optional, console.width)
        table = Table(title=title, show_lines=False, expand=False)
        for column in columns:
            # Free text gets the spare width and wraps; ids and counts never wrap. Every
            # column keeps a minimum width so that a narrow terminal wraps, not hides.
            wide = column in WIDE_COLUMNS
            table.add_column(
                column,
                overflow="fold",
                no_wrap=column in NARROW_COLUMNS,
                ratio=3 if wide else 1,
                min_width=20 if wide else None,
            )
        for row in rows:
            # Text, not a str: a str cell is read as Rich markup, and page text such as
            # "[/b]" or "[sic]" would break the table or vanish from it.
            table.add_row(*(Text(_cell(row.get(c))) for c in columns))
        console.print(table)


def plural(count: int, noun: str) -> str:
    """'1 seed', '2 seeds'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")
