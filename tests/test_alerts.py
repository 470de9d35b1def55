"""Alerts: a watch's rules checked as pages are stored, the outbox written with them,
and each alert sent at most once, to real targets on loopback (a webhook through
Apprise's json://, an SMTP server), including across a process killed mid-send."""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from crawler.alerts import AlertRules, PageFacts
from digest.outbox import MAX_ROUNDS, UNSURE, AlertMessage, list_outbox, send_alerts
from newsroom import Newsroom
from storage import Store
from storage.alerts import NewAlert, target_key
from tests.conftest import REPO
from tests.crawl_helpers import crawl, demo_watch_for
from tests.sites import SmtpInbox, WebhookInbox
from watches import WatchError, parse_watch
from wirewatch.cli import main

T0 = datetime(2024, 10, 23, 8, 0)


def no_pause(_: float) -> None:
    pass


def stored_watch(store: Store, targets: list[str], name: str = "story") -> int:
    watch = parse_watch({"name": name, "seeds": ["https://news.example.org/a"],
                         "keywords": ["troops"], "notify": targets,
                         "alerts": ["figure_change"]})  # fmt: skip
    return store.ensure_watch(name, watch.to_config())


def record(store: Store, watch_id: int, targets: list[str], *keys: str) -> None:
    alerts = [NewAlert("figure_change", key, f"Figure changed: {key}", f"https://x.test/{key}")
              for key in keys]  # fmt: skip
    with store.atomic():
        store.record_alerts(watch_id, None, alerts, [target_key(t) for t in targets])


def statuses(store: Store) -> Counter[str]:
    return Counter(row["status"] for row in list_outbox(store))


# --- the rules, against a real crawl ---------------------------------------------------


def test_the_rules_alert_once_each_from_the_second_run_on(tmp_path: Path) -> None:
    """The newsroom's days crawled one after the other with every rule on: the first
    run is the baseline; later runs send one message each to the webhook, naming the
    NIS figure that moved on day 3, the outlets that picked the story up, the claims
    by NIS, and the articles that say Kursk; nothing is sent twice."""
    db_url = f"sqlite:///{tmp_path / 'alerts.db'}"
    rules = ["figure_change", "new_story", "new_outlet", "speaker:NIS", "keyword:Kursk"]
    with Newsroom(port=0, day=0) as room, WebhookInbox() as hook:
        watch_file = demo_watch_for(room, tmp_path, with_feeds=True, alerts=rules,
                                    notify=[hook.url])  # fmt: skip
        first = crawl(watch_file, db_url)
        assert first["alerts"] == [] and hook.received == []  # the baseline
        per_run = []
        for day in range(1, 4):
            room.set_day(day)
            summary = crawl(watch_file, db_url)
            per_run.append([(a["status"], a["alerts"]) for a in summary["alerts"]])
        crawl(watch_file, db_url)  # the same day again: nothing new to alert
    # one message a run that found something, each saying what it carries
    assert len(hook.received) == sum(len(run) for run in per_run) <= 3
    assert all(status == "sent" for run in per_run for status, _ in run)
    lines = [line for payload in hook.received for line in payload["message"].splitlines()
             if line.startswith("- ")]  # fmt: skip
    assert len(lines) == sum(n for run in per_run for _, n in run)
    assert len(lines) == len(set(lines)), "an alert was sent twice"
    figure = [line for line in lines if line.startswith("- Figure changed: NIS")]
    assert figure and figure[0].startswith("- Figure changed: NIS: 1,500 → about 3,000 troops")
    assert any(line.startswith("- New outlet: ") for line in lines)
    assert "- NIS (said): about 3,000 North Korean troops had now been sent" in "\n".join(lines)
    assert any(line.startswith("- Kursk: ") for line in lines)
    # the day's figure change leads its message's title
    figures_message = next(p for p in hook.received if "Figure changed: NIS" in p["message"])
    assert "Figure changed: NIS: 1,500 → about 3,000 troops" in figures_message["title"]
    rows = list_outbox(Store.open(db_url))
    assert {r["status"] for r in rows} == {"sent"} and len(rows) == len(lines)
    assert all(r["target"] == hook.url for r in rows)


