"""``python -m oneway doctor``: prints each finding and what to fix; exit 1 on failure."""

import socket
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from huey.contrib.djhuey import HUEY

from oneway.core import doctor

pytestmark = pytest.mark.django_db


def run_doctor(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("doctor", *args, stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def line(output: str, name: str) -> str:
    return "\n".join(text for text in output.splitlines() if f" {name} " in text)


def test_a_sound_deployment_passes(settings: Any) -> None:
    code, output = run_doctor()
    assert code == 0, output
    for name in (
        "configuration",
        "database",
        "migrations",
        "storage",
        "queue",
        "codecs",
        "transcriber",
        "email",
    ):
        assert line(output, name).startswith("ok"), output
    assert "write, read and delete work" in output
    assert "a worker ran a test job" in output
    assert "Everything checked is fine." in output


def test_unwritable_storage_fails_with_what_to_do(settings: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }
    code, output = run_doctor()
    assert code == 1
    assert line(output, "storage").startswith("FAIL")
    assert "-> Create ONEWAY_MEDIA_ROOT and make it writable" in output
    assert "1 problem(s) found." in output


@pytest.fixture
def real_queue() -> Iterator[None]:
    """The queue as deployed (no consumer in the test), instead of running jobs inline."""
    HUEY.immediate = False
    yield
    HUEY.immediate = True


def test_a_queue_without_a_worker_fails(real_queue: None) -> None:
    code, output = run_doctor("--queue-timeout", "0.5")
    assert code == 1
    assert "no worker ran a test job within 0.5 s" in line(output, "queue")
    assert "-> Start the worker: python -m oneway run_huey" in output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_email_connects_to_the_mail_server(settings: Any) -> None:
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    finding = doctor.check_email()
    assert not finding.ok
    assert "Check EMAIL_URL" in finding.fix

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        finding = doctor.check_email()
    finally:
        controller.stop()
    assert finding.ok, finding.text
    assert finding.text == f"the mail server 127.0.0.1:{settings.EMAIL_PORT} accepts a session"


def test_production_without_a_mail_server_fails(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
    finding = doctor.check_email()
    assert not finding.ok
    assert finding.fix == "Set EMAIL_URL (for example submission://user:pass@host)."


def test_a_failing_check_does_not_stop_the_others() -> None:
    def check_broken() -> doctor.Finding:
        raise RuntimeError("boom")

    findings = doctor.run_checks([check_broken, doctor.check_database])
    assert [(f.name, f.ok) for f in findings] == [("broken", False), ("database", True)]
    assert findings[0].text == "the check itself failed: RuntimeError: boom"
