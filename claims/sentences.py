"""Sentence splitting for news text, with character offsets into the original text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Words whose trailing full stop does not end a sentence in news copy.
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen lt col sgt capt cmdr adm gov sen rep rev st jr sr inc corp co "
    "ltd no nos vs jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u a.m "
    "p.m i.e e.g approx est dept ft mt pres sec".split()
)
# A sentence may end at . ! ? (with closing quotes or brackets after it) followed by
# space; paragraph breaks always end one.
_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*")
_LAST_WORD = re.compile(r"([\w.]+)\.[\"'”’)\]]*\s*$")
# How far back from a full stop its word is looked for: longer than any abbreviation.
LAST_WORD_WINDOW = 40


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    start: int
    end: int


def split_sentences(text: str) -> list[Sentence]:
    return list(_sentences(text))


def _sentences(text: str) -> Iterator[Sentence]:
    start = 0
    for match in _END.finditer(text):
        if not _ends_sentence(text, start, match):
            continue
        yield from _trimmed(text, start, match.end())
        start = match.end()
    yield from _trimmed(text, start, len(text))


def _ends_sentence(text: str, start: int, match: re.Match[str]) -> bool:
    if match.group().startswith("\n"):
        return True
    following = text[match.end() : match.end() + 1]
    if following and following.islower():
        return False
    # the word before the full stop, looked for near it only: searching from the
    # sentence's start made a text full of "Oct. 1" quadratic (minutes for 400 KB)
    word = _LAST_WORD.search(text, max(start, match.start() - LAST_WORD_WINDOW), match.end())
    if word is None or match.group()[0] != ".":
        return True
    last = word.group(1).lower()
    # initials ("J. Smith") and known abbreviations ("Nov. 1", "U.S. officials")
    return not (len(last) == 1 or last in ABBREVIATIONS)


def _trimmed(text: str, start: int, end: int) -> Iterator[Sentence]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield Sentence(text[start:end], start, end)
