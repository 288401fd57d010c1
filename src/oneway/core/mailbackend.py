"""The email backend every message goes through: the configured one, counted.

settings.py names the real backend in ``EMAIL_DELIVERY_BACKEND`` and this one in
``EMAIL_BACKEND``, so emails sent by any part of Oneway (or Django) are counted in
``oneway_emails_total{outcome="sent"|"failed"}`` without each sender knowing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from oneway.core.metrics import EMAILS


class MeteredEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.inner = get_connection(
            settings.EMAIL_DELIVERY_BACKEND, fail_silently=fail_silently, **kwargs
        )

    def open(self) -> bool | None:
        return self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        messages = list(email_messages)
        try:
            sent = self.inner.send_messages(messages) or 0
        except Exception:
            EMAILS.labels("failed").inc(len(messages))
            raise
        EMAILS.labels("sent").inc(sent)
        if sent < len(messages):
            # A backend that fails silently reports fewer messages than it was given.
            EMAILS.labels("failed").inc(len(messages) - sent)
        return sent
