"""The scheduler driven across the newsroom's days with a controlled clock (no sleeps):
`wirewatch run --once --now DAY` each morning. Conditional GETs, one new version for
the updated article with its added sentences, claims recorded once with mentions, the
taken-down article marked, and the schedule itself: coalesced runs, digests, restarts."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crawler.revisit import plan_revisits
from newsroom import Newsroom
from newsroom.stories import DAYS, build_catalogue
from scheduler import WatchScheduler
from storage import Store
from tests.crawl_helpers import demo_watch_for, query
from watches import load_watch
from wirewatch.cli import main


def _morning(day: int) -> datetime:
    return datetime.fromisoformat(DAYS[day]).replace(hour=8)


@dataclasses.dataclass
class Replay:
    db_url: str
    watch_file: Path
    digest_dir: Path
    outcomes: list[list[dict[str, Any]]]  # per day, the jobs `run --once` reported


def run_once(replay_db: str, watch_file: Path, digest_dir: Path, now: datetime) -> Any:
    return CliRunner().invoke(
        main,
        ["run", str(watch_file), "--db", replay_db, "--once", "--now", now.isoformat()[:16],
         "--digest-dir", str(digest_dir), "--format", "json", "--workers", "1",
         "--log-level", "WARNING"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Replay:
    """The demo watch (plus an article that will be taken down) run by the scheduler on
    every newsroom day at 08:00; its interval is one hour, so each morning 23 missed
    re-crawls are due, and must coalesce into one."""
    tmp_path = tmp_path_factory.mktemp("recrawl")
    db_url = f"sqlite:///{tmp_path / 'recrawl.db'}"
    doomed = next(s for s in build_catalogue().stories if s.taken_down_day == 3)
    outcomes = []
    with Newsroom(port=0, day=0) as room:
        watch_file = demo_watch_for(room, tmp_path, extra_seeds=(room.story_url(doomed),),
                                    recrawl_interval="1h", digest_time="07:00")  # fmt: skip
        for day in range(len(DAYS)):
            room.set_day(day)
            result = run_once(db_url, watch_file, tmp_path / "digests", _morning(day))
            assert result.exit_code == 0, result.output
            outcomes.append([json.loads(line) for line in result.stdout.splitlines()])
    return Replay(db_url, watch_file, tmp_path / "digests", outcomes)


def _ajp_article(db_url: str) -> int:
    (article_id,) = query(
        db_url,
        "select id from articles where canonical_url like '%north-korea-troop-deployment-new%'",
    )[0]
    return int(article_id)


def test_unchanged_pages_get_304_and_no_new_version(replay: Replay) -> None:
    db_url = replay.db_url
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
    replay: Replay,
) -> None:
    db_url = replay.db_url
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


def test_claims_are_recorded_once_with_mentions_on_copies(replay: Replay) -> None:
    db_url = replay.db_url
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


def test_taken_down_article_is_marked_and_keeps_its_versions(replay: Replay) -> None:
    db_url = replay.db_url
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


def test_claims_list_command_shows_new_claims_and_updates(replay: Replay) -> None:
    db_url = replay.db_url
    everything = CliRunner().invoke(main, ["claims", "list", "--db", db_url, "--format", "json"])
    assert everything.exit_code == 0, everything.output
    rows = json.loads(everything.stdout)
    new = json.loads(
        CliRunner()
        .invoke(main, ["claims", "list", "--db", db_url, "--new", "--format", "json"])
        .stdout
    )
    # the demo's one revision states its earlier figure itself (NIS: "up from 1,500")
    updates = [r for r in rows if (r["relation"] or "").startswith("update")]
    assert updates and all(
        r["relation"] == (f"update of {r['related_claim_id']}" if r["related_claim_id"]
                          else "update (stated)")
        for r in updates
    )  # fmt: skip
    assert any("3,000" in r["content"] for r in updates)
    assert all(r["first_published"] and "repeated_by" in r for r in rows)
    assert len(new) < len(rows) and all(r["relation"] is None for r in new)
    table = CliRunner().invoke(main, ["claims", "list", "--db", db_url])
    assert table.exit_code == 0 and "nis" in table.stdout.lower()


def test_each_morning_runs_one_coalesced_recrawl_and_yesterdays_digest(replay: Replay) -> None:
    first, *later = replay.outcomes
    # a new watch is crawled at once; its first digest is due the next morning
    assert [o["job"] for o in first] == ["recrawl:demo"]
    for day, outcomes in enumerate(later, start=1):
        assert sorted(o["kind"] for o in outcomes) == ["digest", "recrawl"], outcomes
        recrawl = next(o for o in outcomes if o["kind"] == "recrawl")
        # 23 hourly runs were missed since yesterday's 09:00: one run, the latest
        assert recrawl["status"] == "finished"
        assert recrawl["scheduled_for"] == _morning(day).isoformat() + "Z"
        digest = next(o for o in outcomes if o["kind"] == "digest")
        assert digest["scheduled_for"] == f"{DAYS[day]}T07:00:00Z"
        # yesterday's digest, and those of the days the scheduler did not run
        since = datetime.fromisoformat(DAYS[day - 1])
        days = (datetime.fromisoformat(DAYS[day]) - since).days
        expected = [(since + timedelta(days=n)).date().isoformat() for n in range(days)]
        names = {Path(p).name for p in digest["paths"]}
        assert names == {f"{d}.{suffix}" for d in expected for suffix in ("md", "html", "json")}
        assert all(Path(p).is_file() for p in digest["paths"])
    assert query(replay.db_url, "select count(*) from crawl_runs")[0][0] == len(DAYS)


def test_a_restart_keeps_the_schedule_and_a_changed_interval_replaces_it(replay: Replay) -> None:
    last = _morning(len(DAYS) - 1)
    later = last + timedelta(minutes=30)
    result = run_once(replay.db_url, replay.watch_file, replay.digest_dir, later)
    assert result.exit_code == 0 and result.stdout == "", result.output
    assert query(replay.db_url, "select count(*) from crawl_runs")[0][0] == len(DAYS)

    def next_runs(watch: Any) -> dict[str, datetime]:
        with Store.open(replay.db_url) as store, WatchScheduler(store, [watch]) as scheduler:
            scheduler.open(now=later)
            return {j.id: j.next_run_time.replace(tzinfo=None) for j in scheduler.jobs()}

    watch = load_watch(replay.watch_file)
    assert next_runs(watch) == {
        "recrawl:demo": last + timedelta(hours=1),
        "digest:demo": (last + timedelta(days=1)).replace(hour=7),
    }
    slower = dataclasses.replace(watch, recrawl_interval=timedelta(hours=2))
    assert next_runs(slower)["recrawl:demo"] == later
