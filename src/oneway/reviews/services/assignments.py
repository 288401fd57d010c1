from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Interview, Membership
from oneway.reviews.models import ReviewerAssignment


@transaction.atomic
def reviewer_assign(
    *, interview: Interview, user: User, actor: User, request: HttpRequest | None = None
) -> ReviewerAssignment:
    """Ask a member of the interview's organisation to review its candidates."""
    if not Membership.objects.filter(organisation_id=interview.organisation_id, user=user).exists():
        raise ValidationError(_("Only members of this organisation can be assigned."))
    assignment, created = ReviewerAssignment.objects.get_or_create(
        interview=interview,
        user=user,
        defaults={"organisation_id": interview.organisation_id, "assigned_by": actor},
    )
    if created:
        log_action(
            "review.reviewer_assigned",
            organisation=interview.organisation,
            actor=actor,
            obj=assignment,
            interview_id=interview.pk,
            data={"user_id": user.pk, "email": user.email},
            request=request,
        )
    return assignment


@transaction.atomic
def reviewer_unassign(
    *, interview: Interview, user: User, actor: User, request: HttpRequest | None = None
) -> None:
    deleted, _detail = ReviewerAssignment.objects.filter(interview=interview, user=user).delete()
    if deleted:
        log_action(
            "review.reviewer_unassigned",
            organisation=interview.organisation,
            actor=actor,
            interview_id=interview.pk,
            data={"user_id": user.pk, "email": user.email},
            request=request,
        )
