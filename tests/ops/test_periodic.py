"""Periodic jobs run once per period, however many job consumers enqueue them."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from metrics_samples import Samples, value
from prometheus_client import CollectorRegistry, generate_latest, multiprocess

from oneway.core.models import PeriodicRun
from oneway.core.periodic import claim_period, period_start, periodic_task
from oneway.core.tasks import expire_invitations

REDIS_DB = int(os.environ.get("ONEWAY_TEST_REDIS_DB", "15"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


def test_periods_start_on_round_times() -> None:
    at = datetime(2026, 12, 2, 12, 7, 31, tzinfo=UTC)
    assert period_start(at, timedelta(minutes=5)) == datetime(2026, 12, 2, 12, 5, tzinfo=UTC)
    assert period_start(at, timedelta(hours=1)) == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert period_start(at, timedelta(days=1)) == datetime(2026, 12, 2, tzinfo=UTC)
    assert period_start(at, timedelta(minutes=1)) == datetime(2026, 12, 2, 12, 7, tzinfo=UTC)


def test_schedules_must_fit_the_clock() -> None:
    with pytest.raises(ValueError, match="divide 60"):
        periodic_task(minutes=7)
    with pytest.raises(ValueError, match="exactly one"):
        periodic_task(minutes=5, hours=1)


@pytest.mark.django_db
def test_a_period_is_claimed_once_and_old_claims_are_dropped() -> None:
    # A minute into a 5-minute period, so that 30 s later is still the same period.
    now = period_start(timezone.now(), timedelta(minutes=5)) + timedelta(minutes=1)
    old = PeriodicRun.objects.create(name="job", slot=now - timedelta(days=8))
    assert claim_period("job", timedelta(minutes=5), now)
    assert not claim_period("job", timedelta(minutes=5), now + timedelta(seconds=30))
    assert claim_period("other", timedelta(minutes=5), now)
    assert claim_period("job", timedelta(minutes=5), now + timedelta(minutes=5))
    assert not PeriodicRun.objects.filter(pk=old.pk).exists()
    assert PeriodicRun.objects.filter(name="job").count() == 2


@pytest.fixture
def queued_jobs() -> Iterator[None]:
    """As in production: jobs go through a consumer's queue, not inline."""
    HUEY.immediate = False
    yield
    HUEY.immediate = True


@pytest.mark.django_db
def test_a_second_run_in_the_same_period_is_skipped(queued_jobs: None) -> None:
    runs = PeriodicRun.objects.filter(name="oneway.core.tasks.expire_invitations")
    minute = timedelta(minutes=1)
    first = period_start(timezone.now(), minute)
    assert expire_invitations.call_local() is None
    assert runs.count() == 1
    expire_invitations.call_local()
    # Both calls fall in one minute's period, unless the clock crossed into the next.
    assert runs.count() == (1 if period_start(timezone.now(), minute) == first else 2)


# --- Two consumers on Redis -----------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def consumer_metrics(folder: Path) -> Samples:
    from metrics_samples import parse

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(folder))
    return parse(generate_latest(registry).decode())


@pytest.fixture
def redis_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    redis.Redis.from_url(REDIS_URL).flushdb()
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    yield {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONEWAY_")},
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url(),
        "ONEWAY_REDIS_URL": REDIS_URL,
        "ONEWAY_METRICS_DIR": str(metrics),
        "ONEWAY_TRANSCRIBER": "none",
    }
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_consumers_on_redis_run_each_periodic_job_once(
    redis_env: dict[str, str], tmp_path: Path
) -> None:
    # Both consumers enqueue the every-minute jobs when they start; start them well
    # inside one minute so that both copies belong to the same period.
    if datetime.now(UTC).second >= 40:
        time.sleep(61 - datetime.now(UTC).second)
    consumers = []
    for n in range(2):
        log = open(tmp_path / f"consumer-{n}.log", "wb")  # noqa: SIM115
        consumers.append(
            (
                subprocess.Popen(
                    [sys.executable, "-m", "oneway", "run_huey", "--workers", "2"],
                    env=redis_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )
    folder = Path(redis_env["ONEWAY_METRICS_DIR"])
    jobs = ["expire_invitations", "media_sweep"]
    try:
        deadline = time.monotonic() + 60
        while True:
            samples = consumer_metrics(folder)
            done = all(
                value(samples, "oneway_periodic_runs_total", job=job, outcome="ran")
                + value(samples, "oneway_periodic_runs_total", job=job, outcome="skipped")
                >= 2
                for job in jobs
            )
            if done:
                break
            assert time.monotonic() < deadline, (tmp_path / "consumer-0.log").read_text()
            time.sleep(0.5)
        # The queue round trip of `doctor`, on Redis, through these consumers.
        doctor = subprocess.run(
            [sys.executable, "-m", "oneway", "doctor", "--queue-timeout", "30"],
            env=redis_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "ok   queue          Redis: a worker ran a test job" in doctor.stdout, doctor.stdout
    finally:
        for process, log in consumers:
            process.send_signal(signal.SIGINT)
        for process, log in consumers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
    for job in jobs:
        assert value(samples, "oneway_periodic_runs_total", job=job, outcome="ran") == 1, job
        assert value(samples, "oneway_periodic_runs_total", job=job, outcome="skipped") == 1, job
        assert PeriodicRun.objects.filter(name__endswith=f".{job}").count() == 1
