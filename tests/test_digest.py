"""The daily digest on the demo story replayed through the scheduler: golden Markdown
and JSON, the day the figures changed, a day with nothing new, byte-identical reruns,
atomic writes, the CLI, and the HTML in a real headless browser at phone and desktop
widths.

Golden files: tests/golden/digest/. After a deliberate change of the digest, rewrite
them with WIREWATCH_UPDATE_GOLDEN=1 python3 -m pytest tests/test_digest.py and review
the diff."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from digest import write_digests
from digest.files import write_atomically
from newsroom.stories import DAYS
from storage import Store
from tests.conftest import REPO
from tests.digest_replay import normalise, replay_demo
from tests.sites import SmtpInbox
from wirewatch.cli import main

GOLDEN = REPO / "tests" / "golden" / "digest"
FIGURES_DAY = "2024-10-23"  # the NIS figure changes, the AJP story is updated
QUIET_DAY = "2024-10-25"  # the newsroom publishes nothing between 10-23 and 10-29
GOLDEN_DAYS = ("2024-10-21", FIGURES_DAY, QUIET_DAY)


@pytest.fixture(scope="module")
def digests(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """(database URL, the demo watch's digest directory) with every day written."""
    tmp_path = tmp_path_factory.mktemp("digest")
    db_url, _ = replay_demo(tmp_path)
    out = tmp_path / "out"
    with Store.open(db_url) as store:
        for day in (*DAYS, QUIET_DAY):
            write_digests(store, "demo", date.fromisoformat(day), out)
    return db_url, out / "demo"


@pytest.mark.parametrize("suffix", ["md", "json"])
@pytest.mark.parametrize("day", GOLDEN_DAYS)
def test_digest_matches_its_golden_file(digests: tuple[str, Path], day: str, suffix: str) -> None:
    actual = normalise((digests[1] / f"{day}.{suffix}").read_text(encoding="utf-8"))
    golden = GOLDEN / f"demo-{day}.{suffix}"
    if os.environ.get("WIREWATCH_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


def test_the_day_the_figures_changed(digests: tuple[str, Path]) -> None:
    report = json.loads((digests[1] / f"{FIGURES_DAY}.json").read_text(encoding="utf-8"))
    assert report["schema"] == "wirewatch.digest/1" and report["date"] == FIGURES_DAY
    # the new story, with its spread: Frontier Wire's origin, syndicated the same day
    (story,) = report["new_stories"]
    assert story["origin"]["outlet"] == "Frontier Wire"
    assert [m["outlet"] for m in story["carried_by"]] == ["Frontier Wire", "Straits Observer"]
    assert story["carried_by"][1]["role"] == "syndicated"
    # the updated article and what it added
    (update,) = report["updated_articles"]
    assert update["outlet"] == "AJP" and update["removed"] == []
    assert update["added"] == [
        "South Korea's National Intelligence Service (NIS) said on Wednesday that about "
        "3,000 North Korean troops had now been sent to Russia, up from 1,500 last week."
    ]
    # new claims by story, with where they were first seen and who repeated them
    claims = [c for group in report["claims"] for c in group["claims"]]
    assert report["numbers"]["new_claims"] == len(claims) > 0
    nis = next(c for c in claims if "3,000" in c["sentence"])
    # the NIS's earlier figure in the watch is its planned total (12,000): not what the
    # 3,000 counts, so no link to it; the sentence states its own change
    assert nis["first_outlet"] == "AJP" and nis["relation"] == "update"
    assert nis["related_claim_id"] is None and nis["earlier"] is None
    assert any(c["repeated_by"] for c in claims)
    assert [c["summary"] for c in report["figure_changes"]] == ["NIS: 1,500 → about 3,000 troops"]
    markdown = (digests[1] / f"{FIGURES_DAY}.md").read_text(encoding="utf-8")
    sections = ["The day in numbers", "New stories", "Updated articles", "New claims",
                "Figures that changed", "Crawl health"]  # fmt: skip
    positions = [markdown.index(f"## {title}") for title in sections]
    assert positions == sorted(positions)


def test_every_figure_change_of_the_demo_is_a_labelled_revision(digests: tuple[str, Path]) -> None:
    """A false "figure changed" line is worse than a missing one: every line of every
    demo day is one of the story's true revisions (tests/claims_labels.py)."""
    from tests.claims_labels import REVISIONS

    lines = []
    for day in DAYS:
        report = json.loads((digests[1] / f"{day}.json").read_text(encoding="utf-8"))
        lines += [
            (c["speaker"].lower(), c["before"]["value"], c["after"]["value"], c["unit"])
            for c in report["figure_changes"]
        ]
    assert lines and set(lines) <= REVISIONS, lines


def test_a_day_with_nothing_new_still_gets_a_short_digest(digests: tuple[str, Path]) -> None:
    markdown = (digests[1] / f"{QUIET_DAY}.md").read_text(encoding="utf-8")
    assert f"Nothing new on {QUIET_DAY}" in markdown
    assert "## New stories" not in markdown and len(markdown) < 1000


def test_the_same_database_gives_byte_identical_files(
    digests: tuple[str, Path], tmp_path: Path
) -> None:
    db_url, first = digests
    with Store.open(db_url) as store:
        again = write_digests(store, "demo", date.fromisoformat(FIGURES_DAY), tmp_path)
    for path in again:
        assert path.read_bytes() == (first / path.name).read_bytes(), path.name


def test_files_are_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "demo" / "2024-10-23.md"
    write_atomically(target, "first\n")
    write_atomically(target, "second\n")
    assert target.read_text() == "second\n"
    with pytest.raises(TypeError):
        write_atomically(target, b"not text")  # type: ignore[arg-type]
    assert target.read_text() == "second\n"  # the reader still sees the whole old file
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left


def test_digest_command_writes_and_lists_the_files(
    digests: tuple[str, Path], tmp_path: Path
) -> None:
    db_url, _ = digests
    args = ["digest", "--db", db_url, "--watch", "demo", "--date", FIGURES_DAY,
            "--out", str(tmp_path), "--format", "json"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [Path(row["path"]).name for row in listed] == [
        f"{FIGURES_DAY}.{suffix}" for suffix in ("md", "html", "json")
    ]
    assert all(Path(row["path"]).is_file() for row in listed)
    unknown = CliRunner().invoke(main, ["digest", "--db", db_url, "--watch", "nope"])
    assert unknown.exit_code == 2 and "no watch named 'nope'" in unknown.output


def test_digest_send_emails_the_day_and_says_what_it_could_not_send(
    digests: tuple[str, Path], tmp_path: Path
) -> None:
    """`wirewatch digest --send` against a real SMTP server on loopback (aiosmtpd)."""
    from email import message_from_bytes, policy

    with SmtpInbox() as inbox:
        target = f"smtp://127.0.0.1:{inbox.port}?from=ww@example.org&to=desk@example.org"
        args = ["digest", "--db", digests[0], "--watch", "demo", "--date", FIGURES_DAY,
                "--out", str(tmp_path), "--send", "--format", "json"]  # fmt: skip
        result = CliRunner().invoke(main, [*args, "--notify", target])
        # each day's delivery to each target is recorded: sent once, unless --again
        repeated = CliRunner().invoke(main, [*args, "--notify", target])
        assert repeated.exit_code == 0, repeated.output
        (skipped,) = [row for row in json.loads(repeated.stdout) if "target" in row]
        assert not skipped["sent"] and skipped["skipped"] and len(inbox.envelopes) == 1
        again = CliRunner().invoke(main, [*args, "--notify", target, "--again"])
        assert again.exit_code == 0 and len(inbox.envelopes) == 2, again.output
        inbox.envelopes.pop()
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["sent"] for row in rows if "target" in row] == [True]
    (envelope,) = inbox.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert f"{FIGURES_DAY}: NIS: 1,500 → about 3,000 troops" in message["Subject"]
    html = message.get_body(("html",))
    assert html is not None
    on_disk = (tmp_path / "demo" / f"{FIGURES_DAY}.html").read_text(encoding="utf-8")
    assert html.get_content().replace("\r\n", "\n") == on_disk
    # a target that cannot be reached: the files are written, the failure said, exit 1
    down = "smtp://desk:s3cret@127.0.0.1:9?from=ww@example.org&to=desk@example.org"
    failed = CliRunner().invoke(main, [*args[:-2], "--notify", down])
    assert failed.exit_code == 1
    assert "could not be sent" in failed.output and "desk:***@127.0.0.1:9" in failed.output
    assert "s3cret" not in failed.output
    refused = CliRunner().invoke(main, [*args[:-2], "--notify", "nosuch://x"])
    assert refused.exit_code == 2 and "not a target Apprise knows" in refused.output


# --- the Atom feed -----------------------------------------------------------------------

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def test_the_feed_has_an_entry_per_day_and_per_figure_change(digests: tuple[str, Path]) -> None:
    """digests/demo/feed.xml, parsed by feedparser, with the rules a feed validator
    checks (RFC 4287): ids, titles, RFC 3339 updated times, links, an author."""
    import feedparser

    folder = digests[1]
    feed = feedparser.parse((folder / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id.startswith("urn:uuid:") and feed.feed.title == "wirewatch: demo"
    assert feed.feed.author == "wirewatch"
    assert any(link.rel == "self" for link in feed.feed.links)
    reports = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    changes = [c for report in reports for c in report["figure_changes"]]
    assert len(reports) == len(DAYS) + 1 and changes  # every day, and the quiet one
    assert len(feed.entries) == len(reports) + len(changes)
    assert len({entry.id for entry in feed.entries}) == len(feed.entries)
    raw = ET.parse(folder / "feed.xml").getroot()
    for element in raw.iter("{http://www.w3.org/2005/Atom}updated"):
        assert RFC3339.match(element.text or ""), element.text
    for entry in feed.entries:
        assert entry.title and entry.link and entry.id.startswith("urn:uuid:")
    day = next(e for e in feed.entries if e.link.endswith(f"{FIGURES_DAY}.html"))
    assert day.title.startswith(f"demo, {FIGURES_DAY}: NIS: 1,500 → about 3,000 troops")
    assert (folder / day.link).is_file()  # the link, relative to the feed, is the digest
    (nis,) = [e for e in feed.entries if e.title == "demo: NIS: 1,500 → about 3,000 troops"]
    assert "north-korea-troop-deployment-new-evidence" in nis.link
    assert nis.updated.startswith(FIGURES_DAY)
    newest_first = [entry.updated for entry in feed.entries]
    assert newest_first == sorted(newest_first, reverse=True)


def test_feed_entries_keep_their_ids_as_days_are_added(digests: tuple[str, Path]) -> None:
    """A reader must see each day and each figure change once: an entry's id does not
    depend on which other days the feed holds, nor on when the file was written."""
    from digest.feed import day_entries, render_feed

    folder = digests[1]
    reports = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]

    def entries(xml: str) -> dict[str, str]:
        root = ET.fromstring(xml)
        atom = "{http://www.w3.org/2005/Atom}"
        return {e.findtext(f"{atom}id") or "": e.findtext(f"{atom}title") or ""
                for e in root.iter(f"{atom}entry")}  # fmt: skip

    earlier, later = (
        entries(render_feed("demo", [day_entries(r) for r in reports[:3]])),
        entries(render_feed("demo", [day_entries(r) for r in reports])),
    )
    assert earlier and earlier.items() <= later.items()
    again = render_feed("demo", [day_entries(r) for r in reports])
    assert again == (folder / "feed.xml").read_text(encoding="utf-8")


def test_a_digest_that_cannot_be_read_is_left_out_of_the_feed_and_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from digest.files import write_feed

    folder = tmp_path / "demo"
    folder.mkdir()
    shutil.copy(GOLDEN / f"demo-{FIGURES_DAY}.json", folder / f"{FIGURES_DAY}.json")
    (folder / "2024-10-24.json").write_text('{"schema": "wirewatch.digest/1", "watch"')
    feed = ET.parse(write_feed(folder, "demo")).getroot()
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") or "" for e in feed]
    assert any(t.startswith(f"demo, {FIGURES_DAY}:") for t in titles)
    assert not any("2024-10-24" in t for t in titles)
    assert "2024-10-24.json: left out of the feed" in caplog.text
    # the day's entries are kept beside it: the feed is not read again from the whole
    # digest (30 MB on a busy day), even where that file is gone bad since
    assert (folder / ".feed" / f"{FIGURES_DAY}.json").is_file()
    (folder / f"{FIGURES_DAY}.json").write_text("{")
    again = ET.parse(write_feed(folder, "demo")).getroot()
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in again] == [
        e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed
    ]


# --- the HTML digest in a real browser --------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO / "screenshots"  # kept out of git (.gitignore)
# Chromium's headless window is at least 500 px wide, so a phone's 375 px is given to
# the digest as an iframe of that width, which is the viewport its layout sees.
HOST_PAGE = """<!DOCTYPE html><html><head><style>body{margin:0}</style></head><body>
<iframe id="digest" src="digest.html" style="border:0;width:%dpx;height:20000px"></iframe>
<script>
document.getElementById("digest").addEventListener("load", () => {
  const doc = document.getElementById("digest").contentDocument;
  const width = doc.documentElement.clientWidth;
  const problems = [];
  for (const el of doc.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || box.left < -0.5)) {
      problems.push("outside the page: " + el.tagName + " " + el.textContent.slice(0, 40));
    }
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible") {
      problems.push("cut off: " + el.tagName + " " + el.textContent.slice(0, 40));
    }
  }
  // headings and table headers are short words: none may break across lines
  for (const el of doc.body.querySelectorAll("th, h1, h2, h3, .numbers li")) {
    const walker = doc.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.textContent.matchAll(/\\S+/g)) {
        const range = doc.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1 && word[0].length < 20) {
          problems.push("word broken: " + el.tagName + " " + word[0]);
        }
      }
    }
  }
  const out = document.createElement("pre");
  out.id = "measure";
  out.textContent = JSON.stringify({width, scrollWidth: doc.documentElement.scrollWidth,
                                    height: doc.documentElement.scrollHeight, problems});
  document.body.prepend(out);
});
</script></body></html>"""


@pytest.fixture()
def served(digests: tuple[str, Path], tmp_path: Path) -> Iterator[str]:
    """The figure day's HTML digest on a loopback HTTP server (one origin for the host
    page and the digest, so the host page can measure it)."""
    shutil.copy(digests[1] / f"{FIGURES_DAY}.html", tmp_path / "digest.html")
    for width in (375, 1280):
        (tmp_path / f"host-{width}.html").write_text(HOST_PAGE % width, encoding="utf-8")
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *_args: None  # type: ignore[method-assign]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _chromium(*args: str) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-extensions", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
@pytest.mark.parametrize("width", [375, 1280])
def test_html_digest_fits_phone_and_desktop_widths(served: str, width: int) -> None:
    page = f"{served}/host-{width}.html"
    dom = _chromium("--window-size=1300,900", "--virtual-time-budget=5000", "--dump-dom", page)
    start = dom.index('<pre id="measure">') + len('<pre id="measure">')
    measure = json.loads(html.unescape(dom[start : dom.index("</pre>", start)]))
    assert measure["width"] == width
    assert measure["scrollWidth"] <= width, measure
    assert measure["problems"] == [], measure["problems"]
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / f"digest-{FIGURES_DAY}-{width}px.png"
    height = min(measure["height"], 16000)
    _chromium(f"--window-size={max(width, 500)},{height}", f"--screenshot={shot}",
              f"{served}/digest.html" if width > 500 else page)  # fmt: skip
    assert shot.stat().st_size > 10_000


def test_search_command_finds_ranked_articles_with_snippets(digests: tuple[str, Path]) -> None:
    db_url, _ = digests
    result = CliRunner().invoke(
        main, ["search", "Peskov hoax", "--db", db_url, "--watch", "demo", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits[0]["outlet"] == "World Desk" and "[Peskov]" in hits[0]["snippet"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    csv_out = CliRunner().invoke(main, ["search", "Peskov", "--db", db_url, "--format", "csv"])
    assert csv_out.stdout.splitlines()[0] == "id,outlet,title,snippet,last_seen,score"
    empty = CliRunner().invoke(main, ["search", "?!", "--db", db_url])
    assert empty.exit_code == 2 and "nothing to search for" in empty.output


def test_the_database_is_useful_in_datasette(digests: tuple[str, Path], tmp_path: Path) -> None:
    """docs/datasette.json on the demo database, through Datasette's own client: the
    views, full-text search on articles, and the canned queries."""
    import asyncio
    import sqlite3

    app = pytest.importorskip("datasette.app")
    database = tmp_path / "demo.db"  # the demo's database name, as the metadata names it
    source, copy = sqlite3.connect(digests[0].removeprefix("sqlite:///")), sqlite3.connect(database)
    source.backup(copy)
    source.close()
    copy.close()
    metadata = json.loads((REPO / "docs" / "datasette.json").read_text(encoding="utf-8"))
    datasette = app.Datasette([str(database)], metadata=metadata)

    async def get(path: str) -> list[dict[str, object]]:
        response = await datasette.client.get(f"/demo/{path}&_shape=array")
        assert response.status_code == 200, response.text[:500]
        rows: list[dict[str, object]] = response.json()
        return rows

    async def browse() -> None:
        spread = await get("cluster_summary.json?_sort_desc=outlets")
        assert spread[0]["origin_outlet"] == "The Korea Herald" and spread[0]["outlets"] == 4
        found = await get("articles.json?_search=Peskov+hoax&_col=title")
        assert found and "North Korean soldiers are supporting" in str(found[0]["title"])
        changes = await get("figure_updates.json?_size=50")
        assert any(c["after"] == "about 3,000 North Korean troops" for c in changes)
        said = await get("claims_by_speaker.json?speaker=Peskov")
        assert any("hoax" in str(c["content"]) for c in said)
        assert len(await get("story_spread.json?cluster_id=" + str(spread[0]["cluster_id"]))) == 4

    asyncio.run(browse())


def test_a_busy_day_shows_the_widest_stories_and_counts_the_rest(
    digests: tuple[str, Path],
) -> None:
    from digest.markdown import render_markdown
    from digest.report import SHOWN

    report = json.loads((digests[1] / f"{FIGURES_DAY}.json").read_text(encoding="utf-8"))
    story = report["new_stories"][0]
    narrow = {**story, "carried_by": story["carried_by"][:1]}
    wide = {**story, "cluster_id": 999, "title": "The widest story"}
    report["new_stories"] = [narrow] * (SHOWN["new_stories"] + 9) + [wide]
    markdown = render_markdown(report)
    assert markdown.index("The widest story") < markdown.index(narrow["title"])
    assert "… and 10 more new stories: see the JSON digest." in markdown
    assert markdown.count("Story 999") == 1


@pytest.mark.parametrize(("day", "outlet"), [("2024-10-22", "Straits Observer"),
                                             ("2024-10-29", "The Phnom Penh Post")])  # fmt: skip
def test_a_copy_is_in_the_digest_of_the_day_it_was_first_seen(
    digests: tuple[str, Path], day: str, outlet: str
) -> None:
    """The Korea Herald story (10-21) is picked up by one more outlet on each of these
    days: that day's digest says so, and the 10-21 digest shows the story as it stood
    then, without copies found later."""
    report = json.loads((digests[1] / f"{day}.json").read_text(encoding="utf-8"))
    (story,) = report["stories_spread"]
    assert story["origin"]["outlet"] == "The Korea Herald"
    assert [m["outlet"] for m in story["carried_by"] if m["new"]] == [outlet]
    assert report["numbers"]["stories_spread"] == 1
    assert f"**{outlet}**" in (digests[1] / f"{day}.md").read_text(encoding="utf-8")
    first = json.loads((digests[1] / "2024-10-21.json").read_text(encoding="utf-8"))
    outlets = {m["outlet"] for s in first["new_stories"] for m in s["carried_by"]}
    assert outlet not in outlets
