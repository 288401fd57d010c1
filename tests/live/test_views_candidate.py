import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oneway.live.models import LiveInterview, LiveStatus, SlotOffer
from oneway.live.selectors import available_slots
from oneway.live.timeutil import format_time

from .helpers import at, candidate_token, outbox_to


@pytest.fixture
def offer(make_offer: Callable[..., SlotOffer]) -> SlotOffer:
    return make_offer(
        ranges=[(at(days=4, hour=9), at(days=4, hour=11))],
        slot_minutes=30,
        buffer_minutes=0,
        minimum_notice_hours=24,
    )


@pytest.fixture
def booking(
    make_live: Callable[..., LiveInterview], offer: SlotOffer
) -> Callable[..., LiveInterview]:
    def make(**overrides: Any) -> LiveInterview:
        fields: dict[str, Any] = {"slot_offer": offer, "duration_minutes": 30}
        fields.update(overrides)
        return make_live(**fields)

    return make


def test_the_page_leads_with_the_live_format_card(
    client: Client, make_live: Callable[..., LiveInterview]
) -> None:
    live = make_live()
    response = client.get(reverse("live:candidate", args=[candidate_token(live)]))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    card = html.index('class="format-card format-live"')
    assert card < html.index("Add to my calendar")
    assert "Live interview: you will meet Ivy Interviewer on Zoom" in html
    assert "(Europe/Paris)" in html and "For Acme Hiring:" in html
    assert "Duration: 45 minutes" in html
    # The meeting link stays hidden until 15 minutes before the start.
    assert "acme.zoom.us" not in html
    assert "The button to join appears here at" in html


def test_the_meeting_link_appears_from_the_set_time(
    client: Client, make_live: Callable[..., LiveInterview]
) -> None:
    live = make_live(link_visible_minutes=30)
    token = candidate_token(live)
    soon = timezone.now() + datetime.timedelta(minutes=20)
    LiveInterview.objects.filter(pk=live.pk).update(
        starts_at=soon, ends_at=soon + datetime.timedelta(minutes=45)
    )
    html = client.get(reverse("live:candidate", args=[token])).content.decode()
    assert 'href="https://acme.zoom.us/j/123456789"' in html
    assert "Join the interview on Zoom" in html


def test_an_unknown_or_tampered_link_is_404(
    client: Client, make_live: Callable[..., LiveInterview]
) -> None:
    token = candidate_token(make_live())
    for bad in ("nope", token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 200):
        response = client.get(reverse("live:candidate", args=[bad]))
        assert response.status_code == 404
        assert response["Referrer-Policy"] == "no-referrer"


