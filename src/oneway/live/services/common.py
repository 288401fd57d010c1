"""Checks and helpers shared by the live-interview services."""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Interview, Invitation, Membership, Organisation
from oneway.live.models import LiveInterview, SlotOffer
from oneway.live.providers import validate_meeting_url
from oneway.live.selectors import MAX_REMINDER_HOURS, interviewer_conflicts
from oneway.live.timeutil import format_span, validate_timezone_name


def candidate_label(live: LiveInterview) -> str:
    """The audit actor label for the candidate, who has no account."""
    return f"live-candidate:{live.pk}"


def audit(
    action: str,
    live: LiveInterview,
    *,
    actor: Any = None,
    actor_label: str = "",
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    log_action(
        action,
        organisation=live.organisation,
        actor=actor,
        actor_label=actor_label,
        obj=live,
        interview_id=live.interview_id,
        invitation_id=live.invitation_id,
        data=data,
        request=request,
    )


def validate_details(
    *,
    organisation: Organisation,
    interviewers: Sequence[User],
    meeting_url: str,
    candidate_timezone: str,
    reminder_hours: Iterable[int],
    interview: Interview | None,
    invitation: Invitation | None = None,
) -> None:
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, error: ValidationError) -> None:
        errors.setdefault(field, []).append(error)

    if not interviewers:
        add("interviewers", ValidationError(_("Choose at least one interviewer.")))
    else:
        member_ids = set(
            Membership.objects.filter(
                organisation=organisation, user__in=list(interviewers)
            ).values_list("user_id", flat=True)
        )
        strangers = [u for u in interviewers if u.pk not in member_ids]
        if strangers:
            add(
                "interviewers",
                ValidationError(
                    _("Interviewers must be members of %(organisation)s."),
                    params={"organisation": organisation.name},
                ),
            )
    try:
        validate_meeting_url(meeting_url)
    except ValidationError as exc:
        add("meeting_url", exc)
    try:
        validate_timezone_name(candidate_timezone)
    except ValidationError as exc:
        add("candidate_timezone", exc)
    for hours in reminder_hours:
        if not 1 <= int(hours) <= MAX_REMINDER_HOURS:
            add(
                "reminder_hours",
                ValidationError(
                    _("Reminders can be from 1 to %(max)d hours before the start."),
                    params={"max": MAX_REMINDER_HOURS},
                ),
            )
            break
    if interview is not None and interview.organisation_id != organisation.pk:
        add("interview", ValidationError(_("Choose one of your organisation's interviews.")))
    if invitation is not None and invitation.organisation_id != organisation.pk:
        add("invitation", ValidationError(_("Unknown candidate.")))
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]


def validate_offer(organisation: Organisation, offer: SlotOffer) -> None:
    if offer.organisation_id != organisation.pk or not offer.is_open:
        raise ValidationError({"slot_offer": _("Choose one of your open slot offers.")})


def lock_people(user_ids: Iterable[int]) -> None:
    """Serialise scheduling per interviewer: two requests that would give one person two
    overlapping interviews queue here, and the second then sees the first's commit."""
    ids = sorted(set(user_ids))
    if ids:
        list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def check_time_free(
    *,
    organisation: Organisation,
    user_ids: Iterable[int],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    now: datetime.datetime,
    viewer_timezone: str,
    exclude_id: int | None = None,
    field: str = "starts_at",
    check_past: bool = True,
) -> None:
    """Refuse a time in the past or overlapping an interviewer's other live interview."""
    if check_past and starts_at <= now:
        raise ValidationError({field: _("This time is in the past. Choose a time in the future.")})
    ids = list(user_ids)
    conflicts = interviewer_conflicts(
        user_ids=ids, starts_at=starts_at, ends_at=ends_at, exclude_id=exclude_id
    )
    if not conflicts:
        return
    messages = []
    for other in conflicts:
        busy = [u for u in other.interviewers.all() if u.pk in ids]
        assert other.starts_at is not None and other.ends_at is not None
        what = (
            _("“%(title)s”") % {"title": other.title}
            if other.organisation_id == organisation.pk
            else _("another live interview")
        )
        messages.append(
            ValidationError(
                _("%(people)s already has %(what)s at %(when)s, which overlaps this time."),
                params={
                    "people": ", ".join(u.display_name for u in busy),
                    "what": what,
                    "when": format_span(other.starts_at, other.ends_at, viewer_timezone),
                },
            )
        )
    raise ValidationError({field: messages})


def queue_notifications(
    live: LiveInterview,
    kind: str,
    *,
    candidate: bool = True,
    interviewers: bool = True,
    user_ids: Iterable[int] | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Queue one email task per recipient once the transaction commits."""
    from oneway.live.tasks import live_notify

    recipients: list[str] = ["candidate"] if candidate else []
    if user_ids is not None:
        recipients += [f"user:{pk}" for pk in user_ids]
    elif interviewers:
        recipients += [f"user:{pk}" for pk in live.interviewers.values_list("pk", flat=True)]
    live_id, sequence, payload = live.pk, live.ics_sequence, dict(extra or {})

    def enqueue() -> None:
        for recipient in recipients:
            live_notify(live_id, kind, recipient, sequence, payload)

    transaction.on_commit(enqueue)
