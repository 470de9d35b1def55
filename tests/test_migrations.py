"""The schema is managed by Alembic, on SQLite and PostgreSQL: a new database is made
at the latest revision, the migrations build exactly the models (no drift), an older
database is refused until `wirewatch db upgrade`, which keeps its data."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect, text

from storage import Store
from storage.dialect import make_engine
from storage.migrate import head_revision, schema_state
from storage.models import Base
from storage.store import StoreError
from tests.test_store import snapshot
from wirewatch.cli import main


def test_a_new_database_is_made_at_the_latest_revision_without_drift(store_url: str) -> None:
    Store.open(store_url).close()
    engine = make_engine(store_url)
    try:
        state = schema_state(engine)
        assert state.current == head_revision() and state.up_to_date
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names())
            views = set(inspect(connection).get_view_names())
            context = MigrationContext.configure(
                connection, opts={"include_object": _ours, "compare_type": True}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= names and "article_search" in names
    assert {"cluster_summary", "claim_timeline", "article_current"} <= views


def _ours(obj: object, name: str | None, type_: str, reflected: bool, other: object) -> bool:
    return not (type_ == "table" and (name or "").startswith(("article_search", "alembic")))


def test_an_old_database_is_refused_until_upgraded_and_keeps_its_data(store_url: str) -> None:
    engine = make_engine(store_url)
    Base.metadata.create_all(engine)  # as wirewatch made databases before migrations
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (canonical_url, outlet, title, authors, tags, first_seen,"
                " last_seen, status) VALUES ('http://old.test/a', 'old.test', 'Old', '[]', '[]',"
                " '2024-10-20 08:00:00', '2024-10-20 08:00:00', 'live')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO article_versions (article_id, seen_at, title, text, text_hash,"
                " word_count) VALUES (1, '2024-10-20 08:00:00', 'Old', 'Pyongyang said so.',"
                " 'h', 3)"
            )
        )
    engine.dispose()
    try:
        Store.open(store_url)
    except StoreError as exc:
        assert "wirewatch db upgrade" in str(exc)
    else:
        raise AssertionError("an old database was opened without an upgrade")
    result = CliRunner().invoke(main, ["db", "upgrade", "--db", store_url])
    assert result.exit_code == 0, result.output
    assert f"from revision none to {head_revision()}" in result.output
    store = Store.open(store_url)
    try:
        assert [h["url"] for h in store.search("pyongyang")] == ["http://old.test/a"]
        store.store_article(None, snapshot())  # and it is writable as usual
        assert store.count("articles") == 2
    finally:
        store.close()
    again = CliRunner().invoke(main, ["db", "upgrade", "--db", store_url])
    assert again.exit_code == 0 and "up to date" in again.output


def test_an_upgrade_fills_in_publication_instants_and_keeps_every_row(store_url: str) -> None:
    """A database at revision 0004 (before published_at): its articles are kept, and
    those whose `published` states a time with its zone get that instant in UTC."""
    from alembic import command

    from storage.migrate import _config

    engine = make_engine(store_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), "0004")
            for number, published in enumerate(
                ("2024-10-21T08:00:00+09:00", "2024-10-21", None, "2024-10-21T08:00:00")
            ):
                connection.execute(
                    text("INSERT INTO articles (canonical_url, outlet, title, authors, tags, "
                         "published, first_seen, last_seen, status) VALUES (:url, 'old.test', "
                         "'Old', '[]', '[]', :published, '2024-10-21 09:00:00', "
                         "'2024-10-21 09:00:00', 'live')"),
                    {"url": f"http://old.test/{number}", "published": published},
                )  # fmt: skip
    finally:
        engine.dispose()
    assert CliRunner().invoke(main, ["db", "upgrade", "--db", store_url]).exit_code == 0
    engine = make_engine(store_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT published, published_at FROM articles ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    from datetime import datetime

    assert [(p, datetime.fromisoformat(str(at)) if at else None) for p, at in rows] == [
        ("2024-10-21T08:00:00+09:00", datetime(2024, 10, 20, 23, 0)),
        ("2024-10-21", None),  # a day alone, a time without its zone: as written only
        (None, None),
        ("2024-10-21T08:00:00", None),
    ]
