"""Small helpers shared by the live tests."""

import datetime
import secrets
from typing import Any

from django.core import mail
from django.utils import timezone

from oneway.core.tokens import hash_token
from oneway.live.models import LiveInterview, LiveLink

UTC = datetime.UTC


def at(days: float = 3, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A round UTC time ``days`` from today."""
    base = timezone.now().astimezone(UTC) + datetime.timedelta(days=days)
    return base.replace(hour=hour, minute=minute, second=0, microsecond=0)


def candidate_token(live: LiveInterview) -> str:
    """A fresh capability link for tests (the emails carry their own)."""
    token = secrets.token_urlsafe(32)
    LiveLink.objects.create(live_interview=live, token_hash=hash_token(token))
    return token


def outbox_to(address: str) -> list[mail.EmailMultiAlternatives]:
    return [m for m in mail.outbox if address in m.to]  # type: ignore[misc]


def ics_of(message: Any) -> bytes | None:
    for name, content, mimetype in message.attachments:
        if name.endswith(".ics"):
            assert mimetype.startswith("text/calendar")
            return content.encode() if isinstance(content, str) else content
    return None
