"""Crawl throughput against raw extraction speed, side by side on the same pages.

Serves the real pages of ../shared/corpus (repeated under distinct URLs until there are
--pages of them) from a local site spread over several loopback hosts, then reports:

* raw extraction rate: pages.extraction.extract_page alone, on one core and on two
  (a process pool), over the same pages; and, on two cores, the whole analysis the
  crawl's pool does per page (pages.analysis.analyze_page: extraction, links, claims);
* end to end: `wirewatch crawl` of a watch whose sitemaps list every page, with the
  default settings (fetch, analyse in the pool, store in SQLite, clusters and claims
  on), and the CPU time per page of each stage: the analysis pool, the crawl
  process's writer thread (the page's transaction: page, version, cluster, claims,
  signature) and the rest of the crawl process (Scrapy's event loop: fetching,
  scheduling, handing pages to and from the pool).

Usage: python benchmarks/crawl_throughput.py [--pages 2100] [--hosts 16] [--json FILE]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from crawler.runner import CrawlOptions, run_crawl
from pages.analysis import analyze_page
from pages.extraction import extract_page
from storage import Store
from watches import parse_watch

# (path, body) -> the body served: lets a benchmark vary repeated pages as it serves
# them, without holding every variant in memory
PageEdit = Callable[[str, bytes], bytes]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def load_pages(count: int) -> list[tuple[str, bytes]]:
    records = [json.loads(line) for line in (CORPUS / "manifest.jsonl").open()]
    pages: list[tuple[str, bytes]] = []
    while len(pages) < count:
        for record in records:
            if len(pages) == count:
                break
            body = gzip.decompress((CORPUS / record["file"]).read_bytes())
            pages.append((f"{record['id'].replace('/', '-')}-{len(pages)}", body))
    return pages


class Site:
    """The pages spread over `hosts` loopback addresses, each with a news sitemap."""

    def __init__(
        self, pages: list[tuple[str, bytes]], hosts: int, edit: PageEdit | None = None
    ) -> None:
        self.edit = edit
        self.by_host: list[dict[str, bytes]] = [{} for _ in range(hosts)]
        for index, (name, body) in enumerate(pages):
            self.by_host[index % hosts][f"/a/{name}.html"] = body
        self.servers: list[ThreadingHTTPServer] = []

    def start(self) -> list[str]:
        bases = []
        for index, pages in enumerate(self.by_host):
            handler = _handler(pages, self.edit)
            server = ThreadingHTTPServer((f"127.0.1.{index + 1}", 0), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
            bases.append(f"http://127.0.1.{index + 1}:{server.server_address[1]}")
        return bases

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()


def _handler(pages: dict[str, bytes], edit: PageEdit | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            host = self.headers.get("Host", "")
            if self.path == "/robots.txt":
                self.reply(b"User-agent: *\nAllow: /\n", "text/plain")
            elif self.path == "/sitemap.xml":
                urls = "".join(
                    f"<url><loc>http://{host}{path}</loc><news:news><news:keywords>benchmark"
                    "</news:keywords></news:news></url>"
                    for path in pages
                )
                self.reply(
                    (
                        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                        'sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                        f"{urls}</urlset>"
                    ).encode(),
                    "application/xml",
                )
            elif self.path in pages:
                body = pages[self.path] if edit is None else edit(self.path, pages[self.path])
                self.reply(body, "text/html; charset=utf-8")
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def reply(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _extract(item: tuple[str, bytes]) -> str:
    return extract_page(item[1], f"http://bench.test/{item[0]}", "text/html; charset=utf-8").status


def _analyze(item: tuple[str, bytes]) -> str:
    url = f"http://bench.test/{item[0]}"
    return analyze_page(item[1], url, "text/html; charset=utf-8", False).status


def raw_rate(
    pages: list[tuple[str, bytes]], workers: int, work: Callable[[Any], str] = _extract
) -> float:
    work(pages[0])  # imports and caches, as a warm crawl worker has them
    start = time.perf_counter()
    if workers == 1:
        for page in pages:
            work(page)
    else:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(work, pages, chunksize=4))
    return len(pages) / (time.perf_counter() - start)


def end_to_end(
    bases: list[str], pages: int, db_url: str, workers: int | None = None
) -> dict[str, Any]:
    watch = parse_watch(
        {
            "name": "benchmark",
            "sitemaps": [f"{b}/sitemap.xml" for b in bases],
            "keywords": ["benchmark"],
            "depth": 0,
            "max_pages": pages,
            "allow_private_addresses": True,
        }
    )
    settings = {} if workers is None else {"WIREWATCH_EXTRACTION_WORKERS": workers}
    store = Store.open(db_url)
    start = time.perf_counter()
    server_cpu = time.process_time()  # this process only serves pages during the crawl
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = run_crawl(watch, store, CrawlOptions(settings=settings))
    store.close()
    wall = time.perf_counter() - start
    server_cpu = time.process_time() - server_cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The crawl child is reaped here; its extraction workers are not counted in this figure.
    crawler_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    fetched = int(run.stats.get("pages_fetched", 0))
    crawl_seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else wall

    def per_page(key: str) -> float:
        return round(float(run.stats.get(key, 0)) / max(fetched, 1), 1)

    process = per_page("cpu_ms_crawl_process")
    store = per_page("cpu_ms_store")
    return {
        "pages_fetched": fetched,
        "wall_seconds": round(wall, 1),
        "pages_per_second": round(fetched / wall, 1),
        "status": run.status,
        "errors": run.stats.get("errors"),
        "crawl_seconds": round(crawl_seconds, 1),
        "cpu_seconds_crawl_main_process": round(crawler_cpu, 1),
        "cpu_seconds_local_web_server": round(server_cpu, 1),
        "cpu_ms_per_page": {
            "analysis_pool": per_page("cpu_ms_analysis"),
            "crawl_process": process,
            "crawl_process_writer_thread": store,
            "crawl_process_rest": round(process - store, 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2100)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="extraction workers for the crawl (default: the crawler's own)",
    )
    parser.add_argument("--crawl-only", action="store_true", help="skip the raw extraction runs")
    args = parser.parse_args()
    pages = load_pages(args.pages)
    result: dict[str, Any] = {"pages": len(pages), "hosts": args.hosts, "cores": os.cpu_count()}
    if not args.crawl_only:
        result["raw_pages_per_second_1_core"] = round(raw_rate(pages, 1), 1)
        result["raw_pages_per_second_2_cores"] = round(raw_rate(pages, 2), 1)
        result["raw_analysis_pages_per_second_2_cores"] = round(raw_rate(pages, 2, _analyze), 1)
    site = Site(pages, args.hosts)
    bases = site.start()
    with tempfile.TemporaryDirectory() as tmp:
        result["end_to_end"] = end_to_end(
            bases, len(pages), f"sqlite:///{tmp}/bench.db", args.workers
        )
    site.stop()
    if "raw_pages_per_second_2_cores" in result:
        result["end_to_end_over_raw_2_cores"] = round(
            result["end_to_end"]["pages_per_second"] / result["raw_pages_per_second_2_cores"], 2
        )
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
