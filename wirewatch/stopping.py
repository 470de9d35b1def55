"""SIGINT and SIGTERM for the long-running commands (`wirewatch run`, `wirewatch worker`):
the first asks the service to stop cleanly, a second Ctrl-C stops waiting for it."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import click


@contextmanager
def stop_on_signals(stop: Callable[[], None], message: str) -> Iterator[list[int]]:
    """Call `stop` on SIGINT or SIGTERM, saying `message` (with `{signal}` for its
    name) on stderr; handlers are restored on leaving. Yields the signals received."""
    received: list[int] = []

    def handle(signum: int, _frame: FrameType | None) -> None:
        if received and signum == signal.SIGINT:
            raise KeyboardInterrupt
        received.append(signum)
        click.echo(message.format(signal=signal.Signals(signum).name), err=True)
        stop()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
