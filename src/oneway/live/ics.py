"""RFC 5545 calendar invitations (iTIP REQUEST and CANCEL) built with ``icalendar``.

One UID for the whole life of a live interview; SEQUENCE goes up with every change, so a
calendar replaces the event in place on an update and removes it on a cancel. Times are
written in UTC, which every calendar understands and no DST rule can bend.
"""

import datetime
from email.utils import parseaddr
from typing import Literal
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from oneway.live.models import LiveInterview

Method = Literal["REQUEST", "CANCEL"]
ICS_MIMETYPE = "text/calendar"
PRODID = "-//Oneway//Live interviews//EN"


def event_uid(live: LiveInterview) -> str:
    host = urlsplit(settings.BASE_URL).hostname or "oneway.invalid"
    return f"live-{live.ics_uid}@{host}"


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = value
    return address


def organiser_address(live: LiveInterview) -> tuple[str, str]:
    """(email, name) of the ORGANIZER: the member who set it up, else the sender address."""
    if live.organiser is not None:
        return live.organiser.email, live.organiser.display_name
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return email or "noreply@localhost", name or live.organisation.name


def event_summary(live: LiveInterview, title: str | None = None) -> str:
    """ "Live interview: Backend engineer (Acme)", said once even when the title (staff
    titles start as "Live interview: <position>") already says it."""
    title = (live.title if title is None else title).strip()
    label = _("Live interview")
    if title.casefold().startswith(label.casefold()):
        return _("%(title)s (%(organisation)s)") % {
            "title": title,
            "organisation": live.organisation.name,
        }
    return _("Live interview: %(title)s (%(organisation)s)") % {
        "title": title,
        "organisation": live.organisation.name,
    }


def event_description(
    live: LiveInterview, *, card_text: str, method: Method, reschedule_url: str = ""
) -> str:
    """The format card's text, then the meeting link and where to reschedule, each once.

    ``icalendar`` escapes it (commas, semicolons, backslashes, line breaks) and folds its
    lines at 75 octets, as RFC 5545 asks.
    """
    parts = [card_text.strip()] if card_text.strip() else []
    if method == "REQUEST":
        if live.meeting_url and live.meeting_url not in card_text:
            parts.append(_("Meeting link: %(url)s") % {"url": live.meeting_url})
        if reschedule_url and reschedule_url not in card_text:
            parts.append(_("To reschedule or cancel: %(url)s") % {"url": reschedule_url})
    return "\n\n".join(parts)


def build_ics(
    live: LiveInterview,
    *,
    method: Method = "REQUEST",
    attendees: list[tuple[str, str]] | None = None,
    description: str = "",
    reschedule_url: str = "",
    now: datetime.datetime | None = None,
    title: str | None = None,
) -> bytes:
    """The calendar file for the interview's current time and SEQUENCE.

    ``attendees`` defaults to the candidate and every interviewer, as (email, name);
    ``title`` to the live interview's (pass the one the reader may see in blind mode);
    ``description`` is the reader's format card as text, ``reschedule_url`` the page where
    this reader moves or cancels the interview.
    """
    if live.starts_at is None or live.ends_at is None:
        raise ValueError("A live interview without a time has no calendar entry.")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", event_uid(live))
    event.add("dtstamp", (now or timezone.now()).astimezone(datetime.UTC))
    event.add("dtstart", live.starts_at.astimezone(datetime.UTC))
    event.add("dtend", live.ends_at.astimezone(datetime.UTC))
    event.add("sequence", live.ics_sequence)
    event.add("summary", event_summary(live, title))
    text = event_description(
        live, card_text=description, method=method, reschedule_url=reschedule_url
    )
    if text:
        event.add("description", text)
    event.add("location", live.meeting_url)
    event.add("url", live.meeting_url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    email, name = organiser_address(live)
    event.add("organizer", _address(email, name))
    if attendees is None:
        attendees = [(live.candidate_email, live.candidate_name)] + [
            (user.email, user.display_name) for user in live.interviewers.all()
        ]
    for attendee_email, attendee_name in attendees:
        event.add(
            "attendee",
            _address(
                attendee_email,
                attendee_name,
                cutype="INDIVIDUAL",
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp="TRUE",
            ),
        )
    calendar.add_component(event)
    return calendar.to_ical()


def ics_attachment(
    live: LiveInterview, *, method: Method, **kwargs: object
) -> tuple[str, str, str]:
    """An (filename, content, mimetype) triple for ``send_templated_email``."""
    content = build_ics(live, method=method, **kwargs).decode("utf-8")  # type: ignore[arg-type]
    filename = "cancel.ics" if method == "CANCEL" else "invite.ics"
    # The method parameter lets mail clients show Accept/Decline (RFC 6047).
    return filename, content, f"{ICS_MIMETYPE}; method={method}"
