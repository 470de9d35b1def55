"""Every mistake a user can make gets one line saying what and where, and the documented
exit code (2 bad input, 1 failed work), never a traceback; through the CLI runner."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from storage import Store
from tests.conftest import REPO
from tests.sites import Page, Site
from wirewatch.cli import main
from wirewatch.fetching import FetchError, fetch_page

DEMO = str(REPO / "seeds" / "demo.toml")
# Each command that takes --db, with the other arguments it needs.
DB_COMMANDS = {
    "crawl": ["crawl", DEMO],
    "articles list": ["articles", "list"],
    "articles show": ["articles", "show", "1"],
    "clusters list": ["clusters", "list"],
    "clusters show": ["clusters", "show", "1"],
    "claims list": ["claims", "list"],
    "search": ["search", "troops"],
    "run": ["run", DEMO, "--once"],
    "worker": ["worker", "--once", "--redis", "redis://127.0.0.1:1/0"],
    "digest": ["digest"],
    "db upgrade": ["db", "upgrade"],
    "demo": ["demo"],
}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def one_line_error(result: Result, code: int, *words: str) -> str:
    """The result is exit `code` with one 'Error: ...' line naming `words`."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.mark.parametrize("command", sorted(DB_COMMANDS))
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not-a-url", ("not-a-url", "not a database URL")),
        ("nosuchscheme://x", ("nosuchscheme", "unknown kind of database")),
    ],
    ids=["not a URL", "unknown scheme"],
)
def test_a_bad_database_url_is_bad_input(command: str, url: str, words: tuple[str, ...]) -> None:
    one_line_error(invoke(*DB_COMMANDS[command], "--db", url), 2, "--db", *words)


def test_a_password_in_a_bad_url_is_not_shown() -> None:
    line = one_line_error(invoke("articles", "list", "--db", "nosuchscheme://u:hunter2@x/db"), 2)
    assert "hunter2" not in line


@pytest.fixture
def stored_db(tmp_path: Path) -> str:
    path = tmp_path / "ro.db"
    assert invoke("articles", "list", "--db", f"sqlite:///{path}").exit_code == 0
    return str(path)


@pytest.mark.parametrize("mode", ["mode=ro", "immutable=1"])
def test_a_read_only_database_can_be_read_but_not_written(stored_db: str, mode: str) -> None:
    url = f"sqlite:///file:{stored_db}?{mode}&uri=true"
    assert invoke("articles", "list", "--db", url).exit_code == 0
    line = one_line_error(invoke("crawl", DEMO, "--db", url), 1, "read-only")
    assert "readonly database" in line  # SQLite's own words too


