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


def test_articles_one_under_the_new_canonical_form_are_merged_losing_nothing(
    store_url: str,
) -> None:
    """At revision 0005, `a%7Eb` and `a~b` were two articles, each with a version, a
    watch, a cluster membership and a claim; `/x/../c` one more. After the upgrade they
    are one article with both versions, every alias, and the claims moved to it."""
    from alembic import command

    from storage.migrate import _config

    engine = make_engine(store_url)
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), "0005")
            _old_articles(connection)
    finally:
        engine.dispose()
    assert CliRunner().invoke(main, ["db", "upgrade", "--db", store_url]).exit_code == 0
    with Store.open(store_url) as store:
        rows = store.list_articles(limit=10)
        assert sorted(r["canonical_url"] for r in rows) == ["http://a.test/a~b", "http://a.test/c"]
        merged = store.article_detail(1)
        assert merged is not None and merged["canonical_url"] == "http://a.test/a~b"
        assert [v["id"] for v in merged["versions"]] == [1, 2]  # both versions kept
        aliases = {a["url"] for a in merged["aliases"]}
        assert {"http://a.test/a%7Eb", "http://a.test/a~b"} <= aliases
        assert [h["id"] for h in store.search("kursk")] == [1]  # the newer text, indexed
        assert store.count("claim_mentions") == 2 and store.count("watch_articles") == 2
    engine = make_engine(store_url)
    try:
        with engine.connect() as connection:
            orphans = connection.execute(text(
                "SELECT count(*) FROM claim_mentions m LEFT JOIN articles a ON a.id = "
                "m.article_id WHERE a.id IS NULL")).scalar()  # fmt: skip
            members = connection.execute(text("SELECT article_id FROM cluster_members")).all()
    finally:
        engine.dispose()
    assert orphans == 0 and members == [(1,)]


def _old_articles(connection: object) -> None:
    statements = [
        "INSERT INTO watches (id, name, config, created_at, updated_at) VALUES (1, 'w', '{}', "
        "'2024-10-21 08:00:00', '2024-10-21 08:00:00')",
        *(f"INSERT INTO articles (id, canonical_url, outlet, title, authors, tags, first_seen, "
          f"last_seen, status) VALUES ({n}, '{url}', 'a.test', 'T{n}', '[]', '[]', "
          f"'2024-10-2{n} 08:00:00', '2024-10-2{n} 08:00:00', 'live')"
          for n, url in ((1, "http://a.test/a%7Eb"), (2, "http://a.test/a~b"),
                         (3, "http://a.test/x/../c"))),
        *(f"INSERT INTO url_aliases (url, article_id, kind, first_seen) VALUES ('{url}', {n}, "
          f"'canonical', '2024-10-21 08:00:00')"
          for n, url in ((1, "http://a.test/a%7Eb"), (2, "http://a.test/a~b"),
                         (3, "http://a.test/x/../c"))),
        *(f"INSERT INTO article_versions (id, article_id, seen_at, title, text, text_hash, "
          f"word_count) VALUES ({n}, {n}, '2024-10-2{n} 08:00:00', 'T{n}', '{body}', 'h{n}', 3)"
          for n, body in ((1, "troops seen"), (2, "troops in Kursk"), (3, "other story"))),
        *(f"INSERT INTO watch_articles (watch_id, article_id, first_seen) VALUES (1, {n}, "
          f"'2024-10-21 08:00:00')" for n in (1, 2, 3)),
        "INSERT INTO story_clusters (id, origin_article_id, created_at, updated_at, size) "
        "VALUES (1, 1, '2024-10-21 08:00:00', '2024-10-21 08:00:00', 2)",
        *(f"INSERT INTO cluster_members (article_id, cluster_id, role, similarity, joined_at) "
          f"VALUES ({n}, 1, 'origin', 1.0, '2024-10-21 08:00:00')" for n in (1, 2)),
        "INSERT INTO claims (id, watch_id, speaker, speaker_key, cue, content, sentence, quote, "
        "quantities, first_seen, first_article_id, first_version_id) VALUES (1, 1, 'NIS', "
        "'nis', 'said', 'troops', 'NIS said troops', false, '[]', '2024-10-21 08:00:00', 2, 2)",
        *(f"INSERT INTO claim_mentions (claim_id, version_id, article_id, seen_at, start) "
          f"VALUES (1, {n}, {n}, '2024-10-21 08:00:00', 0)" for n in (1, 2)),
    ]  # fmt: skip
    for statement in statements:
        connection.execute(text(statement))  # type: ignore[attr-defined]
