"""Reading JSON-lines input for the batch commands (`dedup`, `claims extract`).

A bad line never costs the others: each line is decoded and parsed on its own, and a
line that cannot be used (not UTF-8, not JSON, nested too deeply, NaN or Infinity, a
lone surrogate, no usable "id") becomes one message with its line number. Ids are
kept as given: 1 and "1" are two ids, and each is written back as it came.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO


class LineProblem(ValueError):
    """One input line that cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    id: str | int  # as given
    key: str  # the id as JSON: 1 and "1" differ
    fields: dict[str, Any]


def _no_constants(name: str) -> Any:
    raise LineProblem(f"{name} is not a JSON number")


def parse_line(raw: bytes) -> dict[str, Any]:
    """One line as a JSON object with a string or whole-number "id"; LineProblem if not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineProblem(f"not UTF-8 text (byte {exc.start + 1} of the line)") from exc
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise LineProblem(f"not JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError as exc:
        raise LineProblem("not usable JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer longer than Python reads (4,300 digits)
        raise LineProblem(f"not usable JSON: {exc}") from exc
    if not isinstance(value, dict) or "id" not in value:
        raise LineProblem('expected an object with an "id"')
    key = value["id"]
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise LineProblem('"id" must be a string or a whole number')
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise LineProblem("holds a lone surrogate (\\u escape of half a character)") from exc
    except (RecursionError, ValueError) as exc:
        raise LineProblem(f"not usable JSON: {exc}") from exc
    return value


def read_records(stream: BinaryIO, source: str, problems: list[str],
                 unique_ids: bool = False) -> Iterator[Record]:  # fmt: skip
    """The usable records of a JSON-lines stream, in order; a message for each line that
    is not usable (or, with `unique_ids`, repeats an id) is appended to `problems`."""
    seen: set[str] = set()
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            fields = parse_line(raw)
            key = json.dumps(fields["id"], ensure_ascii=False)
            if unique_ids and key in seen:
                raise LineProblem(f"duplicate id {key}")
        except LineProblem as problem:
            problems.append(f"{source}:{number}: {problem}")
            continue
        seen.add(key)
        yield Record(number, fields["id"], key, fields)
