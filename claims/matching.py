"""Is this claim new, or one already recorded for the story?

Rules (within one watch, which is the user's story):
- a mention: the same speaker, the same figures and similar wording as a known claim
  (a syndicated copy, a later version, another outlet restating it);
- an update: the same speaker with a changed figure in the same unit
  ("NIS: 1,500 troops" then "NIS: 3,000 troops"): a new claim linked to the earlier;
- a corroboration: another speaker with the same figure: a new claim linked to the
  earlier one;
- otherwise a new claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# Word-set Jaccard of two contents above which they say the same thing. Restatements
# with the same speaker and figures are rephrased more freely than figure-less ones,
# so they need less. First settings by hand, not yet measured on a labelled set:
# syndicated copies restate verbatim (1.0), so these only decide rephrasings.
SAME_WORDING = 0.5
SAME_WORDING_WITH_FIGURES = 0.3

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "the a an of to in on at by for and or that this is are was were be has have had it its "
    "as with from but not".split()
)


class MatchKind(StrEnum):
    MENTION = "mention"
    UPDATE = "update"
    CORROBORATION = "corroboration"
    NEW = "new"


@dataclass(frozen=True, slots=True)
class KnownClaim:
    id: int
    speaker_key: str
    content: str
    figures: frozenset[tuple[Any, str]]  # (value, unit) pairs, dates excluded


@dataclass(frozen=True, slots=True)
class Match:
    kind: MatchKind
    claim_id: int | None = None  # the known claim mentioned, updated or corroborated


def figures(quantities: Iterable[dict[str, Any]]) -> frozenset[tuple[Any, str]]:
    """The figures that identify a claim: counted values, not dates."""
    return frozenset(
        (q["value"], q["unit"]) for q in quantities if q["unit"] and q["unit"] != "date"
    )


def wording_similarity(a: str, b: str) -> float:
    words_a, words_b = _words(a), _words(b)
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)


def match_claim(
    speaker_key: str, content: str, claim_figures: frozenset[tuple[Any, str]],
    known: Sequence[KnownClaim], mentioned: frozenset[Any] = frozenset(),
) -> Match:  # fmt: skip
    """Compare a claim with the known ones (oldest first, as recorded), most recent
    first. `mentioned` holds every value the sentence gives, with a unit or not: an
    update is linked to the speaker's earlier claim whose figure it mentions ("3,000,
    up from 1,500"), else to the speaker's latest one with another figure."""
    latest_update: KnownClaim | None = None
    mentioned_update: KnownClaim | None = None
    corroborated: KnownClaim | None = None
    for candidate in reversed(known):
        same_speaker = candidate.speaker_key == speaker_key
        if same_speaker and candidate.figures == claim_figures:
            needed = SAME_WORDING_WITH_FIGURES if claim_figures else SAME_WORDING
            if wording_similarity(candidate.content, content) >= needed:
                return Match(MatchKind.MENTION, candidate.id)
        elif same_speaker and _changed_figure(candidate.figures, claim_figures):
            latest_update = latest_update or candidate
            if mentioned_update is None and any(v in mentioned for v, _ in candidate.figures):
                mentioned_update = candidate
        elif not same_speaker and corroborated is None and candidate.figures & claim_figures:
            corroborated = candidate
    update = mentioned_update or latest_update
    if update is not None:
        return Match(MatchKind.UPDATE, update.id)
    if corroborated is not None:
        return Match(MatchKind.CORROBORATION, corroborated.id)
    return Match(MatchKind.NEW)


def _changed_figure(old: frozenset[tuple[Any, str]], new: frozenset[tuple[Any, str]]) -> bool:
    """A figure in a unit both mention, with a value the old claim did not have."""
    old_units = {unit for _, unit in old}
    return any(unit in old_units and (value, unit) not in old for value, unit in new)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if w not in _STOP}


_FROM = re.compile(r"\bfrom\s*$", re.IGNORECASE)


def stated_change(
    sentence: str, quantities: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(old, new) when a sentence gives its own figure's earlier value: "about 3,000
    troops, up from 1,500" or "from 1,500 to 3,000 troops". Quantity offsets are
    within the sentence, as find_quantities gives them."""
    counted = [q for q in quantities if q["unit"] and q["unit"] != "date"]
    for old in quantities:
        if old["unit"] == "date" or not _FROM.search(sentence[: old["start"]]):
            continue
        for new in counted:
            same_unit = not old["unit"] or old["unit"] == new["unit"]
            if new is not old and same_unit and new["value"] != old["value"]:
                return old, new
    return None
