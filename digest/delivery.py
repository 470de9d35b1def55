"""Sending a day's digest where its watch says (the watch's `notify` targets).

Two kinds of target:

* `smtp://` and `smtps://` URLs: a proper email, multipart (plain text: the Markdown
  digest; HTML: the self-contained digest file as written on disk), its subject the
  day in one line (digest.feed.headline). `smtp://USER:PASSWORD@HOST:PORT?from=ADDRESS
  &to=ADDRESS,ADDRESS&starttls=yes`; smtps:// is TLS from the start.
* anything else: an Apprise URL (`json://`, `slack://`, `ntfy://`, `mailto://`, ...),
  sent the subject as title and the Markdown digest as body.

A target that is down or refuses is tried again with a growing pause; what each target
did comes back as a Delivery, never as an exception: a digest that could not be sent
is still written. Credentials never appear in a Delivery or a log line (mask_target).
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from digest.feed import headline
from storage.errors import redact_url

logger = logging.getLogger(__name__)

# Three tries, 2 s then 4 s apart: enough to ride out a mail server's restart or a
# webhook's brief 5xx without holding a digest job for long.
ATTEMPTS = 3
FIRST_PAUSE_SECONDS = 2.0
SMTP_TIMEOUT_SECONDS = 30
EMAIL_SCHEMES = ("smtp", "smtps")


class TargetError(ValueError):
    """A target URL that cannot be used; the message says why, credentials masked."""


@dataclass(frozen=True, slots=True)
class Delivery:
    target: str  # masked
    sent: bool
    attempts: int
    error: str | None = None
    permanent: bool = False  # refused for a reason trying again cannot change
    skipped: bool = False  # not sent: it had been (digest.outbox)


class Message(Protocol):
    """What a target is sent: a subject, and the body as Markdown and as HTML."""

    @property
    def subject(self) -> str: ...
    @property
    def markdown(self) -> str: ...
    @property
    def html(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Digest:
    """A day's digest: its report, and its files' text as written."""

    report: dict[str, Any]
    html: str
    markdown: str

    @property
    def subject(self) -> str:
        return headline(self.report)


def mask_target(url: str) -> str:
    """The URL with its secrets replaced: the password (or a token-like user part) by
    ***, and, for Apprise's services, the tokens in the path as Apprise masks them."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in EMAIL_SCHEMES:
        with _apprise_quiet():
            import apprise

            service = apprise.Apprise.instantiate(url)
        if service is None:  # not a service Apprise knows: nothing after the host is shown
            parts = urlsplit(url)
            url = urlunsplit(parts._replace(path="/***" if parts.path else "", query=""))
        else:
            private: str = service.url(privacy=True)  # type: ignore[no-untyped-call]
            url = urlunsplit(urlsplit(private)._replace(query=""))
    return redact_url(url, bare_user_is_secret=True)


# Apprise logs to one logger for every thread: one Apprise call at a time (the
# scheduler's digest jobs run in threads), so that a capture holds only its own lines
# and the logger's setting is put back as it was.
_APPRISE_LOG = threading.Lock()


@contextmanager
def _apprise_quiet() -> Iterator[Any]:
    """Apprise's log lines while it works, kept out of the log (they can name a
    target's secrets): yields the captured text, for a Delivery's error to pass on."""
    import apprise

    log = logging.getLogger("apprise")
    with _APPRISE_LOG:
        propagate = log.propagate
        log.propagate = False
        try:
            with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
                yield captured
        finally:
            log.propagate = propagate


