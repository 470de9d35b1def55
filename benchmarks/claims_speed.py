"""Claims extraction speed: sentences per second on one core, over real news text.

Reads the 84 PolNeAR dev articles (../shared/polnear-dev/text), splits them into
sentences and extracts claims, timing the extraction with process time (one core).

Usage: python benchmarks/claims_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from claims import extract_claims, split_sentences

POLNEAR = Path(__file__).resolve().parents[2] / "shared" / "polnear-dev" / "text"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the articles")
    args = parser.parse_args()
    texts = [path.read_text(encoding="utf-8") for path in sorted(POLNEAR.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no articles in {POLNEAR}")
    sentences = sum(len(split_sentences(text)) for text in texts)
    start = time.process_time()
    claims = 0
    for _ in range(args.rounds):
        for text in texts:
            claims += len(extract_claims(text))
    elapsed = time.process_time() - start
    print(json.dumps({
        "articles": len(texts), "sentences": sentences, "rounds": args.rounds,
        "claims_per_round": claims // args.rounds,
        "sentences_per_second": round(sentences * args.rounds / elapsed),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
