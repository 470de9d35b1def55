"""Page text is shown as written in every output: terminal tables and views, Markdown,
HTML, CSV and JSON. Nothing a page says can be read as Rich markup, Markdown syntax or
HTML, break a layout, or vanish.

First through the real CLI on articles crawled from a local site whose story carries
hostile brackets, then as properties: random page text through every renderer."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from digest.html import render_html
from digest.markdown import render_markdown
from tests.conftest import REPO, write_watch
from tests.crawl_helpers import crawl
from tests.sites import Site, article_html
from wirewatch.cli import main
from wirewatch.output import print_rows

HOSTILE_TITLE = "Pyongyang [/b] update [red]alert"
QUOTE = "“[They] will pay [sic] a price for this,” Defence Minister Kim Yong-hyun said."
SEARCHED = "Seoul condemned the alleged [troop] deployment on Tuesday."


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same hostile story on two outlets (so it is a cluster), crawled for real."""
    tmp = tmp_path_factory.mktemp("rendering")
    page = article_html(HOSTILE_TITLE, [SEARCHED, QUOTE])
    with Site("127.0.0.21") as first, Site("127.0.0.22") as second:
        seeds = [first.add("/north-korea-story", page), second.add("/north-korea-copy", page)]
        watch = write_watch(tmp, "hostile", seeds, depth=0,
                            allowed_domains=["127.0.0.21", "127.0.0.22"])  # fmt: skip
        db_url = f"sqlite:///{tmp / 'hostile.db'}"
        summary = crawl(watch, db_url)
    assert summary["stats"].get("articles_new") == 2, summary
    yield db_url


def _run(*args: str) -> str:
    result = CliRunner(env={"COLUMNS": "400"}).invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "command",
    [
        ("articles", "list"),
        ("articles", "show", "1"),
        ("clusters", "list"),
        ("clusters", "show", "1"),
    ],
    ids=" ".join,
)
def test_titles_are_shown_as_written(hostile_db: str, command: tuple[str, ...]) -> None:
    assert HOSTILE_TITLE in _run(*command, "--db", hostile_db)


def test_brackets_stay_in_search_snippets_and_claims(hostile_db: str) -> None:
    found = _run("search", "Seoul condemned", "--db", hostile_db)
    assert "[troop]" in found and "alleged" in found
    claims = _run("claims", "list", "--db", hostile_db)
    assert "[They] will pay [sic] a price" in claims
    shown = _run("articles", "show", "1", "--db", hostile_db)
    assert "[They] will pay [sic] a price" in shown and "alleged [troop] deployment" in shown


# --- properties: random page text through every renderer ------------------------------

# Page text as extraction gives it: any character but control characters (stripped
# before extraction) and lone surrogates (not text).
page_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=80)
PLACEHOLDER = "Placeholder words"
FIGURES_DAY_REPORT = REPO / "tests" / "golden" / "digest" / "demo-2024-10-23.json"
# The report's fields that come from pages (titles, outlets, what was said) rather
# than from wirewatch itself.
PAGE_FIELDS = frozenset(
    "title story outlet first_outlet speaker content sentence cue summary text".split()
)


def _hostile_report(text: str) -> dict[str, Any]:
    """The figure day's digest report with every page-derived string replaced."""
    report = json.loads(FIGURES_DAY_REPORT.read_text(encoding="utf-8"))

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and key in PAGE_FIELDS:
            return text
        return value

    return dict(walk(report))


def _words(text: str) -> str:
    return " ".join(text.split())


def _markdown_shape(markdown: str) -> tuple[list[tuple[str, ...]], str]:
    """(the token structure, the text the reader sees) of CommonMark + GFM tables."""
    shape: list[tuple[str, ...]] = []
    shown: list[str] = []
    for token in MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown):
        shape.append((token.type, token.tag))
        for child in token.children or ():
            if child.type == "text":
                shown.append(child.content)
                if shape[-1] != ("text",):
                    shape.append(("text",))
            else:
                shape.append((child.type, child.tag))
        shown.append("\n")
    return shape, "".join(shown)


