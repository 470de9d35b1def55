"""`wirewatch dedup INPUT.jsonl`: batch clustering of any corpus."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO
from urllib.parse import urlsplit

from crawler.extraction import extract_article
from dedup.batch import cluster_documents
from dedup.cluster import DedupConfig
from dedup.state import Document


class InputProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def read_documents(stream: TextIO, source: str) -> tuple[list[Document], list[str]]:
    """Documents in input order, and one message per line that could not be used."""
    docs: list[Document] = []
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            doc = _document(number, line)
            if doc.key in seen:
                raise InputProblem(number, f"duplicate id {doc.key!r}")
        except InputProblem as problem:
            problems.append(f"{source}:{problem}")
            continue
        seen.add(doc.key)
        docs.append(doc)
    return docs, problems


def _document(number: int, line: str) -> Document:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputProblem(number, f"not JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict) or "id" not in record:
        raise InputProblem(number, 'expected an object with an "id"')
    key = record["id"]
    if not isinstance(key, str | int) or isinstance(key, bool):
        raise InputProblem(number, '"id" must be a string or an integer')
    url = record.get("url")
    text = record.get("text")
    if text is None and "html" in record:
        if not isinstance(record["html"], str) or not isinstance(url, str):
            raise InputProblem(number, '"html" needs a string "url" beside it')
        article = extract_article(record["html"], url)
        if article is None:
            raise InputProblem(number, "the html holds no article text")
        text = article.text
    if not isinstance(text, str) or not text.strip():
        raise InputProblem(number, 'expected a non-empty "text" (or "html" with "url")')
    return Document(
        key=str(key), text=text, url=url if isinstance(url, str) else None,
        outlet=_host(url), site_name=_optional(record, "site_name"),
        published=_optional(record, "published"), first_seen=_optional(record, "first_seen"),
    )  # fmt: skip


def _host(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    return urlsplit(url).netloc.lower() or None


def _optional(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    return value if isinstance(value, str) and value else None


def run(stream: TextIO, source: str, config: DedupConfig, edges_out: TextIO | None
        ) -> tuple[Iterator[str], list[str]]:  # fmt: skip
    docs, problems = read_documents(stream, source)
    assignments, edges = cluster_documents(docs, config)
    lines = (
        json.dumps({"id": doc.key, "cluster": assignments[doc.key][0],
                    "role": assignments[doc.key][1].value}, ensure_ascii=False)
        for doc in docs
    )  # fmt: skip
    if edges_out is not None:
        for edge in edges:
            edges_out.write(json.dumps({"from": edge.source, "to": edge.target,
                                        "overlap": edge.overlap}) + "\n")  # fmt: skip
    return lines, problems


def write_lines(lines: Iterator[str], out: TextIO | None = None) -> None:
    out = out or sys.stdout  # looked up now: the CLI runner replaces it
    for line in lines:
        out.write(line + "\n")
