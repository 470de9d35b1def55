"""Figures in a sentence ("about 1,500 troops", "8 million shells", "Nov. 1"), normalised.

A quantity has a numeric value, a unit (the counted noun, folded to one form for
common synonyms, or "percent", "USD", "date") and the qualifier that bounds it
("about", "more than", ...), so that "1,500 soldiers" and "1,500 troops" compare
equal and "1,500 -> 3,000 troops" can be recognised as a changed figure.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9,
    "bn": 1e9, "trillion": 1e12,
}  # fmt: skip
# Number words, read as a whole span ("fifteen hundred", "forty-five", "three thousand"):
# never one word of it alone, which gave "fifteen hundred" as 100.
SMALL_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
WORD_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Words that give an order of magnitude, not a figure ("hundreds of soldiers"): kept as
# the least they can mean and marked inexact, so they never make a "figure changed".
VAGUE_NUMBERS = {
    "dozens": 24, "hundreds": 200, "thousands": 2000, "several thousand": 2000,
    "tens of thousands": 20_000, "several hundred": 200, "millions": 2e6,
    "a few hundred": 200, "a few thousand": 2000,
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
    "armed young naval air ground artillery".split()
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
# Digits grouped by commas, or by spaces as much of the world writes them ("11 000",
# with a no-break or thin space too); "3k", "1.5bn" and "3 thousand" scale them.
_NUMBER = re.compile(
    _QUALIFIER
    + r"(?P<cur>[$€£₩])?(?<![\d.,])"
    + r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?![\d,.]\d)"
    + r"|\d+(?:\.\d+)?)"
    + r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|mn|m|k)\b)?"
    + r"(?P<pct>\s*(?:%|percent\b|per cent\b))?",
    re.IGNORECASE,
)
_NUMBER_WORD = r"(?:" + "|".join(sorted(SMALL_NUMBERS, key=len, reverse=True)) + r")"
_SCALE_WORD = r"(?:" + "|".join(WORD_SCALES) + r")"
# A run of number words: "fifteen hundred", "forty-five", "one hundred and fifty",
# "a thousand", "three thousand". Lowercase after the sentence's first word, so that
# "Group of Seven" stays a name (the first word may be capitalised: "Thirty soldiers").
_WORD_NUMBER = re.compile(
    r"(?i:" + _QUALIFIER + r")(?<![\w-])(?P<words>(?i:"
    r"(?:(?:half\s+a|a|"
    + _NUMBER_WORD
    + r")(?:-"
    + _NUMBER_WORD
    + r")?\s+"
    + _SCALE_WORD
    + r"|"
    + _NUMBER_WORD
    + r"(?:-"
    + _NUMBER_WORD
    + r")?)"
    r"(?:(?:\s+and)?\s+(?:"
    + _NUMBER_WORD
    + r"(?:-"
    + _NUMBER_WORD
    + r")?|"
    + _SCALE_WORD
    + r"))*))(?![\w-])"
)
_VAGUE = re.compile(
    r"(?i:"
    + _QUALIFIER
    + r")(?<![\w-])(?P<vague>"
    + "|".join(sorted(VAGUE_NUMBERS, key=len, reverse=True))
    + r")\b(?:\s+of)?"
)
_DATE = re.compile(
    r"\b(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s+"
    r"(?P<day>\d{1,2})(?:\s*(?:-|–|and|to|through)\s*(?P<day2>\d{1,2}))?\b(?!,\d)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(19|20)\d\d$")
_WORD = re.compile(r"[A-Za-z][\w'-]*")
_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")


class Scope(StrEnum):
    """What a figure counts, as far as its clause says: two figures of a speaker are a
    revision of one another only when they count the same thing. UNCLEAR is never
    taken for a revision (a false "figure changed" is worse than a missing one)."""

    UNCLEAR = ""
    SENT = "sent"  # sent, arrived, there so far
    PLANNED = "planned"  # planned, expected, in all, could reach
    FIRST_BATCH = "first_batch"  # the first phase, wave, shipment
    REGION = "region"  # stationed in or sent to one region
    PART = "part"  # "2,600 of these troops": a share of another figure
    CASUALTIES = "casualties"  # killed, wounded


# Checked in this order on the clause around a figure: the narrower scopes first
# (a part "of these", the first phase, a region) so that "2,600 of these troops would be
# stationed in the Kursk region" is a part, not a plan. Chosen on the seed documents and
# the newsroom (tests/claims_labels.py labels every figure's scope).
_SCOPE_RULES = (
    (Scope.CASUALTIES, r"killed|dead|died|deaths|wounded|injured|casualties|losses"),
    (Scope.FIRST_BATCH, r"first (?:phase|batch|wave|group|shipment|contingent|round|stage)|"
                        r"initial (?:phase|batch|wave|group|deployment|contingent)"),
    (Scope.REGION, r"stationed|region|oblast|province"),
    (Scope.PLANNED, r"plans?|planned|planning|decided|decide|intends?|intended|will|would|"
                    r"could|might|may|expected|expects|final figure|in total|in all|"
                    r"total of|eventually|aims?|ready|soon|reach"),
    (Scope.SENT, r"sent|send|sending|dispatched|dispatching|deployed|deploying|arrived|"
                 r"shipped|transferred|moved|training|trained|already|now|so far|"
                 r"have been|has been|are in|were in"),
)  # fmt: skip
_SCOPE_PATTERNS = tuple((scope, re.compile(rf"\b(?:{words})\b")) for scope, words in _SCOPE_RULES)
_PART = re.compile(r"\s*(?:of|among)\s+(?:these|those|them|the|which|whom)\b", re.IGNORECASE)
# What bounds the clause a figure's scope is read from.
_CLAUSE_BOUNDARY = re.compile(r"[,;:()—–]|\b(?:with|while|but|whereas|and)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Quantity:
    text: str
    value: float | str  # a number, or "MM-DD" for a date
    unit: str
    qualifier: str = ""
    start: int = 0
    end: int = 0
    scope: str = Scope.UNCLEAR.value
    exact: bool = True  # False for "hundreds", "several thousand": a magnitude, no figure

    def key(self) -> tuple[float | str, str]:
        return (self.value, self.unit)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def find_quantities(sentence: str) -> list[Quantity]:
    """Every figure in a sentence, in order; dates first claim their numbers, then
    figures in digits, then in words."""
    found: list[Quantity] = []
    taken = _Taken(len(sentence))
    for match in _DATE.finditer(sentence):
        if match.group("month").lower() == "may" and not match.group("month")[0].isupper():
            continue  # the verb "may", not the month
        month = MONTHS[match.group("month").lower()]
        found.append(Quantity(match.group(), f"{month:02d}-{int(match.group('day')):02d}",
                              "date", "", match.start(), match.end()))  # fmt: skip
        taken.mark(match.span())
    # digits a date took are masked, so "Oct. 14 100 troops" still finds "100 troops"
    masked = taken.masked(sentence)
    for match in _NUMBER.finditer(masked):
        quantity = _numeric(sentence, match)
        if quantity is not None:
            found.append(quantity)
            taken.mark((quantity.start, quantity.end))
    for pattern, reader in ((_VAGUE, _vague), (_WORD_NUMBER, _spelled)):
        for match in pattern.finditer(taken.masked(sentence)):
            quantity = reader(sentence, match)
            if quantity is not None:
                found.append(quantity)
                taken.mark((quantity.start, quantity.end))
    found.sort(key=lambda q: q.start)
    clauses = Clauses(sentence)
    return [_scoped(clauses, q) for q in _with_inherited_units(found)]


def _numeric(sentence: str, match: re.Match[str]) -> Quantity | None:
    number = _SPACES.sub("", match.group("num"))
    scale = (match.group("scale") or "").lower()
    if _YEAR.match(number) and not (match.group("cur") or scale):
        return None  # a bare year is a date, not a figure
    if scale == "k" and not match.group("scale").islower():
        scale = "k"  # "3K" reads as "3k"
    value = float(number.replace(",", "")) * SCALES.get(scale, 1)
    end = match.end()
    if match.group("pct"):
        unit = "percent"
    elif match.group("cur"):
        unit = CURRENCIES[match.group("cur")]
    else:
        unit, end = _unit_after(sentence, end)
    qualifier = (match.group("qual") or "").lower()
    return Quantity(sentence[match.start() : end], value, unit, qualifier, match.start(), end)


def _spelled(sentence: str, match: re.Match[str]) -> Quantity | None:
    words = match.group("words")
    opening = not sentence[: match.start()].strip(" \"“‘'(")
    if not (words.islower() or (opening and words[1:].islower())):
        return None  # "Group of Seven", "Big Three": names, not figures
    value = spelled_value(words)
    unit, end = _unit_after(sentence, match.end())
    if value is None or not unit or (value == 1 and words.lower() in {"one", "a"}):
        return None  # "one of the", "a" alone: not a figure
    qualifier = (match.group("qual") or "").lower()
    return Quantity(sentence[match.start() : end], value, unit, qualifier, match.start(), end)


def _vague(sentence: str, match: re.Match[str]) -> Quantity | None:
    unit, end = _unit_after(sentence, match.end())
    if not unit:
        return None
    value = float(VAGUE_NUMBERS[match.group("vague").lower()])
    qualifier = (match.group("qual") or "").lower()
    text = sentence[match.start() : end]
    return Quantity(text, value, unit, qualifier, match.start(), end, exact=False)


def spelled_value(words: str) -> float | None:
    """The value of a run of English number words: "fifteen hundred" 1500,
    "forty-five" 45, "one hundred and fifty" 150, "a thousand" 1000."""
    total, current = 0.0, 0.0
    for word in re.split(r"[\s-]+", words.lower()):
        if word in {"and", ""}:
            continue
        if word == "half":
            current = 0.5  # "half a million"
        elif word == "a":
            current = current or 1
        elif word in SMALL_NUMBERS:
            current += SMALL_NUMBERS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in WORD_SCALES:
            total += (current or 1) * WORD_SCALES[word]
            current = 0
        else:
            return None
    return total + current


def _with_inherited_units(quantities: list[Quantity]) -> list[Quantity]:
    """A bare number after a counted figure counts the same thing: "1,500 troops have
    arrived ... the final figure could reach 12,000" (12,000 troops)."""
    out: list[Quantity] = []
    last_unit = ""
    for quantity in quantities:
        if quantity.unit == "" and last_unit and isinstance(quantity.value, float):
            quantity = replace(quantity, unit=last_unit)
        elif quantity.unit not in {"", "date", "percent"}:
            last_unit = quantity.unit
        out.append(quantity)
    return out


