"""Scheduled re-crawls (APScheduler). Filled in by the scheduler issue."""