# --- at most once, across a process killed mid-send ------------------------------------


def send_in_a_process(db_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "wirewatch", "alerts", "send", "--db", db_url, "--format",
         "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def test_a_process_killed_between_sending_and_marking_never_sends_twice(store_url: str) -> None:
    db_url = store_url
    with WebhookInbox(hold=True) as hook:
        with Store.open(db_url) as store:
            watch_id = stored_watch(store, [hook.url])
            record(store, watch_id, [hook.url], "first", "second")
        sender = send_in_a_process(db_url)
        try:
            assert hook.arrived.wait(60), "the alerts never arrived"
            sender.send_signal(signal.SIGKILL)  # it sent, and never heard back
        finally:
            sender.kill()
            sender.communicate(timeout=30)
        hook.release.set()
        assert len(hook.received) == 1 and "first" in hook.received[0]["message"]
        with Store.open(db_url) as store:
            rows = list_outbox(store)
            assert [r["status"] for r in rows] == ["sending", "sending"]
            assert all(r["error"] == UNSURE for r in rows)
            # an alert written after the crash (a later run's) goes out; the unsure don't
            record(store, watch_id, [hook.url], "third")
        again = CliRunner().invoke(main, ["alerts", "send", "--db", db_url, "--format", "json"])
        assert again.exit_code == 0, again.output
        assert json.loads(again.stdout)[0]["alerts"] == 1
        assert len(hook.received) == 2
        assert "third" in hook.received[1]["message"]
        assert "first" not in hook.received[1]["message"]
        listed = CliRunner().invoke(main, ["alerts", "list", "--db", db_url, "--format", "json"])
        assert Counter(r["status"] for r in json.loads(listed.stdout)) == {"sending": 2, "sent": 1}


def test_alerts_written_but_not_sent_go_out_with_the_next_sending(tmp_path: Path) -> None:
    """A process that ended after the page was stored and before it sent: its alerts
    are pending, and the next sending takes them (once)."""
    with Store.open(f"sqlite:///{tmp_path / 'outbox.db'}") as store, WebhookInbox() as hook:
        watch_id = stored_watch(store, [hook.url])
        record(store, watch_id, [hook.url], "left-behind")
        record(store, watch_id, [hook.url], "left-behind")  # the page stored again: one alert
        assert statuses(store) == {"pending": 1}
        (sent,) = send_alerts(store, "story", [hook.url], pause=no_pause)
        assert (sent.status, sent.alerts) == ("sent", 1)
        assert send_alerts(store, "story", [hook.url], pause=no_pause) == []
    assert len(hook.received) == 1


# --- failures, retries, rate limits ----------------------------------------------------


def test_a_target_that_fails_is_tried_again_next_time_and_the_failure_is_recorded(
    store_url: str,
) -> None:
    with Store.open(store_url) as store:
        with WebhookInbox(failures=3) as hook:  # a whole round of tries fails
            watch_id = stored_watch(store, [hook.url])
            record(store, watch_id, [hook.url], "moved")
            (first,) = send_alerts(store, "story", [hook.url], pause=no_pause)
            assert first.status == "pending" and "did not accept" in (first.error or "")
            (row,) = list_outbox(store)
            assert row["status"] == "pending" and row["attempts"] == 1 and row["error"]
            (second,) = send_alerts(store, "story", [hook.url], pause=no_pause)
            assert second.status == "sent"
        assert len(hook.received) == 4  # three refused, then the one that went through
        (row,) = list_outbox(store)
        assert row["status"] == "sent" and row["error"] is None


def test_a_retry_cut_short_says_it_may_have_arrived_not_the_last_rounds_error(
    tmp_path: Path,
) -> None:
    down = "json://127.0.0.1:9/hook"
    with Store.open(f"sqlite:///{tmp_path / 'outbox.db'}") as store:
        watch_id = stored_watch(store, [down])
        record(store, watch_id, [down], "moved")
        (failed,) = send_alerts(store, "story", [down], pause=no_pause)
        assert failed.status == "pending" and failed.error
        # the next round claims it, and its process ends before it can say what happened
        claimed = store.claim_alerts(watch_id, target_key(down), "json://127.0.0.1:9/hook", "b2")
        assert len(claimed.alerts) == 1
        (row,) = list_outbox(store)
    assert row["status"] == "sending" and row["error"] == UNSURE and row["attempts"] == 2


def test_a_target_that_stays_down_is_failed_after_its_rounds_with_the_reason(
    tmp_path: Path,
) -> None:
    down = "json://desk:s3cret@127.0.0.1:9/hook"  # the discard port: nothing listens
    db_url = f"sqlite:///{tmp_path / 'outbox.db'}"
    with Store.open(db_url) as store:
        watch_id = stored_watch(store, [down])
        record(store, watch_id, [down], "moved")
        outcomes = [send_alerts(store, "story", [down], pause=no_pause)[0].status
                    for _ in range(MAX_ROUNDS)]  # fmt: skip
        assert outcomes == ["pending"] * (MAX_ROUNDS - 1) + ["failed"]
        (row,) = list_outbox(store, status="failed")
        assert row["attempts"] == MAX_ROUNDS and row["error"]
        assert row["target"] == "json://desk:***@127.0.0.1:9/hook"
        assert send_alerts(store, "story", [down], pause=no_pause) == []
    # the password is in no line of the list, nor in the database's outbox
    listed = CliRunner().invoke(main, ["alerts", "list", "--db", db_url, "--format", "json"])
    assert listed.exit_code == 0 and "s3cret" not in listed.output
    assert "desk:***@" in listed.output
    with Store.open(db_url) as store, store.session() as session:
        outbox = session.execute(text("select * from deliveries")).all()
        assert "s3cret" not in repr(outbox)


def test_a_burst_is_one_message_and_alert_every_holds_the_next(store_url: str) -> None:
    with Store.open(store_url) as opened, WebhookInbox() as hook:
        watch_id = stored_watch(opened, [hook.url])
        store = opened.at(T0)
        record(store, watch_id, [hook.url], "a", "b", "c")
        every = timedelta(hours=1)
        (burst,) = send_alerts(store, "story", [hook.url], every, pause=no_pause)
        assert (burst.status, burst.alerts, len(hook.received)) == ("sent", 3, 1)
        assert hook.received[0]["title"].startswith("story, 3 alerts: ")
        later = opened.at(T0 + timedelta(minutes=20))
        record(later, watch_id, [hook.url], "d")
        (held,) = send_alerts(later, "story", [hook.url], every, pause=no_pause)
        assert held.status == "held" and len(hook.received) == 1
        record(later, watch_id, [hook.url], "e")
        (sent,) = send_alerts(opened.at(T0 + timedelta(minutes=61)), "story", [hook.url], every,
                              pause=no_pause)  # fmt: skip
        assert (sent.status, sent.alerts) == ("sent", 2)
    assert len(hook.received) == 2 and hook.received[1]["title"].startswith("story, 2 alerts")


def test_a_target_removed_from_the_watch_gets_nothing_and_says_why(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'outbox.db'}") as store, WebhookInbox() as hook:
        watch_id = stored_watch(store, [hook.url])
        record(store, watch_id, [hook.url], "moved")
        assert send_alerts(store, "story", [], pause=no_pause) == []
        (row,) = list_outbox(store)
    assert row["status"] == "failed" and "no longer names" in row["error"]
    assert hook.received == []


# --- the message -----------------------------------------------------------------------


def test_an_alert_email_has_both_parts_and_the_password_is_never_shown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with SmtpInbox() as inbox, Store.open(f"sqlite:///{tmp_path / 'outbox.db'}") as store:
        target = f"smtp://127.0.0.1:{inbox.port}?from=ww@example.org&to=desk@example.org"
        watch_id = stored_watch(store, [target])
        record(store, watch_id, [target], "nis-3000")
        (sent,) = send_alerts(store, "story", [target], pause=no_pause)
        assert sent.status == "sent"
    (envelope,) = inbox.envelopes
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "story: Figure changed: nis-3000"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and "- Figure changed: nis-3000 <https://x.test/nis-3000>" in (
        plain.get_content()
    )
    assert html is not None and 'href="https://x.test/nis-3000"' in html.get_content()


def test_an_alert_message_puts_the_figure_change_first() -> None:
    alerts = [
        {"id": 1, "rule": "new_outlet", "summary": "New outlet: X carries Y", "url": None},
        {"id": 2, "rule": "figure_change", "summary": "Figure changed: NIS: 1 → 2", "url": "u"},
    ]
    message = AlertMessage("demo", alerts)
    assert message.subject == "demo, 2 alerts: Figure changed: NIS: 1 → 2; …"
    assert message.markdown.splitlines()[2] == "- Figure changed: NIS: 1 → 2 <u>"
    one = AlertMessage("demo", alerts[:1])
    assert one.subject == "demo: New outlet: X carries Y"


# --- the rules, one page at a time -----------------------------------------------------


def page(text: str, title: str = "Title", new: bool = True) -> PageFacts:
    return PageFacts(1, 1, new, title, text, "https://x.test/a", "x.test", "X", None)


def test_keyword_rules_match_whole_words_in_any_case(tmp_path: Path) -> None:
    rules = AlertRules(("keyword:Kursk",))
    with Store.open(f"sqlite:///{tmp_path / 'x.db'}") as store:
        assert rules.article_alerts(store, 1, page("Fighting in the KURSK region."))
        assert rules.article_alerts(store, 1, page("In Kursk's border districts."))
        assert not rules.article_alerts(store, 1, page("The Kurskaya oblast."))
        (alert,) = rules.article_alerts(store, 1, page("Nothing.", title="Kursk offensive"))
    assert alert.summary == "Kursk: Kursk offensive (X)" and alert.key == "keyword:kursk:article:1"


def test_speaker_rules_match_the_short_name_or_words_of_the_full_one() -> None:
    rules = AlertRules(("speaker:NIS", "speaker:intelligence service"))
    claim = {"id": 7, "speaker": "South Korea's National Intelligence Service (NIS)",
             "cue": "said", "content": "about 3,000 troops were sent", "relation": None,
             "sentence": "", "quantities": []}  # fmt: skip
    found = rules.claim_alerts(claim, page(""))
    assert [a.rule for a in found] == ["speaker:NIS", "speaker:intelligence service"]
    assert found[0].summary == "NIS (said): about 3,000 troops were sent (X)"
    # one key per claim: both rules name the same event, recorded once
    assert {a.key for a in found} == {"speaker:claim:7"}
    other = {**claim, "speaker": "Ukraine's military intelligence agency (HUR)"}
    assert rules.claim_alerts(other, page("")) == []


# --- the watch keys --------------------------------------------------------------------


def test_alert_rules_and_alert_every_are_checked_when_the_watch_is_read() -> None:
    base: dict[str, Any] = {"name": "w", "seeds": ["https://x.test/a"], "keywords": ["k"]}
    watch = parse_watch({**base, "alerts": ["figure_change", "speaker: NIS "],
                         "alert_every": "30m"})  # fmt: skip
    assert watch.alerts == ("figure_change", "speaker:NIS")
    assert watch.alert_every == timedelta(minutes=30)
    for bad in (["figure-change"], ["speaker:"], ["keyword"], "figure_change"):
        with pytest.raises(WatchError) as caught:
            parse_watch({**base, "alerts": bad})
        assert caught.value.key == "alerts"
    with pytest.raises(WatchError, match="alert_every"):
        parse_watch({**base, "alert_every": "soon"})
