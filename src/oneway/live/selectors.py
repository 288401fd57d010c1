"""Reads for live interviews: scoping, free slots, conflicts, upcoming lists, due reminders."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from oneway.accounts.models import User
from oneway.core.models import Organisation
from oneway.core.tokens import hash_token
from oneway.live.models import LiveInterview, LiveStatus, SlotBooking, SlotOffer
from oneway.live.timeutil import local

# How far ahead the reminder job looks; reminders further out than this are not supported.
MAX_REMINDER_HOURS = 336


@dataclass(frozen=True)
class Slot:
    starts_at: datetime.datetime
    ends_at: datetime.datetime


def live_interview_for_token(token: str) -> LiveInterview | None:
    """The live interview a candidate's capability link opens, or None."""
    if not token or len(token) > 128:
        return None
    return (
        LiveInterview.objects.select_related(
            "organisation", "interview", "slot_offer", "organiser", "invitation__interview"
        )
        .filter(links__token_hash=hash_token(token))
        .first()
    )


def organisation_members(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(memberships__organisation=organisation, is_active=True).order_by(
        "name", "email"
    )


def interviewer_conflicts(
    *,
    user_ids: Iterable[int],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    buffer: datetime.timedelta = datetime.timedelta(0),
    exclude_id: int | None = None,
) -> list[LiveInterview]:
    """Scheduled live interviews of these people that overlap [start, end) plus buffer."""
    qs = (
        LiveInterview.objects.filter(
            status=LiveStatus.SCHEDULED,
            interviewers__in=list(user_ids),
            starts_at__lt=ends_at + buffer,
            ends_at__gt=starts_at - buffer,
        )
        .distinct()
        .prefetch_related("interviewers")
        .order_by("starts_at")
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs)


def _grid(offer: SlotOffer) -> list[Slot]:
    """Every slot the offer's ranges hold, stepping in absolute time (so a range that
    spans a clock change holds exactly as many slots as real hours allow)."""
    length = datetime.timedelta(minutes=offer.slot_minutes)
    step = length + datetime.timedelta(minutes=offer.buffer_minutes)
    slots: list[Slot] = []
    for rng in offer.ranges.all():
        start = rng.starts_at
        while start + length <= rng.ends_at:
            slots.append(Slot(start, start + length))
            start += step
    return sorted(set(slots), key=lambda s: s.starts_at)


def available_slots(live: LiveInterview, *, now: datetime.datetime | None = None) -> list[Slot]:
    """Slots this candidate may book now: on the grid, after the minimum notice, not held
    by another candidate and not overlapping any interviewer's other live interview."""
    offer = live.slot_offer
    if offer is None or not offer.is_open:
        return []
    now = now or timezone.now()
    earliest = now + datetime.timedelta(hours=offer.minimum_notice_hours)
    buffer = datetime.timedelta(minutes=offer.buffer_minutes)
    duration = datetime.timedelta(minutes=live.duration_minutes)
    grid = [s for s in _grid(offer) if s.starts_at >= earliest]
    if not grid:
        return []
    window_start, window_end = grid[0].starts_at - buffer, grid[-1].ends_at + buffer
    held = [
        (b.starts_at, b.ends_at)
        for b in SlotBooking.objects.filter(
            offer=offer,
            released_at__isnull=True,
            starts_at__lt=window_end,
            ends_at__gt=window_start,
        ).exclude(live_interview=live)
    ]
    busy = [
        (other.starts_at, other.ends_at)
        for other in LiveInterview.objects.filter(
            status=LiveStatus.SCHEDULED,
            interviewers__in=list(live.interviewers.values_list("pk", flat=True)),
            starts_at__lt=window_end,
            ends_at__gt=window_start,
        )
        .exclude(pk=live.pk)
        .distinct()
        .only("starts_at", "ends_at")
    ]
    free: list[Slot] = []
    for slot in grid:
        end = slot.starts_at + duration
        if any(s < slot.ends_at and e > slot.starts_at for s, e in held):
            continue
        if any(s < end + buffer and e > slot.starts_at - buffer for s, e in busy):  # type: ignore[operator]
            continue
        free.append(slot)
    return free


def slots_by_day(slots: Iterable[Slot], tz_name: str) -> list[tuple[datetime.date, list[Slot]]]:
    """Group slots by the calendar day they fall on in ``tz_name``."""
    return [
        (day, list(group))
        for day, group in groupby(slots, key=lambda s: local(s.starts_at, tz_name).date())
    ]


def upcoming_live_interviews(
    lives: QuerySet[LiveInterview],
    *,
    now: datetime.datetime | None = None,
    days: int = 14,
) -> QuerySet[LiveInterview]:
    """Of these live interviews (from the access gate), those in the next ``days``."""
    now = now or timezone.now()
    return (
        lives.filter(
            status=LiveStatus.SCHEDULED,
            ends_at__gt=now,
            starts_at__lt=now + datetime.timedelta(days=days),
        )
        .select_related("interview", "invitation__interview")
        .prefetch_related(Prefetch("interviewers", queryset=User.objects.order_by("name", "email")))
        .order_by("starts_at", "id")
    )


def upcoming_by_day(
    lives: QuerySet[LiveInterview],
    *,
    tz_name: str,
    now: datetime.datetime | None = None,
    days: int = 14,
) -> list[tuple[datetime.date, list[LiveInterview]]]:
    """Upcoming live interviews, grouped by day in the viewer's zone."""
    items = list(upcoming_live_interviews(lives, now=now, days=days))
    return [
        (day, list(group))
        for day, group in groupby(
            items,
            key=lambda li: local(li.starts_at, tz_name).date(),  # type: ignore[arg-type]
        )
    ]


def reminders_due(*, now: datetime.datetime) -> list[tuple[LiveInterview, int]]:
    """(live interview, hours) pairs whose reminder moment has come and not been sent.

    A reminder is due from ``starts_at - hours`` until the start. It is skipped when its
    moment was already past when the time was set (the invitation itself just went out).
    """
    candidates = LiveInterview.objects.filter(
        status=LiveStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(hours=MAX_REMINDER_HOURS),
    ).prefetch_related("reminder_deliveries")
    due: list[tuple[LiveInterview, int]] = []
    for live in candidates:
        assert live.starts_at is not None
        sent = {
            d.hours_before for d in live.reminder_deliveries.all() if d.starts_at == live.starts_at
        }
        for hours in sorted(set(live.reminder_hours or []), reverse=True):
            moment = live.starts_at - datetime.timedelta(hours=hours)
            if hours in sent or moment > now:
                continue
            if live.scheduled_at is not None and moment < live.scheduled_at:
                continue
            due.append((live, hours))
    return due


def live_list(
    lives: QuerySet[LiveInterview],
    *,
    show: str = "upcoming",
    now: datetime.datetime | None = None,
) -> QuerySet[LiveInterview]:
    """These live interviews (from the access gate), filtered and ordered for the list."""
    now = now or timezone.now()
    qs = lives.select_related("interview", "slot_offer").prefetch_related(
        Prefetch("interviewers", queryset=User.objects.order_by("name", "email"))
    )
    if show == "upcoming":
        return qs.filter(
            Q(status=LiveStatus.AWAITING_BOOKING) | Q(status=LiveStatus.SCHEDULED, ends_at__gt=now)
        ).order_by("starts_at", "id")
    if show == "past":
        return qs.filter(
            Q(status=LiveStatus.DONE) | Q(status=LiveStatus.SCHEDULED, ends_at__lte=now)
        ).order_by("-starts_at", "-id")
    if show == "cancelled":
        return qs.filter(status=LiveStatus.CANCELLED).order_by("-cancelled_at", "-id")
    return qs.order_by("-created_at", "-id")
