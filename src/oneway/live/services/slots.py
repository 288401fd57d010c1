"""Slot offers and bookings: first come, first served, never twice."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Organisation
from oneway.live.models import LiveInterview, LiveStatus, SlotBooking, SlotOffer, SlotRange
from oneway.live.selectors import available_slots
from oneway.live.services.common import audit, candidate_label, lock_people, queue_notifications
from oneway.live.timeutil import validate_timezone_name

Range = tuple[datetime.datetime, datetime.datetime]


class SlotUnavailable(Exception):
    """The chosen slot cannot be booked (taken meanwhile, too soon, or not on offer)."""

    def __init__(self, message: str, *, taken: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.taken = taken


def _validate_ranges(ranges: Sequence[Range], slot_minutes: int) -> list[Range]:
    if not ranges:
        raise ValidationError({"ranges": _("Add at least one time range.")})
    ordered = sorted(ranges)
    for start, end in ordered:
        if end <= start:
            raise ValidationError({"ranges": _("Each range must end after it starts.")})
        if end - start < datetime.timedelta(minutes=slot_minutes):
            raise ValidationError(
                {
                    "ranges": _("Each range must be at least one slot (%(minutes)d minutes) long.")
                    % {"minutes": slot_minutes}
                }
            )
    for (_s1, e1), (s2, _e2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            raise ValidationError({"ranges": _("Two ranges overlap. Merge them into one.")})
    return ordered


def _offer_audit(
    action: str,
    offer: SlotOffer,
    actor: User,
    request: HttpRequest | None,
    data: dict[str, object] | None = None,
) -> None:
    log_action(
        action,
        organisation=offer.organisation,
        actor=actor,
        obj=offer,
        data=data,
        request=request,
    )


def slot_offer_create(
    *,
    organisation: Organisation,
    actor: User,
    name: str,
    timezone_name: str,
    slot_minutes: int,
    buffer_minutes: int,
    minimum_notice_hours: int,
    ranges: Sequence[Range],
    request: HttpRequest | None = None,
) -> SlotOffer:
    validate_timezone_name(timezone_name)
    ordered = _validate_ranges(ranges, slot_minutes)
    with transaction.atomic():
        offer = SlotOffer.objects.create(
            organisation=organisation,
            name=name,
            timezone=timezone_name,
            slot_minutes=slot_minutes,
            buffer_minutes=buffer_minutes,
            minimum_notice_hours=minimum_notice_hours,
            created_by=actor,
        )
        SlotRange.objects.bulk_create(
            [SlotRange(offer=offer, starts_at=s, ends_at=e) for s, e in ordered]
        )
        _offer_audit("live.slot_offer.created", offer, actor, request, {"ranges": len(ordered)})
    return offer


def slot_offer_update(
    *,
    offer: SlotOffer,
    actor: User,
    name: str,
    timezone_name: str,
    slot_minutes: int,
    buffer_minutes: int,
    minimum_notice_hours: int,
    ranges: Sequence[Range],
    request: HttpRequest | None = None,
) -> SlotOffer:
    """Replace the offer's settings and ranges. Slots already booked stay booked."""
    validate_timezone_name(timezone_name)
    ordered = _validate_ranges(ranges, slot_minutes)
    with transaction.atomic():
        offer = SlotOffer.objects.select_for_update().get(pk=offer.pk)
        offer.name = name
        offer.timezone = timezone_name
        offer.slot_minutes = slot_minutes
        offer.buffer_minutes = buffer_minutes
        offer.minimum_notice_hours = minimum_notice_hours
        offer.save()
        offer.ranges.all().delete()
        SlotRange.objects.bulk_create(
            [SlotRange(offer=offer, starts_at=s, ends_at=e) for s, e in ordered]
        )
        _offer_audit("live.slot_offer.updated", offer, actor, request, {"ranges": len(ordered)})
    return offer


def slot_offer_close(
    *, offer: SlotOffer, actor: User, request: HttpRequest | None = None
) -> SlotOffer:
    """No more bookings from this offer; booked interviews are unaffected."""
    with transaction.atomic():
        offer = SlotOffer.objects.select_for_update().get(pk=offer.pk)
        if offer.closed_at is None:
            offer.closed_at = timezone.now()
            offer.save(update_fields=["closed_at"])
            _offer_audit("live.slot_offer.closed", offer, actor, request)
    return offer


def candidate_may_change(live: LiveInterview, now: datetime.datetime) -> bool:
    """The staff policy: may the candidate still pick another slot or ask for a time?"""
    deadline = live.change_deadline()
    return (
        live.status == LiveStatus.SCHEDULED
        and live.candidate_may_reschedule
        and deadline is not None
        and now <= deadline
    )


def slot_book(
    *,
    live: LiveInterview,
    starts_at: datetime.datetime,
    candidate_timezone: str | None = None,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> LiveInterview:
    """The candidate takes one slot (or moves to another one).

    Locks, in this order, the live interview, the offer and the interviewers, then checks
    the slot against what is committed; the partial unique constraint on bookings is the
    last line should anything slip past. Raises ``SlotUnavailable``.
    """
    now = now or timezone.now()
    if candidate_timezone:
        validate_timezone_name(candidate_timezone)
    with transaction.atomic():
        live = (
            LiveInterview.objects.select_for_update(of=("self",))
            .select_related("organisation", "interview", "organiser")
            .get(pk=live.pk)
        )
        rescheduling = live.status == LiveStatus.SCHEDULED
        may_book = live.status == LiveStatus.AWAITING_BOOKING or (
            rescheduling and live.slot_offer_id and candidate_may_change(live, now)
        )
        if not may_book:
            raise SlotUnavailable(_("This interview can no longer be booked or moved here."))
        if live.slot_offer_id is None:
            raise SlotUnavailable(_("There are no slots to choose from for this interview."))
        offer = SlotOffer.objects.select_for_update().get(pk=live.slot_offer_id)
        live.slot_offer = offer
        lock_people(live.interviewers.values_list("pk", flat=True))
        free = {s.starts_at: s for s in available_slots(live, now=now)}
        slot = free.get(starts_at)
        if slot is None:
            raise SlotUnavailable(
                _("Sorry, that time is no longer available: someone else may just have taken it."),
                taken=True,
            )
        SlotBooking.objects.filter(live_interview=live, released_at__isnull=True).update(
            released_at=now
        )
        try:
            with transaction.atomic():
                SlotBooking.objects.create(
                    offer=offer,
                    live_interview=live,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    booked_at=now,
                )
        except IntegrityError as exc:
            raise SlotUnavailable(
                _("Sorry, that time was just taken by someone else."), taken=True
            ) from exc
        old_start = live.starts_at
        live.starts_at = slot.starts_at
        # The interview lasts the slot the candidate booked ("09:00-09:45" is 45 minutes).
        live.ends_at = slot.ends_at
        live.duration_minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
        live.status = LiveStatus.SCHEDULED
        live.scheduled_at = now
        if candidate_timezone:
            live.candidate_timezone = candidate_timezone
        if rescheduling:
            live.ics_sequence += 1
        live.save()
        audit(
            "live.rescheduled" if rescheduling else "live.slot_booked",
            live,
            actor_label=candidate_label(live),
            request=request,
            data={
                "from": old_start.isoformat() if old_start else None,
                "to": slot.starts_at.isoformat(),
                "slot_offer_id": offer.pk,
                "by_candidate": True,
            },
        )
        queue_notifications(live, "updated" if rescheduling else "booked")
    return live
