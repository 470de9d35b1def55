import pytest

from storage.urls import URLError, canonicalize_url, outlet_of


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&utm_medium=y", "https://example.com/a"),
        ("https://example.com/a?fbclid=1&gclid=2&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?UTM_Campaign=z&page=2", "https://example.com/a?page=2"),
        ("https://example.com./a", "https://example.com/a"),
        ("http://127.0.0.11:8931/news/x?utm_source=rss", "http://127.0.0.11:8931/news/x"),
        # one page, whatever escapes, dot segments or host form a link uses (w3lib's rules)
        ("http://a.test/a%7eb", "http://a.test/a~b"),
        ("http://a.test/a%7Eb", "http://a.test/a~b"),
        ("http://a.test/x/../a", "http://a.test/a"),
        ("http://a.test/./a/./b", "http://a.test/a/b"),
        ("http://bücher.de/x", "http://xn--bcher-kva.de/x"),
        ("http://xn--bcher-kva.de/x", "http://xn--bcher-kva.de/x"),
        ("http://a.test/a b", "http://a.test/a%20b"),
        ("http://a.test/%e4%bd%a0", "http://a.test/%E4%BD%A0"),
        ("http://a.test/你好?q=é", "http://a.test/%E4%BD%A0%E5%A5%BD?q=%C3%A9"),
    ],
)
def test_canonical_form(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected


def test_canonicalisation_is_idempotent() -> None:
    once = canonicalize_url("HTTPS://A.example/p?z=1&utm_term=q&a=2#f")
    assert canonicalize_url(once) == once


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/a",
        "mailto:x@example.com",
        "/relative",
        "http://",
        "http://example.com:99999/",
        "http://\\/",  # found by the fuzz test: w3lib reads "\\" as a path separator
    ],
)
def test_rejects_what_cannot_identify_a_page(url: str) -> None:
    with pytest.raises(URLError):
        canonicalize_url(url)


def test_outlet_is_host_and_port() -> None:
    assert outlet_of("http://127.0.0.12:8931/news/a") == "127.0.0.12:8931"
    assert outlet_of("https://WWW.Example.com/a") == "www.example.com"
