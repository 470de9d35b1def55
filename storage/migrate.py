"""The schema's version, and bringing a database up to date with Alembic
(storage/migrations). A new database is migrated to the latest revision when first
opened; an existing one only by `wirewatch db upgrade`, since several processes may
be using it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from storage.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision whose tables a database made by create_all before migrations matches.
BASELINE = "0001"


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None  # the database's revision; None when it has none
    head: str  # the revision this wirewatch needs
    has_tables: bool  # False for a new, empty database

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def schema_state(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        tables = set(inspect(connection).get_table_names())
    ours = tables & set(Base.metadata.tables)
    return SchemaState(current, head_revision(), bool(ours))


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate to the latest revision; returns (from, to). A database created before
    migrations existed is first completed with any missing tables and stamped with
    the baseline revision."""
    before = schema_state(engine)
    with engine.begin() as connection:
        config = _config(connection)
        if before.current is None and before.has_tables:
            Base.metadata.create_all(connection)
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
    return before.current, head_revision()
