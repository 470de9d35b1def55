"""Every command documented and exercised through the CLI runner."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from storage import ArticleSnapshot, Store
from tests.conftest import REPO
from wirewatch.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_commands(command, path))
    return found


ALL_COMMANDS = _commands(main)


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    command = main
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help, f"wirewatch {' '.join(path)} has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert param.help, f"option {param.opts} of {' '.join(path)} is undocumented"


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_every_command_logs_and_reports_errors_the_same_way(path: tuple[str, ...]) -> None:
    """Each command module makes its commands with the house classes (wirewatch.edge):
    -v / -q / --log-level, logging set up, domain errors as one-line messages."""
    result = CliRunner().invoke(main, [*path, "--help"])
    command = main
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    leaf = not isinstance(command, click.Group)
    assert not leaf or "--log-level" in result.output, f"wirewatch {' '.join(path)}"


def test_every_command_is_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for path in ALL_COMMANDS:
        assert f"wirewatch {' '.join(path)}" in readme, " ".join(path)


@pytest.fixture
def stored(db_url: str) -> str:
    store = Store.open(db_url)
    watch = store.ensure_watch("w", {})
    for index in range(3):
        store.store_article(
            watch,
            ArticleSnapshot(
                canonical_url=f"http://outlet.test/a{index}",
                outlet="outlet.test",
                title=f"Title {index}, with a comma",
                text=f"text {index} " * 80,
                text_hash=f"h{index}",
                authors=("A. Writer",),
                published="2024-10-21",
            ),
        )
    store.close()
    return db_url


def test_articles_list_formats(stored: str) -> None:
    as_json = CliRunner().invoke(main, ["articles", "list", "--db", stored, "--format", "json"])
    rows = json.loads(as_json.output)
    assert [r["title"] for r in rows] == [f"Title {i}, with a comma" for i in range(3)]
    as_csv = CliRunner().invoke(main, ["articles", "list", "--db", stored, "--format", "csv"])
    parsed = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert parsed[1]["title"] == "Title 1, with a comma" and parsed[1]["versions"] == "1"
    table = CliRunner().invoke(main, ["articles", "list", "--db", stored])
    assert table.exit_code == 0 and "Title 2" in table.output


def test_articles_show(stored: str) -> None:
    shown = CliRunner().invoke(main, ["articles", "show", "2", "--db", stored, "--format", "json"])
    detail = json.loads(shown.output)
    assert detail["canonical_url"] == "http://outlet.test/a1"
    assert detail["text"].startswith("text 1")
    missing = CliRunner().invoke(main, ["articles", "show", "99", "--db", stored])
    assert missing.exit_code == 2 and "no article with id 99" in missing.output


def test_extract_file_json_and_text() -> None:
    page = REPO / "tests" / "golden" / "aeb__42aad16bde928862.html.gz"
    result = CliRunner().invoke(main, ["extract", str(page)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["status"] == "article" and payload["title"].startswith("NASA")
    text = CliRunner().invoke(main, ["extract", str(page), "--format", "text"])
    assert text.output.strip() == payload["text"].strip()


def test_extract_url_from_the_newsroom(newsroom: object) -> None:
    url = newsroom.url("ajp", "/news/north-korea-troop-deployment-new-evidence")  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["extract", url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["site_name"] == "AJP"


def test_extract_non_article_exits_1(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_bytes(b"")
    result = CliRunner().invoke(main, ["extract", str(page)])
    assert result.exit_code == 1 and json.loads(result.output)["status"] == "empty"
    missing = CliRunner().invoke(main, ["extract", str(tmp_path / "nope.html")])
    assert missing.exit_code == 2 and "nope.html: cannot read" in missing.output


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["articles", "list", "--db", f"sqlite:///{tmp_path}/no/such/dir/x.db"]
    )
    assert result.exit_code == 1 and "cannot open database" in result.output


def test_run_once_is_quiet_for_cron(newsroom: object, tmp_path: Path) -> None:
    """From cron, a run prints one line per job and nothing else (no Alembic or
    APScheduler chatter); -v says more."""
    from tests.crawl_helpers import demo_watch_for

    watch = demo_watch_for(newsroom, tmp_path)  # type: ignore[arg-type]
    args = ["run", str(watch), "--once", "--db", f"sqlite:///{tmp_path / 'q.db'}",
            "--workers", "1", "--no-progress"]  # fmt: skip
    result = CliRunner().invoke(main, [*args, "--now", "2024-10-21T08:00"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["2024-10-21 08:00 recrawl:demo"]
    again = CliRunner().invoke(main, [*args, "--now", "2024-10-21T08:01", "-v"])
    assert again.exit_code == 0 and again.stdout == ""
    assert "nothing was due" in again.stderr and "alembic" not in again.stderr
