"""Is this claim new, or one already recorded for the story?

Rules (within one watch, which is the user's story):
- a mention: the same speaker, the same figures and similar wording as a known claim
  (a syndicated copy, a later version, another outlet restating it);
- an update: the same speaker with a changed figure that counts the same thing: the
  same unit and the same scope ("NIS: 1,500 troops sent" then "NIS: 3,000 troops
  sent"; not "12,000 planned" then "1,500 in the first phase", nor "11,000 in all" then
  "2,600 of these in Kursk"): a new claim linked to the earlier. A figure whose scope
  its sentence leaves unclear, or a magnitude ("hundreds"), is never an update: a false
  "figure changed" is worse than a missing one;
- a corroboration: another speaker with the same figure: a new claim linked to the
  earlier one;
- otherwise a new claim.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
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


# (value, unit, scope) of a figure that a revision may change
Measure = tuple[Any, str, str]
# Scopes that say what a figure counts too little to compare it with another
_INCOMPARABLE_SCOPES = frozenset({"", "part"})


@dataclass(frozen=True, slots=True)
class KnownClaim:
    id: int
    speaker_key: str
    content: str
    figures: frozenset[tuple[Any, str]]  # (value, unit) pairs, dates excluded
    measures: frozenset[Measure] = frozenset()
    # (value, unit) the claim itself says its figure replaced ("up from 1,500"): a later
    # report of that value is an old figure, not a revision of this one
    superseded: frozenset[tuple[Any, str]] = frozenset()

    @classmethod
    def of(cls, claim_id: int, speaker_key: str, content: str,
           quantities: Iterable[dict[str, Any]], sentence: str = "") -> KnownClaim:  # fmt: skip
        """A claim's figures: the earlier value its sentence gives ("up from 1,500") is
        not one of them, but what it superseded."""
        current, superseded = _split_stated(sentence, list(quantities))
        return cls(claim_id, speaker_key, content, figures(current), measures(current),
                   superseded)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Match:
    kind: MatchKind
    claim_id: int | None = None  # the known claim mentioned, updated or corroborated


def figures(quantities: Iterable[dict[str, Any]]) -> frozenset[tuple[Any, str]]:
    """The figures that identify a claim: counted values, not dates."""
    return frozenset(
        (q["value"], q["unit"]) for q in quantities if q["unit"] and q["unit"] != "date"
    )


def measures(quantities: Iterable[dict[str, Any]]) -> frozenset[Measure]:
    """The figures a later claim may revise: exact counts with a clear scope. Stored
    quantities from before scopes were read have none, so they are never revised."""
    return frozenset((q["value"], q["unit"], q["scope"]) for q in quantities if revisable(q))


def revisable(quantity: dict[str, Any]) -> bool:
    """An exact count (not a date, not "hundreds") whose clause says what it counts."""
    return (
        bool(quantity["unit"]) and quantity["unit"] != "date" and quantity.get("exact", True)
        and quantity.get("scope", "") not in _INCOMPARABLE_SCOPES
    )  # fmt: skip


def wording_similarity(a: str, b: str) -> float:
    words_a, words_b = _words(a), _words(b)
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)


class KnownClaims:
    """The claims recorded so far, oldest first, indexed by speaker and by figure so
    that matching a claim looks only at the candidates that can match it (a long crawl
    knows tens of thousands of claims)."""

    def __init__(self, claims: Iterable[KnownClaim] = ()) -> None:
        self._all: list[KnownClaim] = []
        self._by_speaker: dict[str, list[int]] = defaultdict(list)  # positions in _all
        self._by_figure: dict[tuple[Any, str], list[int]] = defaultdict(list)
        for claim in claims:
            self.append(claim)

    def __len__(self) -> int:
        return len(self._all)

    def __getitem__(self, position: int) -> KnownClaim:
        return self._all[position]

    def append(self, claim: KnownClaim) -> None:
        position = len(self._all)
        self._all.append(claim)
        self._by_speaker[claim.speaker_key].append(position)
        for figure in claim.figures:
            self._by_figure[figure].append(position)

    def truncate(self, length: int) -> None:
        """Forget the claims added after the first `length` (not stored after all)."""
        while len(self._all) > length:
            claim = self._all.pop()
            self._by_speaker[claim.speaker_key].pop()
            for figure in claim.figures:
                self._by_figure[figure].pop()

    def renumber(self, start: int, ids: dict[int, int]) -> None:
        """Give the claims from position `start` on their stored ids (from provisional)."""
        for position in range(start, len(self._all)):
            claim = self._all[position]
            self._all[position] = replace(claim, id=ids.get(claim.id, claim.id))

    def match(
        self, speaker_key: str, content: str, claim_figures: frozenset[tuple[Any, str]],
        mentioned: frozenset[Any] = frozenset(),
        claim_measures: frozenset[Measure] = frozenset(),
        claim_superseded: frozenset[tuple[Any, str]] = frozenset(),
    ) -> Match:  # fmt: skip
        """Compare a claim with the known ones, most recent first. `mentioned` holds
        every value the sentence gives, with a unit or not: an update is linked to the
        speaker's earlier claim whose figure it mentions ("3,000, up from 1,500"), else
        to the speaker's latest one with another value of a figure that counts the same
        thing (`claim_measures`). A claim that states its own change ("up from 1,500":
        `claim_superseded`) is an update even when the earlier figure was never
        recorded: then it links to no claim."""
        latest_update: KnownClaim | None = None
        mentioned_update: KnownClaim | None = None
        for position in reversed(self._by_speaker.get(speaker_key, ())):
            candidate = self._all[position]
            if candidate.figures == claim_figures:
                needed = SAME_WORDING_WITH_FIGURES if claim_figures else SAME_WORDING
                if wording_similarity(candidate.content, content) >= needed:
                    return Match(MatchKind.MENTION, candidate.id)
            elif _changed_figure(candidate, claim_measures):
                latest_update = latest_update or candidate
                said_before = any(v in mentioned for v, _, _ in candidate.measures)
                if mentioned_update is None and said_before:
                    mentioned_update = candidate
        update = mentioned_update or latest_update
        if update is not None:
            return Match(MatchKind.UPDATE, update.id)
        if claim_superseded:
            return Match(MatchKind.UPDATE)
        corroborated = self._latest_with_figure(claim_figures, speaker_key)
        if corroborated is not None:
            return Match(MatchKind.CORROBORATION, corroborated.id)
        return Match(MatchKind.NEW)

    def _latest_with_figure(
        self, claim_figures: frozenset[tuple[Any, str]], other_than: str
    ) -> KnownClaim | None:
        """The most recent claim of another speaker sharing a figure with this one."""
        best = -1
        for figure in claim_figures:
            for position in reversed(self._by_figure.get(figure, ())):
                if position <= best:
                    break
                if self._all[position].speaker_key != other_than:
                    best = position
                    break
        return self._all[best] if best >= 0 else None


def _changed_figure(earlier: KnownClaim, new: frozenset[Measure]) -> bool:
    """A figure counting what the earlier claim counted (unit and scope), with a value
    it did not give for it, nor said it replaced."""
    old = earlier.measures
    kinds = {(unit, scope) for _, unit, scope in old}
    return any(
        (unit, scope) in kinds and (v, unit, scope) not in old
        and (v, unit) not in earlier.superseded
        for v, unit, scope in new
    )  # fmt: skip


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if w not in _STOP}


def _after_from(sentence: str, position: int) -> bool:
    """Whether the word before sentence[position] is "from". Read backwards from the
    position, not by a search of all the text before it: a sentence can hold thousands
    of figures (a page that is one long table), and searching each one's prefix made
    such a page take minutes."""
    end = min(position, len(sentence))  # as slicing would: offsets may be stale
    while end > 0 and sentence[end - 1].isspace():
        end -= 1
    start = end - len("from")
    if start < 0 or sentence[start:end].lower() != "from":
        return False
    return start == 0 or not (sentence[start - 1].isalnum() or sentence[start - 1] == "_")


Figure = dict[str, Any]  # a quantity as stored (Quantity.to_json)


def _split_stated(
    sentence: str, quantities: list[Figure]
) -> tuple[list[Figure], frozenset[tuple[Any, str]]]:
    """A claim's own figures, and the (value, unit) its sentence says they replaced
    ("3,000, up from 1,500": 1,500 is no figure of the claim, but what it superseded)."""
    stated = stated_change(sentence, quantities) if sentence else None
    if stated is None:
        return quantities, frozenset()
    old, new = stated
    return [q for q in quantities if q is not old], frozenset({(old["value"], new["unit"])})


def changed_figures(
    sentence: str, quantities: list[Figure], earlier: tuple[str, list[Figure]] | None
) -> list[tuple[Figure, Figure]]:
    """The (old, new) figures a claim changes: the change its sentence states ("3,000,
    up from 1,500"), else each of its figures that counts what a figure of the earlier
    claim (sentence, quantities) counts, with another value; never a value the earlier
    claim said it replaced, nor when the claim repeats the earlier value too."""
    stated = stated_change(sentence, quantities)
    if stated is not None:
        return [stated]
    if earlier is None:
        return []
    earlier_figures, superseded = _split_stated(*earlier)
    restated = {q["value"] for q in quantities}
    revisable_before = [q for q in earlier_figures if revisable(q)]
    pairs = []
    for quantity in filter(revisable, quantities):
        if (quantity["value"], quantity["unit"]) in superseded:
            continue  # an old figure reported late: the earlier claim replaced it
        kind = (quantity["unit"], quantity["scope"])
        same = [q for q in revisable_before if (q["unit"], q["scope"]) == kind]
        if same and not any(q["value"] in restated for q in same):
            pairs.append((same[0], quantity))
    return pairs


def stated_change(
    sentence: str, quantities: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(old, new) when a sentence gives its own figure's earlier value: "about 3,000
    troops, up from 1,500" or "from 1,500 to 3,000 troops". Quantity offsets are
    within the sentence, as find_quantities gives them."""
    counted = [q for q in quantities if q["unit"] and q["unit"] != "date"]
    for old in quantities:
        if old["unit"] == "date" or not _after_from(sentence, old["start"]):
            continue
        for new in counted:
            same_unit = not old["unit"] or old["unit"] == new["unit"]
            if new is not old and same_unit and new["value"] != old["value"]:
                return old, new
    return None
