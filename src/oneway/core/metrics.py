"""Prometheus metrics (prometheus-client), summed over every process of a host.

Web server workers and job consumers write their counters and histograms to files in
``METRICS_DIR`` (prometheus-client's multiprocess mode, chosen by settings.py before this
module is imported); a scrape adds them up. What is measured:

- ``oneway_http_requests_total{view,method,status}`` and
  ``oneway_http_request_duration_seconds{view}``: every request, by URL name;
- ``oneway_upload_chunks_total``, ``oneway_upload_bytes_total``: acknowledged tus data;
  ``oneway_uploads_total{event}``: created, completed, refused;
- ``oneway_job_queue_depth{state}``: jobs waiting (``pending``) or scheduled for later,
  read from the queue at scrape time;
- ``oneway_jobs_total{kind,outcome}`` and ``oneway_job_duration_seconds{kind}``: every
  background job run, by task name; outcome ``complete``, ``error`` or ``locked``;
- ``oneway_periodic_runs_total{job,outcome}``: periodic jobs run or skipped because
  another consumer ran them this period (oneway.core.periodic);
- ``oneway_media_processing_seconds{step,outcome}``: rendition and transcript work;
- ``oneway_emails_total{outcome}``: messages handed to the mail server, sent or failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "oneway_http_requests", "HTTP requests answered, by URL name.", ["view", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "oneway_http_request_duration_seconds",
    "Time to answer an HTTP request (until the response is handed to the server).",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
UPLOAD_CHUNKS = Counter("oneway_upload_chunks", "Upload requests whose data was acknowledged.")
UPLOAD_BYTES = Counter("oneway_upload_bytes", "Upload bytes acknowledged (stored durably).")
UPLOADS = Counter("oneway_uploads", "Uploads created, completed or refused.", ["event"])
JOBS = Counter("oneway_jobs", "Background job runs, by task and outcome.", ["kind", "outcome"])
JOB_SECONDS = Histogram(
    "oneway_job_duration_seconds",
    "Time a background job ran, by task.",
    ["kind"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600),
)
MEDIA_SECONDS = Histogram(
    "oneway_media_processing_seconds",
    "Media processing time (rendition and poster, or transcript), by outcome.",
    ["step", "outcome"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
PERIODIC_RUNS = Counter(
    "oneway_periodic_runs",
    "Periodic job executions: ran (claimed the period) or skipped (another consumer had).",
    ["job", "outcome"],
)
EMAILS = Counter("oneway_emails", "Email messages handed to the mail server.", ["outcome"])


class QueueDepthCollector(Collector):
    """Jobs waiting in the queue, read at scrape time (not a per-process value)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from huey.contrib.djhuey import HUEY

        depth = GaugeMetricFamily(
            "oneway_job_queue_depth", "Background jobs waiting, by state.", labels=["state"]
        )
        up = GaugeMetricFamily("oneway_job_queue_up", "1 if the job queue could be read.")
        try:
            pending, scheduled = HUEY.pending_count(), HUEY.scheduled_count()
        except Exception:
            logger.warning("metrics: the job queue could not be read", exc_info=True)
            up.add_metric([], 0)
        else:
            depth.add_metric(["pending"], pending)
            depth.add_metric(["scheduled"], scheduled)
            up.add_metric([], 1)
            yield depth
        yield up


def exposition() -> tuple[bytes, str]:
    """The text exposition of every process's metrics and the queue depth."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(QueueDepthCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


# --- Background jobs: Huey's pre/post-execute hooks -----------------------------------

_STARTED = "_oneway_started"


def _job_started(task: Any) -> None:
    setattr(task, _STARTED, time.monotonic())


def _job_finished(task: Any, value: Any, exc: BaseException | None) -> None:
    from huey.exceptions import TaskLockedException

    kind = getattr(task, "name", type(task).__name__)
    if exc is None:
        outcome = "complete"
    elif isinstance(exc, TaskLockedException):
        outcome = "locked"
    else:
        outcome = "error"
    JOBS.labels(kind, outcome).inc()
    started = getattr(task, _STARTED, None)
    if started is not None and outcome != "locked":
        JOB_SECONDS.labels(kind).observe(time.monotonic() - started)


def install_job_hooks() -> None:
    """Measure every job this process runs (called from CoreConfig.ready)."""
    from huey.contrib.djhuey import HUEY

    HUEY.pre_execute(name="oneway_metrics_started")(_job_started)
    HUEY.post_execute(name="oneway_metrics_finished")(_job_finished)
