"""The edge of the command line: what every command shares.

Every command takes -v / -q / --log-level, logs to stderr at that level (quiet by
default: a cron job's mail holds only what went wrong), and turns every failure into
one line and an exit code: 2 for bad input, 1 for failed work. A traceback is shown
only with -v, for an error wirewatch did not expect.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from storage.errors import BadDatabaseURL, StoreError, explain

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_LEVEL = "WARNING"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_LEVEL_KEY = "wirewatch.log_level"
# Libraries whose INFO lines are about their own workings (Alembic's "Context impl
# SQLiteImpl", APScheduler's "Added job"): shown from -vv on, not with -v.
CHATTY_LIBRARIES = ("alembic", "apscheduler")


class WirewatchError(click.ClickException):
    """A failure of the work itself (exit code 1)."""

    exit_code = 1


class BadInput(click.ClickException):
    """Bad input from the user: a watch file, a path, an option (exit code 2)."""

    exit_code = 2


def _verbosity_options() -> list[click.Option]:
    return [
        click.Option(
            ["-v", "--verbose"],
            count=True,
            help="Say more on stderr: -v what happens (INFO), -vv everything (DEBUG), "
            "with a traceback for an unexpected error.",
        ),
        click.Option(["-q", "--quiet"], is_flag=True, help="Only errors on stderr."),
        click.Option(
            ["--log-level"],
            type=click.Choice(LEVELS, case_sensitive=False),
            default=None,
            help=f"Log level on stderr, instead of -v/-q (default {DEFAULT_LEVEL}).",
        ),
    ]


def chosen_level(verbose: int, quiet: bool, log_level: str | None) -> str:
    if log_level:
        return log_level.upper()
    if quiet:
        return "ERROR"
    return {0: DEFAULT_LEVEL, 1: "INFO"}.get(verbose, "DEBUG")


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format=LOG_FORMAT, force=True)
    quieter = level if level == "DEBUG" else max(logging.getLevelName(level), logging.WARNING)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(quieter)


def log_level() -> str:
    """The level the running command was given (crawls run at it too)."""
    context = click.get_current_context(silent=True)
    level = context.meta.get(_LEVEL_KEY) if context is not None else None
    return str(level or DEFAULT_LEVEL)


class WirewatchCommand(click.Command):
    """A command with the verbosity options, logging set up, and errors as messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(_verbosity_options())

    def invoke(self, ctx: click.Context) -> Any:
        params = ctx.params
        level = chosen_level(params.pop("verbose", 0), params.pop("quiet", False),
                             params.pop("log_level", None))  # fmt: skip
        ctx.meta[_LEVEL_KEY] = level
        configure_logging(level)
        with errors_as_messages(show_traceback=level in ("DEBUG", "INFO")):
            return super().invoke(ctx)


class WirewatchGroup(click.Group):
    command_class = WirewatchCommand
    group_class = type  # subgroups are WirewatchGroups too


@contextmanager
def errors_as_messages(show_traceback: bool) -> Iterator[None]:
    """Domain errors become CLI errors here, and only here."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except BadDatabaseURL as exc:
        raise BadInput(f"--db {exc}") from exc
    except StoreError as exc:
        raise WirewatchError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise WirewatchError(f"database error: {explain(exc)}") from exc
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise WirewatchError(f"{where}{exc.strerror or exc}") from exc
    except Exception as exc:
        if show_traceback:
            raise
        raise WirewatchError(
            f"unexpected error: {type(exc).__name__}: {exc} (run again with -v for the "
            "traceback, and please report it)"
        ) from exc
