"""Huey tasks for media: thin wrappers around ``jobs``; they take ids, never objects.

Retries with backoff are declared here: 30 s, then 60 s, then 120 s. A job that crashes
the worker outright is found by the sweeper (every minute, and whenever a worker starts)
once its lease has expired.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from huey.contrib.djhuey import db_task, on_startup

from oneway.core.metrics import MEDIA_SECONDS
from oneway.core.periodic import periodic_task
from oneway.media import jobs

logger = logging.getLogger(__name__)

RETRIES = 3
RETRY_DELAY = 30
RETRY_BACKOFF = 2


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, context=True)
def media_process(item_id: int, task: Any = None) -> str:
    with _timed("render") as outcome:
        outcome.append(
            jobs.process_item(item_id, retries_left=task.retries if task is not None else 0)
        )
    return outcome[-1]


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF, context=True)
def media_transcribe(item_id: int, task: Any = None) -> str:
    with _timed("transcribe") as outcome:
        outcome.append(
            jobs.transcribe_item(item_id, retries_left=task.retries if task is not None else 0)
        )
    return outcome[-1]


@contextmanager
def _timed(step: str) -> Iterator[list[str]]:
    """Observe ``oneway_media_processing_seconds`` for one job; the block appends the
    job's outcome ("ready", "failed" ...), an exception counts as "error"."""
    outcome: list[str] = []
    started = time.monotonic()
    try:
        yield outcome
    except BaseException:
        outcome.append("error")
        raise
    finally:
        if outcome and outcome[-1] != "skipped":
            MEDIA_SECONDS.labels(step, outcome[-1]).observe(time.monotonic() - started)


def enqueue_processing(item_id: int) -> None:
    media_process(item_id)


def enqueue_transcription(item_id: int) -> None:
    media_transcribe(item_id)


@periodic_task(minutes=1)
def media_sweep() -> dict[str, int]:
    return jobs.sweep(enqueue_processing, enqueue_transcription)


@on_startup()
def media_sweep_on_startup() -> None:
    """A restarted worker picks up what a killed one left at once, not a minute later: a
    killed worker may also have taken messages off the queue without claiming their items,
    so every item still queued is sent again (claiming is atomic: a job runs once)."""
    from django.db import close_old_connections
    from django.utils import timezone

    try:
        counts = jobs.sweep(enqueue_processing, enqueue_transcription, lost_before=timezone.now())
        logger.info("media sweep at worker start-up: %s", counts)
    finally:
        close_old_connections()
