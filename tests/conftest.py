"""Shared fixtures: a session-wide offline newsroom and fresh SQLite databases."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from newsroom import Newsroom

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def newsroom() -> Iterator[Newsroom]:
    """The newsroom on free ports (so it never clashes with a demo on 8931)."""
    with Newsroom(port=0) as room:
        yield room


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


PG_URL = os.environ.get("WIREWATCH_TEST_PG")


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL for a fresh schema of its own on the PostgreSQL server named by
    WIREWATCH_TEST_PG (the test is skipped when that is unset), dropped afterwards."""
    if not PG_URL:
        pytest.skip("set WIREWATCH_TEST_PG to a PostgreSQL URL to run the PostgreSQL tests")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, pool_pre_ping=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database on each engine: a SQLite file, and a schema of its own on the
    PostgreSQL server named by WIREWATCH_TEST_PG (skipped when that is unset)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


REDIS_URL = os.environ.get("WIREWATCH_TEST_REDIS")


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("set WIREWATCH_TEST_REDIS (redis://host:port/db) to run the Redis tests")
    return REDIS_URL


@pytest.fixture
def slow_site() -> Iterator[str]:
    """tests/slow_site.py: slow pages in a chain, on a free loopback port."""
    from tests.slow_site import serve_slow_site

    with serve_slow_site() as url:
        yield url


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_watch(tmp_path: Path, name: str, seeds: list[str], **extra: object) -> Path:
    lines = [f'name = "{name}"', "seeds = [" + ", ".join(f'"{s}"' for s in seeds) + "]"]
    extra.setdefault("keywords", ["north korea", "north korean", "n. korea", "troops"])
    extra.setdefault("allow_private_addresses", True)
    for key, value in extra.items():
        if isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(f'"{v}"' for v in value) + "]")
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f'{key} = "{value}"')
    path = tmp_path / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
