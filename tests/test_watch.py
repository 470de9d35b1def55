"""Watch files: every file in seeds/ loads; bad files fail with file, key and reason."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.watch import WatchError, load_watch
from tests.conftest import REPO
from wirewatch.cli import main

SEED_FILES = sorted((REPO / "seeds").glob("*.toml"))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_every_watch_in_seeds_is_valid(path: Path) -> None:
    watch = load_watch(path)
    assert watch.seeds or watch.feeds or watch.sitemaps
    assert watch.keywords


def test_demo_watch_points_at_the_newsroom() -> None:
    watch = load_watch(REPO / "seeds" / "demo.toml")
    assert len(watch.seeds) == 5
    assert all(seed.startswith("http://127.0.0.") for seed in watch.seeds)
    assert watch.recrawl_interval == timedelta(hours=1)
    assert watch.digest_time == time(7, 0)


def test_real_watch_keeps_the_only_known_url() -> None:
    watch = load_watch(REPO / "seeds" / "north-korea-troops.toml")
    assert watch.seeds == (
        "https://www.phnompenhpost.com/international/"
        "evidence-points-to-north-korea-s-looming-troop-deployment-in-ukraine-war",
    )


BAD_WATCHES = [
    (
        'name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\ndepth = "two"\n',
        "depth",
        "whole number",
    ),
    (
        'name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\ndepth = 9\n',
        "depth",
        "between 0 and 5",
    ),
    ('name = "x"\nseeds = ["ftp://a.example/"]\nkeywords = ["k"]\n', "seeds", "http(s)"),
    ('name = "x"\nseeds = []\nkeywords = ["k"]\n', "seeds", "at least one"),
    ('name = "Bad Name"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\n', "name", "lower-case"),
    ('seeds = ["http://a.example/"]\nkeywords = ["k"]\n', "name", "missing"),
    ('name = "x"\nseeds = ["http://a.example/"]\n', "keywords", "at least one"),
    (
        'name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\nrecrawl_interval = "soon"\n',
        "recrawl_interval",
        "duration",
    ),
    (
        'name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\ndigest_time = "25:00"\n',
        "digest_time",
        "HH:MM",
    ),
    (
        'name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\nsede = 1\n',
        "sede",
        "unknown key",
    ),
    ('name = "x"\nseeds = "http://a.example/"\nkeywords = ["k"]\n', "seeds", "list"),
]


@pytest.mark.parametrize(("text", "key", "problem"), BAD_WATCHES)
def test_bad_watch_names_file_key_and_problem(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WatchError) as info:
        load_watch(path)
    message = str(info.value)
    assert str(path) in message and f"'{key}'" in message and problem in message


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\nseeds = ["http://a.example/"\nkeywords = ["k"]\n')
    with pytest.raises(WatchError, match=r"broken\.toml: invalid TOML: .*line 3"):
        load_watch(path)


def test_crawl_of_a_bad_watch_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\ndepth = -1\n')
    database = tmp_path / "never.db"
    result = CliRunner().invoke(main, ["crawl", str(path), "--db", f"sqlite:///{database}"])
    assert result.exit_code == 2
    assert "bad.toml: key 'depth': must be between 0 and 5" in result.output
    assert not database.exists()


def test_watch_check_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["watch", "check", *map(str, SEED_FILES)])
    assert result.exit_code == 0, result.output
    assert "demo.toml: ok" in result.output
    missing = CliRunner().invoke(main, ["watch", "check", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "cannot read file" in missing.output
