"""Sending the digest: email to a real SMTP server (aiosmtpd, in this process, on
loopback) and webhooks through Apprise to a real local HTTP server."""

from __future__ import annotations

import email
import email.policy
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.delivery import Digest, digest_from_files, mask_target, send_digest
from digest.files import RENDERERS, write_atomically
from tests.conftest import REPO
from tests.sites import SmtpInbox, WebhookInbox

GOLDEN = REPO / "tests" / "golden" / "digest"
FIGURES_DAY = "2024-10-23"


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def day_digest(tmp_path: Path) -> Digest:
    """The demo's digest of the day the NIS figure moved, written as the files are."""
    report = json.loads((GOLDEN / f"demo-{FIGURES_DAY}.json").read_text(encoding="utf-8"))
    paths = []
    for suffix, render in RENDERERS:
        path = tmp_path / "demo" / f"{FIGURES_DAY}.{suffix}"
        write_atomically(path, render(report))
        paths.append(path)
    return digest_from_files(paths)


@pytest.fixture
def smtp_server() -> Iterator[SmtpInbox]:
    with SmtpInbox() as inbox:
        yield inbox


def test_the_email_has_both_parts_and_the_html_is_the_digest_file(
    smtp_server: SmtpInbox, day_digest: Digest, tmp_path: Path
) -> None:
    target = f"smtp://127.0.0.1:{smtp_server.port}?from=wirewatch@example.org&to=desk@example.org,fc@x.org"
    (sent,) = send_digest([target], day_digest)
    assert sent.sent and sent.attempts == 1, sent
    (envelope,) = smtp_server.envelopes
    assert envelope.mail_from == "wirewatch@example.org"
    assert envelope.rcpt_tos == ["desk@example.org", "fc@x.org"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"].startswith(f"demo, {FIGURES_DAY}: NIS: 1,500 → about 3,000 troops")
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    on_disk = (tmp_path / "demo" / f"{FIGURES_DAY}.html").read_text(encoding="utf-8")
    # the same text, its lines ended as mail ends them (CRLF, RFC 5322)
    assert html.get_content().replace("\r\n", "\n") == on_disk
    markdown = (tmp_path / "demo" / f"{FIGURES_DAY}.md").read_text(encoding="utf-8")
    assert plain.get_content().replace("\r\n", "\n") == markdown


def test_a_server_that_is_down_is_tried_three_times_and_said_with_credentials_masked(
    day_digest: Digest, caplog: pytest.LogCaptureFixture
) -> None:
    pauses: list[float] = []
    target = f"smtp://desk:s3cret@127.0.0.1:{free_port()}?from=a@x.org&to=b@x.org"
    (sent,) = send_digest([target], day_digest, pause=pauses.append)
    assert not sent.sent and sent.attempts == 3 and pauses == [2.0, 4.0]
    assert "Connection refused" in (sent.error or "")
    assert sent.target.startswith("smtp://desk:***@127.0.0.1:")
    assert "s3cret" not in repr(sent) and "s3cret" not in caplog.text
    assert "was not sent to smtp://desk:***@" in caplog.text


def test_an_email_target_without_addresses_is_refused_before_sending(day_digest: Digest) -> None:
    (sent,) = send_digest(["smtp://127.0.0.1:25"], day_digest)
    assert not sent.sent and sent.attempts == 0
    assert "needs ?from=ADDRESS&to=ADDRESS" in (sent.error or "")


@pytest.fixture
def hook() -> Iterator[WebhookInbox]:
    with WebhookInbox() as inbox:
        yield inbox


def test_a_webhook_gets_the_subject_and_the_digest_and_is_retried_after_a_500(
    hook: WebhookInbox, day_digest: Digest
) -> None:
    hook.failures = 1
    (sent,) = send_digest([hook.url], day_digest, pause=lambda _: None)
    assert sent.sent and sent.attempts == 2, sent
    assert len(hook.received) == 2  # the refused one, then the one taken
    payload = hook.received[-1]
    assert payload["title"] == day_digest.subject
    assert "NIS: 1,500 → about 3,000 troops" in payload["message"]


def test_one_target_down_does_not_stop_the_others(hook: WebhookInbox, day_digest: Digest) -> None:
    down = f"json://127.0.0.1:{free_port()}/digest"
    unknown = "nosuchservice://somewhere"
    first, second, third = send_digest([down, unknown, hook.url], day_digest, pause=lambda _: None)
    assert not first.sent and first.attempts == 3
    assert "A Connection error occurred sending JSON notification" in (first.error or "")
    assert not second.sent and "not a target Apprise knows" in (second.error or "")
    assert third.sent and len(hook.received) == 1


def test_masking_hides_passwords_and_tokens() -> None:
    assert mask_target("smtp://u:p%40ss@mail:587?to=a") == "smtp://u:***@mail:587?to=a"
    assert mask_target("ntfy://tokenvalue@ntfy.sh/topic") == "ntfy://***@ntfy.sh/topic"
    assert mask_target("json://host/path") == "json://host/path"
    slack = mask_target("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#news")
    assert slack.startswith("slack://") and "TIiajkdnlazkcOXrIdevi7FQ" not in slack
    assert mask_target("nosuch://a:b@x/secret") == "nosuch://a:***@x/***"


def test_a_refusal_that_cannot_change_is_not_tried_again(
    smtp_server: SmtpInbox, day_digest: Digest, caplog: pytest.LogCaptureFixture
) -> None:
    """The server offers no AUTH, and the target has a password: a permanent refusal,
    said once, the password masked; nothing is delivered."""
    target = f"smtp://desk:s3cret@127.0.0.1:{smtp_server.port}?from=a@x.org&to=b@x.org"
    (sent,) = send_digest([target], day_digest, pause=lambda _: None)
    assert not sent.sent and sent.attempts == 1, sent
    assert "does not support it" in (sent.error or "") and "AUTH" in (sent.error or "")
    assert "s3cret" not in repr(sent) and "s3cret" not in caplog.text
    assert smtp_server.envelopes == []
