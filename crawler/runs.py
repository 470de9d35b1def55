"""Starting a crawl run of a watch: the bookkeeping before the first request.

One crawl of a watch at a time (a lock on the database, held for the whole crawl);
runs left 'running' by a process that died are found and closed; a run cut short is
carried on from (crawler.revisit.RevisitPlan); then the new run is recorded. Used by
crawler.runner for every crawl wirewatch starts, and by the spider itself when Scrapy's
own command starts it (scrapy crawl watch -a watch=FILE).
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from crawler.revisit import RevisitPlan, plan_revisits
from storage import Store
from storage.locks import DatabaseLock, LockHeld
from storage.urls import canonicalize_url
from watches import Watch

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StartedRun:
    watch: Watch
    watch_id: int
    run_id: int
    revisit: RevisitPlan


@contextmanager
def start_run(
    watch: Watch, store: Store, now: datetime | None = None, resume_dir: Path | None = None
) -> Iterator[StartedRun]:
    """Record a new run of `watch`, holding the watch's crawl lock until the block ends;
    raises CrawlBusy when another process is crawling the watch."""
    lock = DatabaseLock(store.engine, f"crawl-{watch.name}")
    try:
        lock.acquire()
    except LockHeld as exc:
        raise CrawlBusy(f"another crawl of watch {watch.name!r} is running ({exc})") from exc
    try:
        yield _record_start(watch, store.at(now), resume_dir)
    finally:
        lock.release()


def _record_start(watch: Watch, store: Store, resume_dir: Path | None) -> StartedRun:
    watch_id = store.ensure_watch(watch.name, watch.to_config())
    dead = store.close_dead_runs(watch_id, DIED)
    revisit, resumed_from = _carry_on(store, watch, resume_dir)
    run_id = store.start_run(watch_id, resumed_from=resumed_from)
    due = plan_revisits(store.revisit_candidates(watch_id), store.clock())
    if dead:
        logger.warning("crawl runs %s of %s were left running by a process that died: marked "
                       "interrupted", ", ".join(map(str, dead)), watch.name)  # fmt: skip
    revisit = dataclasses.replace(revisit, due=due.due, not_due=due.not_due)
    return StartedRun(watch, watch_id, run_id, revisit)


class CrawlBusy(RuntimeError):
    """Another process is crawling the same watch now."""


# The error of a run found 'running' with no process carrying it out (killed with the
# process that started it: SIGKILL, a power cut).
DIED = (
    "left unfinished: its crawl process died, or could not record the run's end "
    "(found at the next start)"
)


def _carry_on(
    store: Store, watch: Watch, resume_dir: Path | None
) -> tuple[RevisitPlan, int | None]:
    """What a new run takes over from the last one, when that one was cut short: the
    pages it could not store, the seeds fetched whole (their links followed again), and
    what it spent of the page budget; and the id of the run it carries on from.

    A run cut short cleanly (interrupted) with its queue kept carries on from the
    queue (Scrapy's JOBDIR, its spent budget kept with it). A run whose process died
    leaves a queue that cannot be trusted (Scrapy writes it whole only on a clean stop):
    it is dropped, and the run is redone from the seeds within what is left of its
    budget, once: a run that died while redoing one that died is not redone again."""
    last = store.last_run(watch.name)
    nothing = RevisitPlan((), ())
    if last is None or last.status not in ("failed", "interrupted"):
        return nothing, None
    died = last.status == "interrupted" and last.error == DIED
    if died and resume_dir is not None:
        shutil.rmtree(resume_dir, ignore_errors=True)
    elif last.status == "interrupted" and resume_dir is not None and resume_dir.exists():
        return nothing, last.id  # the queue carries on
    if died and last.resumed_from is not None and _died(store, last.resumed_from):
        logger.warning("run %d died while redoing run %d, which died too: starting afresh",
                       last.id, last.resumed_from)  # fmt: skip
        return nothing, None
    lost = tuple((str(url), int(depth)) for url, depth in last.stats.get("lost", ()))
    seeds = {canonicalize_url(seed) for seed in watch.seeds}
    redo = tuple((url, depth) for url, depth in store.pages_of_run(last.id) if url not in seeds)
    spent = len(redo)
    plan = RevisitPlan((), (), lost=lost, unconditional_seeds=True, redo=redo, spent=spent)
    return plan, last.id


def _died(store: Store, run_id: int) -> bool:
    run = store.get_run(run_id)
    return run.status == "interrupted" and run.error == DIED


def close_dead_runs(store: Store, watch: str) -> list[int]:
    """Mark the watch's runs left 'running' by a dead process as interrupted, unless a
    crawl of the watch is running now (it holds the watch's crawl lock); returns them."""
    lock = DatabaseLock(store.engine, f"crawl-{watch}")
    try:
        lock.acquire()
    except LockHeld:
        return []
    try:
        watch_id = store.watch_id(watch)
        return [] if watch_id is None else store.close_dead_runs(watch_id, DIED)
    finally:
        lock.release()