def test_candidate_books_a_slot_in_their_own_zone(
    client: Client, booking: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    live = booking()
    token = candidate_token(live)
    page = client.get(reverse("live:candidate", args=[token]) + "?tz=America/New_York")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Choose a time" in html
    slot = available_slots(live)[1]
    assert format_time(slot.starts_at, "America/New_York") in html
    mail.outbox.clear()
    with commit():
        response = client.post(
            reverse("live:candidate_book", args=[token]),
            {"slot": slot.starts_at.isoformat(), "tz": "America/New_York"},
        )
    assert response.status_code == 302
    assert response["Referrer-Policy"] == "no-referrer"
    live.refresh_from_db()
    assert live.status == LiveStatus.SCHEDULED and live.starts_at == slot.starts_at
    assert live.candidate_timezone == "America/New_York"
    assert outbox_to("carol@example.org")[0].subject.startswith("Confirmed")
    html = client.get(response["Location"]).content.decode()
    assert "Booked." in html
    assert "(America/New_York)" in html


def test_a_taken_slot_offers_the_remaining_ones(
    client: Client, booking: Callable[..., LiveInterview], second_interviewer: Any
) -> None:
    first = booking()
    second = booking(candidate_email="dan@example.org", interviewers=[second_interviewer])
    slots = available_slots(second)
    first_token, second_token = candidate_token(first), candidate_token(second)
    assert (
        client.post(
            reverse("live:candidate_book", args=[first_token]),
            {"slot": slots[0].starts_at.isoformat(), "tz": "Europe/Paris"},
        ).status_code
        == 302
    )
    response = client.post(
        reverse("live:candidate_book", args=[second_token]),
        {"slot": slots[0].starts_at.isoformat(), "tz": "Europe/Paris"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "no longer available" in html
    assert "These times are still free" in html
    assert slots[0].starts_at.isoformat() not in html
    for remaining in slots[1:]:
        assert remaining.starts_at.isoformat() in html
    second.refresh_from_db()
    assert second.status == LiveStatus.AWAITING_BOOKING


def test_unknown_time_zones_are_refused(
    client: Client, booking: Callable[..., LiveInterview]
) -> None:
    live = booking()
    token = candidate_token(live)
    page = client.get(reverse("live:candidate", args=[token]) + "?tz=Mars/Olympus")
    assert page.status_code == 200
    assert "Unknown time zone “Mars/Olympus”" in page.content.decode()
    slot = available_slots(live)[0]
    response = client.post(
        reverse("live:candidate_book", args=[token]),
        {"slot": slot.starts_at.isoformat(), "tz": "Mars/Olympus"},
    )
    assert response.status_code == 400
    live.refresh_from_db()
    assert live.status == LiveStatus.AWAITING_BOOKING


@pytest.mark.parametrize("slot", ["", "tomorrow at ten", "2031-01-01T10:00:00"])
def test_a_garbled_slot_is_refused(
    client: Client, booking: Callable[..., LiveInterview], slot: str
) -> None:
    token = candidate_token(booking())
    response = client.post(reverse("live:candidate_book", args=[token]), {"slot": slot})
    assert response.status_code == 400


def test_a_slot_not_on_offer_is_refused(
    client: Client, booking: Callable[..., LiveInterview]
) -> None:
    token = candidate_token(booking())
    response = client.post(
        reverse("live:candidate_book", args=[token]),
        {"slot": at(days=4, hour=9, minute=7).isoformat()},
    )
    assert response.status_code == 409


def test_candidate_moves_their_booking_and_cancels_with_a_reason(
    client: Client, booking: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    live = booking()
    token = candidate_token(live)
    slots = available_slots(live)
    client.post(
        reverse("live:candidate_book", args=[token]), {"slot": slots[0].starts_at.isoformat()}
    )
    page = client.get(reverse("live:candidate", args=[token])).content.decode()
    assert "Choose another time" in page
    page = client.get(reverse("live:candidate", args=[token]) + "?change=1").content.decode()
    assert "Move to this time" in page
    response = client.post(
        reverse("live:candidate_book", args=[token]), {"slot": slots[2].starts_at.isoformat()}
    )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.starts_at == slots[2].starts_at and live.ics_sequence == 1

    response = client.post(reverse("live:candidate_cancel", args=[token]), {"reason": ""})
    assert response.status_code == 400
    assert "Please tell us why" in response.content.decode()
    mail.outbox.clear()
    with commit():
        response = client.post(
            reverse("live:candidate_cancel", args=[token]), {"reason": "Accepted another offer"}
        )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.status == LiveStatus.CANCELLED and live.cancel_reason == "Accepted another offer"
    assert "Accepted another offer" in outbox_to("ivy@example.com")[0].body
    html = client.get(reverse("live:candidate", args=[token])).content.decode()
    assert "This live interview is cancelled." in html


def test_candidate_asks_for_another_time_when_there_are_no_slots(
    client: Client, make_live: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    live = make_live()
    token = candidate_token(live)
    assert (
        "Ask for another time"
        in client.get(reverse("live:candidate", args=[token])).content.decode()
    )
    assert client.post(reverse("live:candidate_request", args=[token]), {}).status_code == 400
    mail.outbox.clear()
    with commit():
        response = client.post(
            reverse("live:candidate_request", args=[token]),
            {"message": "Any time Thursday afternoon"},
        )
    assert response.status_code == 302
    assert "Any time Thursday afternoon" in outbox_to("ivy@example.com")[0].body


def test_candidate_downloads_the_calendar_file(
    client: Client, make_live: Callable[..., LiveInterview]
) -> None:
    live = make_live()
    response = client.get(reverse("live:candidate_calendar", args=[candidate_token(live)]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Referrer-Policy"] == "no-referrer"
    assert b"METHOD:REQUEST" in response.content


def test_forms_need_csrf(make_live: Callable[..., LiveInterview]) -> None:
    live = make_live()
    token = candidate_token(live)
    strict = Client(enforce_csrf_checks=True)
    for name in ("candidate_book", "candidate_cancel", "candidate_request"):
        assert (
            strict.post(reverse(f"live:{name}", args=[token]), {"reason": "x"}).status_code == 403
        )


def test_link_guessing_is_rate_limited(
    client: Client, settings: Any, make_live: Callable[..., LiveInterview]
) -> None:
    settings.CANDIDATE_LINK_RATE_LIMIT = 3
    token = candidate_token(make_live())
    for _ in range(3):
        assert client.get(reverse("live:candidate", args=["guess" + "x" * 40])).status_code == 404
    response = client.get(reverse("live:candidate", args=[token]))
    assert response.status_code == 429
    assert response["Retry-After"] == "60"


def test_posts_with_origin_null_still_need_the_token(
    make_live: Callable[..., LiveInterview],
) -> None:
    """no-referrer makes browsers send Origin: null; the CSRF token still decides."""
    live = make_live()
    token = candidate_token(live)
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(reverse("live:candidate", args=[token]))
    csrf = page.context["csrf_token"]
    url = reverse("live:candidate_request", args=[token])
    assert strict.post(url, {"message": "x"}, headers={"origin": "null"}).status_code == 403
    response = strict.post(
        url,
        {"message": "Thursday?", "csrfmiddlewaretoken": str(csrf)},
        headers={"origin": "null"},
    )
    assert response.status_code == 302
    evil = strict.post(
        url,
        {"message": "Thursday?", "csrfmiddlewaretoken": str(csrf)},
        headers={"origin": "https://evil.example"},
    )
    assert evil.status_code == 403


def test_moving_after_the_cutoff_is_refused_with_a_message(
    client: Client, booking: Callable[..., LiveInterview]
) -> None:
    live = booking(change_cutoff_hours=720)  # no moves closer than 30 days: already too late
    token = candidate_token(live)
    slots = available_slots(live)
    client.post(
        reverse("live:candidate_book", args=[token]), {"slot": slots[0].starts_at.isoformat()}
    )
    page = client.get(reverse("live:candidate", args=[token])).content.decode()
    assert "Choose another time" not in page and "Ask for another time" not in page
    response = client.post(
        reverse("live:candidate_book", args=[token]), {"slot": slots[1].starts_at.isoformat()}
    )
    assert response.status_code == 409
    assert "can no longer be booked or moved" in response.content.decode()
    live.refresh_from_db()
    assert live.starts_at == slots[0].starts_at


def test_after_the_call_the_page_says_so_and_the_link_is_gone(
    client: Client, make_live: Callable[..., LiveInterview]
) -> None:
    live = make_live()
    token = candidate_token(live)
    past = timezone.now() - datetime.timedelta(hours=3)
    LiveInterview.objects.filter(pk=live.pk).update(
        starts_at=past, ends_at=past + datetime.timedelta(minutes=45)
    )
    html = client.get(reverse("live:candidate", args=[token])).content.decode()
    assert "has taken place" in html
    assert 'href="https://acme.zoom.us' not in html
    assert "Cancel my interview" not in html
