"""wirewatch's extraction beside bare trafilatura, on the same bytes of every page of
../shared/corpus, against the corpus's ground truth.

For each page and each extractor: whether an article was kept, token F1 of the body
against the ground-truth text, whether the title matches the ground-truth title
(fundus, readability), whether the published day is right in the page's own time zone
and the time of day within a minute (fundus, and the day for traf_eval), and whether
the text is garbled (UTF-8 read as Latin-1: "sanciÃ³n").

The pages are given as a server that says nothing of the charset would send them
("text/html"): the charset is found from the bytes and the page, as it must be when
the header is missing or wrong. trafilatura gets the same bytes and the options
wirewatch uses (metadata, no comments).

Used by tests/test_corpus.py (the side-by-side check) and runnable by hand:
    python -m tests.corpus_eval            # figures per source, as JSON
    python -m tests.corpus_eval --pages    # and one line per page where they differ
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import sys
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pages.extraction import extract_page
from tests.quality import scores

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TITLE_SOURCES = frozenset({"fundus", "readability"})  # sources whose titles are ground truth
# UTF-8 read as a one-byte charset: "Ã³", "â€™", "Â " where the truth has none.
_MOJIBAKE = re.compile(r"Ã[\u0080-\u00bf]|â€|Â[\u00a0-\u00bf]")


@dataclass(frozen=True)
class Extracted:
    kept: bool  # an article came out
    f1: float | None  # token F1 against full ground-truth text
    title_ok: bool | None  # None where the source has no ground-truth title
    day_ok: bool | None  # None where the source has no ground-truth date
    time_ok: bool | None  # None where the ground truth has no time of day
    garbled: bool
    status: str = ""
    title: str = ""
    published: str | None = None
    snippets_found: int = 0  # traf_eval: gt_with snippets present in the text
    junk_found: int = 0  # traf_eval: gt_without snippets wrongly present


@dataclass(frozen=True)
class PageResult:
    id: str
    source: str
    is_article: bool  # False for the front pages and weekly editions in readability
    ours: Extracted
    trafilatura: Extracted
    snippets_expected: int = 0
    junk_expected: int = 0


def manifest(corpus: Path = CORPUS) -> list[dict[str, Any]]:
    with (corpus / "manifest.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def evaluate_page(record: dict[str, Any], corpus: Path = CORPUS) -> PageResult:
    html = gzip.decompress((corpus / record["file"]).read_bytes())
    result = extract_page(html, record["url"], "text/html")
    article = result.article
    ours = _judge(
        record,
        article.text if article else "",
        article.title if article else "",
        article.published if article else None,
        article is not None,
        result.status.value,
    )
    text, title, published = trafilatura_extract(html, record["url"])
    theirs = _judge(record, text, title, published, bool(text.strip()), "")
    with_ = [s for s in record.get("gt_with") or [] if s]
    without = [s for s in record.get("gt_without") or [] if s]
    return PageResult(record["id"], record["source"],
                      record.get("page_type", "article") == "article", ours, theirs,
                      len(with_), len(without))  # fmt: skip


def trafilatura_extract(html: bytes, url: str) -> tuple[str, str, str | None]:
    from trafilatura import bare_extraction

    document = bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if document is None or isinstance(document, dict):
        return "", "", None
    return document.text or "", document.title or "", document.date or None


def _judge(record: dict[str, Any], text: str, title: str, published: str | None, kept: bool,
           status: str) -> Extracted:  # fmt: skip
    truth = record.get("ground_truth_text")
    f1 = None
    if truth and record.get("ground_truth_kind") != "snippets":
        f1 = scores(text, truth)[2]
    with_ = [s for s in record.get("gt_with") or [] if s]
    without = [s for s in record.get("gt_without") or [] if s]
    day_ok, time_ok = date_right(record, published) if kept else (None, None)
    if _truth_date(record) is not None:  # no article, or no date: the day is not right
        day_ok = bool(day_ok)
        time_ok = bool(time_ok) if _timed(_truth_date(record)) else None
    return Extracted(
        kept=kept,
        f1=f1,
        title_ok=same_title(title, record["title"]) if record["source"] in TITLE_SOURCES else None,
        day_ok=day_ok,
        time_ok=time_ok,
        garbled=bool(_MOJIBAKE.search(text)) and not _MOJIBAKE.search(truth or record["title"]),
        status=status,
        title=title,
        published=published,
        snippets_found=sum(s in text for s in with_),
        junk_found=sum(s in text for s in without),
    )


def same_title(got: str, want: str) -> bool:
    """Equal once Unicode forms, spacing and invisible characters (soft hyphens, zero
    widths) are set aside."""

    def folded(text: str) -> str:
        text = re.sub("[\u00ad\u200b\u200c\u200d\ufeff]", "", text)
        return " ".join(unicodedata.normalize("NFKC", text).split()).strip()

    return folded(got) == folded(want)


def _truth_date(record: dict[str, Any]) -> datetime | date | None:
    stamp = record.get("publishing_date") or record.get("gt_date")
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if len(stamp) > 10 else moment.date()


def _timed(truth: datetime | date | None) -> bool:
    """The ground truth gives a time of day, with its zone (not a day at midnight)."""
    return (isinstance(truth, datetime) and truth.tzinfo is not None
            and (truth.hour, truth.minute, truth.second) != (0, 0, 0))  # fmt: skip


def date_right(record: dict[str, Any], published: str | None) -> tuple[bool | None, bool | None]:
    """(day right, time of day right) of `published` against the ground truth: the day
    in the page's own time zone (the ground truth's offset); the time within a minute,
    as an instant when `published` has a zone, else as the clock time on the page.
    The time is judged only where the ground truth gives one (_timed)."""
    truth = _truth_date(record)
    if truth is None or not published:
        return None, None
    try:
        got = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return False, False if _timed(truth) else None
    if not isinstance(truth, datetime):
        return got.date() == truth, None
    local = got.astimezone(truth.tzinfo) if got.tzinfo and truth.tzinfo else got
    day_ok = local.date() == truth.date()
    if not _timed(truth):
        return day_ok, None
    if len(published) <= 10:
        return day_ok, False
    wall = truth if got.tzinfo is not None else truth.replace(tzinfo=None)
    return day_ok, abs((got - wall).total_seconds()) <= 60


def evaluate(corpus: Path = CORPUS, workers: int = 2) -> list[PageResult]:
    records = manifest(corpus)
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(evaluate_page, records, [corpus] * len(records), chunksize=8))


def _mean(values: list[float]) -> float:
    return round(statistics.fmean(values), 4) if values else float("nan")


def _share(flags: list[bool | None]) -> float:
    known = [f for f in flags if f is not None]
    return round(sum(known) / len(known), 4) if known else float("nan")


def summarise(results: list[PageResult]) -> dict[str, dict[str, Any]]:
    """Per source, each extractor's figures on the source's article pages."""
    summary: dict[str, dict[str, Any]] = {}
    for source in sorted({r.source for r in results}):
        everything = [r for r in results if r.source == source]
        rows = [r for r in everything if r.is_article]
        figures: dict[str, Any] = {"pages": len(rows)}
        both = [r for r in rows if r.ours.kept and r.trafilatura.kept]
        for name in ("ours", "trafilatura"):
            got = [getattr(r, name) for r in rows]
            on_both = [getattr(r, name) for r in both]
            expected = sum(r.snippets_expected for r in rows)
            junk = sum(r.junk_expected for r in rows)
            figures[name] = {
                "kept": sum(e.kept for e in got),
                "mean_f1": _mean([e.f1 for e in got if e.f1 is not None]),
                "title_exact": _share([e.title_ok for e in got]),
                "date_day": _share([e.day_ok for e in got]),
                "date_time": _share([e.time_ok for e in got]),
                # the same, on the pages both extractors keep as articles
                "title_exact_both": _share([e.title_ok for e in on_both]),
                "date_day_both": _share([e.day_ok for e in on_both]),
                "garbled": sum(e.garbled for e in got),
                "snippet_recall": round(sum(e.snippets_found for e in got) / expected, 4)
                if expected
                else None,
                "junk_rate": round(sum(e.junk_found for e in got) / junk, 4) if junk else None,
                "non_articles_kept": sum(
                    getattr(r, name).kept for r in everything if not r.is_article
                ),
            }
        summary[source] = figures
    return summary


def lost_by_us(results: list[PageResult]) -> list[PageResult]:
    """Article pages trafilatura keeps and wirewatch does not."""
    return [r for r in results if r.is_article and r.trafilatura.kept and not r.ours.kept]


def _differs(row: PageResult) -> bool:
    ours, theirs = row.ours, row.trafilatura
    worse_f1 = (ours.f1 or 0) + 0.02 < (theirs.f1 or 0)
    lost = theirs.kept and not ours.kept
    return row.is_article and (lost or worse_f1 or ours.garbled
                               or bool(theirs.title_ok and not ours.title_ok))  # fmt: skip


if __name__ == "__main__":
    found = evaluate()
    print(json.dumps(summarise(found), indent=2))
    if "--pages" in sys.argv:
        for row in filter(_differs, found):
            line = {"id": row.id, "ours": asdict(row.ours), "trafilatura": asdict(row.trafilatura)}
            print(json.dumps(line, ensure_ascii=False))
