"""Sending email: every message is three templates (subject, text, HTML) and one call.

``send_templated_email("invitation", to=[...], context={...})`` renders
``emails/invitation_subject.txt``, ``emails/invitation.txt`` and ``emails/invitation.html``.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import translation


def build_templated_email(
    template: str,
    *,
    to: Sequence[str],
    context: dict[str, Any],
    reply_to: Sequence[str] = (),
    attachments: Iterable[tuple[str, bytes | str, str]] = (),
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    context = {"base_url": settings.BASE_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        reply_to=list(reply_to),
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def send_templated_email(
    template: str, *, connection: BaseEmailBackend | None = None, **kwargs: Any
) -> None:
    """Render and send. Pass an open ``connection`` to send many over one SMTP session."""
    message = build_templated_email(template, **kwargs)
    if connection is not None:
        message.connection = connection
    message.send(fail_silently=False)
