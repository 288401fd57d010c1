"""The invitation email through a real SMTP server (aiosmtpd on 127.0.0.1)."""

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pytest_django.fixtures import Settings as SettingsWrapper

from oneway.accounts.models import User
from oneway.core.models import Interview
from oneway.core.selectors import invitation_for_token
from oneway.core.services.invitations import invitation_create


class Collector:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.sessions = 0

    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(settings: SettingsWrapper) -> Iterator[Collector]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Oneway <noreply@oneway.test>"
    try:
        yield collector
    finally:
        controller.stop()


def test_invitation_is_delivered_over_smtp(
    smtp_server: Collector,
    interview: Interview,
    owner: User,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _ = invitation_create(
            interview=interview,
            name="Ada Lovelace",
            email="ada@example.com",
            timezone="Asia/Kolkata",
            actor=owner,
        )
    [(sender, recipients, raw)] = smtp_server.messages
    assert sender == "noreply@oneway.test"
    assert recipients == ["ada@example.com"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == (
        "Acme Hiring invites you to a recorded interview: Support engineer"
    )
    assert message["Reply-To"] == "jobs@acme.test"
    assert message.get_content_type() == "multipart/alternative"
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    text = text_part.get_content()
    html = html_part.get_content()
    assert text.lstrip().startswith("== RECORDED INTERVIEW ==")
    assert "(Asia/Kolkata)" in text and "For Acme Hiring that is" in text
    assert "Recorded interview: no one will be on the call" in html
    token = text.split("/c/")[1].split("/")[0]
    assert invitation_for_token(token) == invitation


def test_a_csv_batch_goes_out_over_one_smtp_session(
    smtp_server: Collector,
    interview: Interview,
    owner: User,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    from oneway.core.services.invitation_imports import (
        invitation_import_confirm,
        invitation_import_create,
    )

    rows = "name,email\n" + "".join(f"C{n},c{n}@example.com\n" for n in range(5))
    upload = invitation_import_create(
        interview=interview, raw=rows.encode(), filename="x.csv", actor=owner
    )
    with django_capture_on_commit_callbacks(execute=True):
        invitation_import_confirm(invitation_import=upload, actor=owner)
    assert sorted(r[0] for _, r, _ in smtp_server.messages) == [
        f"c{n}@example.com" for n in range(5)
    ]
    assert smtp_server.sessions == 1