def test_a_missing_database_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/dir/x.db"
    one_line_error(invoke("articles", "list", "--db", url), 1, "does not exist")


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A database on a read-only file system (a tmpfs mounted read-only; root only)."""
    folder = tmp_path / "ro-fs"
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a read-only file system needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        assert invoke("articles", "list", "--db", f"sqlite:///{folder}/w.db").exit_code == 0
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_database_on_a_read_only_file_system(read_only_folder: Path) -> None:
    url = f"sqlite:///{read_only_folder}/w.db"
    line = one_line_error(invoke("articles", "list", "--db", url), 1, "read-only file system")
    assert "-wal" in line and "immutable=1" in line
    # and the way out it names works
    readable = f"sqlite:///file:{read_only_folder}/w.db?immutable=1&uri=true"
    assert invoke("articles", "list", "--db", readable).exit_code == 0


def test_an_unwritable_digest_folder(stored_db: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with Store.open(f"sqlite:///{stored_db}") as store:
        store.ensure_watch("w", {})
    digest = ["digest", "--db", f"sqlite:///{stored_db}", "--watch", "w"]
    one_line_error(invoke(*digest, "--out", str(blocker / "sub")), 2, "--out", "a-file")


def test_digest_files_are_readable_by_others(tmp_path: Path) -> None:
    from digest.files import write_atomically

    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "d.md", "x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "d.md").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("command", [("articles", "show"), ("clusters", "show")], ids=" ".join)
def test_an_id_out_of_range_is_bad_input(stored_db: str, command: tuple[str, ...]) -> None:
    result = invoke(*command, "99999999999999999999999", "--db", f"sqlite:///{stored_db}")
    one_line_error(result, 2, "not in the range")


def test_extract_refuses_other_schemes() -> None:
    one_line_error(invoke("extract", "ftp://example.com/x.html"), 2, "only http and https")
    one_line_error(invoke("extract", "file:///etc/passwd"), 2, "only http and https")


def test_extract_names_a_missing_file(tmp_path: Path) -> None:
    one_line_error(invoke("extract", str(tmp_path / "nope.html")), 2, "nope.html", "No such file")


# --- wirewatch extract URL: fetched as carefully as the crawler fetches ------------------


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with Site("127.0.0.23") as served:
        served.add("/ftp", b"", status=302, headers={"Location": "ftp://127.0.0.23/x"})
        served.add("/slow", Page(b"<p>late</p>", delay=4.0))
        served.add("/page", "<html><body><p>hello</p></body></html>")
        yield served


def test_extract_does_not_follow_a_redirect_to_ftp(site: Site) -> None:
    one_line_error(invoke("extract", site.url("/ftp")), 1, "redirected to a ftp: URL")


def test_fetch_is_bounded_in_time_as_a_whole(site: Site) -> None:
    with pytest.raises(FetchError, match="no complete answer within 1 s"):
        fetch_page(site.url("/slow"), 1000, "test", deadline=1.0)


def test_fetch_refuses_private_addresses_unless_allowed(site: Site) -> None:
    with pytest.raises(FetchError, match=r"blocked address: 127\.0\.0\.23"):
        fetch_page(site.url("/page"), 1000, "test", allow_private=False)
    # asked for by the user (the URL given is on this machine): fetched
    assert b"hello" in fetch_page(site.url("/page"), 1000, "test").body


def test_every_command_takes_the_verbosity_options() -> None:
    from tests.test_cli import ALL_COMMANDS

    for path in ALL_COMMANDS:
        help_text = invoke(*path, "--help").output
        if "Commands:" in help_text:
            continue  # a group
        for option in ("-v, --verbose", "-q, --quiet", "--log-level"):
            assert option in help_text, (path, option)


# --- the batch commands: a bad line is reported with its number and skipped ------------

BAD_LINES = [
    (b'{"id": "bad-utf8", "text": "caf\xe9 au lait"}', "not UTF-8"),
    (b'{"id": "surrogate", "text": "half \\ud800 a character"}', "lone surrogate"),
    (b'{"id": "deep", "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    (b'{"id": ' + b"7" * 5000 + b', "text": "long id"}', "not usable JSON"),
    (b'{"id": NaN, "text": "not a number"}', "NaN is not a JSON number"),
    (b'{"id": 1e999, "text": "infinite"}', '"id" must be a string or a whole number'),
    (b'{"id": Infinity, "text": "infinite"}', "Infinity is not a JSON number"),
]
GOOD = "The NIS said about 1,500 North Korean troops had arrived in Vladivostok this week."


@pytest.mark.parametrize("command", [["dedup"], ["claims", "extract"]], ids=" ".join)
def test_batch_commands_skip_bad_lines_and_keep_the_rest(
    tmp_path: Path, command: list[str]
) -> None:
    import json

    lines = [json.dumps({"id": 1, "text": GOOD}).encode()]
    lines += [raw for raw, _ in BAD_LINES]
    lines += [json.dumps({"id": "1", "text": GOOD + " Another day."}).encode()]
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    result = CliRunner().invoke(main, [*command, str(source)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is not None
    problems = result.stderr.splitlines()
    for number, (_, reason) in enumerate(BAD_LINES, start=2):
        said = [p for p in problems if f"in.jsonl:{number}: " in p]
        assert said and reason in said[0], (reason, problems)
    out = [json.loads(line) for line in result.stdout.splitlines()]  # all valid JSON
    ids = [row["id"] for row in out]
    assert 1 in ids and "1" in ids  # two ids, each written back as given
    assert all(type(i) in (int, str) for i in ids)


def test_a_newsroom_day_out_of_range_is_bad_input() -> None:
    one_line_error(invoke("newsroom", "serve", "--day", "9"), 2, "--day", "0<=x<=4")