def _scoped(clauses: Clauses, quantity: Quantity) -> Quantity:
    if quantity.unit in {"", "date"}:
        return quantity
    return replace(quantity, scope=figure_scope(clauses, quantity.start, quantity.end).value)


class Clauses:
    """The clause boundaries of one sentence, found once: a sentence can hold
    thousands of figures (a page that is one long table), and searching the
    boundaries again for each figure made such a page quadratic."""

    def __init__(self, sentence: str) -> None:
        self.sentence = sentence
        matches = list(_CLAUSE_BOUNDARY.finditer(sentence))
        self._starts = [m.start() for m in matches]
        self._ends = [m.end() for m in matches]

    def around(self, start: int, end: int) -> str:
        """The clause holding sentence[start:end]: from the last boundary that ends
        before it to the first that starts after it."""
        before = bisect_right(self._ends, start) - 1
        after = bisect_left(self._starts, end)
        first = self._ends[before] if before >= 0 else 0
        last = self._starts[after] if after < len(self._starts) else len(self.sentence)
        return self.sentence[first:last]


def figure_scope(clauses: Clauses, start: int, end: int) -> Scope:
    """What the figure at clauses.sentence[start:end] counts, read from its clause."""
    sentence = clauses.sentence
    if _PART.match(sentence, _after_number(sentence, start, end)):
        return Scope.PART
    clause = clauses.around(start, end).lower()
    for scope, pattern in _SCOPE_PATTERNS:
        if pattern.search(clause):
            return scope
    return Scope.UNCLEAR


