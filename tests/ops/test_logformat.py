"""JSON log lines: request ids, access lines, and never tokens or email addresses."""

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from oneway.core.logformat import JsonFormatter, redact, request_id_var
from oneway.core.tokens import new_token


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []
        self.raw: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        self.raw.append(text)
        self.lines.append(json.loads(text))


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    root = logging.getLogger()
    root.addHandler(handler)
    access = logging.getLogger("oneway.access")
    level = access.level
    access.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    access.setLevel(level)


def test_a_line_is_one_json_object_with_the_request_id() -> None:
    record = logging.LogRecord("oneway.x", logging.WARNING, __file__, 1, "hello %s", ("you",), None)
    reset = request_id_var.set("abcdef0123456789")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(reset)
    assert line["message"] == "hello you"
    assert line["level"] == "WARNING"
    assert line["logger"] == "oneway.x"
    assert line["request_id"] == "abcdef0123456789"
    assert line["time"].endswith("+00:00")


def test_extra_values_and_exceptions_do_not_leak() -> None:
    token, _ = new_token()
    record = logging.LogRecord("oneway.x", logging.ERROR, __file__, 1, "failed", (), None)
    record.candidate_email = "ann@example.com"  # passed with extra=...
    try:
        raise ValueError(f"bad link {token} for ann@example.com")
    except ValueError:
        record.exc_info = sys.exc_info()
    text = JsonFormatter().format(record)
    assert token not in text
    assert "ann@example.com" not in text
    assert "[redacted]" in json.loads(text)["exception"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("link /c/Qm9uam91ciBsZXMgYW1pcyBkZSBsYSB0b2tlbg7/ opened", "link /c/[redacted]/ opened"),
        ("mail to Ann.Lee+jobs@example.co.uk failed", "mail to [redacted] failed"),
        # Ids, digests and names are not secrets and stay readable.
        (
            "upload 0f5e6c2a-1b7d-4c41-9d0e-1c2b3a4d5e6f",
            "upload 0f5e6c2a-1b7d-4c41-9d0e-1c2b3a4d5e6f",
        ),
        ("sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", None),
        ("task send_invitation_emails_to_everyone ran", None),
    ],
)
def test_redaction(text: str, expected: str | None) -> None:
    assert redact(text) == (expected if expected is not None else text)


@pytest.mark.django_db
def test_not_found_lines_name_the_route_not_the_token(lines: Lines, settings: Any) -> None:
    settings.LOG_FORMAT = "json"
    token, _ = new_token()
    response = Client().get(f"/c/{token}/", HTTP_X_REQUEST_ID="req-1234567890")
    assert response.status_code == 404
    everything = "\n".join(lines.raw)
    assert token not in everything
    access = [line for line in lines.lines if line["logger"] == "oneway.access"]
    assert len(access) == 1
    assert access[0] == {
        **access[0],
        "request_id": "req-1234567890",
        "method": "GET",
        "route": "/c/<str:token>/",
        "view": "candidate:enter",
        "status": 404,
    }
    assert access[0]["message"] == "GET /c/<str:token>/ 404"
    assert access[0]["duration_ms"] >= 0


def test_the_setting_switches_the_console_to_json(tmp_path: Any) -> None:
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('oneway.probe').warning('hello from %s', 'json')"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONEWAY_")},
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_DATA_DIR": str(tmp_path),
        "ONEWAY_LOG_FORMAT": "json",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello from json"
    assert line["logger"] == "oneway.probe"


def test_an_unknown_log_format_is_refused(tmp_path: Any) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONEWAY_")},
        "DJANGO_SETTINGS_MODULE": "oneway.settings",
        "ONEWAY_DATA_DIR": str(tmp_path),
        "ONEWAY_LOG_FORMAT": "xml",
    }
    result = subprocess.run(
        [sys.executable, "-m", "oneway", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "ONEWAY_LOG_FORMAT must be plain or json" in result.stderr
