"""The scheduler service: a re-crawl job and a daily digest job for every watch.

Built on APScheduler 3 with its SQLAlchemy job store in wirewatch's own database, so
the schedule survives restarts: a restart keeps each job's next run time unless the
watch's interval or digest time changed.

Crawls run in child processes (crawler.runner), not on a shared event loop: Twisted's
reactor cannot be restarted within a process, a scheduler starts crawls for days, and
a child that crashes or leaks memory cannot take the scheduler down with it. The
scheduler's job threads only wait on their children.

The clock can be set (`run_due(now=...)`) so that tests and the demo can replay days
of a story in seconds; the long-running `serve()` uses the real clock.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.runner import CrawlOptions, ProgressCallback, run_crawl
from crawler.runs import close_dead_runs
from digest import digest_paths, write_digests
from digest.delivery import digest_from_files
from digest.outbox import AlertSending, send_alerts, send_digest_once
from digest.report import anything_new
from fleet.service import queue_run, wait_for_run
from storage import Store
from storage.errors import explain
from storage.locks import DatabaseLock, LockHeld
from storage.store import RunInfo
from watches import Watch

logger = logging.getLogger(__name__)

JOBS_TABLE = "scheduler_jobs"
RECRAWL = "recrawl"
DIGEST = "digest"
# A digest missed while the scheduler was down is still written if it comes back
# within the day; after that the next morning's digest is the useful one.
DIGEST_GRACE = timedelta(hours=23)
# How far back a digest job writes the digests it finds missing.
DIGEST_CATCH_UP_DAYS = 7
# Crawls of different watches may overlap (each is its own process); more than a few
# at once would only make them compete for the same cores.
MAX_CONCURRENT_JOBS = 4


class _BackgroundScheduler(BackgroundScheduler):
    """APScheduler 3's background scheduler, minus its last pass over the job store
    after shutdown(): that pass runs on the real clock, would advance the stored next
    run times of jobs it can no longer submit, and so lose a replay's schedule."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        return result


class SchedulerError(RuntimeError):
    """The schedule could not be set up or run; the message says why."""


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What one job run did: a crawl's run record, or the digest files written."""

    job_id: str
    kind: str
    watch: str
    scheduled_for: datetime
    status: str  # finished | interrupted | failed | missed | written
    run: RunInfo | None = None
    paths: tuple[str, ...] = ()
    error: str | None = None
    alerts: tuple[AlertSending, ...] = ()  # what became of the alerts the crawl found

    def to_json(self) -> dict[str, Any]:
        run = self.run
        return {
            "job": self.job_id,
            "kind": self.kind,
            "watch": self.watch,
            "scheduled_for": _naive(self.scheduled_for).isoformat() + "Z",
            "status": self.status,
            "run": run.id if run else None,
            "stats": run.stats if run else None,
            "paths": list(self.paths),
            "error": self.error,
            "alerts": [dataclasses.asdict(a) for a in self.alerts],
        }


@dataclass
class SchedulerOptions:
    digest_dir: Path = Path("digests")
    # where an interrupted crawl keeps its pending requests until the next start
    state_dir: Path = Path(".wirewatch")
    crawl_settings: dict[str, Any] = field(default_factory=dict)
    log_level: str = "WARNING"
    log_file: str | None = None
    on_outcome: Callable[[JobOutcome], None] | None = None
    on_crawl_event: Callable[[str, dict[str, Any]], None] | None = None
    # set: re-crawls are queued for `wirewatch worker`s sharing this Redis, not run here
    redis_url: str | None = None


def job_id(kind: str, watch: str) -> str:
    return f"{kind}:{watch}"


