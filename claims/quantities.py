"""Figures in a sentence ("about 1,500 troops", "8 million shells", "Nov. 1"), normalised.

A quantity has a numeric value, a unit (the counted noun, folded to one form for
common synonyms, or "percent", "USD", "date") and the qualifier that bounds it
("about", "more than", ...), so that "1,500 soldiers" and "1,500 troops" compare
equal and "1,500 -> 3,000 troops" can be recognised as a changed figure.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
SCALES = {"thousand": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "fifty": 50, "hundred": 100,
    "dozens": 24, "hundreds": 200, "thousands": 2000,
}  # fmt: skip
CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP", "₩": "KRW"}
# Counted nouns that mean the same thing in this domain, folded to the first.
UNIT_SYNONYMS = {
    "troops": ("troop", "soldier", "soldiers", "infantrymen", "infantryman", "personnel",
               "servicemen", "fighters", "infantry", "forces"),
    "shells": ("shell", "rounds", "round", "munitions"),
    "people": ("persons", "person", "individuals", "civilians"),
    "percent": ("%", "per cent", "pct"),
}  # fmt: skip
_UNIT_OF = {alias: unit for unit, aliases in UNIT_SYNONYMS.items() for alias in aliases}
# Words between a number and its counted noun that are not the noun.
_SKIP_AFTER_NUMBER = frozenset(
    "additional more new other extra of the these those them their its north south korean "
    "russian ukrainian american chinese special elite regular active military combat "
    "armed young".split()
)
_NOT_UNITS = frozenset(
    "and or to in on at by from for with as that which who were was is it they he she we "
    "last this next".split()
)

_QUALIFIER = (
    r"(?:(?P<qual>about|around|approximately|roughly|some|nearly|almost|over|more than|"
    r"at least|up to|fewer than|less than|an estimated|as many as|at most|just over|"
    r"just under)\s+)?"
)
_NUMBER = re.compile(
    _QUALIFIER
    + r"(?P<cur>[$€£₩])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    + r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|m)\b)?"
    + r"(?P<pct>\s*(?:%|percent\b|per cent\b))?",
    re.IGNORECASE,
)
_WORD_NUMBER = re.compile(
    # lowercase only: "Group of Seven" is a name, not a figure
    r"(?i:" + _QUALIFIER + r")\b(?P<word>" + "|".join(NUMBER_WORDS) + r")\b(?:\s+of)?"
)
_DATE = re.compile(
    r"\b(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s+"
    r"(?P<day>\d{1,2})(?:\s*-\s*(?P<day2>\d{1,2}))?\b(?!,\d)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(19|20)\d\d$")
_WORD = re.compile(r"[A-Za-z][\w'-]*")


@dataclass(frozen=True, slots=True)
class Quantity:
    text: str
    value: float | str  # a number, or "MM-DD" for a date
    unit: str
    qualifier: str = ""
    start: int = 0
    end: int = 0

    def key(self) -> tuple[float | str, str]:
        return (self.value, self.unit)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def find_quantities(sentence: str) -> list[Quantity]:
    """Every figure in a sentence, in order; dates first claim their numbers."""
    found: list[Quantity] = []
    taken = _Taken(len(sentence))
    for match in _DATE.finditer(sentence):
        if match.group("month").lower() == "may" and not match.group("month")[0].isupper():
            continue  # the verb "may", not the month
        month = MONTHS[match.group("month").lower()]
        found.append(Quantity(match.group(), f"{month:02d}-{int(match.group('day')):02d}",
                              "date", "", match.start(), match.end()))  # fmt: skip
        taken.mark(match.span())
    for match in _NUMBER.finditer(sentence):
        if not taken.overlaps(match.span()):
            quantity = _numeric(sentence, match)
            if quantity is not None:
                found.append(quantity)
                taken.mark(match.span())
    for match in _WORD_NUMBER.finditer(sentence):
        if not taken.overlaps(match.span()):
            unit, end = _unit_after(sentence, match.end())
            if unit:
                value = float(NUMBER_WORDS[match.group("word").lower()])
                qualifier = (match.group("qual") or "").lower()
                text = sentence[match.start() : end]
                found.append(Quantity(text, value, unit, qualifier, match.start(), end))
    return sorted(found, key=lambda q: q.start)


def _numeric(sentence: str, match: re.Match[str]) -> Quantity | None:
    number = match.group("num")
    if _YEAR.match(number) and not (match.group("cur") or match.group("scale")):
        return None  # a bare year is a date, not a figure
    value = float(number.replace(",", "")) * SCALES.get((match.group("scale") or "").lower(), 1)
    end = match.end()
    if match.group("pct"):
        unit = "percent"
    elif match.group("cur"):
        unit = CURRENCIES[match.group("cur")]
    else:
        unit, end = _unit_after(sentence, end)
    qualifier = (match.group("qual") or "").lower()
    return Quantity(sentence[match.start() : end], value, unit, qualifier, match.start(), end)


def _unit_after(sentence: str, position: int) -> tuple[str, int]:
    """The counted noun after a number: the first lowercase word that is not an
    adjective of origin or a filler ("1,500 North Korean troops" -> troops)."""
    for word in list(_WORD.finditer(sentence, position, min(len(sentence), position + 60)))[:5]:
        lower = word.group().lower()
        if lower in _NOT_UNITS:
            return "", position
        if word.group()[0].isupper() or lower in _SKIP_AFTER_NUMBER:
            continue
        return _UNIT_OF.get(lower, lower), word.end()
    return "", position


class _Taken:
    """The characters of a sentence that a figure has claimed: checking a span costs its
    length, not the number of figures found before it (a page of figures was quadratic)."""

    def __init__(self, length: int) -> None:
        self.chars = bytearray(length)

    def mark(self, span: tuple[int, int]) -> None:
        self.chars[span[0] : span[1]] = b"\x01" * (span[1] - span[0])

    def overlaps(self, span: tuple[int, int]) -> bool:
        return 1 in self.chars[span[0] : span[1]]
