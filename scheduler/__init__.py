"""Scheduled re-crawls and daily digests for every watch, on APScheduler 3."""

from scheduler.service import (
    JobOutcome,
    SchedulerError,
    SchedulerOptions,
    WatchScheduler,
    job_id,
)

__all__ = ["JobOutcome", "SchedulerError", "SchedulerOptions", "WatchScheduler", "job_id"]
