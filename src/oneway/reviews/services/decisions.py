"""The decision pipeline. Only a person changes a decision: there is no automatic path."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Interview, Invitation
from oneway.reviews.decision_emails import EMAIL_STATUSES, PLACEHOLDERS
from oneway.reviews.models import (
    Decision,
    DecisionEmailTemplate,
    DecisionEvent,
    DecisionStatus,
)

MAX_REASON = 2_000


@transaction.atomic
def decision_change(
    *,
    invitation: Invitation,
    status: str,
    actor: User,
    reason: str = "",
    notify_candidate: bool = False,
    request: HttpRequest | None = None,
) -> DecisionEvent:
    """Move a candidate in the pipeline, keep the history, optionally email the candidate."""
    if status not in DecisionStatus.values:
        raise ValidationError({"status": _("Choose a decision.")})
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("Keep the reason under 2,000 characters.")})
    if notify_candidate and status not in EMAIL_STATUSES:
        raise ValidationError({"notify": _("There is no candidate email for this decision.")})
    decision = Decision.objects.select_for_update().filter(invitation=invitation).first()
    previous = decision.status if decision else DecisionStatus.NEW
    if previous == status:
        raise ValidationError({"status": _("The candidate already has this decision.")})
    now = timezone.now()
    if decision is None:
        decision = Decision(organisation_id=invitation.organisation_id, invitation=invitation)
    decision.status = status
    decision.reason = reason
    decision.changed_by = actor
    decision.changed_at = now
    decision.save()
    event = DecisionEvent.objects.create(
        organisation_id=invitation.organisation_id,
        invitation=invitation,
        from_status=previous,
        to_status=status,
        reason=reason,
        actor=actor,
        created_at=now,
        candidate_email_requested=notify_candidate,
    )
    log_action(
        "decision.changed",
        organisation=invitation.organisation,
        actor=actor,
        obj=decision,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data={"from": previous, "to": status, "reason": reason, "email": notify_candidate},
        request=request,
    )
    if notify_candidate:
        from oneway.reviews.tasks import send_decision_email

        transaction.on_commit(lambda: send_decision_email(event.pk))
    return event


@transaction.atomic
def decision_template_save(
    *,
    interview: Interview,
    status: str,
    subject: str,
    body: str,
    actor: User,
    request: HttpRequest | None = None,
) -> DecisionEmailTemplate:
    """Set the interview's email to candidates for one decision."""
    errors: dict[str, str] = {}
    if status not in EMAIL_STATUSES:
        errors["status"] = _("There is no candidate email for this decision.")
    subject, body = subject.strip(), body.strip()
    if not subject:
        errors["subject"] = _("Write a subject.")
    elif len(subject) > 200:
        errors["subject"] = _("Keep the subject under 200 characters.")
    if not body:
        errors["body"] = _("Write the message.")
    unknown = {
        name for name in re.findall(r"\{(\w+)\}", subject + body) if name not in PLACEHOLDERS
    }
    if unknown:
        errors["body"] = _("Unknown placeholder: %(names)s.") % {
            "names": ", ".join("{" + n + "}" for n in sorted(unknown))
        }
    if errors:
        raise ValidationError(errors)
    template, _created = DecisionEmailTemplate.objects.update_or_create(
        interview=interview,
        status=status,
        defaults={"subject": subject, "body": body, "updated_by": actor},
    )
    log_action(
        "decision.email_template_saved",
        organisation=interview.organisation,
        actor=actor,
        obj=template,
        interview_id=interview.pk,
        data={"status": status},
        request=request,
    )
    return template
