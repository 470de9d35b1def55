"""Bad pages against the real local server: each becomes a recorded fetch error, the run
carries on, and nothing stored before is lost or duplicated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsroom import Newsroom
from newsroom.edge import EDGE_PATHS
from tests.conftest import write_watch
from tests.crawl_helpers import crawl, demo_watch_for, query


@pytest.fixture(scope="module")
def hostile(newsroom: Newsroom, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile")
    db_url = f"sqlite:///{tmp / 'hostile.db'}"
    crawl(demo_watch_for(newsroom, tmp), db_url)  # something stored before
    before = query(
        db_url,
        "select a.id, canonical_url, text_hash from articles a "
        "join article_versions v on v.article_id = a.id order by v.id",
    )
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{sock.getsockname()[1]}/north-korea"
    seeds = [newsroom.url("edge", path) for path in EDGE_PATHS] + [refused]
    watch = write_watch(tmp, "hostile", seeds, depth=0, allowed_domains=["127.0.0.19", "127.0.0.1"])
    summary = crawl(watch, db_url)
    return {
        "db": db_url,
        "room": newsroom,
        "summary": summary,
        "before": before,
        "refused": refused,
    }


def _errors(hostile: dict[str, Any]) -> dict[str, str]:
    return dict(
        query(hostile["db"], "select url, error_kind from fetches where error_kind is not null")
    )


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/binary", "not_html"),
        ("/report.pdf", "not_html"),
        ("/empty", "empty"),
        ("/huge", "too_large"),
        ("/gzip-bomb", "too_large"),
        ("/loop-a", "redirect_loop"),
        ("/private/secret", "robots"),
    ],
)
def test_bad_page_is_a_recorded_error(hostile: dict[str, Any], path: str, kind: str) -> None:
    assert _errors(hostile)[hostile["room"].url("edge", path)] == kind


def test_connection_refused_is_recorded(hostile: dict[str, Any]) -> None:
    assert _errors(hostile)[hostile["refused"]] == "connection_refused"


def test_run_carries_on_and_finishes(hostile: dict[str, Any]) -> None:
    summary = hostile["summary"]
    assert summary["status"] == "finished"
    # cp1252, euckr, mislabelled, briefing, and the briefing again behind a 429
    assert summary["stats"]["articles_new"] == 5
    assert set(summary["stats"]["errors"]) >= {
        "not_html",
        "empty",
        "too_large",
        "redirect_loop",
        "robots",
        "connection_refused",
    }


@pytest.mark.parametrize(
    ("path", "must_contain"),
    [
        ("/cp1252", "“We have absorbed what we could,” said the owner of a café"),
        ("/mislabelled", "“We have absorbed what we could,” said the owner of a café"),
        ("/euckr", "전국 주요 산의 단풍이 절정을 맞으면서"),
    ],
)
def test_charsets_are_decoded(hostile: dict[str, Any], path: str, must_contain: str) -> None:
    url = hostile["room"].url("edge", path)
    rows = query(
        hostile["db"],
        "select v.text from articles a join article_versions v "
        "on v.article_id = a.id where a.canonical_url = ?",
        url,
    )
    assert rows and must_contain in rows[0][0]
    assert "\ufffd" not in rows[0][0]


def test_retry_after_is_honoured(hostile: dict[str, Any]) -> None:
    url = hostile["room"].url("edge", "/retry-after")
    assert query(hostile["db"], "select count(*) from articles where canonical_url = ?", url) == [
        (1,)
    ]


def test_nothing_stored_before_is_lost_or_duplicated(hostile: dict[str, Any]) -> None:
    after = query(
        hostile["db"],
        "select a.id, canonical_url, text_hash from articles a "
        "join article_versions v on v.article_id = a.id order by v.id",
    )
    assert after[: len(hostile["before"])] == hostile["before"]
    urls = [u for (u,) in query(hostile["db"], "select canonical_url from articles")]
    assert len(urls) == len(set(urls))


def test_huge_page_is_refused_early(hostile: dict[str, Any], tmp_path: Path) -> None:
    rows = query(
        hostile["db"],
        "select bytes from fetches where url = ?",
        hostile["room"].url("edge", "/huge"),
    )
    assert rows == [(None,)]  # never downloaded, never stored


def test_private_addresses_are_refused_unless_the_watch_allows_them(
    newsroom: Newsroom, tmp_path: Path
) -> None:
    """A watch for the open web never reaches this machine or its network: an IP
    literal is refused before connecting, and a name is checked on the address it
    resolves to ("localhost" looks harmless and is 127.0.0.1)."""
    story = newsroom.url("ajp", "/news/north-korea-troop-deployment-new-evidence")
    by_name = story.replace("127.0.0.12", "localhost")
    embedded = ["::ffff:127.0.0.1", "64:ff9b::7f00:c", "2002:7f00:c::", "::127.0.0.12"]
    seeds = [story, by_name, *(f"http://[{host}]:9/north-korea" for host in embedded)]
    db_url = f"sqlite:///{tmp_path / 'ssrf.db'}"
    hosts = ["127.0.0.12", "localhost", *embedded]
    closed = write_watch(tmp_path, "closed", seeds, depth=0, allow_private_addresses=False,
                         allowed_domains=hosts)  # fmt: skip
    summary = crawl(closed, db_url, exit_code=1)  # nothing could be fetched: a failed run
    assert summary["stats"]["errors"] == {"blocked_address": 6}, summary
    assert summary["error"] == "nothing could be fetched: 6 blocked_address"
    assert query(db_url, "select count(*) from articles") == [(0,)]
    kinds = dict(query(db_url, "select url, error_kind from fetches"))
    assert set(kinds.values()) == {"blocked_address"}
    # the same watch, allowed: the page is fetched
    opened = write_watch(tmp_path, "opened", [story], depth=0, allowed_domains=["127.0.0.12"])
    assert crawl(opened, db_url)["stats"]["articles_new"] == 1


def test_address_checks() -> None:
    from crawler.addresses import is_public_address

    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.0.1", "169.254.169.254",
                    "::1", "fe80::1", "::ffff:10.0.0.1", "0.0.0.0", "224.0.0.1", "100.64.0.1",
                    "localhost", "",
                    # IPv6 that embeds IPv4: NAT64, 6to4, IPv4-compatible, SIIT, local NAT64
                    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "2002:a00:1::5",
                    "::127.0.0.1", "::8.8.8.8", "::ffff:0:7f00:1", "64:ff9b:1::808:808",
                    "[64:ff9b::127.0.0.1]"):  # fmt: skip
        assert not is_public_address(address), address
    for address in ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8",
                    "64:ff9b::808:808", "2002:808:808::1"):  # fmt: skip
        assert is_public_address(address), address


def test_control_characters_do_not_lose_the_article(tmp_path: Path) -> None:
    """A stray control byte (\\x07, an escape sequence) made trafilatura return nothing:
    the article was lost as 'empty'."""
    from tests.sites import Site, article_html

    page = article_html("North Korea troops", ["A bell \x07 rang in Seoul \x1b[31m as troops "
                                               "moved\x0bnorth."])  # fmt: skip
    with Site("127.0.0.27") as site:
        url = site.add("/news/north-korea-bell", page.encode("utf-8"))
        watch = write_watch(tmp_path, "bell", [url], depth=0, allowed_domains=["127.0.0.27"])
        db_url = f"sqlite:///{tmp_path / 'bell.db'}"
        summary = crawl(watch, db_url)
    assert summary["stats"]["articles_new"] == 1, summary
    (text,) = [t for (t,) in query(db_url, "select text from article_versions")]
    assert "A bell rang in Seoul [31m as troops moved north." in text
