"""The live format card: who the candidate meets, on which tool, when, and how to change it.

Rendered with the shared ``core/format_card.html`` / ``.txt`` so a live invitation reads
unmistakably different from a recorded one ("you will meet ..." vs "no one will be on the
call").
"""

import datetime
from typing import Literal

from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oneway.core.format_card import FormatCard
from oneway.live.models import LiveInterview, LiveStatus
from oneway.live.timeutil import format_moment, format_span, format_time

Audience = Literal["candidate", "interviewer"]


def contact_line(live: LiveInterview) -> str:
    email = live.interview.contact_email if live.interview else ""
    if not email and live.organiser is not None:
        email = live.organiser.email
    if not email:
        return ""
    return _("Questions before the interview? Write to %(email)s.") % {"email": email}


# After the planned end the link stays a while, for calls that overrun or a dropped line.
LINK_GRACE = datetime.timedelta(minutes=30)


def is_over(live: LiveInterview, now: datetime.datetime | None = None) -> bool:
    return live.ends_at is not None and (now or timezone.now()) >= live.ends_at + LINK_GRACE


def meeting_link_visible(live: LiveInterview, now: datetime.datetime | None = None) -> bool:
    """From the set time before the start until a little after the end."""
    now = now or timezone.now()
    visible_from = live.link_visible_from()
    return (
        live.status == LiveStatus.SCHEDULED
        and visible_from is not None
        and now >= visible_from
        and not is_over(live, now)
    )


def interviewer_names(live: LiveInterview) -> str:
    names = [user.display_name for user in live.interviewers.all()]
    return str(get_text_list(names, _("and"))) if names else _("the hiring team")


def _when(live: LiveInterview, tz_name: str) -> str:
    if live.starts_at is None or live.ends_at is None:
        return _("You choose the time: pick a slot that suits you on your interview page.")
    span = format_span(live.starts_at, live.ends_at, tz_name)
    if live.status == LiveStatus.CANCELLED:
        return _("Cancelled (it was planned for %(when)s)") % {"when": span}
    return span


def _how_to_reschedule(live: LiveInterview, tz_name: str) -> str:
    deadline = live.change_deadline()
    if live.candidate_may_reschedule and deadline is not None:
        until = format_moment(deadline, tz_name)
        if live.slot_offer_id:
            return _(
                "Need another time? Pick a different slot on your interview page until %(until)s. "
                "You can also cancel there and tell us why."
            ) % {"until": until}
        return _(
            "Need another time? Ask for one on your interview page until %(until)s. "
            "You can also cancel there and tell us why."
        ) % {"until": until}
    return _(
        "Need another time or cannot attend? Cancel on your interview page and tell us why, "
        "or reply to this message."
    )


def live_format_card(
    live: LiveInterview,
    *,
    audience: Audience = "candidate",
    viewer_timezone: str | None = None,
    link: str = "",
    link_label: str = "",
    now: datetime.datetime | None = None,
    candidate_name: str | None = None,
) -> FormatCard:
    """The card for one reader. ``viewer_timezone`` defaults to the candidate's zone;
    ``candidate_name`` is the name as the interviewer may see it (the alias in blind mode).

    ``link`` is what the button opens: the candidate's interview page (in emails) or the
    meeting itself (on the page, once it is visible).
    """
    tz_name = viewer_timezone or live.candidate_timezone
    org_tz = live.organisation.timezone
    provider = live.provider_name
    if audience == "candidate":
        headline = _("Live interview: you will meet %(names)s on %(provider)s") % {
            "names": interviewer_names(live),
            "provider": provider,
        }
    else:
        headline = _("Live interview: you will meet %(names)s on %(provider)s") % {
            "names": live.candidate_name if candidate_name is None else candidate_name,
            "provider": provider,
        }
    when_elsewhere = ""
    if live.starts_at is not None and live.ends_at is not None and org_tz != tz_name:
        when_elsewhere = _("For %(organisation)s: %(when)s") % {
            "organisation": live.organisation.name,
            "when": format_span(live.starts_at, live.ends_at, org_tz),
        }
    facts = [
        ngettext(
            "Duration: %(minutes)d minute", "Duration: %(minutes)d minutes", live.duration_minutes
        )
        % {"minutes": live.duration_minutes},
        _("A real person is on the call, so you can ask questions in the moment."),
        _("Where: %(provider)s (a video call link)") % {"provider": provider},
    ]
    if live.dial_in:
        facts.append(_("Dial-in or location: %(text)s") % {"text": live.dial_in})
    notes: list[str] = []
    if audience == "candidate":
        visible_from = live.link_visible_from()
        if (
            visible_from is not None
            and live.status == LiveStatus.SCHEDULED
            and live.link_visible_minutes
        ):
            facts.append(
                _(
                    "The meeting link appears on your interview page from %(time)s "
                    "(%(minutes)d minutes before the start) and is in the calendar invitation."
                )
                % {
                    "time": format_time(visible_from, tz_name),
                    "minutes": live.link_visible_minutes,
                }
            )
        if live.candidate_notes:
            notes.append(_("What to prepare: %(notes)s") % {"notes": live.candidate_notes})
        else:
            notes.append(
                _(
                    "What to prepare: a quiet place, a working camera and microphone, "
                    "and a few minutes early to test %(provider)s."
                )
                % {"provider": provider}
            )
        if live.status == LiveStatus.SCHEDULED:
            notes.append(_how_to_reschedule(live, tz_name))
        elif live.status == LiveStatus.AWAITING_BOOKING:
            notes.append(
                _(
                    "Slots go first come, first served. If none of them suits you, "
                    "tell the hiring team and they will find another time."
                )
            )
    elif live.candidate_notes:
        notes.append(
            _("The candidate was asked to prepare: %(notes)s") % {"notes": live.candidate_notes}
        )
    return FormatCard(
        format="live",
        headline=headline,
        when=_when(live, tz_name),
        when_elsewhere=when_elsewhere,
        facts=facts,
        contact=contact_line(live) if audience == "candidate" else "",
        notes=notes,
        link=link,
        link_label=link_label,
    )
