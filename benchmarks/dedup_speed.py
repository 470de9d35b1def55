"""Speed and memory of the near-duplicate machinery, side by side in one run.

1. Signatures per second on ~600-word articles (real corpus text): ours (numpy
   shingling + bulk MinHash) against datasketch's plain MinHash fed one shingle per
   update() call, and the ratio.
2. Query-then-insert per second, and memory per indexed article, for the story
   clusterer (LSH candidates, verification, union-find) at 10k, 100k and 1M articles.
3. Rebuilding the index from 100k signatures stored in SQLite.

Usage: python benchmarks/dedup_speed.py [--sizes 10000,100000,1000000] [--json FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHash

from dedup.cluster import StoryClusters
from dedup.signature import DEFAULT_PARAMS, Signature, sign
from dedup.state import Document
from dedup.text import normalize, shingle_hashes

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
WORDS = 600


def articles(count: int) -> list[str]:
    """~600-word texts cut from the corpus's real article texts."""
    words: list[str] = []
    for line in (CORPUS / "manifest.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        if record.get("ground_truth_text") and record.get("language") == "en":
            words += record["ground_truth_text"].split()
    return [" ".join(words[(i * WORDS) % (len(words) - WORDS) :][:WORDS]) for i in range(count)]


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def signature_rates(texts: list[str]) -> dict[str, float]:
    start = time.process_time()
    for text in texts:
        sign(shingle_hashes(text))
    ours = len(texts) / (time.process_time() - start)
    sample = texts[: max(50, len(texts) // 10)]
    start = time.process_time()
    for text in sample:
        words = re.findall(r"\w+", normalize(text))
        minhash = MinHash(num_perm=128, seed=1)
        for i in range(len(words) - 4):
            minhash.update(" ".join(words[i : i + 5]).encode("utf-8"))
    plain = len(sample) / (time.process_time() - start)
    return {"ours_per_second": round(ours), "datasketch_plain_per_second": round(plain, 1),
            "ratio": round(ours / plain, 1)}  # fmt: skip


def random_signature(rng: np.random.Generator) -> Signature:
    """An unrelated article's signature: what fills an index at scale."""
    values = rng.integers(0, 2**32, DEFAULT_PARAMS.num_perm, dtype=np.uint32)
    return Signature(values, int(rng.integers(300, 900)), DEFAULT_PARAMS)


def clusterer_scaling(sizes: list[int], probe: int = 20_000) -> list[dict[str, Any]]:
    rng = np.random.default_rng(1)
    results = []
    clusters = StoryClusters()
    gc.collect()
    base_rss = rss_bytes()
    added = 0
    epoch = datetime(2024, 10, 1)
    for size in sorted(sizes):
        probe = min(probe, size // 2)  # timed: the last `probe` articles before `size`
        while added < size - probe:
            doc = Document(
                f"a{added}", "", first_seen=(epoch + timedelta(seconds=added)).isoformat()
            )
            clusters.add_signed(doc, random_signature(rng), f"h{added}", [])
            added += 1
        signatures = [random_signature(rng) for _ in range(probe)]
        # as crawler.clustering.ClusterKeeper does after rebuilding the index at start-up
        gc.collect()
        gc.freeze()
        start = time.perf_counter()
        for signature in signatures:
            doc = Document(
                f"a{added}", "", first_seen=(epoch + timedelta(seconds=added)).isoformat()
            )
            clusters.add_signed(doc, signature, f"h{added}", [])
            added += 1
        elapsed = time.perf_counter() - start
        gc.collect()
        per_article = (rss_bytes() - base_rss) / added
        results.append({"articles": size, "query_insert_per_second": round(probe / elapsed),
                        "memory_bytes_per_article": round(per_article)})  # fmt: skip
        print(results[-1], flush=True)
    return results


def rebuild_time(count: int) -> dict[str, Any]:
    from crawler.clustering import ClusterKeeper
    from storage import Store

    rng = np.random.default_rng(2)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/rebuild.db")
        now = store.clock()
        with store.engine.begin() as connection:
            connection.exec_driver_sql(
                "insert into articles (id, canonical_url, outlet, title, authors, tags, "
                "first_seen, last_seen, status) "
                "values (?, ?, 'outlet.test', '', '[]', '[]', ?, ?, 'live')",
                [(i, f"http://outlet.test/{i}", now, now) for i in range(1, count + 1)],
            )
            connection.exec_driver_sql(
                "insert into article_versions (id, article_id, seen_at, title, text, text_hash, "
                "word_count) values (?, ?, ?, '', '', ?, 0)",
                [(i, i, now, f"h{i}") for i in range(1, count + 1)],
            )
            connection.exec_driver_sql(
                "insert into signatures (version_id, article_id, scheme, seed, num_perm, size, "
                "hashvalues, text_hash, credits, signed_at) "
                "values (?, ?, 'affine32', 1, 128, 500, ?, ?, '[]', ?)",
                [
                    (i, i, random_signature(rng).to_bytes(), f"h{i}", now)
                    for i in range(1, count + 1)
                ],
            )
        start = time.perf_counter()
        keeper = ClusterKeeper.load(store)
        elapsed = time.perf_counter() - start
        store.close()
    return {"signatures": count, "rebuild_seconds": round(elapsed, 1),
            "indexed": len(keeper.clusters.index)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--rebuild", type=int, default=100_000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    result: dict[str, Any] = {"signatures": signature_rates(articles(3000))}
    print(result["signatures"], flush=True)
    result["rebuild"] = rebuild_time(args.rebuild)
    print(result["rebuild"], flush=True)
    result["scaling"] = clusterer_scaling([int(s) for s in args.sizes.split(",")])
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
