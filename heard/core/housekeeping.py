"""Recurring upkeep that apps add to `manage.py housekeeping` (run every 15 minutes, see
docs/operations.md). Core cannot import the apps above it, so each app registers its own job in its
AppConfig.ready(): a function of the current time that does its work, bounded, and says in one line
what it did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Job = Callable[[dt.datetime], str]

_jobs: list[Job] = []


def register(job: Job) -> Job:
    """Add `job` to every housekeeping run (once, however often the app is made ready)."""
    if job not in _jobs:
        _jobs.append(job)
    return job


def jobs() -> list[Job]:
    return list(_jobs)
