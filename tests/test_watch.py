"""Watch files: every file in seeds/ loads; bad files fail with file, key and reason."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import REPO
from watches import WatchError, load_watch, parse_watch
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
    (
        'name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\n'
        'allowed_domains = ["b.example"]\n',
        "seeds",
        "not on the watch's allowed_domains",
    ),
    (
        'name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\n'
        'recrawl_interval = "99999999999999d"\n',
        "recrawl_interval",
        "at most 365 days",
    ),
    (
        'name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\nnotify = ["desk"]\n',
        "notify",
        "item 1 is not a target URL",
    ),
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


def test_a_notify_target_that_could_never_be_sent_to_is_refused_before_crawling(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.toml"
    path.write_text('name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\n'
                    'notify = ["json://127.0.0.1/hook", "smtp://mail.example"]\n')  # fmt: skip
    database = tmp_path / "never.db"
    result = CliRunner().invoke(main, ["crawl", str(path), "--db", f"sqlite:///{database}"])
    assert result.exit_code == 2, result.output
    assert "w.toml: key 'notify': item 2: smtp://mail.example: an email target needs" in (
        result.output
    )
    assert not database.exists()
    checked = CliRunner().invoke(main, ["watch", "check", str(path)])
    assert checked.exit_code == 2 and "key 'notify': item 2" in checked.output


def test_watch_check_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["watch", "check", *map(str, SEED_FILES)])
    assert result.exit_code == 0, result.output
    assert "demo.toml: ok" in result.output
    missing = CliRunner().invoke(main, ["watch", "check", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2 and "cannot read file" in missing.output


@pytest.mark.parametrize("nesting", ["a = " + "[" * 100_000 + "]" * 100_000,
                                     "a = " + "{b = " * 20_000 + "1" + "}" * 20_000])  # fmt: skip
def test_deeply_nested_toml_is_a_clear_error(tmp_path: Path, nesting: str) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(nesting, encoding="utf-8")
    with pytest.raises(WatchError, match=r"deep\.toml: invalid TOML: nested too deeply"):
        load_watch(path)
    result = CliRunner().invoke(main, ["watch", "check", str(path)])
    assert result.exit_code == 2 and "nested too deeply" in result.output


def test_a_digest_time_with_an_offset_is_taken_in_utc(tmp_path: Path) -> None:
    path = tmp_path / "offset.toml"
    path.write_text('name = "x"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\n'
                    'digest_time = "07:00+05:00"\n')  # fmt: skip
    assert load_watch(path).digest_time == time(2, 0)


def test_watch_check_reports_every_bad_file(tmp_path: Path) -> None:
    files = []
    for name, depth in (("one", "-1"), ("good", "1"), ("two", "9")):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'name = "{name}"\nseeds = ["http://a.example/"]\nkeywords = ["k"]\n'
                        f"depth = {depth}\n")  # fmt: skip
        files.append(str(path))
    result = CliRunner().invoke(main, ["watch", "check", *files])
    assert result.exit_code == 2
    assert "one.toml: key 'depth'" in result.output and "two.toml: key 'depth'" in result.output
    assert "good.toml: ok (good: 1 seed, depth 1, max 200 pages)" in result.output
    assert "2 watch files of 3 cannot be used" in result.output


def _same_name(tmp_path: Path, *folders: str) -> list[Path]:
    paths = []
    for folder in folders:
        (tmp_path / folder).mkdir(exist_ok=True)
        path = tmp_path / folder / "w.toml"
        path.write_text(f'name = "same"\nseeds = ["http://127.0.0.1:9/{folder}"]\n'
                        'keywords = ["k"]\nallow_private_addresses = true\n')  # fmt: skip
        paths.append(path)
    return paths


def test_two_files_naming_one_watch_are_refused_with_both_names(tmp_path: Path) -> None:
    first, second = _same_name(tmp_path, "a", "b")
    db = f"sqlite:///{tmp_path / 'w.db'}"
    result = CliRunner().invoke(main, ["run", str(first), str(second), "--once", "--db", db])
    assert result.exit_code == 2
    assert str(first) in result.output and str(second) in result.output
    # one at a time: the second is not merged into the first's watch (the crawls reach a
    # closed port, so they fail with 1: nothing could be fetched; the refusal is a 2)
    assert CliRunner().invoke(main, ["crawl", str(first), "--db", db]).exit_code == 1
    merged = CliRunner().invoke(main, ["crawl", str(second), "--db", db])
    assert merged.exit_code == 2, merged.output
    assert "names the same watch 'same'" in merged.output and str(first) in merged.output
    # the first file, moved away: its watch may be taken over
    first.unlink()
    taken_over = CliRunner().invoke(main, ["crawl", str(second), "--db", db])
    assert taken_over.exit_code == 1 and "nothing could be fetched" in taken_over.output


def test_run_reads_the_watches_in_seeds_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'w.db'}"
    empty = CliRunner().invoke(main, ["run", "--once", "--db", db])
    assert empty.exit_code == 2 and "no watch files in" in empty.output
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "mine.toml").write_text(
        'name = "mine"\nseeds = ["http://127.0.0.1:9/a"]\nkeywords = ["k"]\n'
        "allow_private_addresses = true\n"
    )
    result = CliRunner().invoke(main, ["run", "--once", "--db", db, "--workers", "0",
                                       "--now", "2024-10-21T08:00"])  # fmt: skip
    jobs = [line.split(": ", 1)[0].split()[-1] for line in result.stdout.splitlines()]
    assert jobs == ["recrawl:mine"], result.output  # not the bundled demo's watches


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_a_watch_comes_back_whole_from_its_stored_form(path: Path) -> None:
    """What crawl workers (no watch files) crawl by: the stored form gives back the same
    watch, durations as values, not written out and read back."""
    import dataclasses

    from watches import watch_from_config

    watch = load_watch(path)
    again = watch_from_config(watch.to_config())
    assert dataclasses.replace(again, source=watch.source) == watch


def test_the_readmes_example_watch_files_are_valid_with_their_targets() -> None:
    """The complete watch files the README shows (email, chat webhook) are read as
    `wirewatch watch check` reads them: their rules parse and every target is one the
    sender accepts."""
    import re
    import tomllib

    from digest.delivery import check_target

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "\nseeds" in b]
    assert len(blocks) >= 2
    for block in blocks:
        watch = parse_watch(tomllib.loads(block), "README.md")
        assert watch.notify and watch.alerts
        for target in watch.notify:
            check_target(target)
