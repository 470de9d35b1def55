"""The extractor against the hand-labelled claims of the demo story (tests/claims_labels.py).

Reports per-field accuracy (run with -s to see it, or `python -m tests.test_claims_labels`)
and holds the issue's bar: every main claim found with the right speaker, every figure
right (value, unit and what it counts), no claim where there is no speaker, and no
figure revision that is not a true one.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from claims import Claim, extract_claims
from claims.matching import KnownClaim, KnownClaims, MatchKind
from newsroom.stories import noise_stories, seed_stories
from tests.claims_labels import AJP_UPDATE, LABELS, NOT_CLAIMS, REVISIONS, Label
from tests.conftest import REPO

QUOTES = "“”\"'‘’ "


@cache
def documents() -> dict[str, str]:
    data = REPO / "newsroom" / "data"
    docs = {f"seed_00{n}": (data / f"seed_00{n}.txt").read_text(encoding="utf-8") for n in range(5)}
    ajp = next(s for s in seed_stories() if s.outlet == "ajp")
    docs[AJP_UPDATE] = "\n".join(ajp.paragraphs_on(ajp.updates[-1][0]))
    docs.update({f"noise:{s.slug}": "\n".join(s.paragraphs) for s in noise_stories()})
    return docs


@cache
def claims_of(doc: str) -> tuple[Claim, ...]:
    return tuple(extract_claims(documents()[doc]))


def found_for(label: Label) -> Claim | None:
    matches = [c for c in claims_of(label.doc) if label.sentence in c.sentence]
    # a sentence may hold two claims ("..., with spokesman Dmitry Peskov dismissing ...")
    by_speaker = [c for c in matches if label.speaker in c.speaker]
    return (by_speaker or matches or [None])[0]


def figures_of(claim: Claim) -> set[tuple[float, str, str]]:
    return {
        (float(q.value), q.unit, q.scope)
        for q in claim.quantities
        if q.unit not in {"", "date"} and q.exact
    }


def scores() -> dict[str, Any]:
    fields = {"found": 0, "speaker": 0, "cue": 0, "content": 0, "figures": 0, "quote_part": 0}
    for label in LABELS:
        claim = found_for(label)
        if claim is None:
            continue
        fields["found"] += 1
        fields["speaker"] += label.speaker in claim.speaker
        fields["cue"] += claim.cue == label.cue
        fields["content"] += claim.content.strip(QUOTES).startswith(label.content.strip(QUOTES))
        fields["figures"] += figures_of(claim) == set(label.figures)
        fields["quote_part"] += claim.quote_part == label.quote_part
    found = max(1, fields["found"])
    return {
        "labels": len(LABELS),
        "found": round(fields["found"] / len(LABELS), 3),
        **{name: round(count / found, 3) for name, count in fields.items() if name != "found"},
    }


def test_the_texts_hold_every_labelled_sentence() -> None:
    for label in LABELS:
        assert label.sentence in documents()[label.doc], label


def test_per_field_accuracy_on_the_labelled_claims() -> None:
    report = scores()
    print(json.dumps(report, indent=2))
    # every field is right for at least 9 labels in 10 of those found
    assert report["found"] >= 0.95
    assert min(report[f] for f in ("speaker", "cue", "content", "figures", "quote_part")) >= 0.9


@pytest.mark.parametrize(
    "label", [lab for lab in LABELS if lab.main], ids=lambda lab: lab.sentence[:30]
)
def test_every_main_claim_is_found_with_its_speaker(label: Label) -> None:
    claim = found_for(label)
    assert claim is not None, f"no claim in {label.doc}: {label.sentence!r}"
    assert label.speaker in claim.speaker, (claim.speaker, label)


@pytest.mark.parametrize(
    "label", [lab for lab in LABELS if lab.figures], ids=lambda lab: lab.sentence[:30]
)
def test_every_figure_is_read_right(label: Label) -> None:
    claim = found_for(label)
    assert claim is not None
    assert figures_of(claim) == set(label.figures)


@pytest.mark.parametrize(("doc", "snippet"), NOT_CLAIMS)
def test_no_claim_without_a_speaker(doc: str, snippet: str) -> None:
    assert snippet in documents()[doc]
    assert not [c for c in claims_of(doc) if snippet in c.sentence]


def test_figure_updates_are_only_true_revisions() -> None:
    """The story's claims, in the order the newsroom publishes them, through the
    matcher: every update it makes links two values of a labelled revision."""
    order = ["seed_001", "seed_000", "seed_002", "seed_003", AJP_UPDATE, "seed_004"]
    known = KnownClaims()
    updates = []
    for doc in order:
        for claim in claims_of(doc):
            quantities = [q.to_json() for q in claim.quantities]
            this = KnownClaim.of(len(known) + 1, claim.speaker_key, claim.content, quantities,
                                 claim.sentence)  # fmt: skip
            mentioned = frozenset(q["value"] for q in quantities)
            match = known.match(claim.speaker_key, claim.content, this.figures, mentioned,
                                this.measures, this.superseded)  # fmt: skip
            if match.kind is MatchKind.UPDATE:
                earlier = known[match.claim_id - 1] if match.claim_id else None
                updates.append((claim, earlier, this))
            if match.kind is not MatchKind.MENTION:
                known.append(this)
    assert updates, "the demo's one revision (NIS 1,500 -> 3,000) must be found"
    for claim, earlier, this in updates:
        old = earlier.figures if earlier else this.superseded
        changes = {
            (claim.speaker_key, before, after, unit)
            for before, unit in old
            for after, same in this.figures
            if same == unit
        }
        assert changes & REVISIONS, (claim.sentence, earlier)


if __name__ == "__main__":
    print(json.dumps(scores(), indent=2))
