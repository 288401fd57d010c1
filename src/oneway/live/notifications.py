"""Emails about live interviews, each leading with the format card, with an .ics attached
whenever a calendar should change. Called from tasks (one recipient per task)."""

import logging
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from oneway.access import live_shown
from oneway.accounts.models import User
from oneway.core.emails import in_language, send_templated_email
from oneway.core.languages import live_language
from oneway.core.tokens import new_token
from oneway.live.format_card import contact_line, live_format_card
from oneway.live.ics import Method, ics_attachment
from oneway.live.models import LiveInterview, LiveLink, LiveStatus
from oneway.live.timeutil import format_moment

logger = logging.getLogger(__name__)

# Which kinds carry a calendar file, and which method.
ICS_METHOD: dict[str, Method] = {
    "invitation": "REQUEST",
    "booked": "REQUEST",
    "updated": "REQUEST",
    "link": "REQUEST",
    "cancelled": "CANCEL",
    "rebook": "CANCEL",
    "removed": "CANCEL",
}
# Kinds about a calendar state: skipped when a later change has superseded them.
SEQUENCED = {"invitation", "booked", "updated", "cancelled", "rebook", "removed"}


def candidate_page_url(live: LiveInterview) -> str:
    """Mint a fresh capability link to the candidate's page (stored hashed)."""
    token, token_hash = new_token()
    LiveLink.objects.create(live_interview=live, token_hash=token_hash)
    return settings.BASE_URL + reverse("live:candidate", args=[token])


def _short_when(live: LiveInterview, tz_name: str) -> str:
    return format_moment(live.starts_at, tz_name) if live.starts_at else ""


def _reply_to(live: LiveInterview) -> list[str]:
    if live.interview and live.interview.contact_email:
        return [live.interview.contact_email]
    if live.organiser is not None:
        return [live.organiser.email]
    return []


def _attachments(
    live: LiveInterview,
    kind: str,
    card_text: str,
    attendees: list[tuple[str, str]] | None,
    title: str | None = None,
    reschedule_url: str = "",
) -> list[tuple[str, str, str]]:
    method = ICS_METHOD.get(kind)
    if method is None or live.starts_at is None:
        return []
    if method == "REQUEST" and live.status != LiveStatus.SCHEDULED:
        return []
    return [
        ics_attachment(
            live,
            method=method,
            attendees=attendees,
            description=card_text,
            title=title,
            reschedule_url=reschedule_url,
        )
    ]


def _deliver_to_candidate(live: LiveInterview, kind: str, extra: dict[str, Any]) -> None:
    page_url = candidate_page_url(live)
    card = live_format_card(
        live, audience="candidate", link=page_url, link_label=_("Open your interview page")
    )
    card_text = render_to_string("core/format_card.txt", {"card": card, "show_link": True})
    send_templated_email(
        "live_candidate",
        to=[live.candidate_email],
        reply_to=_reply_to(live),
        context={
            "live": live,
            "kind": kind,
            "card": card,
            "page_url": page_url,
            "contact": contact_line(live),
            "when": _short_when(live, live.candidate_timezone),
            "extra": extra,
        },
        attachments=_attachments(live, kind, card_text, None, reschedule_url=page_url),
    )


def deliver(live: LiveInterview, kind: str, recipient: str, extra: dict[str, Any]) -> bool:
    """Send one email. ``recipient`` is "candidate" or "user:<id>". False if skipped."""
    if recipient == "candidate":
        # The candidate reads their invitation's language, calendar file included.
        with in_language(live_language(live)):
            _deliver_to_candidate(live, kind, extra)
        return True
    user = User.objects.filter(pk=int(recipient.split(":", 1)[1]), is_active=True).first()
    if user is None:
        return False
    is_interviewer = live.interviewers.filter(pk=user.pk).exists()
    if kind != "removed" and kind != "reschedule_request" and not is_interviewer:
        return False
    detail_url = settings.BASE_URL + reverse("live:detail", args=[live.pk])
    # Team mail has no single reader: a blind candidate is the alias, their address stays out.
    shown = live_shown(None, live)
    card = live_format_card(
        live,
        audience="interviewer",
        viewer_timezone=user.timezone_in(live.organisation),
        link=live.meeting_url if kind not in ("cancelled", "rebook", "removed") else "",
        link_label=_("Join on %(provider)s") % {"provider": live.provider_name},
        candidate_name=shown.name,
    )
    card_text = render_to_string("core/format_card.txt", {"card": card, "show_link": True})
    attendees = [(user.email, user.display_name)] if kind == "removed" else None
    if attendees is None and shown.hidden:
        attendees = [(person.email, person.display_name) for person in live.interviewers.all()]
    reply_to = (
        [live.candidate_email]
        if kind == "reschedule_request" and not shown.hidden
        else _reply_to(live)
    )
    send_templated_email(
        "live_interviewer",
        to=[user.email],
        reply_to=reply_to,
        context={
            "live": live,
            "kind": kind,
            "card": card,
            "detail_url": detail_url,
            "recipient": user,
            "candidate_name": shown.name,
            "title": shown.title,
            "when": _short_when(live, user.timezone_in(live.organisation)),
            "extra": extra,
        },
        attachments=_attachments(
            live, kind, card_text, attendees, title=shown.title, reschedule_url=detail_url
        ),
    )
    return True


def send_notification(
    live_interview_id: int, kind: str, recipient: str, sequence: int, extra: dict[str, Any]
) -> bool:
    live = (
        LiveInterview.objects.select_related(
            "organisation", "interview", "organiser", "invitation__interview"
        )
        .filter(pk=live_interview_id)
        .first()
    )
    if live is None:
        return False
    if kind in SEQUENCED and live.ics_sequence != sequence:
        logger.info("live %s: %s superseded (sequence %s)", live.pk, kind, sequence)
        return False
    if kind == "booking" and live.status != LiveStatus.AWAITING_BOOKING:
        return False
    if kind in ("link", "reschedule_request") and not live.is_open:
        return False
    return deliver(live, kind, recipient, extra)
