"""How long the daily digest takes for a day with 10,000 articles.

Builds one day of a watch in a fresh SQLite database: N articles on 40 outlets, in
stories of 1 to 7 outlets (syndicated copies), texts made of real news paragraphs
(the PolNeAR dev articles in ../shared/polnear-dev), the claims our extractor finds
in them (recorded once per story, copies adding mentions), a tenth of the articles
updated later that day, and their fetches (a few failing). Articles and fetches go in
through the Store as a crawl writes them (search triggers included); clusters, claims
and mentions in bulk, since only the digest is timed. Then times `write_digests` for
the day (all three files), twice, and prints the figures as JSON.

Usage: python benchmarks/digest_speed.py [--articles 10000] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from claims import extract_claims
from digest import write_digests
from pages.extraction import text_hash
from storage import ArticleSnapshot, FetchRecord, Store
from storage.models import ClaimMention, ClaimRow, ClusterMember, StoryCluster

POLNEAR = Path(__file__).resolve().parents[2] / "shared" / "polnear-dev" / "text"
DAY = date(2024, 10, 23)
OUTLETS = 40


def paragraphs() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(POLNEAR.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no articles in {POLNEAR}")
    return [p.strip() for text in texts for p in text.split("\n") if len(p.split()) > 20]


def story_texts(count: int, pool: list[str], rng: random.Random) -> list[str]:
    return ["\n\n".join(rng.sample(pool, 8)) for _ in range(count)]


def build_day(db_url: str, articles: int, rng: random.Random) -> dict[str, int]:
    pool = paragraphs()
    sizes = []
    while sum(sizes) < articles:
        sizes.append(min(rng.choice((1, 1, 2, 3, 4, 5, 7)), articles - sum(sizes)))
    texts = story_texts(len(sizes), pool, rng)
    start = datetime.combine(DAY, datetime.min.time())
    clock = {"now": start}
    store = Store.open(db_url, clock=lambda: clock["now"])
    watch = store.ensure_watch("bench", {})
    run = store.start_run(watch)
    counts = {"stories": len(sizes), "articles": 0, "claims": 0, "mentions": 0, "updates": 0}
    for story, (size, text) in enumerate(zip(sizes, texts, strict=True)):
        clock["now"] = start + timedelta(seconds=8 * story)
        ids = [_store(store, watch, run, story, copy, text) for copy in range(size)]
        counts["articles"] += size
        _cluster(store, ids, clock["now"])
        claims, mentions = _claims(store, watch, ids, text, clock["now"])
        counts["claims"] += claims
        counts["mentions"] += mentions
        if rng.random() < 0.1:
            clock["now"] += timedelta(hours=3)
            _store(store, watch, run, story, 0, text + "\n\nA new paragraph was added later.")
            counts["updates"] += 1
    store.finish_run(run, "finished", {})
    store.close()
    return counts


def _store(store: Store, watch: int, run: int, story: int, copy: int, text: str) -> int:
    url = f"http://outlet{(story + copy) % OUTLETS}.test/news/story-{story}"
    snap = ArticleSnapshot(
        canonical_url=url,
        outlet=f"outlet{(story + copy) % OUTLETS}.test",
        title=f"Story {story}: " + text.split(".")[0][:80],
        text=text,
        text_hash=text_hash(text),
        published=DAY.isoformat(),
        site_name=f"Outlet {(story + copy) % OUTLETS}",
    )
    failed = story % 50 == 0 and copy == 1
    fetch = FetchRecord(
        url,
        run_id=run,
        status_code=500 if failed else 200,
        error_kind="server_error" if failed else None,
    )
    stored = store.record_page(watch, fetch, None if failed else snap)
    if stored is None:  # the failed fetch; the copy still arrives on the retry
        stored = store.record_page(watch, FetchRecord(url, run_id=run, status_code=200), snap)
    assert stored is not None
    return stored.article_id


def _cluster(store: Store, ids: list[int], now: datetime) -> None:
    with store.engine.begin() as connection:
        cluster = connection.execute(
            insert(StoryCluster).values(
                origin_article_id=ids[0], size=len(ids), created_at=now, updated_at=now
            )
        ).inserted_primary_key[0]
        connection.execute(
            insert(ClusterMember),
            [
                {
                    "article_id": a,
                    "cluster_id": cluster,
                    "role": "origin" if i == 0 else "syndicated",
                    "similarity": 1.0 if i == 0 else 0.9,
                    "joined_at": now,
                }
                for i, a in enumerate(ids)
            ],
        )


def _claims(store: Store, watch: int, ids: list[int], text: str, now: datetime) -> tuple[int, int]:
    found = extract_claims(text)
    with store.engine.begin() as connection:
        version = {
            a: v
            for a, v in connection.exec_driver_sql(
                f"select article_id, max(id) from article_versions where article_id in "
                f"({','.join(map(str, ids))}) group by article_id"
            )
        }
        mentions = []
        for claim in found:
            claim_id = connection.execute(
                insert(ClaimRow).values(
                    watch_id=watch,
                    cluster_id=None,
                    speaker=claim.speaker,
                    speaker_key=claim.speaker_key,
                    cue=claim.cue,
                    content=claim.content,
                    sentence=claim.sentence,
                    quote=claim.quote,
                    quantities=[q.to_json() for q in claim.quantities],
                    first_seen=now,
                    first_article_id=ids[0],
                    first_version_id=version[ids[0]],
                )
            ).inserted_primary_key[0]
            mentions += [
                {
                    "claim_id": claim_id,
                    "version_id": version[a],
                    "article_id": a,
                    "seen_at": now,
                    "start": claim.start,
                }
                for a in ids
            ]
        if mentions:
            connection.execute(insert(ClaimMention), mentions)
    return len(found), len(found) * len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles on the day")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temp)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wirewatch-digest-"))
    db_path = args.db or folder / "day.db"
    db_url = f"sqlite:///{db_path}"
    began = time.perf_counter()
    counts = build_day(db_url, args.articles, random.Random(7))
    built = time.perf_counter() - began
    timings = []
    store = Store.open(db_url, create=False)
    for _ in range(2):
        began = time.perf_counter()
        paths = write_digests(store, "bench", DAY, folder / "digests")
        timings.append(round(time.perf_counter() - began, 2))
    store.close()
    print(
        json.dumps(
            {
                **counts,
                "build_seconds": round(built, 1),
                "digest_seconds": timings,
                "files": {p.suffix[1:]: p.stat().st_size for p in paths},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
