"""Credit lines: which outlet a copy says the story came from.

"Asia News Network/The Korea Herald", "This article was first published by The Korea
Herald", wire datelines such as "SEOUL (AP) —". The clustering prefers a credited
outlet as a story's origin.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# A credit line is short; longer lines that happen to contain a slash are story text.
MAX_CREDIT_LINE = 90
# How alike a credited name and an outlet's name must be (difflib ratio). Set so that
# the seed's own typo "The Korean Herald" still names "The Korea Herald" (0.96), while
# "Korea Times" does not (0.70).
NAME_MATCH = 0.85

_FIRST_PUBLISHED = re.compile(
    r"\b(?:first|originally) (?:published|appeared) (?:by|in|on|at) (?:the )?"
    r"([A-Z][\w&'.-]*(?: [A-Z][\w&'.-]*){0,5})"
)
_WIRE = re.compile(r"\((AP|AFP|Reuters|Yonhap|Bloomberg|dpa|Xinhua|Kyodo|UPI|ANI|PTI)\)")
_SLASH_CREDIT = re.compile(r"^[_*\s]*([A-Z][\w&'. -]{1,40}(?:/[A-Z][\w&'. -]{1,40})+)[_*\s.]*$")


# How much a credit says about where a story came from: "first published by X" names
# the origin outright; a wire dateline nearly so; "A/B" credits name the distributor and
# the paper together, in either order, so each part gets a smaller weight.
EXPLICIT_WEIGHT = 3
WIRE_WEIGHT = 2
SLASH_WEIGHT = 1


def credits(text: str) -> list[tuple[str, int]]:
    """(credited outlet name, weight) pairs, in the order they appear."""
    found: list[tuple[str, int]] = []
    for line in text.split("\n"):
        stripped = line.strip()
        found += [(name, EXPLICIT_WEIGHT) for name in _FIRST_PUBLISHED.findall(stripped)]
        found += [(name, WIRE_WEIGHT) for name in _WIRE.findall(stripped[:200])]
        if len(stripped) <= MAX_CREDIT_LINE:
            match = _SLASH_CREDIT.match(stripped)
            if match:
                found += [(part, SLASH_WEIGHT) for part in match.group(1).split("/")]
    cleaned = ((name.strip(" ._*"), weight) for name, weight in found)
    return [(name, weight) for name, weight in cleaned if name]


def credited_names(text: str) -> list[str]:
    """Outlet names the text credits, each once, in the order they appear."""
    return list(dict.fromkeys(name for name, _ in credits(text)))


def credit_weights(text: str) -> dict[str, int]:
    """Credited name -> the largest weight any credit gives it in this text."""
    weights: dict[str, int] = {}
    for name, weight in credits(text):
        weights[name] = max(weight, weights.get(name, 0))
    return weights


def _key(name: str) -> str:
    lowered = name.lower().strip()
    lowered = re.sub(r"^the\s+", "", lowered)
    return re.sub(r"[^0-9a-z\u00c0-\uffff]+", "", lowered)


def names_match(credited: str, outlet_name: str | None) -> bool:
    if not outlet_name:
        return False
    a, b = _key(credited), _key(outlet_name)
    if not a or not b:
        return False
    return a == b or SequenceMatcher(None, a, b).ratio() >= NAME_MATCH