class WatchScheduler:
    """Schedules and runs the jobs of a set of watches against one database."""

    def __init__(
        self, store: Store, watches: Sequence[Watch], options: SchedulerOptions | None = None
    ) -> None:
        if not watches:
            raise SchedulerError("no watches to schedule")
        by_name: dict[str, list[str]] = {}
        for watch in watches:
            by_name.setdefault(watch.name, []).append(watch.source or "?")
        for name, sources in by_name.items():
            if len(sources) > 1:
                raise SchedulerError(
                    f"{' and '.join(sources)} name the same watch {name!r}: give each "
                    "watch file its own name"
                )
        self.store = store
        self.watches = {w.name: w for w in watches}
        self.options = options or SchedulerOptions()
        self.stopping = threading.Event()
        self._virtual_now: datetime | None = None
        self._lock = DatabaseLock(store.engine, "scheduler")
        self._aps = _BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=store.engine,
                                                     tablename=JOBS_TABLE)},
            executors={"default": ThreadPoolExecutor(min(len(watches), MAX_CONCURRENT_JOBS))},
            timezone=UTC,
        )  # fmt: skip

    # --- lifecycle -------------------------------------------------------------------

    def open(self, now: datetime | None = None) -> None:
        """Load the stored schedule (paused) and bring it in line with the watches."""
        global _active
        try:
            self._lock.acquire()
        except LockHeld as exc:
            raise SchedulerError(
                f"another scheduler is already running on this database ({exc}); "
                "only one may run at a time"
            ) from exc
        if _active is not None:
            self._lock.release()
            raise SchedulerError("a scheduler is already running in this process")
        _active = self
        self._aps.start(paused=True)
        self._sync_jobs(_aware(now) if now else datetime.now(UTC))

    def close(self) -> None:
        global _active
        if self._aps.running:
            self._aps.shutdown(wait=True)
        self._lock.release()
        if _active is self:
            _active = None

    def stop(self) -> None:
        """Ask for a clean shutdown (safe from a signal handler or another thread):
        running crawls stop, their runs are marked interrupted, nothing stored is lost."""
        self.stopping.set()

    def __enter__(self) -> WatchScheduler:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- running ---------------------------------------------------------------------

    def serve(self) -> None:
        """Run jobs as they fall due, on the real clock, until stop() is called."""
        self._aps.resume()
        logger.info("scheduler started: %s", ", ".join(sorted(self.watches)))
        while not self.stopping.wait(timeout=1.0):
            pass
        logger.info("scheduler stopping: waiting for running jobs to end")
        self._aps.shutdown(wait=True)

    def run_due(self, now: datetime | None = None) -> list[JobOutcome]:
        """Run every job that is due at `now` (naive UTC; default: the real clock) once,
        oldest first, with the service's coalescing and misfire rules, and return what
        each did. Each job's next run time is stored before it runs, as APScheduler does."""
        moment = _aware(now) if now else datetime.now(UTC)
        outcomes = []
        for job in self.jobs():
            if self.stopping.is_set():
                break
            if job.next_run_time is None or job.next_run_time > moment:
                continue
            fire_time, following = _last_fire_time(job, moment)
            self._aps.modify_job(job.id, next_run_time=following)
            if moment - fire_time > timedelta(seconds=job.misfire_grace_time or 0):
                kind, watch = job.id.split(":", 1)
                outcome = JobOutcome(job.id, kind, watch, fire_time, "missed",
                                     error=f"missed by {moment - fire_time}")  # fmt: skip
                self._report(outcome)
            else:
                self._virtual_now = _naive(moment) if now else None
                outcome = self._run_job(job.id, fire_time)
            outcomes.append(outcome)
        self._virtual_now = None
        return outcomes

    def jobs(self) -> list[Job]:
        return sorted(
            self._aps.get_jobs(),
            key=lambda j: (j.next_run_time or datetime.max.replace(tzinfo=UTC), j.id),
        )

    # --- the jobs --------------------------------------------------------------------

    def recrawl(self, watch_name: str, scheduled_for: datetime) -> JobOutcome:
        watch = self.watches[watch_name]
        on_event = self.options.on_crawl_event

        def forward(event: dict[str, Any]) -> None:
            if on_event is not None:
                on_event(watch_name, event)

        if self.options.redis_url:
            run_id = queue_run(watch, self.store, self._virtual_now)
            logger.info("run %d of %s queued for the workers", run_id, watch_name)
            run = wait_for_run(self.store, run_id, self.stopping)
            return self._crawled(watch, scheduled_for, run)
        forward({"kind": "start", "outcome": "", "url": watch.seeds[0] if watch.seeds else ""})

        options = CrawlOptions(
            forward,
            self.options.crawl_settings,
            self.options.log_level,
            self.options.log_file,
            now=self._virtual_now,
            stop=self.stopping,
            resume_dir=self.options.state_dir / "crawls" / watch_name,
        )
        run = run_crawl(watch, self.store, options)
        return self._crawled(watch, scheduled_for, run)

    def _crawled(self, watch: Watch, scheduled_for: datetime, run: RunInfo) -> JobOutcome:
        """A crawl job's outcome, once the alerts its run found are sent: whatever the
        run's end (an interrupted run's alerts are as true as a finished one's), and
        never failing the job (the alerts wait in the outbox for the next run)."""
        alerts: list[AlertSending] = []
        try:
            alerts = send_alerts(
                self.store.at(self._virtual_now), watch.name, watch.notify, watch.alert_every
            )
        except Exception as exc:
            logger.error("the alerts of %s were not sent: %s", watch.name, explain(exc))
        return JobOutcome(job_id(RECRAWL, watch.name), RECRAWL, watch.name, scheduled_for,
                          run.status, run=run, error=run.error, alerts=tuple(alerts))  # fmt: skip

    def digest(self, watch_name: str, scheduled_for: datetime) -> JobOutcome:
        """The digest of the day that ended before the digest time, and of earlier
        days whose digest is missing (the scheduler was down, or runs coalesced)."""
        days = self._days_to_digest(watch_name, _naive(scheduled_for).date() - timedelta(days=1))
        written = [write_digests(self.store, watch_name, day, self.options.digest_dir)
                   for day in days]  # fmt: skip
        paths = [str(path) for day_paths in written for path in day_paths]
        status = "written" if paths else "nothing to digest"
        error = self._send(watch_name, written)
        return JobOutcome(job_id(DIGEST, watch_name), DIGEST, watch_name, scheduled_for,
                          status, paths=tuple(paths), error=error)  # fmt: skip

    def _send(self, watch_name: str, written: list[list[Path]]) -> str | None:
        """Send the days this job wrote to the watch's targets, oldest first: each day
        once (a day's digest is first written by the job of the morning after it, or,
        the scheduler having been down, by the first job after that, with the other
        missed days). A missed day with nothing new is left to its file and the feed.
        What could not be sent, or None: a target that fails never fails the job."""
        targets = self.watches[watch_name].notify
        if not targets:
            return None
        failed = []
        store = self.store.at(self._virtual_now)
        for index, paths in enumerate(written):
            digest = digest_from_files(paths)
            if index < len(written) - 1 and not anything_new(digest.report):
                continue
            for delivery in send_digest_once(store, watch_name, targets, digest):
                if not (delivery.sent or delivery.skipped):
                    failed.append(f"{digest.report['date']} not sent to {delivery.target}: "
                                  f"{delivery.error}")  # fmt: skip
        return "; ".join(failed) or None

    def _days_to_digest(self, watch_name: str, yesterday: date) -> list[date]:
        first_run = self.store.first_run_at(watch_name)
        if first_run is None or first_run.date() > yesterday:
            return []
        start = max(first_run.date(), yesterday - timedelta(days=DIGEST_CATCH_UP_DAYS))
        earlier = (start + timedelta(days=n) for n in range((yesterday - start).days))
        missing = [day for day in earlier if not self._digest_written(watch_name, day)]
        return [*missing, yesterday]  # yesterday's is rewritten: late pages may have come in

    def _digest_written(self, watch_name: str, day: date) -> bool:
        return digest_paths(self.options.digest_dir, watch_name, day)[-1].exists()

    def _run_job(self, job_id_: str, scheduled_for: datetime) -> JobOutcome:
        kind, watch = job_id_.split(":", 1)
        try:
            if kind == RECRAWL:
                outcome = self.recrawl(watch, scheduled_for)
            else:
                outcome = self.digest(watch, scheduled_for)
        except Exception as exc:  # one failing job must not end the service
            logger.exception("job %s failed", job_id_)
            outcome = JobOutcome(job_id_, kind, watch, scheduled_for, "failed", error=str(exc))
        self._report(outcome)
        return outcome

    def _report(self, outcome: JobOutcome) -> None:
        logger.info("job %s: %s", outcome.job_id, outcome.status)
        if self.options.on_outcome is not None:
            self.options.on_outcome(outcome)

    # --- the schedule ----------------------------------------------------------------

    def _sync_jobs(self, now: datetime) -> None:
        wanted = {}
        for watch in self.watches.values():
            wanted[job_id(RECRAWL, watch.name)] = (recrawl_job, *_recrawl_trigger(watch, now))
            wanted[job_id(DIGEST, watch.name)] = (digest_job, *_digest_trigger(watch))
        for job in self._aps.get_jobs():
            if job.id not in wanted:
                logger.info("removing job %s: its watch is not in this scheduler's files", job.id)
                self._aps.remove_job(job.id)
        for id_, (func, trigger, grace) in wanted.items():
            existing = self._aps.get_job(id_)
            if existing is not None and _same_schedule(existing.trigger, trigger):
                continue  # keep the stored next run time: a restart carries on
            self._aps.add_job(
                func,
                trigger,
                id=id_,
                name=id_,
                args=[id_.split(":", 1)[1]],
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=int(grace.total_seconds()),
                next_run_time=trigger.get_next_fire_time(None, now),
            )
            logger.info("scheduled %s", id_)
        self._resume_interrupted(now)

    def _resume_interrupted(self, now: datetime) -> None:
        """A crawl cut short by a shutdown, or left 'running' by a process that died,
        runs again at once on the next start."""
        for name in self.watches:
            close_dead_runs(self.store, name)
        for name in self.watches:
            last = self.store.last_run(name)
            if last is not None and last.status == "interrupted":
                logger.info("the last crawl of %s was interrupted: running it now", name)
                self._aps.modify_job(job_id(RECRAWL, name), next_run_time=now)


