"""`wirewatch claims extract`: claims in the texts of a JSONL file, one JSON line each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from claims import extract_claims


def extract_lines(stream: TextIO, source: str) -> tuple[list[str], list[str]]:
    """(output lines, problems) for an input of {"id": ..., "text": ...} lines."""
    out: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or "id" not in record:
                raise ValueError('each line must be an object with an "id"')
            if not isinstance(record.get("text"), str):
                raise ValueError('"text" must be a string')
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            problems.append(f"{source}:{number}: {exc}")
            continue
        out.extend(_claim_lines(record["id"], record["text"]))
    return out, problems


def _claim_lines(doc_id: object, text: str) -> Iterator[str]:
    for claim in extract_claims(text):
        yield json.dumps({"id": doc_id, **claim.to_json()}, ensure_ascii=False)
