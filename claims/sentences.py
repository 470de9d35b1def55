"""Sentence splitting for news text, with character offsets into the original text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# US states as news copy abbreviates them ("Johnnie Wilson, of Springfield, Va., said").
STATES = frozenset(
    "ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo "
    "mont neb nev okla ore pa tenn tex vt va wash wis wyo".split()
)
# Words whose trailing full stop does not end a sentence in news copy: titles before a
# name, months and "No." before a number, and the like.
ABBREVIATIONS = (
    frozenset(
        "mr mrs ms dr prof gen lt col sgt capt cmdr adm gov sen rep rev st jr sr inc corp co "
        "ltd no nos vs jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.u a.m "
        "p.m i.e e.g approx est dept ft mt pres sec etc p pp fig vol ch art".split()
    )
    | STATES
)
# Of those, the ones a sentence may end on ("... talks with Pitt & Co. It closed ...",
# "... in the U.S. How ..."): they end one when the next word opens a sentence.
MAY_END_SENTENCE = frozenset("inc corp co ltd jr sr u.s u.k u.n e.u etc".split()) | STATES
TIMES_OF_DAY = frozenset({"a.m", "p.m"})
# Words that open sentences and are not names, so that "U.S. He said" ends one sentence
# while "U.S. Government" does not.
SENTENCE_OPENERS = frozenset(
    "i he she it we they you the a an this that these those there here his her its our "
    "their my your but and yet so however meanwhile also still then now in on at for if "
    "when while after before although though as what who why how where which did do does "
    "is are was were has have had will would can could should many some most several no "
    "one both".split()
)
# Company names that follow an exclamation mark ("Yahoo! Inc.").
_COMPANY_SUFFIXES = frozenset("inc inc. corp corp. co co. ltd ltd. llc plc".split())
# A sentence may end at . ! ? (with closing quotes or brackets after it) followed by
# space; paragraph breaks always end one.
_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*")
_LAST_WORD = re.compile(r"([\w.]+)\.[\"'”’)\]]*\s*$")
_NEXT_WORD = re.compile(r"[\"'“‘(\[]*([\w.]+)")
# A spaced ellipsis of three dots leaves a sentence open ("the thing is . . . I didn't");
# a fourth dot is the sentence's own full stop.
_OPEN_ELLIPSIS = re.compile(r"(?<=[^.\s]\s)\.\s\.\s\.\s*$")
DASHES = "―—"
# A dash and a few words to the end of the line: who said the quote before it.
_DASH_CREDIT = re.compile(
    r"[―—]\s*[A-Z](?:[^\n.!?]|\.(?=[ \t]+[A-Z])){0,80}[.!?]?[ \t]*$", re.MULTILINE
)  # initials may stand in the name ("― Edwin G. Monroy")
# How far back from a full stop its word is looked for: longer than any abbreviation.
LAST_WORD_WINDOW = 40
# A time of day ends a sentence only after a few words ("He left at 6 P.M. Mr. Smith
# then ..." does; "At 5 a.m. Mr. Smith went ..." does not): pySBD's golden rule 18.
MIN_WORDS_BEFORE_TIME = 4


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
    if "\n" in match.group():
        return True  # a paragraph ends every sentence in it, whatever stands before
    following = text[match.end() : match.end() + 1]
    if following and (following.islower() or following.isdigit() or following in ".…"):
        return False  # "Pitt & Co. at noon", "Oct. 8", "N°. 1026", an ellipsis going on
    if following in DASHES and _DASH_CREDIT.match(text, match.end()):
        return False  # '"... our greatest shame.” ― Sonya Herridge': the quote's credit
    next_word = _NEXT_WORD.match(text, match.end())
    opener = next_word is not None and next_word.group(1).lower() in SENTENCE_OPENERS
    stop = match.group()[0]
    if stop != ".":
        # "Yahoo! Inc. said": the exclamation mark is part of the name
        return next_word is None or next_word.group(1).lower() not in _COMPANY_SUFFIXES
    window_start = max(start, match.start() - LAST_WORD_WINDOW)
    if _OPEN_ELLIPSIS.search(text, window_start, match.start() + 1):
        return False
    if text[max(0, match.start() - 3) : match.start() + 2] == "[...]":
        return False  # an elision in a quotation, not a stop
    # the word before the full stop, looked for near it only: searching from the
    # sentence's start made a text full of "Oct. 1" quadratic (minutes for 400 KB)
    word = _LAST_WORD.search(text, window_start, match.end())
    if word is None:
        return True
    last = word.group(1).lower()
    if last in TIMES_OF_DAY:
        return len(text[start : match.start()].split()) >= MIN_WORDS_BEFORE_TIME
    if last in MAY_END_SENTENCE or _is_acronym(last) or len(last) == 1:
        # "Jane and co. They", "the E.U. How", "you and I. Did" end a sentence;
        # "the U.S. Government", "Jonas E. Smith" do not
        return opener
    return last not in ABBREVIATIONS


def _is_acronym(word: str) -> bool:
    """ "n.y", "u.s.a": letters and full stops."""
    parts = word.split(".")
    return len(parts) > 1 and all(len(p) == 1 and p.isalpha() for p in parts)


def _trimmed(text: str, start: int, end: int) -> Iterator[Sentence]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield Sentence(text[start:end], start, end)


def shortened(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: cut at the limit, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
