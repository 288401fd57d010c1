"""Invitations: a candidate's personal link to a recorded interview, and its life cycle.

invited -> opened -> in progress -> completed, or expired (deadline + grace passed) or
revoked (by staff). Every change writes the audit log; emails leave from tasks queued after
the transaction commits.

Links: every email carries its own capability token (an ``InvitationLink``), and each stays
valid while the invitation is open, so the link in an earlier email keeps working after a
resend, a reminder or an extension.
"""

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from oneway.access import candidate_label
from oneway.accounts.roles import Role
from oneway.core import tasks
from oneway.core.audit import log_action
from oneway.core.deadlines import deadline_for
from oneway.core.emails import in_language, send_templated_email
from oneway.core.format_card import recorded_format_card
from oneway.core.languages import invitation_language, language_codes, parse_language
from oneway.core.models import (
    DeadlineMode,
    Interview,
    Invitation,
    InvitationLink,
    InvitationStatus,
    Membership,
    ReminderDelivery,
)
from oneway.core.models.interviews import MAX_REMINDER_HOURS
from oneway.core.services.retention import retention_promise, rights_promise
from oneway.core.timezones import is_valid_timezone
from oneway.core.tokens import new_token

logger = logging.getLogger(__name__)

OPEN_STATUSES = (InvitationStatus.INVITED, InvitationStatus.OPENED, InvitationStatus.IN_PROGRESS)


def candidate_link(token: str) -> str:
    """The candidate's personal link for ``token`` (contract A)."""
    return settings.BASE_URL + reverse("candidate:enter", args=[token])


def candidate_actor(invitation: Invitation) -> str:
    return f"candidate:{invitation.pk}"


