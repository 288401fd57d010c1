"""Sending email: every message is three templates (subject, text, HTML) and one call.

``send_templated_email("invitation", to=[...], context={...})`` renders
``emails/invitation_subject.txt``, ``emails/invitation.txt`` and ``emails/invitation.html``.

Team mail is English. Mail to a candidate is in their invitation's language: render it, and
build whatever translated text goes into its context, inside ``in_language(code)``.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def _render_plain(name: str, context: dict[str, Any]) -> str:
    """Render a plain-text template with autoescaping off."""
    template = get_template(name)
    return str(template.template.render(Context(context, autoescape=False)))  # type: ignore[attr-defined]


_email_language: ContextVar[str | None] = ContextVar("email_language", default=None)


@contextmanager
def in_language(code: str | None) -> Iterator[str]:
    """Translate into ``code`` (a candidate's language) inside the block; the emails built
    there use it too. Without a code: the staff language (English)."""
    language = code or settings.LANGUAGE_CODE
    reset = _email_language.set(language)
    try:
        with translation.override(language):
            yield language
    finally:
        _email_language.reset(reset)


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
    # The candidate's language when built inside in_language(), else English (team mail
    # sent while a candidate's page is being answered must not follow that page's language).
    language = _email_language.get() or settings.LANGUAGE_CODE
    with translation.override(language):
        # Subject and text are plain text: no HTML escaping (a name with a quote stays one).
        subject = " ".join(_render_plain(f"emails/{template}_subject.txt", context).split())
        text = _render_plain(f"emails/{template}.txt", context)
        # Email clients ignore style sheets: shared parts (the format card) inline theirs.
        html = render_to_string(f"emails/{template}.html", {**context, "inline_styles": True})
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