PLAIN_MARKDOWN = _markdown_shape(render_markdown(_hostile_report(PLACEHOLDER)))


@settings(max_examples=150, deadline=None)
@given(page_text)
def test_markdown_shows_page_text_as_written(text: str) -> None:
    shape, shown = _markdown_shape(render_markdown(_hostile_report(text)))
    if _words(text):
        assert shape == PLAIN_MARKDOWN[0]  # no emphasis, link, heading or cell added
        assert _words(text) in _words(shown)


class _Shape(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html_shape(page: str) -> tuple[list[str], str]:
    parser = _Shape()
    parser.feed(page)
    parser.close()
    return parser.tags, "".join(parser.text)


PLAIN_HTML = _html_shape(render_html(_hostile_report(PLACEHOLDER)))


@settings(max_examples=150, deadline=None)
@given(page_text)
def test_html_shows_page_text_as_written(text: str) -> None:
    tags, shown = _html_shape(render_html(_hostile_report(text)))
    assert tags == PLAIN_HTML[0]
    assert _words(text) in _words(shown)


@contextmanager
def _captured(columns: int) -> Iterator[io.StringIO]:
    out = io.StringIO()
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        with redirect_stdout(out):
            yield out
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _in_order(needle: str, haystack: str) -> bool:
    """Every non-space character of `needle` appears in `haystack`, in order."""
    position = 0
    for char in "".join(needle.split()):
        position = haystack.find(char, position) + 1
        if position == 0:
            return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page_text)
def test_terminal_tables_show_page_text_as_written(text: str) -> None:
    row = {"id": 1, "outlet": text, "title": text, "snippet": text}
    with _captured(2000) as out:
        print_rows([row], ("id", "outlet", "title", "snippet"), "table")
    if "\n" not in text and all(c == " " or not c.isspace() for c in text):
        # one line: shown exactly, or with runs of spaces made one where a narrow
        # column wrapped it ("0  0" was shown as written and failed a words-only check)
        shown = out.getvalue()
        assert text.strip() in shown or _words(text) in shown
    assert _in_order(text, out.getvalue())  # several: wrapped, nothing lost


@settings(max_examples=150, deadline=None)
@given(page_text)
def test_csv_and_json_give_back_page_text(text: str) -> None:
    row = {"id": 1, "title": text}
    with _captured(80) as out:
        print_rows([row], ("id", "title"), "csv")
    assert next(csv.DictReader(io.StringIO(out.getvalue())))["title"] == text
    with _captured(80) as out:
        print_rows([row], ("id", "title"), "json")
    assert json.loads(out.getvalue())[0]["title"] == text


def test_terminal_table_keeps_a_title_that_looks_like_markup() -> None:
    with _captured(200) as out:
        print_rows([{"id": 1, "title": HOSTILE_TITLE}], ("id", "title"), "table")
    assert HOSTILE_TITLE in out.getvalue()


def test_hostile_titles_in_the_digest_keep_its_layout() -> None:
    titles = ("*bold* _it_ | cell | <script>alert(1)</script>", "line one\nline two",
              "# heading", "[link](http://evil.example)", "&amp; ~~struck~~ ![img](x)")  # fmt: skip
    for title in titles:
        report = _hostile_report(title)
        shape, shown = _markdown_shape(render_markdown(report))
        assert shape == PLAIN_MARKDOWN[0], title
        assert _words(title) in _words(shown), title
        tags, text = _html_shape(render_html(report))
        assert tags == PLAIN_HTML[0] and _words(title) in _words(text), title
        assert "<script>" not in render_html(report)


def test_every_page_field_is_replaced() -> None:
    """The properties above test something: the report has page text in all those fields."""
    report = json.dumps(_hostile_report("ZZZ-REPLACED"))
    assert report.count("ZZZ-REPLACED") > 20
    assert Path(FIGURES_DAY_REPORT).is_file()
