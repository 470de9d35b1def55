"""The Edge Cases Daily outlet: every awkward response a crawler meets in the wild.

/binary, /report.pdf, /empty, /huge (20 MB), /gzip-bomb (200 KB that inflate to
200 MB), /cp1252, /euckr, /mislabelled (cp1252
bytes labelled UTF-8), /loop-a <-> /loop-b (redirect loop), /private/secret (robots
disallowed), /retry-after (429 with Retry-After, then 200), /north-korea-briefing
(a good article, to show the run carries on).
"""

from __future__ import annotations

import gzip
import io
from functools import cache
from html import escape
from typing import Any

from newsroom.stories import edge_texts

HUGE_BYTES = 20 * 1024 * 1024
BOMB_BYTES = 200 * 1024 * 1024
EDGE_PATHS = (
    "/binary",
    "/report.pdf",
    "/empty",
    "/huge",
    "/gzip-bomb",
    "/cp1252",
    "/euckr",
    "/mislabelled",
    "/loop-a",
    "/private/secret",
    "/retry-after",
    "/north-korea-briefing",
)


def _article_html(title: str, paragraphs: list[str], charset: str, lang: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="{charset}">'
        f"<title>{escape(title)}</title>"
        '<meta property="og:type" content="article"></head>\n'
        f"<body><article><h1>{escape(title)}</h1>\n{body}</article></body></html>\n"
    )


def _texts() -> dict[str, Any]:
    return edge_texts()


def page_bytes(path: str) -> tuple[bytes, str]:
    """Body and Content-Type of the text pages (kept pure for the unit tests)."""
    texts = _texts()
    if path == "/cp1252":
        html = _article_html(texts["cp1252_title"], texts["cp1252"], "windows-1252", "en")
        return html.encode("cp1252"), "text/html; charset=windows-1252"
    if path == "/mislabelled":
        html = _article_html(texts["cp1252_title"], texts["cp1252"], "utf-8", "en")
        return html.encode("cp1252"), "text/html; charset=utf-8"
    if path == "/euckr":
        html = _article_html(texts["euckr_title"], texts["euckr"], "euc-kr", "ko")
        return html.encode("euc-kr"), "text/html"
    raise KeyError(path)


def _briefing() -> bytes:
    from newsroom.stories import noise_stories

    story = next(s for s in noise_stories() if s.slug == "balloons")
    return _article_html(story.title, list(story.paragraphs), "utf-8", "en").encode("utf-8")


def serve(handler: Any, path: str) -> None:
    if path == "/robots.txt":
        handler.send_text(200, "User-agent: *\nDisallow: /private/\n", "text/plain")
    elif path == "/":
        links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in EDGE_PATHS)
        handler.send_bytes(
            200, f"<html><body><ul>{links}</ul></body></html>".encode(), "text/html; charset=utf-8"
        )
    elif path == "/binary":
        handler.send_bytes(200, bytes(range(256)) * 64, "application/octet-stream")
    elif path == "/report.pdf":
        handler.send_bytes(
            200,
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            "application/pdf",
        )
    elif path == "/empty":
        handler.send_bytes(200, b"", "text/html; charset=utf-8")
    elif path == "/huge":
        _send_huge(handler)
    elif path == "/gzip-bomb":
        handler.send_bytes(200, _gzip_bomb(), "text/html; charset=utf-8",
                           headers={"Content-Encoding": "gzip"})  # fmt: skip
    elif path in ("/cp1252", "/mislabelled", "/euckr"):
        body, content_type = page_bytes(path)
        handler.send_bytes(200, body, content_type)
    elif path == "/loop-a":
        handler.send_redirect(302, "/loop-b")
    elif path == "/loop-b":
        handler.send_redirect(302, "/loop-a")
    elif path == "/retry-after":
        hit = handler.room.hits[("edge", path)]
        if hit == 1:
            handler.send_text(429, "Slow down", headers={"Retry-After": "1"})
        else:
            handler.send_bytes(200, _briefing(), "text/html; charset=utf-8")
    elif path in ("/north-korea-briefing", "/private/secret"):
        handler.send_bytes(200, _briefing(), "text/html; charset=utf-8")
    else:
        handler.send_text(404, "Not found")


@cache
def _gzip_bomb() -> bytes:
    """A small gzip body that inflates to BOMB_BYTES of HTML."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as bomb:
        bomb.write(b"<html><body>")
        chunk = b"<p>" + b"a" * 1_000_000 + b"</p>"
        for _ in range(BOMB_BYTES // len(chunk)):
            bomb.write(chunk)
    return out.getvalue()


def _send_huge(handler: Any) -> None:
    chunk = b"<p>" + b"filler text " * 85 + b"</p>\n"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(HUGE_BYTES))
    handler.end_headers()
    sent = 0
    try:
        while sent < HUGE_BYTES:
            piece = chunk[: HUGE_BYTES - sent]
            handler.wfile.write(piece)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError):
        return  # the crawler refused the page, as it should
