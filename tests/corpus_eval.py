"""Extraction over the whole of ../shared/corpus: per-source quality against ground truth.

Used by tests/test_corpus.py (pinned floors) and runnable by hand:
    python -m tests.corpus_eval
"""

from __future__ import annotations

import gzip
import json
import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.extraction import extract_page
from tests.quality import scores

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@dataclass(frozen=True)
class PageResult:
    id: str
    source: str
    status: str
    f1: float | None  # token F1 against full ground-truth text
    snippets_found: int = 0  # traf_eval: gt_with snippets present in the text
    snippets_expected: int = 0
    junk_found: int = 0  # traf_eval: gt_without snippets wrongly present
    junk_expected: int = 0
    is_article: bool = True  # False for the front pages and weekly editions in readability


def manifest(corpus: Path = CORPUS) -> list[dict[str, Any]]:
    with (corpus / "manifest.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def evaluate_page(record: dict[str, Any], corpus: Path = CORPUS) -> PageResult:
    html = gzip.decompress((corpus / record["file"]).read_bytes())
    # The corpus serves pages as UTF-8 over HTTP when they are valid UTF-8 (serve_corpus.py)
    content_type = "text/html; charset=utf-8" if record.get("valid_utf8") else "text/html"
    result = extract_page(html, record["url"], content_type)
    text = result.article.text if result.article else ""
    f1 = None
    if record.get("ground_truth_text") and record.get("ground_truth_kind") != "snippets":
        f1 = scores(text, record["ground_truth_text"])[2]
    with_ = [s for s in record.get("gt_with") or [] if s]
    without = [s for s in record.get("gt_without") or [] if s]
    return PageResult(
        record["id"],
        record["source"],
        result.status.value,
        f1,
        sum(s in text for s in with_),
        len(with_),
        sum(s in text for s in without),
        len(without),
        record.get("page_type", "article") == "article",
    )


def evaluate(corpus: Path = CORPUS, workers: int = 2) -> list[PageResult]:
    records = manifest(corpus)
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(evaluate_page, records, [corpus] * len(records), chunksize=8))


def summarise(results: list[PageResult]) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {}
    for source in sorted({r.source for r in results}):
        everything = [r for r in results if r.source == source]
        rows = [r for r in everything if r.is_article]
        f1s = [r.f1 for r in rows if r.f1 is not None]
        expected = sum(r.snippets_expected for r in rows)
        junk = sum(r.junk_expected for r in rows)
        summary[source] = {
            "pages": len(rows),
            "articles": sum(r.status == "article" for r in rows),
            "non_articles_taken_as_articles": sum(
                r.status == "article" for r in everything if not r.is_article
            ),
            "mean_f1": statistics.fmean(f1s) if f1s else float("nan"),
            "median_f1": statistics.median(f1s) if f1s else float("nan"),
            "snippet_recall": sum(r.snippets_found for r in rows) / expected if expected else 1.0,
            "junk_rate": sum(r.junk_found for r in rows) / junk if junk else 0.0,
        }
    return summary


if __name__ == "__main__":
    print(json.dumps(summarise(evaluate()), indent=2))
