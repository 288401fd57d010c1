"""Slot offers: the grid, notice, buffers, interviewers' other interviews, DST, bookings."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from oneway.accounts.models import User
from oneway.live.models import LiveInterview, LiveStatus, SlotBooking, SlotOffer
from oneway.live.selectors import available_slots, slots_by_day
from oneway.live.services import (
    SlotUnavailable,
    live_interview_cancel,
    slot_book,
    slot_offer_close,
    slot_offer_update,
)
from oneway.live.timeutil import format_time, local, make_aware_strict

from .helpers import ics_of, outbox_to

UTC = datetime.UTC


def london(*args: int) -> datetime.datetime:
    return make_aware_strict(datetime.datetime(*args), "Europe/London")  # type: ignore[arg-type]


def new_york(*args: int) -> datetime.datetime:
    return make_aware_strict(datetime.datetime(*args), "America/New_York")  # type: ignore[arg-type]


def local_starts(slots: list[Any], tz: str) -> list[str]:
    return [format_time(s.starts_at, tz) for s in slots]


# A June day (BST) well before any of these tests' "now".
JUNE_NOW = london(2025, 6, 1, 12, 0)


@pytest.fixture
def june_offer(make_offer: Callable[..., SlotOffer]) -> SlotOffer:
    return make_offer(
        ranges=[(london(2025, 6, 10, 9, 0), london(2025, 6, 10, 12, 0))],
        slot_minutes=30,
        buffer_minutes=10,
        minimum_notice_hours=24,
    )


@pytest.fixture
def waiting(
    make_live: Callable[..., LiveInterview], june_offer: SlotOffer
) -> Callable[..., LiveInterview]:
    def make(**overrides: Any) -> LiveInterview:
        fields: dict[str, Any] = {
            "slot_offer": june_offer,
            "duration_minutes": 30,
            "now": JUNE_NOW,
        }
        fields.update(overrides)
        return make_live(**fields)

    return make


def test_ranges_are_cut_into_slots_with_buffers(
    waiting: Callable[..., LiveInterview],
) -> None:
    slots = available_slots(waiting(), now=JUNE_NOW)
    assert local_starts(slots, "Europe/London") == [
        "09:00 BST",
        "09:40 BST",
        "10:20 BST",
        "11:00 BST",
    ]
    assert all(s.ends_at - s.starts_at == datetime.timedelta(minutes=30) for s in slots)


def test_slots_inside_the_minimum_notice_are_not_offered(
    waiting: Callable[..., LiveInterview],
) -> None:
    live = waiting()
    now = london(2025, 6, 9, 9, 30)  # 24 h notice: nothing before 10 June 09:30
    assert local_starts(available_slots(live, now=now), "Europe/London") == [
        "09:40 BST",
        "10:20 BST",
        "11:00 BST",
    ]
    with pytest.raises(SlotUnavailable):
        slot_book(live=live, starts_at=london(2025, 6, 10, 9, 0), now=now)


def test_an_interviewers_other_interview_blocks_overlapping_slots_and_the_buffer(
    waiting: Callable[..., LiveInterview],
    make_live: Callable[..., LiveInterview],
    interviewer: User,
) -> None:
    live = waiting()
    make_live(
        starts_at=london(2025, 6, 10, 10, 0),
        duration_minutes=30,
        interviewers=[interviewer],
        now=JUNE_NOW,
    )
    # 09:40-10:10 overlaps; 10:20 starts inside the 10-minute buffer after 10:30.
    assert local_starts(available_slots(live, now=JUNE_NOW), "Europe/London") == [
        "09:00 BST",
        "11:00 BST",
    ]
    with pytest.raises(SlotUnavailable):
        slot_book(live=live, starts_at=london(2025, 6, 10, 9, 40), now=JUNE_NOW)


def test_a_booked_slot_is_gone_for_everyone_else(
    waiting: Callable[..., LiveInterview], commit: Callable[..., Any], second_interviewer: User
) -> None:
    first = waiting()
    # A second candidate with a different interviewer: the slot itself is consumed.
    second = waiting(candidate_email="dan@example.org", interviewers=[second_interviewer])
    mail.outbox.clear()
    with commit():
        booked = slot_book(
            live=first,
            starts_at=london(2025, 6, 10, 9, 40),
            candidate_timezone="America/New_York",
            now=JUNE_NOW,
        )
    assert booked.status == LiveStatus.SCHEDULED
    assert booked.starts_at == london(2025, 6, 10, 9, 40)
    assert booked.candidate_timezone == "America/New_York"
    assert booked.ics_sequence == 0
    assert "09:40 BST" not in local_starts(available_slots(second, now=JUNE_NOW), "Europe/London")
    with pytest.raises(SlotUnavailable) as exc:
        slot_book(live=second, starts_at=london(2025, 6, 10, 9, 40), now=JUNE_NOW)
    assert exc.value.taken
    # The confirmation carries the calendar invitation, in the candidate's zone.
    confirmation = outbox_to("carol@example.org")[0]
    assert confirmation.subject.startswith("Confirmed")
    assert "04:40–05:10 EDT (America/New_York)" in confirmation.body
    assert b"METHOD:REQUEST" in (ics_of(confirmation) or b"")
    assert b"METHOD:REQUEST" in (ics_of(outbox_to("ivy@example.com")[0]) or b"")


def test_the_database_refuses_a_second_booking_of_the_same_slot(
    waiting: Callable[..., LiveInterview], june_offer: SlotOffer
) -> None:
    first, second = waiting(), waiting(candidate_email="dan@example.org")
    start = london(2025, 6, 10, 9, 0)
    end = start + datetime.timedelta(minutes=30)
    SlotBooking.objects.create(offer=june_offer, live_interview=first, starts_at=start, ends_at=end)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotBooking.objects.create(
            offer=june_offer, live_interview=second, starts_at=start, ends_at=end
        )
    # Released bookings do not count.
    SlotBooking.objects.filter(live_interview=first).update(released_at=JUNE_NOW)
    SlotBooking.objects.create(
        offer=june_offer, live_interview=second, starts_at=start, ends_at=end
    )


def test_candidate_moves_to_another_slot_within_the_policy(
    waiting: Callable[..., LiveInterview], commit: Callable[..., Any]
) -> None:
    live = waiting(change_cutoff_hours=24)
    live = slot_book(live=live, starts_at=london(2025, 6, 10, 9, 0), now=JUNE_NOW)
    mail.outbox.clear()
    with commit():
        moved = slot_book(live=live, starts_at=london(2025, 6, 10, 11, 0), now=JUNE_NOW)
    assert moved.ics_sequence == 1
    assert moved.starts_at == london(2025, 6, 10, 11, 0)
    assert list(
        SlotBooking.objects.filter(live_interview=live, released_at__isnull=True).values_list(
            "starts_at", flat=True
        )
    ) == [london(2025, 6, 10, 11, 0)]
    update = outbox_to("carol@example.org")[0]
    assert update.subject.startswith("Updated")
    assert b"SEQUENCE:1" in (ics_of(update) or b"")
    # The freed slot is free again.
    assert "09:00 BST" in local_starts(available_slots(live, now=JUNE_NOW), "Europe/London")
    # Later than 24 h before the start: no more moves.
    too_late = london(2025, 6, 9, 11, 30)
    with pytest.raises(SlotUnavailable):
        slot_book(live=moved, starts_at=london(2025, 6, 10, 9, 40), now=too_late)


def test_a_candidate_without_permission_to_reschedule_cannot_move(
    waiting: Callable[..., LiveInterview],
) -> None:
    live = waiting(candidate_may_reschedule=False)
    live = slot_book(live=live, starts_at=london(2025, 6, 10, 9, 0), now=JUNE_NOW)
    with pytest.raises(SlotUnavailable):
        slot_book(live=live, starts_at=london(2025, 6, 10, 11, 0), now=JUNE_NOW)


def test_cancelling_frees_the_slot(waiting: Callable[..., LiveInterview], admin_user: User) -> None:
    first, second = waiting(), waiting(candidate_email="dan@example.org")
    first = slot_book(live=first, starts_at=london(2025, 6, 10, 9, 0), now=JUNE_NOW)
    live_interview_cancel(live=first, actor=admin_user, reason="", now=JUNE_NOW)
    assert "09:00 BST" in local_starts(available_slots(second, now=JUNE_NOW), "Europe/London")


def test_a_closed_offer_offers_nothing(
    waiting: Callable[..., LiveInterview], june_offer: SlotOffer, admin_user: User
) -> None:
    live = waiting()
    slot_offer_close(offer=june_offer, actor=admin_user)
    live.refresh_from_db()
    assert available_slots(live, now=JUNE_NOW) == []
    with pytest.raises(SlotUnavailable):
        slot_book(live=live, starts_at=london(2025, 6, 10, 9, 0), now=JUNE_NOW)


def test_editing_the_offer_keeps_existing_bookings(
    waiting: Callable[..., LiveInterview], june_offer: SlotOffer, admin_user: User
) -> None:
    first, second = waiting(), waiting(candidate_email="dan@example.org")
    slot_book(live=first, starts_at=london(2025, 6, 10, 9, 40), now=JUNE_NOW)
    # A new grid (45-minute steps) whose 09:45 slot would overlap the booked 09:40.
    slot_offer_update(
        offer=june_offer,
        actor=admin_user,
        name="Reshuffled",
        timezone_name="Europe/London",
        slot_minutes=30,
        buffer_minutes=15,
        minimum_notice_hours=24,
        ranges=[(london(2025, 6, 10, 9, 0), london(2025, 6, 10, 12, 0))],
    )
    second.refresh_from_db()
    starts = local_starts(available_slots(second, now=JUNE_NOW), "Europe/London")
    assert starts == ["10:30 BST", "11:15 BST"]
    assert SlotBooking.objects.filter(released_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([], "at least one time range"),
        ([(london(2025, 6, 10, 12, 0), london(2025, 6, 10, 9, 0))], "end after it starts"),
        ([(london(2025, 6, 10, 9, 0), london(2025, 6, 10, 9, 20))], "at least one slot"),
        (
            [
                (london(2025, 6, 10, 9, 0), london(2025, 6, 10, 11, 0)),
                (london(2025, 6, 10, 10, 0), london(2025, 6, 10, 12, 0)),
            ],
            "overlap",
        ),
    ],
)
def test_bad_ranges_are_refused(
    make_offer: Callable[..., SlotOffer], ranges: list[Any], message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        make_offer(ranges=ranges)
    assert message in " ".join(exc.value.messages)


# --- Daylight-saving changes -----------------------------------------------------------


def test_a_range_across_the_london_spring_change_holds_only_the_real_hours(
    make_offer: Callable[..., SlotOffer], make_live: Callable[..., LiveInterview]
) -> None:
    # 30 March 2025: 00:00-04:00 on the clock is three real hours (01:00 -> 02:00 BST).
    offer = make_offer(
        ranges=[(london(2025, 3, 30, 0, 0), london(2025, 3, 30, 4, 0))],
        slot_minutes=60,
        buffer_minutes=0,
        minimum_notice_hours=0,
    )
    live = make_live(slot_offer=offer, duration_minutes=60, now=london(2025, 3, 1, 9, 0))
    slots = available_slots(live, now=london(2025, 3, 1, 9, 0))
    assert local_starts(slots, "Europe/London") == ["00:00 GMT", "02:00 BST", "03:00 BST"]
    assert [s.starts_at.hour for s in slots] == [0, 1, 2]  # UTC, one hour apart


def test_a_range_across_the_new_york_autumn_change_holds_the_extra_hour(
    make_offer: Callable[..., SlotOffer], make_live: Callable[..., LiveInterview]
) -> None:
    # 2 November 2025: 00:00-03:00 on the clock is four real hours (01:00 happens twice).
    offer = make_offer(
        ranges=[(new_york(2025, 11, 2, 0, 0), new_york(2025, 11, 2, 3, 0))],
        timezone_name="America/New_York",
        slot_minutes=60,
        buffer_minutes=0,
        minimum_notice_hours=0,
    )
    now = new_york(2025, 10, 1, 9, 0)
    live = make_live(
        slot_offer=offer,
        duration_minutes=60,
        candidate_timezone="America/New_York",
        now=now,
    )
    slots = available_slots(live, now=now)
    assert local_starts(slots, "America/New_York") == [
        "00:00 EDT",
        "01:00 EDT",
        "01:00 EST",
        "02:00 EST",
    ]
    # Both 01:00s are bookable and distinct.
    slot_book(live=live, starts_at=slots[2].starts_at, now=now)
    live.refresh_from_db()
    assert local(live.starts_at, "America/New_York").tzname() == "EST"  # type: ignore[arg-type]


def test_minimum_notice_counts_real_hours_across_a_change(
    make_offer: Callable[..., SlotOffer], make_live: Callable[..., LiveInterview]
) -> None:
    offer = make_offer(
        ranges=[(london(2025, 3, 30, 12, 0), london(2025, 3, 30, 14, 0))],
        slot_minutes=30,
        buffer_minutes=0,
        minimum_notice_hours=24,
    )
    now = london(2025, 3, 29, 12, 0)  # GMT; 24 real hours later is 13:00 BST
    live = make_live(slot_offer=offer, duration_minutes=30, now=now)
    assert local_starts(available_slots(live, now=now), "Europe/London") == [
        "13:00 BST",
        "13:30 BST",
    ]


def test_slots_show_in_the_candidates_zone_between_the_two_changes(
    make_offer: Callable[..., SlotOffer], make_live: Callable[..., LiveInterview]
) -> None:
    # Between 9 March (US) and 30 March (UK) 2025 New York is 4 hours behind London, not 5.
    offer = make_offer(
        ranges=[
            (london(2025, 3, 20, 14, 0), london(2025, 3, 20, 14, 30)),
            (london(2025, 4, 1, 14, 0), london(2025, 4, 1, 14, 30)),
            (london(2025, 3, 5, 14, 0), london(2025, 3, 5, 14, 30)),
        ],
        minimum_notice_hours=0,
    )
    now = london(2025, 3, 1, 9, 0)
    live = make_live(
        slot_offer=offer, duration_minutes=30, candidate_timezone="America/New_York", now=now
    )
    days = slots_by_day(available_slots(live, now=now), "America/New_York")
    assert [(str(day), local_starts(slots, "America/New_York")) for day, slots in days] == [
        ("2025-03-05", ["09:00 EST"]),
        ("2025-03-20", ["10:00 EDT"]),
        ("2025-04-01", ["09:00 EDT"]),
    ]
