"""Periodic jobs that run once per period, however many job consumers run.

Every Huey consumer has a scheduler that enqueues the periodic jobs whose time has come,
so with two consumers (two worker hosts, or a restart overlapping the old process) each
job would be queued, and run, twice. ``periodic_task`` declares a job by its period and
claims the period in the database before running it: the first consumer to get there
inserts a ``PeriodicRun`` row for (job, start of the period); the others hit the unique
constraint and skip. The database is the one thing every host shares, on SQLite and
PostgreSQL alike, and the rows show the operator when each job last ran.

Jobs run inline (``ONEWAY_HUEY_IMMEDIATE``, and the test suite) have no consumers to
race and claim nothing. A claimed run that fails is not run again in the same period (these jobs are sweeps: the
next period picks up what was left). ``oneway_periodic_runs_total{job,outcome}`` counts
runs and skips.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from oneway.core.metrics import PERIODIC_RUNS

logger = logging.getLogger(__name__)

# Claims are kept this long (the operator's history), then deleted by the next run.
KEEP_CLAIMS = timedelta(days=7)

F = TypeVar("F", bound=Callable[..., Any])


def period_start(now: datetime, period: timedelta) -> datetime:
    """The start of the period ``now`` falls in, periods counted from the Unix epoch
    (so 5-minute periods start at :00, :05 ..., hourly ones on the hour, UTC)."""
    seconds = int(period.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def claim_period(name: str, period: timedelta, now: datetime | None = None) -> bool:
    """Claim (``name``, this period) for this consumer; False if another one has."""
    from oneway.core.models import PeriodicRun

    now = now or timezone.now()
    slot = period_start(now, period)
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(
                name=name, slot=slot, started_at=now, runner=f"{socket.gethostname()}:{os.getpid()}"
            )
    except IntegrityError:
        return False
    PeriodicRun.objects.filter(name=name, slot__lt=now - KEEP_CLAIMS).delete()
    return True


def _schedule(
    minutes: int, hours: int, days: int, at_minute: int, at_hour: int
) -> tuple[Any, timedelta]:
    if sum(1 for n in (minutes, hours, days) if n) != 1:
        raise ValueError("Give exactly one of minutes, hours or days.")
    if minutes:
        if 60 % minutes:
            raise ValueError("minutes must divide 60.")
        return crontab(minute=f"*/{minutes}"), timedelta(minutes=minutes)
    if hours:
        if 24 % hours:
            raise ValueError("hours must divide 24.")
        return crontab(minute=str(at_minute), hour=f"*/{hours}"), timedelta(hours=hours)
    if days != 1:
        raise ValueError("days must be 1.")
    return crontab(minute=str(at_minute), hour=str(at_hour)), timedelta(days=1)


def periodic_task(
    *,
    minutes: int = 0,
    hours: int = 0,
    days: int = 0,
    at_minute: int = 0,
    at_hour: int = 0,
    **options: Any,
) -> Callable[[F], F]:
    """A Huey periodic task (``db_periodic_task``) that runs once per period.

    ``minutes=5``: every 5 minutes; ``hours=1, at_minute=17``: hourly at :17;
    ``days=1, at_hour=3``: daily at 03:00 UTC. The job returns None when skipped.
    """
    schedule, period = _schedule(minutes, hours, days, at_minute, at_hour)

    def decorate(fn: F) -> F:
        name = f"{fn.__module__}.{fn.__name__}"

        @functools.wraps(fn)
        def once(*args: Any, **kwargs: Any) -> Any:
            if HUEY.immediate:
                return fn(*args, **kwargs)
            if not claim_period(name, period):
                PERIODIC_RUNS.labels(fn.__name__, "skipped").inc()
                logger.info("periodic job %s: this period already ran elsewhere", name)
                return None
            PERIODIC_RUNS.labels(fn.__name__, "ran").inc()
            return fn(*args, **kwargs)

        return db_periodic_task(schedule, **options)(once)  # type: ignore[no-any-return]

    return decorate
