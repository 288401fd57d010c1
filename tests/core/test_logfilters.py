"""Capability tokens never reach the server log."""

import logging

import pytest
from django.test import Client

from oneway.accounts.models import User
from oneway.candidate.testing import create_candidate
from oneway.core.logfilters import redact
from oneway.core.models import Organisation
from oneway.core.services.invitations import invitation_revoke


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def collected() -> list[str]:
    handler = Collect()
    loggers = [logging.getLogger("django.request"), logging.getLogger("granian.access")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.lines
    for logger in loggers:
        logger.removeHandler(handler)


def test_django_request_log_has_no_candidate_token(
    org: Organisation, owner: User, collected: list[str]
) -> None:
    link = create_candidate(org, actor=owner)
    invitation_revoke(invitation=link.invitation, actor=owner)
    response = Client().get(link.path)  # 410 Gone, logged
    assert response.status_code == 410
    Client().get("/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")  # unknown: 404, logged
    assert any("/c/[redacted]/" in line for line in collected)
    assert len(collected) >= 2
    assert not any(link.token in line or "AAAAAAAAAAAAAAAAAAAA" in line for line in collected)


def test_access_log_paths_are_redacted(collected: list[str]) -> None:
    access = logging.getLogger("granian.access")
    token = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"
    access.info(
        '%(addr)s - "%(method)s %(path)s" %(status)d',
        {"addr": "203.0.113.5", "method": "GET", "path": f"/live/c/{token}/book/", "status": 200},
    )
    assert collected == ['203.0.113.5 - "GET /live/c/[redacted]/book/" 200']


def test_what_is_kept() -> None:
    kept = [
        "/uploads/5f0c3b1e-1d2a-4c3b-9f00-123456789abc",
        "/static/oneway/oneway.a2817d6bca16.css",
        "/c/device-check/",
        "/app/interviews/12/invitations/34/",
    ]
    assert [redact(path) for path in kept] == kept
    assert redact("/accounts/reset/MQ/c9x4mp-0123456789abcdef0123456789abcdef/") == (
        "/accounts/reset/MQ/[redacted]/"
    )
    assert redact("/media/1/poster?sig=1abc:ZXhhbXBsZXNpZ25hdHVyZXRva2Vu&exp=9") == (
        "/media/1/poster?sig=[redacted]&exp=9"
    )
