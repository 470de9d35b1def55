"""Alembic's environment for wirewatch: migrations run on the connection that
storage.migrate hands over (there is no alembic.ini; `wirewatch db upgrade` is the
command line)."""

from alembic import context

from storage.models import Base

# Tables that are not ours to migrate: APScheduler creates and manages its job store.
FOREIGN_TABLES = frozenset({"scheduler_jobs"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:  # fmt: skip
    return not (
        type_ == "table" and (name in FOREIGN_TABLES or (name or "").startswith("article_search"))
    )


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite changes tables by copying them
    include_object=include_object,
)
with context.begin_transaction():
    context.run_migrations()
