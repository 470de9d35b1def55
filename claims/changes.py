"""Did an article really change? Comparing two versions of its text, sentence by sentence.

Re-crawled pages differ in ways that are not news: spacing, an "Updated at 12:54"
stamp, a "3 hours ago". Those do not make a new version. A version that suddenly
shrinks to a fragment of the last one is usually a paywall or an extraction failure,
so it is reported as a problem rather than stored as the new text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from claims.sentences import split_sentences

# A new text with less than this share of the old one's words, when the old one was
# a full article, is a fragment (paywall teaser, failed extraction), not an update.
# Real updates in the newsroom and corpus revisions shrink by at most a third.
SHRINK_SHARE = 0.5
MIN_WORDS_FOR_SHRINK = 100

_STAMPS = re.compile(
    r"\b(?:last\s+)?(?:updated|posted|published|modified|edited)\s*(?:at|on)?\s*:?\s*"
    r"(?:[A-Za-z]{3,9}\.?\s+\d{1,2},?\s*\d{0,4},?\s*)?(?:\d{1,2}:\d{2}(?::\d{2})?\s*"
    r"(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4}|UTC[+-]?\d*)?)?",
    re.IGNORECASE,
)
_AGO = re.compile(r"\b\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?)\s+ago\b", re.I)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


class ChangeKind(StrEnum):
    SAME = "same"
    CHANGED = "changed"
    SHRUNK = "shrunk"


@dataclass(frozen=True, slots=True)
class VersionChange:
    kind: ChangeKind
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def significant(sentence: str) -> str:
    """A sentence with what is not news removed, folded for comparison."""
    text = unicodedata.normalize("NFKC", sentence).translate(_QUOTES)
    text = _AGO.sub(" ", _STAMPS.sub(" ", text))
    return " ".join(text.casefold().split()).strip(" .")


def compare_versions(old: str, new: str) -> VersionChange:
    old_sentences = _keyed(old)
    new_sentences = _keyed(new)
    if [k for k, _ in old_sentences] == [k for k, _ in new_sentences]:
        return VersionChange(ChangeKind.SAME)
    old_words, new_words = len(old.split()), len(new.split())
    if old_words >= MIN_WORDS_FOR_SHRINK and new_words < SHRINK_SHARE * old_words:
        return VersionChange(ChangeKind.SHRUNK)
    old_keys = {k for k, _ in old_sentences}
    new_keys = {k for k, _ in new_sentences}
    added = tuple(s for k, s in new_sentences if k not in old_keys)
    removed = tuple(s for k, s in old_sentences if k not in new_keys)
    if not added and not removed:
        return VersionChange(ChangeKind.SAME)  # sentences only moved or repeated
    return VersionChange(ChangeKind.CHANGED, added, removed)


def _keyed(text: str) -> list[tuple[str, str]]:
    keyed = []
    for sentence in split_sentences(text):
        key = significant(sentence.text)
        if key:
            keyed.append((key, sentence.text))
    return keyed
