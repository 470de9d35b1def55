"""Claims extraction: the seed documents' main claims, figures, and PolNeAR scores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claims import extract_claims, find_quantities, split_sentences
from claims.extract import SPEAKER_KEY_MAX
from tests.claims_eval import POLNEAR, evaluate
from tests.conftest import REPO

SEEDS = REPO / "newsroom" / "data"


def _seed_claims() -> list[tuple[str, str, set[tuple[float | str, str]]]]:
    found = []
    for path in sorted(SEEDS.glob("seed_*.txt")):
        for claim in extract_claims(path.read_text(encoding="utf-8")):
            quantities = {q.key() for q in claim.quantities}
            found.append((claim.speaker_key, claim.sentence, quantities))
    return found


@pytest.mark.parametrize(
    ("speaker", "figure"),
    [
        ("nis", (1500.0, "troops")),  # shipped in the first phase
        ("nis", (12000.0, "troops")),  # in all
        ("budanov", (11000.0, "troops")),  # training in Russia
        ("zelenskyy", (10000.0, "troops")),
    ],
)
def test_seed_figures_come_with_their_speakers(speaker: str, figure: tuple[float, str]) -> None:
    claims = _seed_claims()
    assert any(key == speaker and figure in q for key, _, q in claims), (
        f"no claim by {speaker} with {figure}: "
        + "; ".join(f"{k}: {sorted(q)}" for k, _, q in claims if q)
    )


@pytest.mark.parametrize(("speaker", "words"), [("peskov", "hoax"), ("austin", "confirm")])
def test_seed_denials_come_with_their_speakers(speaker: str, words: str) -> None:
    assert any(key == speaker and words in sentence for key, sentence, _ in _seed_claims())


def test_claim_offsets_point_into_the_text() -> None:
    text = (SEEDS / "seed_000.txt").read_text(encoding="utf-8")
    claims = extract_claims(text)
    assert claims
    for claim in claims:
        assert text[claim.start : claim.end] == claim.sentence
        assert text[claim.speaker_start : claim.speaker_end] in claim.sentence


def test_pronoun_speaker_resolves_to_the_last_named_one() -> None:
    text = 'Defense Secretary Lloyd Austin spoke on Friday. "We know they lose people," he said.'
    (claim,) = extract_claims(text)
    assert claim.speaker == "Lloyd Austin" or claim.speaker_key == "austin"
    assert claim.quote


def test_direct_quote_and_inverted_speaker() -> None:
    text = (
        '"It is a hoax," said Dmitry Peskov, the Kremlin spokesman. Troops arrived, sources said.'
    )
    first, second = extract_claims(text)
    assert (first.speaker_key, first.quote) == ("peskov", True)
    assert (second.speaker, second.quote) == ("sources", False)


def test_cues_that_are_not_attributions() -> None:
    texts = [
        "It was later revealed to be pneumonia.",
        "The United States sent more aid.",
        "He claims to be a billionaire.",
        "This development follows claims made by officials.",
    ]
    for text in texts:
        assert extract_claims(text) == [], text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("about 1,500 North Korean troops", [(1500.0, "troops", "about")]),
        ("more than 11,000 soldiers", [(11000.0, "troops", "more than")]),
        ("over 8 million shells", [(8e6, "shells", "over")]),
        ("a 2.5% rise", [(2.5, "percent", "")]),
        ("$3 billion in aid", [(3e9, "USD", "")]),
        ("by Nov. 1", [("11-01", "date", "")]),
        ("since August 2023", []),
        ("the Group of Seven meetings", []),
        ("hundreds of soldiers", [(200.0, "troops", "")]),
    ],
)
def test_quantities_are_normalised(text: str, expected: list[tuple[object, str, str]]) -> None:
    assert [(q.value, q.unit, q.qualifier) for q in find_quantities(text)] == expected


def test_sentences_keep_abbreviations_together() -> None:
    text = "U.S. Defense Secretary Lloyd Austin spoke. Troops left by Nov. 1, officials said."
    assert [s.text for s in split_sentences(text)] == [
        "U.S. Defense Secretary Lloyd Austin spoke.",
        "Troops left by Nov. 1, officials said.",
    ]


@pytest.mark.skipif(not (POLNEAR / "attributions").is_dir(), reason="../shared/polnear-dev absent")
def test_polnear_attribution_targets() -> None:
    # issue 16's targets (measured on PolNeAR's dev split, the only one we have: the
    # rules were tuned on it too, so these are not held-out figures)
    scores = evaluate(Path(POLNEAR))
    assert scores["precision"] >= 0.92, scores
    assert scores["recall"] >= 0.68, scores
    assert scores["speaker_match"] >= 0.93, scores
    # the sentences of a quote that name no speaker lie inside annotated content
    assert scores["quote_parts_in_content"] >= 0.95, scores


def test_claims_extract_command_writes_one_line_per_claim(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from wirewatch.cli import main

    source = tmp_path / "in.jsonl"
    text = "About 1,500 troops arrived, the NIS said. Nothing else happened."
    source.write_text(
        json.dumps({"id": "a", "text": text}) + "\nnot json\n" + json.dumps({"id": "b"}) + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["claims", "extract", str(source)])
    assert result.exit_code == 1
    (line,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert (line["id"], line["speaker"], line["cue"], line["quote"]) == (
        "a",
        "the NIS",
        "said",
        False,
    )
    assert text[line["start"] : line["end"]] == line["sentence"]
    assert line["quantities"][0]["value"] == 1500.0
    assert "in.jsonl:2:" in result.stderr and "in.jsonl:3:" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("about fifteen hundred troops were sent", (1500.0, "troops", "about")),
        ("three thousand troops", (3000.0, "troops", "")),
        ("forty-five people died", (45.0, "people", "")),
        ("thirty soldiers arrived", (30.0, "troops", "")),
        ("Thirty soldiers were killed", (30.0, "troops", "")),
        ("some 11 000 soldiers", (11000.0, "troops", "some")),
        ("some 11\u202f000 soldiers", (11000.0, "troops", "some")),
        ("3k soldiers", (3000.0, "troops", "")),
        ("half a million visitors", (500000.0, "visitors", "")),
        ("one hundred and fifty shells", (150.0, "shells", "")),
        ("24 domestic flights", (24.0, "flights", "")),
    ],
)
def test_numbers_in_words_and_digits(text: str, expected: tuple[float, str, str]) -> None:
    (quantity,) = find_quantities(text)
    assert (quantity.value, quantity.unit, quantity.qualifier) == expected


@pytest.mark.parametrize(
    "text", ["the Group of Seven ministers", "one of the soldiers", "On Oct. 14 the troops"]
)
def test_words_that_are_no_figures(text: str) -> None:
    assert [q for q in find_quantities(text) if q.unit != "date"] == []


def test_a_figure_knows_what_it_counts() -> None:
    """The issue's false revisions: Budanov's 11,000 in all and 2,600 of them in Kursk;
    the NIS's 12,000 planned and 1,500 in the first phase."""

    def scopes(text: str) -> list[tuple[float, str]]:
        return [(q.value, q.scope) for q in find_quantities(text) if q.unit == "troops"]

    assert scopes("more than 11,000 North Korean soldiers would be ready to fight") == [
        (11000.0, "planned")
    ]
    assert scopes("at least 2,600 of these troops would be stationed in Russia's Kursk region") == [
        (2600.0, "part")
    ]
    nis = ("North Korea has decided to dispatch around 12,000 troops to support Russia, with "
           "about 1,500 soldiers sent during the first phase.")  # fmt: skip
    assert scopes(nis) == [(12000.0, "planned"), (1500.0, "first_batch")]
    assert scopes("about 3,000 troops had now been sent, up from 1,500") == [
        (3000.0, "sent"), (1500.0, "")
    ]  # fmt: skip
    assert scopes("hundreds of troops gathered") == [(200.0, "")]
    assert not find_quantities("hundreds of troops gathered")[0].exact


