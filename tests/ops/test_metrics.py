"""/metrics: protected, summed over processes, and counting what the issue names."""

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.test import Client
from metrics_samples import Samples, value

from oneway.core.tasks import doctor_ping

Scrape = Callable[[], Samples]


def test_metrics_do_not_exist_without_a_token(client: Client) -> None:
    assert client.get("/metrics").status_code == 404


def test_metrics_refuse_a_wrong_token(client: Client, metrics_token: str) -> None:
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status(client: Client, scrape: Scrape) -> None:
    before = scrape()
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page/")
    after = scrape()
    name = "oneway_http_requests_total"
    assert (
        value(after, name, view="healthz", method="GET", status="200")
        - value(before, name, view="healthz", method="GET", status="200")
        == 2
    )
    assert (
        value(after, name, view="unmatched", method="GET", status="404")
        - value(before, name, view="unmatched", method="GET", status="404")
        == 1
    )
    count = "oneway_http_request_duration_seconds_count"
    assert value(after, count, view="healthz") - value(before, count, view="healthz") == 2


@pytest.mark.django_db
def test_queue_depth_is_read_at_scrape_time(scrape: Scrape) -> None:
    samples = scrape()
    assert ("oneway_job_queue_depth", (("state", "pending"),)) in samples
    assert value(samples, "oneway_job_queue_up") == 1


@pytest.mark.django_db
def test_jobs_are_counted_and_timed_by_kind(scrape: Scrape) -> None:
    before = scrape()
    doctor_ping("abc")
    after = scrape()
    kind = "doctor_ping"
    jobs = "oneway_jobs_total"
    assert (
        value(after, jobs, kind=kind, outcome="complete")
        - value(before, jobs, kind=kind, outcome="complete")
        >= 1
    )
    seconds = "oneway_job_duration_seconds_count"
    assert value(after, seconds, kind=kind) > value(before, seconds, kind=kind)


@pytest.mark.django_db
def test_emails_are_counted_sent_and_failed(scrape: Scrape, settings: Any) -> None:
    settings.EMAIL_BACKEND = "oneway.core.mailbackend.MeteredEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    before = scrape()
    send_mail("Hello", "Body", "from@example.com", ["to@example.com"])
    assert len(mail.outbox) == 1
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    with pytest.raises(OSError):
        send_mail("Hello", "Body", "from@example.com", ["to@example.com"])
    after = scrape()
    name = "oneway_emails_total"
    assert value(after, name, outcome="sent") - value(before, name, outcome="sent") == 1
    assert value(after, name, outcome="failed") - value(before, name, outcome="failed") == 1


def test_counts_of_other_processes_are_added(scrape: Scrape) -> None:
    """A granian worker or job consumer is another process writing to the same folder."""
    before = scrape()
    code = (
        "import django; django.setup(); "
        "from oneway.core.metrics import EMAILS; EMAILS.labels('sent').inc(5)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "oneway.settings"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    after = scrape()
    name = "oneway_emails_total"
    assert value(after, name, outcome="sent") - value(before, name, outcome="sent") == 5


def test_a_worker_host_exposes_its_metrics_with_the_exporter(tmp_path: Any) -> None:
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_METRICS_TOKEN": "exporter-token",
    }
    exporter = subprocess.Popen(
        [sys.executable, "-m", "oneway", "metrics_exporter", "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
            except urllib.error.HTTPError as error:
                assert error.code == 401
                break
            except OSError:
                assert time.monotonic() < deadline, "the exporter did not start"
                time.sleep(0.2)
        request = urllib.request.Request(url, headers={"Authorization": "Bearer exporter-token"})
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
        assert "oneway_job_queue_up" in text
    finally:
        exporter.terminate()
        exporter.wait(timeout=10)
