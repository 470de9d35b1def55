"""`wirewatch db`: the database schema."""

from __future__ import annotations

import click

from wirewatch.edge import WirewatchError, WirewatchGroup
from wirewatch.options import (
    DB_OPTION,
)


@click.group("db", cls=WirewatchGroup)
def db_group() -> None:
    """The database schema (Alembic migrations)."""


@db_group.command("upgrade")
@DB_OPTION
def db_upgrade(db_url: str) -> None:
    """Bring the database's schema up to date with this wirewatch.

    A new database gets the whole schema when first used; an existing one is only
    migrated by this command (stop crawls, workers and the scheduler first). A
    database from before migrations is completed and stamped, keeping its data.

    Example: wirewatch db upgrade --db postgresql+psycopg://wirewatch@db/news
    """
    from sqlalchemy.exc import SQLAlchemyError

    from storage import migrate
    from storage.dialect import make_engine

    engine = make_engine(db_url)
    try:
        before, after = migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise WirewatchError(f"cannot upgrade the database: {detail}") from exc
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"the database is up to date (revision {after})")
    else:
        click.echo(f"upgraded the database from revision {before or 'none'} to {after}")


# --- search ----------------------------------------------------------------------------------
