"""Email rendering: plain-text parts are not HTML-escaped; the HTML part is, and carries
its styles inline."""

from collections.abc import Callable

from django.core import mail

from oneway.accounts.models import User
from oneway.core.models import Interview
from oneway.core.services.invitations import invitation_create

TITLE = 'Sales "Pro" & <Partner> rep'


def test_subject_and_text_are_not_html_escaped(
    interview: Interview, owner: User, django_capture_on_commit_callbacks: Callable
) -> None:
    interview.title = TITLE
    interview.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            interview=interview, name="Ada O'Neil", email="ada@example.com", actor=owner
        )
    [message] = mail.outbox
    assert TITLE in message.subject
    assert "&quot;" not in message.subject and "&amp;" not in message.subject
    assert TITLE in message.body and "&#x27;" not in message.body
    html = message.alternatives[0].content  # type: ignore[attr-defined]
    assert "Sales &quot;Pro&quot; &amp; &lt;Partner&gt; rep" in html
    assert '<section class="format-card format-recorded"' in html and "style=" in html
