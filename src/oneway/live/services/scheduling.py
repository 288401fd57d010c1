"""Writes for live interviews: schedule, update, reschedule, cancel, outcome, links."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation, Organisation
from oneway.live.models import LiveInterview, LiveOutcome, LiveStatus, SlotBooking, SlotOffer
from oneway.live.providers import recognise_provider
from oneway.live.services.common import (
    audit,
    candidate_label,
    check_time_free,
    lock_people,
    queue_notifications,
    validate_details,
    validate_offer,
)


def _release_booking(live: LiveInterview, now: datetime.datetime) -> None:
    SlotBooking.objects.filter(live_interview=live, released_at__isnull=True).update(
        released_at=now
    )


def _lock(live: LiveInterview) -> LiveInterview:
    return (
        LiveInterview.objects.select_for_update(of=("self",))
        .select_related("organisation", "interview", "organiser", "slot_offer")
        .get(pk=live.pk)
    )


def live_interview_schedule(
    *,
    organisation: Organisation,
    actor: User,
    title: str,
    interviewers: Sequence[User],
    meeting_url: str,
    candidate_name: str,
    candidate_email: str,
    candidate_timezone: str,
    duration_minutes: int = 30,
    starts_at: datetime.datetime | None = None,
    slot_offer: SlotOffer | None = None,
    interview: Interview | None = None,
    invitation: Invitation | None = None,
    dial_in: str = "",
    candidate_notes: str = "",
    link_visible_minutes: int = 15,
    candidate_may_reschedule: bool = True,
    change_cutoff_hours: int = 24,
    reminder_hours: Sequence[int] = (24, 1),
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> LiveInterview:
    """Create a live interview at a time staff pick (``starts_at``) or with slots the
    candidate books from (``slot_offer``), and email everyone concerned."""
    now = now or timezone.now()
    validate_details(
        organisation=organisation,
        interviewers=interviewers,
        meeting_url=meeting_url,
        candidate_timezone=candidate_timezone,
        reminder_hours=reminder_hours,
        interview=interview,
        invitation=invitation,
    )
    if (starts_at is None) == (slot_offer is None):
        raise ValidationError(_("Either pick a time or offer slots to the candidate."))
    if slot_offer is not None:
        validate_offer(organisation, slot_offer)
        # The candidate books a slot, and the interview is what they booked: one slot long.
        duration_minutes = slot_offer.slot_minutes
    if invitation is not None and interview is None:
        interview = invitation.interview
    with transaction.atomic():
        ends_at = None
        if starts_at is not None:
            ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
            lock_people(u.pk for u in interviewers)
            check_time_free(
                organisation=organisation,
                user_ids=[u.pk for u in interviewers],
                starts_at=starts_at,
                ends_at=ends_at,
                now=now,
                viewer_timezone=actor.timezone_in(organisation),
            )
        live = LiveInterview.objects.create(
            organisation=organisation,
            interview=interview,
            invitation=invitation,
            title=title,
            organiser=actor,
            duration_minutes=duration_minutes,
            meeting_url=meeting_url.strip(),
            provider=recognise_provider(meeting_url),
            dial_in=dial_in,
            candidate_notes=candidate_notes,
            candidate_name=candidate_name,
            candidate_email=candidate_email,
            candidate_timezone=candidate_timezone,
            slot_offer=slot_offer,
            starts_at=starts_at,
            ends_at=ends_at,
            scheduled_at=now if starts_at else None,
            status=LiveStatus.SCHEDULED if starts_at else LiveStatus.AWAITING_BOOKING,
            link_visible_minutes=link_visible_minutes,
            candidate_may_reschedule=candidate_may_reschedule,
            change_cutoff_hours=change_cutoff_hours,
            reminder_hours=sorted({int(h) for h in reminder_hours}, reverse=True),
        )
        live.interviewers.set(interviewers)
        audit(
            "live.scheduled" if starts_at else "live.slots_offered",
            live,
            actor=actor,
            request=request,
            data={
                "starts_at": starts_at.isoformat() if starts_at else None,
                "slot_offer_id": slot_offer.pk if slot_offer else None,
                "interviewer_ids": [u.pk for u in interviewers],
                "provider": live.provider,
            },
        )
        if starts_at:
            queue_notifications(live, "invitation")
        else:
            queue_notifications(live, "booking", interviewers=False)
    return live


# Fields whose change is news for the calendars (SEQUENCE goes up, an update goes out).
_CALENDAR_FIELDS = (
    "title",
    "meeting_url",
    "duration_minutes",
    "dial_in",
    "candidate_name",
    "candidate_email",
)
_OTHER_FIELDS = (
    "interview",
    "candidate_notes",
    "candidate_timezone",
    "link_visible_minutes",
    "candidate_may_reschedule",
    "change_cutoff_hours",
    "reminder_hours",
)


def live_interview_update(
    *,
    live: LiveInterview,
    actor: User,
    interviewers: Sequence[User],
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
    **changes: Any,
) -> LiveInterview:
    """Change the details (not the time). Calendars get an update when it matters;
    an interviewer taken off the interview gets a cancellation."""
    now = now or timezone.now()
    unknown = set(changes) - set(_CALENDAR_FIELDS) - set(_OTHER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    validate_details(
        organisation=live.organisation,
        interviewers=interviewers,
        meeting_url=changes.get("meeting_url", live.meeting_url),
        candidate_timezone=changes.get("candidate_timezone", live.candidate_timezone),
        reminder_hours=changes.get("reminder_hours", live.reminder_hours),
        interview=changes.get("interview", live.interview),
    )
    with transaction.atomic():
        live = _lock(live)
        if not live.is_open:
            raise ValidationError(_("A cancelled or finished live interview cannot be changed."))
        duration = changes.get("duration_minutes", live.duration_minutes)
        if live.slot_offer is not None and live.status == LiveStatus.AWAITING_BOOKING:
            validate_offer(live.organisation, live.slot_offer)
            if duration != live.duration_minutes and duration != live.slot_offer.slot_minutes:
                raise ValidationError(
                    {
                        "duration_minutes": _(
                            "While the candidate chooses from slots, the interview lasts one "
                            "slot (%(minutes)d minutes)."
                        )
                        % {"minutes": live.slot_offer.slot_minutes}
                    }
                )
        old_ids = set(live.interviewers.values_list("pk", flat=True))
        new_ids = {u.pk for u in interviewers}
        if "reminder_hours" in changes:
            changes["reminder_hours"] = sorted(
                {int(h) for h in changes["reminder_hours"]}, reverse=True
            )
        changed = [f for f, v in changes.items() if getattr(live, f) != v]
        for field, value in changes.items():
            setattr(live, field, value)
        live.provider = recognise_provider(live.meeting_url)
        if live.starts_at is not None:
            live.ends_at = live.starts_at + datetime.timedelta(minutes=live.duration_minutes)
            if "duration_minutes" in changed or new_ids - old_ids:
                lock_people(new_ids)
                check_time_free(
                    organisation=live.organisation,
                    user_ids=new_ids,
                    starts_at=live.starts_at,
                    ends_at=live.ends_at,
                    now=now,
                    check_past=False,
                    viewer_timezone=actor.timezone_in(live.organisation),
                    exclude_id=live.pk,
                    field="interviewers" if new_ids - old_ids else "duration_minutes",
                )
        if new_ids != old_ids:
            changed.append("interviewers")
        if not changed:
            return live
        calendar_news = live.status == LiveStatus.SCHEDULED and (
            any(f in _CALENDAR_FIELDS for f in changed) or new_ids != old_ids
        )
        if calendar_news:
            live.ics_sequence += 1
        live.save()
        live.interviewers.set(interviewers)
        audit(
            "live.updated",
            live,
            actor=actor,
            request=request,
            data={"changed": sorted(changed)},
        )
        if calendar_news:
            queue_notifications(live, "updated")
            removed = old_ids - new_ids
            if removed:
                queue_notifications(live, "removed", candidate=False, user_ids=sorted(removed))
    return live


def live_interview_reschedule(
    *,
    live: LiveInterview,
    actor: User,
    starts_at: datetime.datetime | None = None,
    slot_offer: SlotOffer | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> LiveInterview:
    """Staff move the interview to a new time, or ask the candidate to pick again from
    slots. Same calendar UID, higher SEQUENCE."""
    now = now or timezone.now()
    if (starts_at is None) == (slot_offer is None):
        raise ValidationError(_("Either pick a new time or offer slots to the candidate."))
    with transaction.atomic():
        live = _lock(live)
        if not live.is_open:
            raise ValidationError(_("A cancelled or finished live interview cannot be moved."))
        was_scheduled = live.status == LiveStatus.SCHEDULED
        old_start = live.starts_at
        if starts_at is not None:
            ends_at = starts_at + datetime.timedelta(minutes=live.duration_minutes)
            user_ids = list(live.interviewers.values_list("pk", flat=True))
            lock_people(user_ids)
            check_time_free(
                organisation=live.organisation,
                user_ids=user_ids,
                starts_at=starts_at,
                ends_at=ends_at,
                now=now,
                viewer_timezone=actor.timezone_in(live.organisation),
                exclude_id=live.pk,
            )
            _release_booking(live, now)
            live.starts_at, live.ends_at = starts_at, ends_at
            live.status = LiveStatus.SCHEDULED
            live.scheduled_at = now
        else:
            assert slot_offer is not None
            validate_offer(live.organisation, slot_offer)
            _release_booking(live, now)
            live.slot_offer = slot_offer
            live.duration_minutes = slot_offer.slot_minutes
            live.status = LiveStatus.AWAITING_BOOKING
        if was_scheduled:
            live.ics_sequence += 1
        live.save()
        audit(
            "live.rescheduled",
            live,
            actor=actor,
            request=request,
            data={
                "from": old_start.isoformat() if old_start else None,
                "to": starts_at.isoformat() if starts_at else None,
                "slot_offer_id": slot_offer.pk if slot_offer else None,
                "reason": reason,
            },
        )
        extra = {"reason": reason}
        if starts_at is not None:
            queue_notifications(live, "updated" if was_scheduled else "invitation", extra=extra)
        elif was_scheduled:
            # The old calendar entry is withdrawn; the candidate picks a new slot.
            queue_notifications(live, "rebook", extra=extra)
        else:
            queue_notifications(live, "booking", interviewers=False, extra=extra)
    return live


def live_interview_cancel(
    *,
    live: LiveInterview,
    reason: str,
    actor: User | None = None,
    by_candidate: bool = False,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> LiveInterview:
    """Cancel (staff at any time before it is done; the candidate until the start, with a
    reason). Everyone gets a METHOD:CANCEL for the same UID; reminders stop."""
    now = now or timezone.now()
    reason = reason.strip()
    if by_candidate and not reason:
        raise ValidationError({"reason": _("Please tell us why you are cancelling.")})
    with transaction.atomic():
        live = _lock(live)
        if not live.is_open:
            raise ValidationError(_("This live interview is already cancelled or finished."))
        if by_candidate and live.has_started(now):
            raise ValidationError(
                _("The interview has already started and can no longer be cancelled here.")
            )
        had_time = live.starts_at is not None
        _release_booking(live, now)
        live.status = LiveStatus.CANCELLED
        live.cancelled_at = now
        live.cancel_reason = reason
        live.cancelled_by_candidate = by_candidate
        if had_time:
            live.ics_sequence += 1
        live.save()
        audit(
            "live.cancelled",
            live,
            actor=actor,
            actor_label=candidate_label(live) if by_candidate else "",
            request=request,
            data={"reason": reason, "by_candidate": by_candidate},
        )
        queue_notifications(
            live,
            "cancelled",
            interviewers=had_time or by_candidate,
            extra={"reason": reason, "by_candidate": by_candidate},
        )
    return live


def live_interview_mark_outcome(
    *,
    live: LiveInterview,
    actor: User,
    outcome: str,
    notes: str = "",
    rating: int | None = None,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> LiveInterview:
    """After the call: held, candidate no-show or interviewer no-show, notes, a rating."""
    now = now or timezone.now()
    if outcome not in LiveOutcome.values:
        raise ValidationError({"outcome": _("Choose what happened.")})
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationError({"rating": _("A rating is from 1 to 5.")})
    with transaction.atomic():
        live = _lock(live)
        if live.status not in (LiveStatus.SCHEDULED, LiveStatus.DONE):
            raise ValidationError(_("Only a scheduled live interview has an outcome."))
        if not live.has_started(now):
            raise ValidationError(_("The outcome can be recorded once the interview has started."))
        live.outcome = outcome
        live.outcome_notes = notes
        live.rating = rating
        live.outcome_at = now
        live.outcome_by = actor
        live.status = LiveStatus.DONE
        live.save()
        audit(
            "live.outcome_marked",
            live,
            actor=actor,
            request=request,
            data={"outcome": outcome, "rating": rating, "has_notes": bool(notes)},
        )
    return live


def live_link_send(*, live: LiveInterview, actor: User, request: HttpRequest | None = None) -> None:
    """Email the candidate a fresh link to their page (earlier links keep working)."""
    if not live.is_open:
        raise ValidationError(_("This live interview is cancelled or finished."))
    with transaction.atomic():
        audit("live.link_sent", live, actor=actor, request=request)
        kind = "booking" if live.status == LiveStatus.AWAITING_BOOKING else "link"
        queue_notifications(live, kind, interviewers=False)


def live_reschedule_request(
    *,
    live: LiveInterview,
    message: str,
    request: HttpRequest | None = None,
    now: datetime.datetime | None = None,
) -> None:
    """The candidate asks for another time (interviews without slots to pick from)."""
    now = now or timezone.now()
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("Tell us which times would suit you.")})
    deadline = live.change_deadline()
    if (
        live.status != LiveStatus.SCHEDULED
        or not live.candidate_may_reschedule
        or deadline is None
        or now > deadline
    ):
        raise ValidationError(_("This interview can no longer be rescheduled here."))
    with transaction.atomic():
        audit(
            "live.reschedule_requested",
            live,
            actor_label=candidate_label(live),
            request=request,
            data={"message": message},
        )
        user_ids = set(live.interviewers.values_list("pk", flat=True))
        if live.organiser_id:
            user_ids.add(live.organiser_id)
        queue_notifications(
            live,
            "reschedule_request",
            candidate=False,
            user_ids=sorted(user_ids),
            extra={"message": message},
        )