def test_figures_that_count_different_things_are_no_update() -> None:
    from claims.matching import KnownClaim, KnownClaims, MatchKind

    def claim(claim_id: int, sentence: str) -> KnownClaim:
        quantities = [q.to_json() for q in find_quantities(sentence)]
        return KnownClaim.of(claim_id, "budanov", sentence, quantities, sentence)

    total = claim(1, "more than 11,000 North Korean soldiers would be ready to fight")
    known = KnownClaims([total])
    part = claim(2, "at least 2,600 of these troops would be stationed in the Kursk region")
    assert (
        known.match("budanov", part.content, part.figures, frozenset(), part.measures).kind
        is not MatchKind.UPDATE
    )
    revised = claim(3, "more than 12,000 North Korean soldiers would be ready to fight")
    found = known.match("budanov", revised.content, revised.figures, frozenset(), revised.measures)
    assert (found.kind, found.claim_id) == (MatchKind.UPDATE, 1)


def test_a_sentence_that_gives_its_earlier_figure_states_the_change() -> None:
    from claims.matching import stated_change

    sentence = (
        "South Korea's National Intelligence Service (NIS) said on Wednesday that about "
        "3,000 North Korean troops had now been sent to Russia, up from 1,500 last week."
    )
    (claim,) = extract_claims(sentence)
    quantities = [q.to_json() for q in claim.quantities]
    change = stated_change(claim.sentence, quantities)
    assert change is not None
    old, new = change
    assert (old["value"], new["value"], new["unit"]) == (1500.0, 3000.0, "troops")
    assert stated_change("The NIS said 3,000 troops were sent.", quantities[:1]) is None


