"""Two candidates clicking the same slot at the same moment: exactly one gets it.

Real concurrent requests, each in its own thread with its own PostgreSQL connection and
transaction, released together by a barrier.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.live import selectors
from oneway.live.models import LiveInterview, LiveStatus, SlotBooking, SlotOffer
from oneway.live.selectors import Slot, available_slots
from oneway.live.services import SlotUnavailable, slot_book

from .helpers import at, candidate_token

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

CANDIDATES = 6


def race(work: Callable[[int], Any], count: int) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def contenders(
    make_live: Callable[..., LiveInterview],
    make_offer: Callable[..., SlotOffer],
    make_member: Callable[..., User],
    org: Any,
) -> tuple[SlotOffer, list[LiveInterview]]:
    offer = make_offer(
        ranges=[(at(days=4, hour=9), at(days=4, hour=11))],
        slot_minutes=30,
        buffer_minutes=0,
        minimum_notice_hours=1,
    )
    lives = []
    for n in range(CANDIDATES):
        # Different interviewers, so only the slot itself is contended.
        person = make_member(org, "reviewer", email=f"panel{n}@acme.test")
        lives.append(
            make_live(
                slot_offer=offer,
                duration_minutes=30,
                interviewers=[person],
                candidate_email=f"candidate{n}@example.org",
            )
        )
    return offer, lives


def test_concurrent_requests_book_a_slot_exactly_once(
    contenders: tuple[SlotOffer, list[LiveInterview]],
) -> None:
    offer, lives = contenders
    slot = available_slots(lives[0])[0]
    tokens = [candidate_token(live) for live in lives]

    def click(index: int) -> int:
        response = Client().post(
            reverse("live:candidate_book", args=[tokens[index]]),
            {"slot": slot.starts_at.isoformat(), "tz": "Europe/London"},
        )
        return response.status_code

    statuses = race(click, CANDIDATES)
    assert sorted(statuses) == [302] + [409] * (CANDIDATES - 1), statuses
    assert SlotBooking.objects.filter(offer=offer, released_at__isnull=True).count() == 1
    assert (
        LiveInterview.objects.filter(pk__in=[x.pk for x in lives], status=LiveStatus.SCHEDULED)
        .filter(starts_at=slot.starts_at)
        .count()
        == 1
    )


def test_the_unique_constraint_holds_even_if_the_availability_check_is_stale(
    contenders: tuple[SlotOffer, list[LiveInterview]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Belt and braces: pretend every request saw the slot as free."""
    offer, lives = contenders
    slot = available_slots(lives[0])[0]

    def stale(live: LiveInterview, *, now: Any = None) -> list[Slot]:
        return [slot]

    monkeypatch.setattr(selectors, "available_slots", stale)
    monkeypatch.setattr("oneway.live.services.slots.available_slots", stale)

    def book(index: int) -> str:
        try:
            slot_book(live=lives[index], starts_at=slot.starts_at)
        except SlotUnavailable as exc:
            return "taken" if exc.taken else "refused"
        return "booked"

    outcomes = race(book, CANDIDATES)
    assert sorted(outcomes) == ["booked"] + ["taken"] * (CANDIDATES - 1), outcomes
    assert SlotBooking.objects.filter(offer=offer, released_at__isnull=True).count() == 1


def test_one_interviewer_cannot_be_double_booked_by_concurrent_schedulers(
    make_live: Callable[..., LiveInterview], interviewer: User
) -> None:
    from django.core.exceptions import ValidationError

    starts_at = at(days=5, hour=10)

    def schedule(index: int) -> str:
        try:
            make_live(
                starts_at=starts_at.replace(minute=index * 5),
                interviewers=[interviewer],
                candidate_email=f"c{index}@example.org",
            )
        except ValidationError:
            return "refused"
        return "scheduled"

    outcomes = race(schedule, 4)
    assert sorted(outcomes) == ["refused"] * 3 + ["scheduled"], outcomes
    assert LiveInterview.objects.filter(interviewers=interviewer).count() == 1
