"""`wirewatch claims extract`: claims in the texts of a JSONL file, one JSON line each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from claims import extract_claims
from wirewatch.jsonl import read_records


def extract_lines(stream: BinaryIO, source: str) -> tuple[list[str], list[str]]:
    """(output lines, problems) for an input of {"id": ..., "text": ...} lines."""
    out: list[str] = []
    problems: list[str] = []
    for record in read_records(stream, source, problems):
        text = record.fields.get("text")
        if not isinstance(text, str):
            problems.append(f'{source}:{record.line}: "text" must be a string')
            continue
        out.extend(_claim_lines(record.id, text))
    return out, problems


def _claim_lines(doc_id: Any, text: str) -> Iterator[str]:
    for claim in extract_claims(text):
        yield json.dumps({"id": doc_id, **claim.to_json()}, ensure_ascii=False)