def test_an_update_links_to_the_earlier_claim_whose_figure_it_mentions() -> None:
    from claims.matching import KnownClaim, KnownClaims, MatchKind

    def sent(value: float) -> frozenset[Any]:
        return frozenset({(value, "troops", "sent")})

    known = KnownClaims([
        KnownClaim(1, "nis", "1,500 troops were shipped", frozenset({(1500.0, "troops")}),
                   sent(1500.0)),
        KnownClaim(2, "nis", "2,000 troops had arrived", frozenset({(2000.0, "troops")}),
                   sent(2000.0)),
        KnownClaim(3, "nis", "12,000 troops will go in all", frozenset({(12000.0, "troops")}),
                   frozenset({(12000.0, "troops", "planned")})),
    ])  # fmt: skip
    figures = frozenset({(3000.0, "troops")})
    latest = known.match("nis", "3,000 troops were sent", figures, claim_measures=sent(3000.0))
    assert (latest.kind, latest.claim_id) == (MatchKind.UPDATE, 2)  # not the planned total
    mentioned = known.match("nis", "3,000 troops, up from 1,500", figures,
                            frozenset({3000.0, 1500.0}), sent(3000.0))  # fmt: skip
    assert (mentioned.kind, mentioned.claim_id) == (MatchKind.UPDATE, 1)
    unclear = known.match("nis", "3,000 troops", figures, claim_measures=frozenset())
    assert unclear.kind is not MatchKind.UPDATE


def test_a_long_described_source_still_fits_the_speaker_column() -> None:
    # from a real VOA page of the corpus: PostgreSQL refused the 126-character key
    sentence = (
        "A VOA Extremism Watch Desk reporter Nisan Ahmado's source inside the Rukban camp, "
        "a Syrian refugee who feared regime retaliation and asked not to be identified, "
        "said that the Russian and Syrian defense ministry's claim is absolutely not true."
    )
    claims = extract_claims(sentence)
    assert claims and "refugee" in claims[0].speaker_key
    assert all(len(c.speaker_key) <= SPEAKER_KEY_MAX for c in claims)


def test_the_claim_index_matches_as_a_walk_over_every_known_claim() -> None:
    """KnownClaims finds its candidates by speaker and figure; the answers must be those
    of comparing with every known claim, most recent first (the rules' definition)."""
    import random

    from claims.matching import KnownClaim, KnownClaims, Match, MatchKind, wording_similarity

    def by_walking(key: str, content: str, figs: frozenset[Any], known: list[KnownClaim]) -> Match:
        update = corroborated = None
        for c in reversed(known):
            if c.speaker_key == key and c.figures == figs:
                if wording_similarity(c.content, content) >= (0.3 if figs else 0.5):
                    return Match(MatchKind.MENTION, c.id)
            elif c.speaker_key == key and any(
                (u, sc) in {(u, sc) for _, u, sc in c.measures} and (v, u, sc) not in c.measures
                for v, u, sc in measures(figs)
            ):
                update = update or c
            elif c.speaker_key != key and corroborated is None and c.figures & figs:
                corroborated = c
        if update is not None:
            return Match(MatchKind.UPDATE, update.id)
        if corroborated is not None:
            return Match(MatchKind.CORROBORATION, corroborated.id)
        return Match(MatchKind.NEW)

    def measures(figs: frozenset[Any]) -> frozenset[Any]:
        return frozenset((v, u, "sent" if v < 5000 else "planned") for v, u in figs)

    rng = random.Random(5)
    speakers, words = ["nis", "budanov", "zelenskyy", "peskov"], ["troops", "shells", "sent"]
    known: list[KnownClaim] = []
    index = KnownClaims()
    for claim_id in range(1, 400):
        key = rng.choice(speakers)
        figs = frozenset((float(rng.choice([1500, 3000, 12000])), rng.choice(words[:2]))
                         for _ in range(rng.randint(0, 2)))  # fmt: skip
        content = " ".join(rng.choice(words) for _ in range(4))
        found = index.match(key, content, figs, claim_measures=measures(figs))
        assert found == by_walking(key, content, figs, known)
        claim = KnownClaim(claim_id, key, content, figs, measures(figs))
        known.append(claim)
        index.append(claim)
