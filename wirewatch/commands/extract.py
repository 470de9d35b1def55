"""`wirewatch extract`: one page, file or URL, through the extractor."""

from __future__ import annotations

import dataclasses
import gzip
import re
import sys
from pathlib import Path
from typing import Any

import click

from wirewatch import __version__
from wirewatch.edge import BadInput, WirewatchCommand, WirewatchError
from wirewatch.options import (
    EXTRACT_FETCH_LIMIT,
)
from wirewatch.output import print_json


@click.command(cls=WirewatchCommand)
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
    from pages.extraction import extract_page

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
