"""Live interviews read the same everywhere (issue 16, section 4): the interview lasts the
slot the candidate booked, and the calendar entry names it once and carries the card."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from oneway.live.models import LiveInterview, SlotOffer
from oneway.live.selectors import available_slots
from oneway.live.services import live_interview_update

from .helpers import at, candidate_token, ics_of, outbox_to


@pytest.fixture
def offer(make_offer: Callable[..., SlotOffer]) -> SlotOffer:
    return make_offer(
        ranges=[(at(days=4, hour=9), at(days=4, hour=12))],
        slot_minutes=45,
        buffer_minutes=0,
        minimum_notice_hours=24,
    )


def event_of(content: bytes) -> Any:
    events = Calendar.from_ical(content).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_booking_a_45_minute_slot_books_a_45_minute_interview(
    client: Client,
    make_live: Callable[..., LiveInterview],
    offer: SlotOffer,
    commit: Callable[..., Any],
) -> None:
    live = make_live(slot_offer=offer, duration_minutes=30)
    assert live.duration_minutes == 45
    # One made before the fix (30 minutes on 45-minute slots) is set right when booked.
    LiveInterview.objects.filter(pk=live.pk).update(duration_minutes=30)
    token = candidate_token(live)
    slot = available_slots(live)[0]
    with commit():
        client.post(
            reverse("live:candidate_book", args=[token]), {"slot": slot.starts_at.isoformat()}
        )
    live.refresh_from_db()
    assert live.starts_at == slot.starts_at
    assert live.ends_at == slot.starts_at + datetime.timedelta(minutes=45)
    assert live.duration_minutes == 45
    html = client.get(reverse("live:candidate", args=[token])).content.decode()
    assert "Duration: 45 minutes" in html
    assert "Duration: 30 minutes" not in html
    event = event_of(ics_of(outbox_to("carol@example.org")[-1]) or b"")
    assert event["dtend"].dt - event["dtstart"].dt == datetime.timedelta(minutes=45)


def test_staff_cannot_give_a_slot_interview_another_length(
    make_live: Callable[..., LiveInterview],
    offer: SlotOffer,
    admin_user: Any,
    interviewer: Any,
) -> None:
    live = make_live(slot_offer=offer)
    with pytest.raises(ValidationError) as exc:
        live_interview_update(
            live=live, actor=admin_user, interviewers=[interviewer], duration_minutes=30
        )
    assert "duration_minutes" in exc.value.message_dict


def test_the_calendar_summary_says_live_interview_once(
    make_live: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    with commit():
        make_live(title="Live interview: Backend engineer")
    event = event_of(ics_of(outbox_to("carol@example.org")[0]) or b"")
    assert str(event["summary"]) == "Live interview: Backend engineer (Acme Hiring)"


def test_the_downloaded_calendar_file_carries_the_card_link_and_how_to_reschedule(
    client: Client, make_live: Callable[..., LiveInterview]
) -> None:
    live = make_live(dial_in="+44 20 7946 0000, PIN 1234; ask for Ivy")
    token = candidate_token(live)
    response = client.get(reverse("live:candidate_calendar", args=[token]))
    raw = response.content
    # RFC 5545: lines end in CRLF and fold at 75 octets; commas and semicolons are escaped.
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
    assert b"PIN 1234\\; ask for Ivy" in raw.replace(b"\r\n ", b"")
    event = event_of(raw)
    description = str(event["description"])
    assert description.startswith("== LIVE INTERVIEW ==")
    assert "you will meet Ivy Interviewer on Zoom" in description
    assert "Duration: 45 minutes" in description
    assert "Meeting link: https://acme.zoom.us/j/123456789" in description
    page = settings.BASE_URL + reverse("live:candidate", args=[token])
    assert "Need another time? Ask for one on your interview page" in description
    assert f"Open your interview page: {page}" in description
    assert description.count("Live interview") == 1


def test_interviewer_calendar_entries_carry_the_meeting_link_and_their_page(
    make_live: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    with commit():
        live = make_live()
    event = event_of(ics_of(outbox_to("ivy@example.com")[0]) or b"")
    description = str(event["description"])
    assert "https://acme.zoom.us/j/123456789" in description
    assert reverse("live:detail", args=[live.pk]) in description
    mail.outbox.clear()
