"""Reads that are more than a one-line query."""

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet

from oneway.core.models import (
    AuditEntry,
    Interview,
    Invitation,
    InvitationLink,
    InvitationStatus,
)
from oneway.core.tokens import hash_token

if TYPE_CHECKING:
    from oneway.media.models import MediaItem


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a candidate's capability token opens, or None (unknown or tampered).

    Any of the invitation's links works (every email carries its own token); closed
    invitations are returned too, so the caller can show the right closed page.
    """
    if not token or len(token) > 128:
        return None
    token_hash = hash_token(token)
    link = (
        InvitationLink.objects.select_related("invitation__interview", "invitation__organisation")
        .filter(token_hash=token_hash)
        .first()
    )
    if link is not None:
        return link.invitation
    return (
        Invitation.objects.select_related("interview", "organisation")
        .filter(token_hash=token_hash)
        .first()
    )


def interviews_with_counts(
    interviews: QuerySet[Interview], *, archived: bool = False
) -> QuerySet[Interview]:
    """These interviews (from the access gate) with question and candidate counts."""
    return (
        interviews.filter(archived_at__isnull=not archived)
        .annotate(
            question_count=Count("questions", distinct=True),
            invitation_count=Count("invitations", distinct=True),
            completed_count=Count(
                "invitations",
                filter=Q(invitations__status=InvitationStatus.COMPLETED),
                distinct=True,
            ),
        )
        .order_by("-created_at")
    )


def invitation_status_counts(interview: Interview) -> dict[str, int]:
    rows = (
        Invitation.objects.filter(interview=interview)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {status: 0 for status in InvitationStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def audit_entries(
    entries: QuerySet[AuditEntry],
    *,
    interview_id: int | None = None,
    invitation_id: int | None = None,
    action_prefix: str = "",
) -> QuerySet[AuditEntry]:
    """Entries (from the access gate's ``visible_audit_entries``), newest first."""
    entries = entries.select_related("actor")
    if interview_id is not None:
        entries = entries.filter(interview_id=interview_id)
    if invitation_id is not None:
        entries = entries.filter(invitation_id=invitation_id)
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    return entries.order_by("-created_at", "-id")


def interview_answer_media(interview: Interview) -> QuerySet["MediaItem"]:
    """The recordings of an interview's answers (every take, practice excluded): what a
    transcript redo covers."""
    from oneway.media.models import MediaItem

    return MediaItem.objects.filter(
        organisation_id=interview.organisation_id,
        take__answer__invitation__interview=interview,
        take__answer__is_practice=False,
    )
