"""An evaluation set for story clustering, built from the real article texts of
../shared/corpus with realistic syndication edits, and the metrics to score it.

Edits (each copy gets one kind): headline rewrite with another outlet's intro and
outro boilerplate (taken from other real pages); truncation to the first 40-90% of
paragraphs; a dropped or an inserted paragraph; 1-5% word edits. Partial copies reuse
two or three paragraphs of another story inside their own text. Groups of different
stories on one outlet share a boilerplate block. The generator is seeded, so the set is
the same on every run.

    python -m tests.dedup_eval     # prints the scores
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from math import comb
from pathlib import Path

from dedup.batch import cluster_documents
from dedup.cluster import DEFAULT_CONFIG, DedupConfig
from dedup.state import Document

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
MIN_WORDS = 150


@dataclass
class EvalSet:
    docs: list[Document] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)  # doc key -> true story
    kind: dict[str, str] = field(default_factory=dict)  # doc key -> kind of copy
    edges: set[tuple[str, str]] = field(default_factory=set)  # (source, target) partials
    boilerplate_groups: list[list[str]] = field(default_factory=list)


def load_stories(corpus: Path = CORPUS) -> list[tuple[str, str, list[str]]]:
    """(id, title, paragraphs) of every corpus article with full ground-truth text."""
    stories = []
    urls: set[str] = set()
    with (corpus / "manifest.jsonl").open(encoding="utf-8") as manifest:
        records = [json.loads(line) for line in manifest]
    for record in records:
        text = record.get("ground_truth_text")
        if not text or record.get("ground_truth_kind") == "snippets":
            continue
        if record["url"] in urls:  # one page captured twice (fundus has taz.de twice)
            continue
        urls.add(record["url"])
        paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
        if len(text.split()) >= MIN_WORDS and len(paragraphs) >= 4:
            stories.append((record["id"], record.get("title") or "", paragraphs))
    return stories


def _word_edits(paragraphs: list[str], rate: float, rng: random.Random) -> list[str]:
    edited = []
    for paragraph in paragraphs:
        words = paragraph.split()
        for _ in range(max(0, round(len(words) * rate))):
            i = rng.randrange(len(words))
            action = rng.random()
            if action < 0.4:
                words[i] = words[i][::-1]  # a replaced word
            elif action < 0.7 and len(words) > 1:
                del words[i]
            else:
                words.insert(i, rng.choice(("also", "reportedly", "however", "now")))
        edited.append(" ".join(words))
    return edited


def build(stories: list[tuple[str, str, list[str]]], seed: int = 7, size: int = 160) -> EvalSet:
    rng = random.Random(seed)
    pool = stories[:]
    rng.shuffle(pool)
    originals, donors = pool[:size], pool[size:]
    boilerplate = [
        p for _, _, paragraphs in donors for p in paragraphs[-2:] if 15 < len(p.split()) < 60
    ]
    out = EvalSet()

    def add(key: str, story: str, kind: str, paragraphs: list[str], outlet: str, day: int) -> None:
        out.docs.append(
            Document(
                key,
                "\n".join(paragraphs),
                url=f"http://{outlet}/{key}",
                outlet=outlet,
                published=f"2024-05-{day:02d}",
            )
        )
        out.truth[key] = story
        out.kind[key] = kind

    for n, (_, title, paragraphs) in enumerate(originals):
        story = f"s{n}"
        add(f"{story}-orig", story, "original", [title, *paragraphs], f"outlet{n % 40}.test", 1)
        for c in range(rng.randint(0, 3)):
            kind = rng.choice(("wrapped", "truncated", "dropped", "inserted", "edited"))
            copy = paragraphs[:]
            if kind == "wrapped":
                copy = [rng.choice(boilerplate), *copy, rng.choice(boilerplate)]
            elif kind == "truncated":
                share = rng.uniform(0.4, 0.9)
                copy = copy[: max(1, round(len(copy) * share))]
                kind = f"truncated{int(share * 10) * 10}"
            elif kind == "dropped":
                del copy[rng.randrange(1, len(copy))]
            elif kind == "inserted":
                copy.insert(rng.randrange(1, len(copy)), rng.choice(donors)[2][0])
            else:
                rate = rng.uniform(0.01, 0.05)
                copy = _word_edits(copy, rate, rng)
                kind = f"edited{round(rate * 100)}"
            headline = " ".join(rng.sample(title.split(), len(title.split()))) or "News"
            add(
                f"{story}-copy{c}",
                story,
                kind,
                [headline, *copy],
                f"copier{rng.randrange(60)}.test",
                2 + c,
            )
    # Partial copies: an article of its own that reuses paragraphs of another story, so
    # that 30-45% of its words are the other story's, and at most half of that story
    # (more, and it is a wrapped copy of the story, not a partial one).
    for n in range(20):
        own = donors[n][2][:6]
        source = rng.randrange(len(originals))
        own_words = sum(len(p.split()) for p in own)
        share = rng.uniform(0.30, 0.45)
        source_words = sum(len(p.split()) for p in originals[source][2])
        budget = min(own_words * share / (1 - share), source_words * 0.5)
        taken: list[str] = []
        for paragraph in originals[source][2][1:]:
            if sum(len(p.split()) for p in taken) + len(paragraph.split()) > budget:
                break
            taken.append(paragraph)
        key = f"p{n}"
        cut = len(own) // 2
        if len(taken) < 2:  # too short a story to quote substantially from
            continue
        add(key, key, "partial", [*own[:cut], *taken, *own[cut:]], f"blog{n}.test", 6)
        out.edges.add((f"s{source}-orig", key))
    for g in range(10):  # different stories on one outlet sharing a boilerplate block
        block = donors[40 + g][2][:2]
        keys = []
        for m in range(4):
            _, title, paragraphs = donors[60 + g * 4 + m]
            key = f"b{g}-{m}"
            add(
                key, key, "shared_boilerplate", [title, *paragraphs[:4], *block], f"site{g}.test", 2
            )
            keys.append(key)
        out.boilerplate_groups.append(keys)
    return out


@dataclass
class Scores:
    pair_precision: float
    pair_recall: float
    ari: float
    recall_by_kind: dict[str, float]
    boilerplate_merges: int
    boilerplate_links: int
    edge_precision: float
    edge_recall: float

    def as_dict(self) -> dict[str, object]:
        return self.__dict__


def _pairs(labels: dict[str, str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for key, label in labels.items():
        groups[label].append(key)
    return {(a, b) for members in groups.values() for a in members for b in members if a < b}


def adjusted_rand_index(truth: dict[str, str], found: dict[str, str]) -> float:
    keys = sorted(truth)
    table = Counter((truth[k], found[k]) for k in keys)
    sum_cells = sum(comb(n, 2) for n in table.values())
    sum_truth = sum(comb(n, 2) for n in Counter(truth[k] for k in keys).values())
    sum_found = sum(comb(n, 2) for n in Counter(found[k] for k in keys).values())
    expected = sum_truth * sum_found / comb(len(keys), 2)
    maximum = (sum_truth + sum_found) / 2
    return 1.0 if maximum == expected else (sum_cells - expected) / (maximum - expected)


def score(evalset: EvalSet, config: DedupConfig = DEFAULT_CONFIG) -> Scores:
    assignments, edges = cluster_documents(evalset.docs, config)
    found = {key: label for key, (label, _) in assignments.items()}
    true_pairs, found_pairs = _pairs(evalset.truth), _pairs(found)
    hits = true_pairs & found_pairs
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for key, kind in evalset.kind.items():
        if kind not in {"original", "partial", "shared_boilerplate"}:
            group = kind.rstrip("0123456789") if kind.startswith("edited") else kind
            if kind.startswith("truncated"):
                group = "truncated>=40"
            by_kind[group].append(found[key] == found[f"{evalset.truth[key]}-orig"])
    group_of = {k: g for g, keys in enumerate(evalset.boilerplate_groups) for k in keys}
    merges = sum(1 for a, b in found_pairs if a in group_of and b in group_of)
    found_edges = {(e.source, e.target) for e in edges}
    links = sum(1 for a, b in found_edges if a in group_of and b in group_of)
    return Scores(
        pair_precision=len(hits) / len(found_pairs) if found_pairs else 1.0,
        pair_recall=len(hits) / len(true_pairs) if true_pairs else 1.0,
        ari=adjusted_rand_index(evalset.truth, found),
        recall_by_kind={k: sum(v) / len(v) for k, v in sorted(by_kind.items())},
        boilerplate_merges=merges,
        boilerplate_links=links,
        edge_precision=len(found_edges & evalset.edges) / len(found_edges) if found_edges else 1.0,
        edge_recall=len(found_edges & evalset.edges) / len(evalset.edges),
    )


if __name__ == "__main__":
    evalset = build(load_stories())
    print(len(evalset.docs), "documents")
    print(json.dumps(score(evalset).as_dict(), indent=2))
