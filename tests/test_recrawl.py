"""Re-crawls across the newsroom's days, with a controlled clock (no sleeps):
conditional GETs, one new version for the updated article with its added sentences,
claims recorded once with mentions, and the taken-down article marked."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from crawler.revisit import plan_revisits
from crawler.runner import run_crawl
from crawler.watch import load_watch
from newsroom import Newsroom
from newsroom.stories import DAYS, build_catalogue
from storage import Store
from tests.crawl_helpers import demo_watch_for, query


def _morning(day: int) -> datetime:
    return datetime.fromisoformat(DAYS[day]).replace(hour=8)


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Newsroom]:
    """The demo watch (plus an article that will be taken down) crawled on every newsroom day."""
    tmp_path = tmp_path_factory.mktemp("recrawl")
    db_url = f"sqlite:///{tmp_path / 'recrawl.db'}"
    doomed = next(s for s in build_catalogue().stories if s.taken_down_day == 3)
    with Newsroom(port=0, day=0) as room:
        watch = load_watch(demo_watch_for(room, tmp_path))
        watch = dataclasses.replace(watch, seeds=(*watch.seeds, room.story_url(doomed)))
        for day in range(len(DAYS)):
            room.set_day(day)
            run = run_crawl(watch, db_url, settings={"WIREWATCH_EXTRACTION_WORKERS": 1},
                            now=_morning(day))  # fmt: skip
            assert run.status == "finished", run
        return db_url, room


def _ajp_article(db_url: str) -> int:
    (article_id,) = query(
        db_url,
        "select id from articles where canonical_url like '%north-korea-troop-deployment-new%'",
    )[0]
    return int(article_id)


def test_unchanged_pages_get_304_and_no_new_version(replay: tuple[str, Newsroom]) -> None:
    db_url, _ = replay
    article = _ajp_article(db_url)
    statuses = [
        s
        for (s,) in query(
            db_url, "select status_code from fetches where article_id = ? order by id", article
        )
    ]
    assert statuses[0] == 200 and 304 in statuses[1:3], statuses
    unchanged_days = query(db_url, "select count(*) from fetches where status_code = 304")[0][0]
    assert unchanged_days >= 3


def test_updated_article_gets_exactly_one_new_version_with_its_sentence(
    replay: tuple[str, Newsroom],
) -> None:
    db_url, _ = replay
    article = _ajp_article(db_url)
    assert (
        query(db_url, "select count(*) from article_versions where article_id = ?", article)[0][0]
        == 2
    )
    store = Store.open(db_url)
    try:
        (change,) = store.version_changes(article)
    finally:
        store.close()
    assert len(change["added"]) == 1 and "3,000 North Korean troops" in change["added"][0]
    assert change["removed"] == []


def test_claims_are_recorded_once_with_mentions_on_copies(replay: tuple[str, Newsroom]) -> None:
    db_url, _ = replay
    store = Store.open(db_url)
    try:
        claims = store.list_claims()
        # The Korea Herald story's Austin quote appears on four outlets: one claim,
        # first seen at the outlet that had it first, mentioned by the copies
        austin = [
            c for c in claims if c["speaker_key"] == "austin" and "can’t confirm" in c["sentence"]
        ]
        assert len(austin) == 1, austin
        mentions = store.claim_mentions(austin[0]["id"])
        assert len({m["article_id"] for m in mentions}) >= 3
        assert austin[0]["first_seen"].startswith(DAYS[4])
        update = [c for c in claims if any(q["value"] == 3000.0 for q in c["quantities"])]
        assert len(update) == 1 and update[0]["speaker_key"] == "nis"
        assert update[0]["first_seen"].startswith(DAYS[3])
        assert update[0]["relation"] == "update"
    finally:
        store.close()


def test_taken_down_article_is_marked_and_keeps_its_versions(replay: tuple[str, Newsroom]) -> None:
    db_url, _ = replay
    rows = query(
        db_url,
        "select a.id, a.status, count(v.id) from articles a join article_versions v "
        "on v.article_id = a.id where a.status = 'taken_down' group by a.id",
    )
    assert len(rows) == 1 and rows[0][2] == 1, rows


def test_revisit_schedule_decays_with_age() -> None:
    """Due when the time since the last check is at least 0.2 of the article's age,
    within a floor of 30 minutes and a ceiling of 7 days."""
    now = datetime(2024, 10, 30, 12)

    def article(url: str, age: timedelta, checked_ago: timedelta) -> dict[str, object]:
        return {"canonical_url": url, "published": None, "first_seen": now - age,
                "checked": now - checked_ago}  # fmt: skip

    plan = plan_revisits(
        [
            article("fresh-due", timedelta(hours=2), timedelta(minutes=40)),  # wait 30 min
            article("fresh-rest", timedelta(hours=2), timedelta(minutes=20)),
            article("day-due", timedelta(days=1), timedelta(hours=5)),  # wait 4.8 h
            article("day-rest", timedelta(days=1), timedelta(hours=4)),
            article("old-due", timedelta(days=365), timedelta(days=7)),  # ceiling 7 days
            article("old-rest", timedelta(days=365), timedelta(days=6)),
        ],
        now,
    )
    assert plan.due == ("fresh-due", "day-due", "old-due")
    assert plan.not_due == ("fresh-rest", "day-rest", "old-rest")
    # the age counts from the page's published time when it has one: first seen ten
    # days ago (wait 2 days) but published 4 hours ago (wait 48 minutes)
    published = {"canonical_url": "p", "published": "2024-10-30T10:00:00+02:00",
                 "first_seen": now - timedelta(days=10),
                 "checked": now - timedelta(minutes=50)}  # fmt: skip
    assert plan_revisits([published], now).due == ("p",)


def test_claims_list_command_shows_new_claims_and_updates(replay: tuple[str, Newsroom]) -> None:
    import json

    from click.testing import CliRunner

    from wirewatch.cli import main

    db_url, _ = replay
    everything = CliRunner().invoke(main, ["claims", "list", "--db", db_url, "--format", "json"])
    assert everything.exit_code == 0, everything.output
    rows = json.loads(everything.stdout)
    new = json.loads(
        CliRunner()
        .invoke(main, ["claims", "list", "--db", db_url, "--new", "--format", "json"])
        .stdout
    )
    assert any(r["relation"] == "update of " + str(r["related_claim_id"]) for r in rows)
    assert len(new) < len(rows) and all(r["relation"] is None for r in new)
    table = CliRunner().invoke(main, ["claims", "list", "--db", db_url])
    assert table.exit_code == 0 and "nis" in table.stdout.lower()
