"""The calendar invitations, parsed back with icalendar."""

import datetime
from collections.abc import Callable
from typing import Any

from django.core import mail
from icalendar import Calendar

from oneway.accounts.models import User
from oneway.live.ics import build_ics
from oneway.live.models import LiveInterview
from oneway.live.services import live_interview_cancel, live_interview_reschedule

from .helpers import at, ics_of, outbox_to

UTC = datetime.UTC


def parse(content: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def attendee_emails(event: Any) -> set[str]:
    attendees = event.get("attendee")
    if not isinstance(attendees, list):
        attendees = [attendees]
    return {str(a).removeprefix("mailto:") for a in attendees}


def test_invitation_ics_carries_every_field(
    make_live: Callable[..., LiveInterview],
    commit: Callable[..., Any],
    admin_user: User,
    interviewer: User,
    second_interviewer: User,
) -> None:
    starts = at(days=4, hour=13)
    with commit():
        live = make_live(
            starts_at=starts,
            interviewers=[interviewer, second_interviewer],
            dial_in="+44 20 7946 0000, PIN 1234",
        )
    candidate_mail = outbox_to("carol@example.org")
    assert len(candidate_mail) == 1
    calendar, event = parse(ics_of(candidate_mail[0]) or b"")

    assert calendar["method"] == "REQUEST"
    assert calendar["version"] == "2.0"
    assert "Oneway" in str(calendar["prodid"])
    assert str(event["uid"]) == f"live-{live.ics_uid}@127.0.0.1"
    assert event["sequence"] == 0
    assert event["dtstart"].dt == starts
    assert event["dtstart"].dt.utcoffset() == datetime.timedelta(0)
    assert event["dtend"].dt == starts + datetime.timedelta(minutes=45)
    assert event["dtstamp"].dt.tzinfo is not None
    assert str(event["location"]) == "https://acme.zoom.us/j/123456789"
    assert str(event["url"]) == "https://acme.zoom.us/j/123456789"
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["organizer"]) == f"mailto:{admin_user.email}"
    assert event["organizer"].params["CN"] == admin_user.display_name
    assert attendee_emails(event) == {"carol@example.org", "ivy@example.com", "sam@example.com"}
    for attendee in event.get("attendee"):
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["RSVP"] == "TRUE"
    assert "Technical interview" in str(event["summary"])
    # The calendar entry leads with the format card too.
    description = str(event["description"])
    assert description.startswith("== LIVE INTERVIEW ==")
    assert "you will meet Ivy Interviewer and Sam Second on Zoom" in description

    # Each interviewer gets the same event.
    for address in ("ivy@example.com", "sam@example.com"):
        messages = outbox_to(address)
        assert len(messages) == 1
        _, their_event = parse(ics_of(messages[0]) or b"")
        assert str(their_event["uid"]) == str(event["uid"])


def test_the_attachment_is_an_itip_request(
    make_live: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    with commit():
        make_live()
    message = outbox_to("carol@example.org")[0].message()
    calendars = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == 1
    assert calendars[0].get_param("method") == "REQUEST"


def test_an_update_keeps_the_uid_and_raises_the_sequence(
    make_live: Callable[..., LiveInterview], commit: Callable[..., Any], admin_user: User
) -> None:
    with commit():
        live = make_live(starts_at=at(days=4, hour=13))
    _, first = parse(ics_of(outbox_to("carol@example.org")[0]) or b"")
    mail.outbox.clear()

    new_start = at(days=5, hour=15)
    with commit():
        live_interview_reschedule(live=live, actor=admin_user, starts_at=new_start)
    calendar, update = parse(ics_of(outbox_to("carol@example.org")[0]) or b"")
    assert calendar["method"] == "REQUEST"
    assert str(update["uid"]) == str(first["uid"])
    assert update["sequence"] == first["sequence"] + 1 == 1
    assert update["dtstart"].dt == new_start
    # Interviewers' copies are updated in step.
    _, theirs = parse(ics_of(outbox_to("ivy@example.com")[0]) or b"")
    assert (str(theirs["uid"]), theirs["sequence"]) == (str(first["uid"]), 1)
    mail.outbox.clear()

    live.refresh_from_db()
    with commit():
        live_interview_cancel(live=live, actor=admin_user, reason="Position filled")
    calendar, cancel = parse(ics_of(outbox_to("carol@example.org")[0]) or b"")
    assert calendar["method"] == "CANCEL"
    assert str(cancel["uid"]) == str(first["uid"])
    assert cancel["sequence"] == 2
    assert str(cancel["status"]) == "CANCELLED"
    assert attendee_emails(cancel) == {"carol@example.org", "ivy@example.com"}
    _, theirs = parse(ics_of(outbox_to("ivy@example.com")[0]) or b"")
    assert str(theirs["uid"]) == str(first["uid"])


def test_times_are_utc_whatever_the_zones(
    make_live: Callable[..., LiveInterview], interviewer: User
) -> None:
    live = make_live(candidate_timezone="Asia/Kolkata")
    _, event = parse(build_ics(live))
    assert event["dtstart"].dt.tzinfo is not None
    assert event["dtstart"].dt.utcoffset() == datetime.timedelta(0)
    assert b"DTSTART:" in build_ics(live)  # no TZID parameter, a plain UTC time
    assert b"Z\r\n" in build_ics(live)
