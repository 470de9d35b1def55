"""`wirewatch dedup INPUT.jsonl`: batch clustering of any corpus."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO
from urllib.parse import urlsplit

from dedup.batch import cluster_documents
from dedup.cluster import DedupConfig
from dedup.state import Document
from pages.extraction import extract_article
from wirewatch.jsonl import LineProblem, Record, read_records


def read_documents(stream: BinaryIO, source: str) -> tuple[list[Document], dict[str, Any],
                                                            list[str]]:  # fmt: skip
    """Documents in input order (keyed by their id as JSON), each key's id as given,
    and one message per line that could not be used."""
    docs: list[Document] = []
    ids: dict[str, Any] = {}
    problems: list[str] = []
    for record in read_records(stream, source, problems, unique_ids=True):
        try:
            docs.append(_document(record))
        except LineProblem as problem:
            problems.append(f"{source}:{record.line}: {problem}")
            continue
        ids[record.key] = record.id
    return docs, ids, problems


def _document(record: Record) -> Document:
    fields = record.fields
    url = fields.get("url")
    text = fields.get("text")
    if text is None and "html" in fields:
        if not isinstance(fields["html"], str) or not isinstance(url, str):
            raise LineProblem('"html" needs a string "url" beside it')
        article = extract_article(fields["html"], url)
        if article is None:
            raise LineProblem("the html holds no article text")
        text = article.text
    if not isinstance(text, str) or not text.strip():
        raise LineProblem('expected a non-empty "text" (or "html" with "url")')
    return Document(
        key=record.key, text=text, url=url if isinstance(url, str) else None,
        outlet=_host(url), site_name=_optional(fields, "site_name"),
        published=_optional(fields, "published"), first_seen=_optional(fields, "first_seen"),
    )  # fmt: skip


def _host(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    return urlsplit(url).netloc.lower() or None


def _optional(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    return value if isinstance(value, str) and value else None


def run(stream: BinaryIO, source: str, config: DedupConfig, edges_out: TextIO | None
        ) -> tuple[Iterator[str], list[str]]:  # fmt: skip
    docs, ids, problems = read_documents(stream, source)
    assignments, edges = cluster_documents(docs, config)
    lines = (
        json.dumps({"id": ids[doc.key], "cluster": ids[assignments[doc.key][0]],
                    "role": assignments[doc.key][1].value}, ensure_ascii=False)
        for doc in docs
    )  # fmt: skip
    if edges_out is not None:
        for edge in edges:
            row = {"from": ids[edge.source], "to": ids[edge.target], "overlap": edge.overlap}
            edges_out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return lines, problems


def write_lines(lines: Iterator[str], out: TextIO | None = None) -> None:
    out = out or sys.stdout  # looked up now: the CLI runner replaces it
    for line in lines:
        out.write(line + "\n")
