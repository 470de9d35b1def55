"""Claims extraction scored against PolNeAR's hand-annotated attributions.

../shared/polnear-dev holds 84 real 2016 US political news articles (PolNeAR's dev
split) with standoff annotations of attribution relations: Source, Cue, Content.
Scoring is per sentence, with our own sentence splitter over the article text:

- a sentence is an attribution when an annotated Cue starts inside it;
- precision: the share of sentences we report a claim in that are attributions;
- recall: the share of attribution sentences we report a claim in (PolNeAR also
  annotates beliefs, intentions and polls, so this understates recall on claims);
- speaker match: of the sentences found, the share where our speaker span overlaps
  the annotated Source of an attribution cued in that sentence (pronouns included,
  as written, before our coreference step).

Sentences of a quote that name no speaker themselves (claims marked `quote_part`: the
first sentences of a quote attributed at its end) have no cue, so they are left out of
the three scores above and scored on their own: the share of them that lie inside an
annotated Content span (`quote_parts_in_content`).

Articles annotated by several annotators (agreement checks) are scored once, with
the first annotation file in name order.

    python -m tests.claims_eval         # prints the scores
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from claims import extract_claims, split_sentences

POLNEAR = Path(__file__).resolve().parents[2] / "shared" / "polnear-dev"


@dataclass
class Gold:
    cues: list[tuple[int, int]] = field(default_factory=list)
    # cue span -> source spans of that attribution
    sources: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=dict)
    contents: list[tuple[int, int]] = field(default_factory=list)


def load_annotations(path: Path) -> Gold:
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    gold = Gold()
    relations = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 2:
            label, *offsets = parts[1].replace(";", " ").split()
            numbers = [int(x) for x in offsets]
            spans[parts[0]] = (label, list(zip(numbers[::2], numbers[1::2], strict=True)))
        elif line.startswith("E") and len(parts) >= 2:
            relations.append(dict(arg.split(":", 1) for arg in parts[1].split()))
    for relation in relations:
        cue = spans.get(relation.get("Cue", ""))
        if cue is None:
            continue
        cue_span = cue[1][0]
        gold.cues.append(cue_span)
        source = spans.get(relation.get("Source", ""))
        gold.sources[cue_span] = source[1] if source else []
        content = spans.get(relation.get("Content", ""))
        gold.contents.extend(content[1] if content else [])
    return gold


def articles(root: Path = POLNEAR) -> list[tuple[str, str, Gold]]:
    chosen: dict[str, Path] = {}
    for path in sorted((root / "attributions").glob("*.ann")):
        stem = path.stem.rsplit("_", 1)[0]
        chosen.setdefault(stem, path)
    found = []
    for stem, annotation in sorted(chosen.items()):
        text_path = root / "text" / f"{stem}.txt"
        if text_path.is_file():
            found.append(
                (stem, text_path.read_text(encoding="utf-8"), load_annotations(annotation))
            )
    return found


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def evaluate(root: Path = POLNEAR) -> dict[str, float]:
    counts: dict[str, int] = defaultdict(int)
    annotated = articles(root)
    for _, text, gold in annotated:
        found = extract_claims(text)
        for part in (c for c in found if c.quote_part):
            counts["quote_parts"] += 1
            span = (part.start, part.end)
            counts["quote_parts_in_content"] += any(_overlaps(span, c) for c in gold.contents)
        claims = {claim.start: claim for claim in found if not claim.quote_part}
        for sentence in split_sentences(text):
            cues = [c for c in gold.cues if sentence.start <= c[0] < sentence.end]
            claim = claims.get(sentence.start)
            counts["gold"] += bool(cues)
            counts["found"] += claim is not None
            if claim is None or not cues:
                continue
            counts["correct"] += 1
            ours = (claim.speaker_start, claim.speaker_end)
            if any(_overlaps(ours, s) for cue in cues for s in gold.sources[cue]):
                counts["speaker_match"] += 1
    return {
        "articles": len(annotated),
        "attribution_sentences": counts["gold"],
        "claims_found": counts["found"],
        "precision": round(counts["correct"] / max(1, counts["found"]), 3),
        "recall": round(counts["correct"] / max(1, counts["gold"]), 3),
        "speaker_match": round(counts["speaker_match"] / max(1, counts["correct"]), 3),
        "quote_parts": counts["quote_parts"],
        "quote_parts_in_content": round(
            counts["quote_parts_in_content"] / max(1, counts["quote_parts"]), 3
        ),
    }


def misses(root: Path = POLNEAR, limit: int = 40) -> None:
    """Print false positives and wrong speakers, for tuning."""
    for _, text, gold in articles(root):
        claims = {claim.start: claim for claim in extract_claims(text) if not claim.quote_part}
        for sentence in split_sentences(text):
            cues = [c for c in gold.cues if sentence.start <= c[0] < sentence.end]
            claim = claims.get(sentence.start)
            if claim is not None and not cues:
                print("FP", claim.speaker, "|", claim.cue, "|", sentence.text[:150])
                limit -= 1
            elif claim is not None:
                sources = [text[a:b] for cue in cues for a, b in gold.sources[cue]]
                ours = (claim.speaker_start, claim.speaker_end)
                if not any(_overlaps(ours, s) for cue in cues for s in gold.sources[cue]):
                    print("SPK", claim.speaker, "vs", sources, "|", sentence.text[:120])
                    limit -= 1
            if limit <= 0:
                return


if __name__ == "__main__":
    if "--misses" in sys.argv:
        misses()
    else:
        print(json.dumps(evaluate(), indent=2))