def _recrawl_trigger(watch: Watch, now: datetime) -> tuple[BaseTrigger, timedelta]:
    # a missed run is caught up once (coalesced) as long as it is at most one
    # interval late, which, coalesced, it always is: a restart crawls at once
    trigger = IntervalTrigger(seconds=int(watch.recrawl_interval.total_seconds()),
                              start_date=now, timezone=UTC)  # fmt: skip
    return trigger, watch.recrawl_interval


def _digest_trigger(watch: Watch) -> tuple[BaseTrigger, timedelta]:
    at = watch.digest_time
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=UTC), DIGEST_GRACE


def _same_schedule(stored: BaseTrigger, wanted: BaseTrigger) -> bool:
    if isinstance(stored, IntervalTrigger) and isinstance(wanted, IntervalTrigger):
        return stored.interval == wanted.interval
    return str(stored) == str(wanted)


def _last_fire_time(job: Job, now: datetime) -> tuple[datetime, datetime | None]:
    """The latest fire time at or before `now` (missed runs coalesce into it) and the
    first one after."""
    fire_time: datetime = job.next_run_time
    following = job.trigger.get_next_fire_time(fire_time, now)
    while following is not None and following <= now:
        fire_time = following
        following = job.trigger.get_next_fire_time(fire_time, now)
    return fire_time, following


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


# APScheduler stores jobs by a textual reference to a module-level function, so the
# jobs find the running service here rather than in their (stored, pickled) arguments.
_active: WatchScheduler | None = None


def _service() -> WatchScheduler:
    if _active is None:
        raise SchedulerError("a wirewatch job ran outside a running scheduler")
    return _active


def recrawl_job(watch_name: str) -> None:
    _service()._run_job(job_id(RECRAWL, watch_name), datetime.now(UTC))


def digest_job(watch_name: str) -> None:
    _service()._run_job(job_id(DIGEST, watch_name), datetime.now(UTC))


__all__ = [
    "JobOutcome",
    "ProgressCallback",
    "SchedulerError",
    "SchedulerOptions",
    "WatchScheduler",
    "job_id",
]