def _after_number(sentence: str, start: int, end: int) -> int:
    """Where the number of a figure ends ("2,600" in "2,600 of these troops")."""
    number = re.match(r"[^\d]*[\d,. \u00a0\u202f\u2009]*\d", sentence[start:end])
    return start + number.end() if number else end


def _unit_after(sentence: str, position: int) -> tuple[str, int]:
    """The counted noun after a number: the first lowercase word that is not an
    adjective of origin or a filler ("1,500 North Korean troops" -> troops)."""
    for word in list(_WORD.finditer(sentence, position, min(len(sentence), position + 60)))[:5]:
        lower = word.group().lower()
        if lower in _NOT_UNITS:
            return "", position
        skipped = lower in _SKIP_AFTER_NUMBER or _adjective(lower, sentence, word.end())
        if word.group()[0].isupper() or skipped:
            continue
        return _UNIT_OF.get(lower, lower), word.end()
    return "", position


_ADJECTIVE_ENDINGS = ("ic", "al", "ian", "ese", "ish", "ous", "ive", "ary")
_NEXT_WORD = re.compile(r"\s+([a-z]+)")


def _adjective(word: str, sentence: str, end: int) -> bool:
    """ "24 domestic flights", "seven naval vessels": an adjective before the counted
    noun, judged by its ending and a lowercase word after it."""
    if not word.endswith(_ADJECTIVE_ENDINGS):
        return False
    following = _NEXT_WORD.match(sentence, end)
    return following is not None and following.group(1) not in _NOT_UNITS


class _Taken:
    """The characters of a sentence that a figure has claimed, blanked for the patterns
    read after it: the cost is the sentence's length, not the number of figures found
    before (a page of figures was quadratic)."""

    def __init__(self, length: int) -> None:
        self.chars = bytearray(length)

    def mark(self, span: tuple[int, int]) -> None:
        self.chars[span[0] : span[1]] = b"\x01" * (span[1] - span[0])

    def masked(self, sentence: str) -> str:
        """The sentence with taken characters blanked (offsets unchanged)."""
        if 1 not in self.chars:
            return sentence
        pairs = zip(sentence, self.chars, strict=True)
        return "".join("\x00" if taken else ch for ch, taken in pairs)