def _log(
    action: str,
    invitation: Invitation,
    *,
    actor: Any = None,
    actor_label: str = "",
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    log_action(
        action,
        organisation=invitation.organisation,
        actor=actor,
        actor_label=actor_label,
        obj=invitation,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data=data,
        request=request,
    )


def invitation_is_open(invitation: Invitation, *, now: datetime.datetime | None = None) -> bool:
    """Whether the candidate may still answer: not finished, revoked or past deadline + grace."""
    if invitation.status not in OPEN_STATUSES:
        return False
    now = now or dj_timezone.now()
    grace = datetime.timedelta(minutes=invitation.interview.grace_minutes)
    return now <= invitation.deadline + grace


def interview_invite_problems(interview: Interview, *, with_deadline: bool = False) -> list[str]:
    """Why nobody can be invited to ``interview`` yet (empty when they can).

    ``with_deadline``: the invitation brings its own deadline, so a fixed deadline of the
    interview that has passed does not matter.
    """
    problems = []
    if interview.is_archived:
        problems.append(_("This interview is archived. Restore it before inviting anyone."))
    if not interview.questions.exists():
        problems.append(_("Add at least one question before inviting anyone."))
    if (
        not with_deadline
        and interview.deadline_mode == DeadlineMode.FIXED
        and interview.deadline_at is not None
        and interview.deadline_at <= dj_timezone.now()
    ):
        problems.append(
            _("The interview's fixed deadline has passed. Change it, or set a deadline.")
        )
    return problems


def normalise_email(email: str) -> str:
    return email.strip().lower()


def existing_invitation(interview: Interview, email: str) -> Invitation | None:
    """A live (not revoked) invitation for this address to this interview, if any."""
    return (
        Invitation.objects.filter(interview=interview, email__iexact=normalise_email(email))
        .exclude(status=InvitationStatus.REVOKED)
        .first()
    )


def invitation_link_create(*, invitation: Invitation, purpose: str) -> str:
    """Issue one more token for ``invitation``; returns the token (shown once, never stored)."""
    token, token_hash = new_token()
    InvitationLink.objects.create(invitation=invitation, token_hash=token_hash, purpose=purpose)
    return token


def invitation_create(
    *,
    interview: Interview,
    name: str,
    email: str,
    timezone: str | None = None,
    deadline: datetime.datetime | None = None,
    language: str = "",
    actor: Any,
    request: HttpRequest | None = None,
    send: bool = True,
    source: str = "staff",
) -> tuple[Invitation, str]:
    """Invite one candidate. Returns the invitation and a token for its link (only now).

    ``timezone`` defaults to the organisation's; ``deadline`` (aware) overrides the
    interview's deadline policy; ``language`` (a code of settings.LANGUAGES, blank: the
    interview's) is what the candidate reads. With ``send`` the invitation email leaves
    after commit, carrying a token of its own.
    """
    problems = interview_invite_problems(interview, with_deadline=deadline is not None)
    if problems:
        raise ValidationError(problems[0], code="not_ready")
    name = name.strip()
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Enter the candidate's name.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    timezone = (timezone or "").strip() or interview.organisation.timezone
    if not is_valid_timezone(timezone):
        errors["timezone"] = [_("Unknown time zone: %(tz)s.") % {"tz": timezone}]
    language = (language or "").strip()
    if language and parse_language(language) is None:
        errors["language"] = [
            _("Unknown language %(code)s: use one of %(codes)s.")
            % {"code": language, "codes": ", ".join(language_codes())}
        ]
    language = parse_language(language) or ""
    now = dj_timezone.now()
    if deadline is not None and deadline <= now:
        errors["deadline"] = [_("The deadline must be in the future.")]
    if not errors and existing_invitation(interview, email) is not None:
        errors["email"] = [_("%(email)s is already invited to this interview.") % {"email": email}]
    if errors:
        raise ValidationError(errors)
    if deadline is None:
        deadline = deadline_for(interview, timezone=timezone, invited_at=now)
        if deadline <= now:
            raise ValidationError(
                _("The interview's fixed deadline has passed. Change it, or set a deadline."),
                code="deadline_passed",
            )

    token, token_hash = new_token()
    try:
        with transaction.atomic():
            invitation = _invitation_insert(
                interview=interview,
                name=name,
                email=email,
                timezone=timezone,
                deadline=deadline,
                language=language,
                token_hash=token_hash,
                now=now,
                source=source,
                actor=actor,
                request=request,
                send=send,
            )
    except IntegrityError as exc:  # invited by someone else a moment ago
        raise ValidationError(
            {"email": [_("%(email)s is already invited to this interview.") % {"email": email}]}
        ) from exc
    return invitation, token


def _invitation_insert(
    *,
    interview: Interview,
    name: str,
    email: str,
    timezone: str,
    deadline: datetime.datetime,
    language: str,
    token_hash: str,
    now: datetime.datetime,
    source: str,
    actor: Any,
    request: HttpRequest | None,
    send: bool,
) -> Invitation:
    invitation = Invitation.objects.create(
        organisation=interview.organisation,
        interview=interview,
        name=name,
        email=email,
        timezone=timezone,
        deadline=deadline,
        language=language,
        token_hash=token_hash,
        invited_at=now,
        source=source,
    )
    InvitationLink.objects.create(invitation=invitation, token_hash=token_hash, purpose="created")
    _log(
        "invitation.created",
        invitation,
        actor=actor,
        actor_label="" if actor is not None else f"apply:{email}",
        request=request,
        data={"email": email, "deadline": deadline.isoformat(), "source": source},
    )
    if send:
        _queue_email(invitation, "invite")
    return invitation


def _queue_email(invitation: Invitation, purpose: str) -> None:
    invitation_id = invitation.pk
    transaction.on_commit(lambda: tasks.send_invitation_email(invitation_id, purpose))


def invitation_email_send(*, invitation_id: int, purpose: str) -> bool:
    """Send the invitation email (``purpose``: invite, resend, extend) with a fresh link.

    Called from the task. Does nothing for an invitation that has closed meanwhile.
    """
    invitation = (
        Invitation.objects.select_related("interview", "organisation")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return False
    return _invitation_email_send(invitation, purpose)


def invitation_emails_send(*, invitation_ids: list[int], purpose: str) -> list[int]:
    """The same for many invitations (a CSV import); returns the ids that failed."""
    failed: list[int] = []
    invitations = (
        Invitation.objects.filter(pk__in=invitation_ids)
        .select_related("interview", "organisation")
        .prefetch_related("interview__questions")
        .order_by("pk")
    )
    interviews: dict[int, Interview] = {}
    # One SMTP session for the whole batch.
    with mail.get_connection(fail_silently=False) as connection:
        for invitation in invitations:
            # One interview object (and one questions query) for the whole batch.
            invitation.interview = interviews.setdefault(
                invitation.interview_id, invitation.interview
            )
            try:
                _invitation_email_send(invitation, purpose, connection=connection)
            except Exception:
                logger.exception("Invitation email %s failed", invitation.pk)
                failed.append(invitation.pk)
    return failed


def _invitation_email_send(
    invitation: Invitation, purpose: str, *, connection: BaseEmailBackend | None = None
) -> bool:
    if not invitation_is_open(invitation):
        return False
    token = invitation_link_create(invitation=invitation, purpose=purpose)
    link = candidate_link(token)
    interview = invitation.interview
    with in_language(invitation_language(invitation)):
        send_templated_email(
            "invitation",
            connection=connection,
            to=[invitation.email],
            reply_to=[interview.contact_email],
            context={
                "invitation": invitation,
                "interview": interview,
                "organisation": invitation.organisation,
                "card": recorded_format_card(invitation, link=link),
                "link": link,
                "purpose": purpose,
            },
        )
    Invitation.objects.filter(pk=invitation.pk).update(last_sent_at=dj_timezone.now())
    _log("invitation.email_sent", invitation, data={"purpose": purpose})
    return True


def invitation_resend(
    *, invitation: Invitation, actor: Any, request: HttpRequest | None = None
) -> None:
    """Email the candidate again (with a new link; the earlier ones keep working)."""
    if not invitation_is_open(invitation):
        raise ValidationError(
            _("This invitation is closed. Extend the deadline first if it has expired."),
            code="closed",
        )
    with transaction.atomic():
        _log("invitation.resent", invitation, actor=actor, request=request)
        _queue_email(invitation, "resend")


def _reopened_status(invitation: Invitation) -> str:
    if invitation.started_at:
        return InvitationStatus.IN_PROGRESS
    if invitation.opened_at:
        return InvitationStatus.OPENED
    return InvitationStatus.INVITED


def invitation_extend(
    *,
    invitation: Invitation,
    deadline: datetime.datetime,
    actor: Any,
    request: HttpRequest | None = None,
    notify: bool = True,
) -> Invitation:
    """Move the deadline later. An expired invitation opens again; reminders start afresh."""
    if invitation.status == InvitationStatus.ERASED:
        raise ValidationError(_("This candidate's data was deleted."), code="erased")
    if invitation.status in (InvitationStatus.COMPLETED, InvitationStatus.REVOKED):
        raise ValidationError(
            _("A completed or revoked invitation cannot be extended."), code="closed"
        )
    if deadline <= dj_timezone.now():
        raise ValidationError({"deadline": [_("The new deadline must be in the future.")]})
    previous = invitation.deadline
    with transaction.atomic():
        invitation.deadline = deadline
        fields = ["deadline"]
        if invitation.status == InvitationStatus.EXPIRED:
            invitation.status = _reopened_status(invitation)
            invitation.expired_at = None
            fields += ["status", "expired_at"]
        invitation.save(update_fields=fields)
        # Reminders count back from the deadline, so they apply to the new one.
        ReminderDelivery.objects.filter(invitation=invitation).delete()
        _log(
            "invitation.extended",
            invitation,
            actor=actor,
            request=request,
            data={"from": previous.isoformat(), "to": deadline.isoformat(), "notify": notify},
        )
        if notify:
            _queue_email(invitation, "extend")
    return invitation


def invitation_revoke(
    *, invitation: Invitation, actor: Any, request: HttpRequest | None = None
) -> Invitation:
    """Withdraw the invitation: every link to it closes."""
    if invitation.status == InvitationStatus.ERASED:
        raise ValidationError(_("This candidate's data was deleted."), code="erased")
    if invitation.status in (InvitationStatus.COMPLETED, InvitationStatus.REVOKED):
        raise ValidationError(
            _("A completed or already revoked invitation cannot be revoked."), code="closed"
        )
    with transaction.atomic():
        invitation.status = InvitationStatus.REVOKED
        invitation.revoked_at = dj_timezone.now()
        invitation.save(update_fields=["status", "revoked_at"])
        _log("invitation.revoked", invitation, actor=actor, request=request)
    return invitation


def invitation_mark_opened(
    *, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    """The candidate opened their link (first time only)."""
    if invitation.status != InvitationStatus.INVITED:
        return invitation
    now = dj_timezone.now()
    updated = Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.INVITED).update(
        status=InvitationStatus.OPENED, opened_at=now
    )
    if updated:
        invitation.status = InvitationStatus.OPENED
        invitation.opened_at = now
        _log(
            "invitation.opened",
            invitation,
            actor_label=candidate_actor(invitation),
            request=request,
        )
    return invitation


def invitation_mark_started(
    *, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    """The candidate started answering (first time only)."""
    if invitation.status not in (InvitationStatus.INVITED, InvitationStatus.OPENED):
        return invitation
    now = dj_timezone.now()
    opened_at = invitation.opened_at or now
    updated = Invitation.objects.filter(
        pk=invitation.pk, status__in=(InvitationStatus.INVITED, InvitationStatus.OPENED)
    ).update(status=InvitationStatus.IN_PROGRESS, started_at=now, opened_at=opened_at)
    if updated:
        invitation.status = InvitationStatus.IN_PROGRESS
        invitation.started_at = now
        invitation.opened_at = opened_at
        _log(
            "invitation.started",
            invitation,
            actor_label=candidate_actor(invitation),
            request=request,
        )
    return invitation


def invitation_complete(
    *, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    """The candidate submitted everything: receipt to them, a note to the team."""
    if invitation.status == InvitationStatus.COMPLETED:
        return invitation
    if invitation.status in (InvitationStatus.REVOKED, InvitationStatus.ERASED):
        raise ValidationError(_("This invitation was withdrawn."), code="revoked")
    now = dj_timezone.now()
    with transaction.atomic():
        updated = (
            Invitation.objects.filter(pk=invitation.pk)
            .exclude(status__in=(InvitationStatus.COMPLETED, InvitationStatus.REVOKED))
            .update(
                status=InvitationStatus.COMPLETED,
                completed_at=now,
                started_at=invitation.started_at or now,
                opened_at=invitation.opened_at or now,
            )
        )
        if not updated:
            invitation.refresh_from_db()
            return invitation
        invitation.status = InvitationStatus.COMPLETED
        invitation.completed_at = now
        invitation.started_at = invitation.started_at or now
        invitation.opened_at = invitation.opened_at or now
        _log(
            "invitation.completed",
            invitation,
            actor_label=candidate_actor(invitation),
            request=request,
        )
        invitation_id = invitation.pk
        transaction.on_commit(lambda: tasks.send_completion_emails(invitation_id))
    return invitation


def invitation_completion_emails_send(*, invitation_id: int) -> None:
    """The candidate's receipt and the team's notification (from the task)."""
    invitation = (
        Invitation.objects.select_related("interview", "organisation")
        .filter(pk=invitation_id, status=InvitationStatus.COMPLETED)
        .first()
    )
    if invitation is None:
        return
    interview = invitation.interview
    answers = list(
        invitation.answers.filter(is_practice=False)
        .select_related("question")
        .order_by("question__position", "question_id")
    )
    questions = list(interview.questions.all())
    answered_ids = {a.question_id for a in answers if a.submitted_at is not None}
    base = {
        "invitation": invitation,
        "interview": interview,
        "organisation": invitation.organisation,
        "questions": [(q, q.pk in answered_ids) for q in questions],
        "answered_count": len(answered_ids),
        "question_count": len(questions),
    }
    with in_language(invitation_language(invitation)):
        send_templated_email(
            "receipt",
            to=[invitation.email],
            reply_to=[interview.contact_email],
            context={
                **base,
                "retention": retention_promise(interview),
                "rights": rights_promise(invitation),
            },
        )
    recipients = sorted(
        set(
            Membership.objects.filter(
                organisation=invitation.organisation, role__in=(Role.OWNER, Role.ADMIN)
            ).values_list("user__email", flat=True)
        )
        | ({interview.created_by.email} if interview.created_by else set())
    )
    review_url = settings.BASE_URL + reverse(
        "dashboard:invitation_detail", args=[interview.pk, invitation.pk]
    )
    with in_language(None):  # the team reads English, whatever page triggered this
        # Team mail has no single reader: in blind review it names the candidate by alias.
        team_context = {
            **base,
            "retention": retention_promise(interview),
            "rights": rights_promise(invitation),
            "review_url": review_url,
            "candidate_name": candidate_label(None, invitation),
        }
        for email in recipients:
            send_templated_email("team_completed", to=[email], context=team_context)
    _log("invitation.receipt_sent", invitation, data={"team": len(recipients)})


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Send the reminders that are due; returns how many were sent.

    A reminder ``h`` hours before the deadline is due once that moment has passed, if the
    invitation is still open and was sent before that moment (no "48 hours left" reminder
    right after an invitation with 30 hours to go). When several are due at once (the
    worker was down), only the closest to the deadline is sent. ``ReminderDelivery``'s
    unique constraint makes a second run, even a concurrent one, send nothing twice.
    """
    now = now or dj_timezone.now()
    candidates = (
        Invitation.objects.filter(
            status__in=OPEN_STATUSES,
            deadline__gt=now,
            deadline__lte=now + datetime.timedelta(hours=MAX_REMINDER_HOURS),
        )
        .select_related("interview", "organisation")
        .prefetch_related("reminders")
    )
    sent = 0
    for invitation in candidates:
        schedule = sorted({int(h) for h in invitation.interview.reminder_hours or [] if int(h) > 0})
        first_contact = invitation.invited_at
        due = [
            h
            for h in schedule
            if invitation.deadline - datetime.timedelta(hours=h) <= now
            and first_contact < invitation.deadline - datetime.timedelta(hours=h)
        ]
        if not due:
            continue
        delivered = {r.hours_before for r in invitation.reminders.all()}
        hours = min(due)
        if hours in delivered:
            continue
        try:
            with transaction.atomic():
                delivery = ReminderDelivery.objects.create(
                    invitation=invitation, hours_before=hours
                )
        except IntegrityError:
            continue  # another run got there first
        # Earlier reminders that were missed are not sent late.
        for skipped in set(due) - delivered - {hours}:
            try:
                with transaction.atomic():
                    ReminderDelivery.objects.create(invitation=invitation, hours_before=skipped)
            except IntegrityError:
                pass
        try:
            _reminder_send(invitation, hours)
        except Exception:
            # Let the next run try again rather than lose the reminder.
            logger.exception("Reminder for invitation %s failed", invitation.pk)
            ReminderDelivery.objects.filter(pk=delivery.pk).delete()
            continue
        sent += 1
    return sent


def _reminder_send(invitation: Invitation, hours: int) -> None:
    token = invitation_link_create(invitation=invitation, purpose="reminder")
    link = candidate_link(token)
    with in_language(invitation_language(invitation)):
        send_templated_email(
            "reminder",
            to=[invitation.email],
            reply_to=[invitation.interview.contact_email],
            context={
                "invitation": invitation,
                "interview": invitation.interview,
                "organisation": invitation.organisation,
                "card": recorded_format_card(invitation, link=link),
                "link": link,
                "hours": hours,
            },
        )
    _log("invitation.reminder_sent", invitation, data={"hours_before": hours})


def invitations_expire_due(*, now: datetime.datetime | None = None) -> int:
    """Mark open invitations whose deadline and grace have passed as expired."""
    now = now or dj_timezone.now()
    expired = 0
    overdue = Invitation.objects.filter(status__in=OPEN_STATUSES, deadline__lt=now).select_related(
        "interview", "organisation"
    )
    for invitation in overdue:
        if invitation_is_open(invitation, now=now):
            continue  # still within its grace
        updated = Invitation.objects.filter(
            pk=invitation.pk, status__in=OPEN_STATUSES, deadline=invitation.deadline
        ).update(status=InvitationStatus.EXPIRED, expired_at=now)
        if updated:
            invitation.status = InvitationStatus.EXPIRED
            _log("invitation.expired", invitation)
            expired += 1
    return expired


def invitations_for_email(interview: Interview, emails: list[str]) -> set[str]:
    """Which of ``emails`` already hold a live invitation to ``interview`` (lower-cased)."""
    lowered = {normalise_email(e) for e in emails}
    if not lowered:
        return set()
    found = (
        Invitation.objects.filter(interview=interview, email__in=lowered)
        .exclude(status=InvitationStatus.REVOKED)
        .values_list("email", flat=True)
    )
    return {normalise_email(e) for e in found}


def invitation_apply(
    *,
    interview: Interview,
    name: str,
    email: str,
    timezone: str | None = None,
    request: HttpRequest | None = None,
) -> Invitation | None:
    """A candidate asked for a link on the interview's public apply page.

    A new address gets an invitation; an address already invited and still open gets its
    link again; a finished one gets nothing (the page answers the same either way).
    """
    if not interview.apply_link_enabled or interview_invite_problems(interview):
        raise ValidationError(_("This interview does not accept applications."), code="closed")
    existing = existing_invitation(interview, email)
    if existing is not None:
        if invitation_is_open(existing):
            with transaction.atomic():
                _log(
                    "invitation.apply_repeated",
                    existing,
                    actor_label=f"apply:{normalise_email(email)}",
                    request=request,
                )
                _queue_email(existing, "resend")
        return existing
    try:
        invitation, _token = invitation_create(
            interview=interview,
            name=name,
            email=email,
            timezone=timezone,
            actor=None,
            request=request,
            source="apply",
        )
    except ValidationError:
        return None
    return invitation