def check_target(url: str) -> None:
    """Raise TargetError for a target that could never be sent to."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in EMAIL_SCHEMES:
        _email_settings(url)
        return
    import apprise

    with _apprise_quiet():
        known = apprise.Apprise().add(url)
    if not known:
        raise TargetError(f"{mask_target(url)}: not a target Apprise knows (see its URL list)")


def send_digest(
    targets: Sequence[str], digest: Digest, pause: Callable[[float], None] = time.sleep
) -> list[Delivery]:
    """Send `digest` to every target; what each did, in order."""
    return [deliver(target, digest, pause) for target in targets]


def email_of(message: Message, sender: str, recipients: Sequence[str]) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    email.set_content(message.markdown)
    email.add_alternative(message.html, subtype="html")
    return email


def deliver(target: str, message: Message, pause: Callable[[float], None] = time.sleep) -> Delivery:
    """Send one message to one target, trying again while it fails for a reason that
    may pass; what happened, never an exception."""
    masked = mask_target(target)
    try:
        check_target(target)
    except TargetError as exc:
        return Delivery(masked, False, 0, str(exc), permanent=True)
    send = _send_email if urlsplit(target).scheme.lower() in EMAIL_SCHEMES else _send_apprise
    error, permanent = "", False
    for attempt in range(1, ATTEMPTS + 1):
        try:
            send(target, message)
        except _Permanent as exc:
            error, permanent = str(exc), True
            break
        except Exception as exc:  # a target's failure must not stop the others
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if attempt < ATTEMPTS:
                logger.info(
                    "sending %r to %s failed (%s); trying again", message.subject, masked, error
                )
                pause(FIRST_PAUSE_SECONDS * 2 ** (attempt - 1))
            continue
        logger.info("%r sent to %s", message.subject, masked)
        return Delivery(masked, True, attempt)
    error = _without_secrets(error, target, masked)
    logger.warning("%r was not sent to %s: %s", message.subject, masked, error)
    return Delivery(masked, False, attempt, error, permanent)


def _without_secrets(text: str, target: str, masked: str) -> str:
    """An error message that may quote the target, with its secrets out."""
    text = text.replace(target, masked)
    parts = urlsplit(target)
    for secret in (parts.password, parts.username if parts.password is None else None):
        if secret:
            text = text.replace(secret, "***").replace(unquote(secret), "***")
    return text


class _Permanent(Exception):
    """A refusal that trying again cannot change (a 5xx from a mail server)."""


def _email_settings(url: str) -> tuple[str, list[str]]:
    query = parse_qs(urlsplit(url).query)
    sender = (query.get("from") or [""])[0]
    recipients = [r.strip() for value in query.get("to", []) for r in value.split(",") if r]
    if not sender or not recipients:
        raise TargetError(f"{mask_target(url)}: an email target needs ?from=ADDRESS&to=ADDRESS")
    return sender, recipients


def _send_email(url: str, message: Message) -> None:
    parts = urlsplit(url)
    sender, recipients = _email_settings(url)
    query = parse_qs(parts.query)
    secure = parts.scheme.lower() == "smtps"
    port = parts.port or (465 if secure else 25)
    client: smtplib.SMTP
    if secure:
        client = smtplib.SMTP_SSL(parts.hostname or "", port, timeout=SMTP_TIMEOUT_SECONDS,
                                  context=ssl.create_default_context())  # fmt: skip
    else:
        client = smtplib.SMTP(parts.hostname or "", port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        try:
            if not secure and (query.get("starttls") or ["no"])[0].lower() in ("yes", "true", "1"):
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(email_of(message, sender, recipients))
        except smtplib.SMTPResponseException as exc:  # a refused login among them
            if exc.smtp_code >= 500:
                refusal = f"{exc.smtp_code} {exc.smtp_error!r}"
                raise _Permanent(f"the mail server refused: {refusal}") from exc
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(exc.recipients)
            raise _Permanent(f"the mail server refused the recipients: {refused}") from exc
        except smtplib.SMTPNotSupportedError as exc:  # no STARTTLS or AUTH offered
            raise _Permanent(f"the mail server does not support it: {exc}") from exc


def _send_apprise(url: str, message: Message) -> None:
    import apprise

    sender = apprise.Apprise()
    with _apprise_quiet() as captured:
        sender.add(url)
        accepted = sender.notify(title=message.subject, body=message.markdown,
                                 body_format=apprise.NotifyFormat.MARKDOWN)  # fmt: skip
    if not accepted:
        lines = [line.split(" - ", 2)[-1] for line in captured.getvalue().splitlines()]
        why = lines[-1] if lines else "Apprise gave no reason"
        raise RuntimeError(f"the target did not accept the message: {why}")


def digest_from_files(paths: Sequence[Any]) -> Digest:
    """The digest as written: write_digests' paths (Markdown, HTML, JSON)."""
    texts = {Path(p).suffix: Path(p).read_text(encoding="utf-8") for p in paths}
    return Digest(json.loads(texts[".json"]), texts[".html"], texts[".md"])
