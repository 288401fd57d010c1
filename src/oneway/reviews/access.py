"""Who may see which interview, candidate and review.

Owners and admins see every interview of their organisation; reviewers only those they
are assigned to. Everything is scoped to the request's organisation: another
organisation's object, or an interview a reviewer is not assigned to, answers 404.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.accounts.roles import role_has
from oneway.core.models import Answer, Interview, Invitation, Organisation
from oneway.reviews.models import ReviewerAssignment


@dataclass(frozen=True)
class Viewer:
    """A signed-in member looking at review pages, as the access rules need them."""

    org: Organisation
    user: User
    role: str

    def can(self, permission: str) -> bool:
        return role_has(self.role, permission)

    @property
    def sees_all(self) -> bool:
        """Owners and admins see every interview and every review."""
        return self.can("reviews.see_all")


def viewer_from(request: HttpRequest) -> Viewer:
    membership = request.membership  # type: ignore[attr-defined]
    return Viewer(org=request.org, user=request.user, role=membership.role)  # type: ignore[attr-defined,arg-type]


def require(viewer: Viewer, permission: str) -> None:
    """403 for a role limit, checked after the object was found (so strangers get 404)."""
    if not viewer.can(permission):
        raise PermissionDenied


def visible_interviews(viewer: Viewer) -> QuerySet[Interview]:
    interviews = Interview.objects.filter(organisation=viewer.org)
    if viewer.sees_all:
        return interviews
    return interviews.filter(
        Exists(ReviewerAssignment.objects.filter(interview=OuterRef("pk"), user=viewer.user))
    )


def interview_for(viewer: Viewer, interview_id: int) -> Interview:
    interview = visible_interviews(viewer).filter(pk=interview_id).first()
    if interview is None:
        raise Http404(_("No such interview."))
    return interview


def visible_invitations(viewer: Viewer) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation=viewer.org, interview__in=visible_interviews(viewer)
    )


def invitation_for(
    viewer: Viewer, invitation_id: int, *, related: tuple[str, ...] = ()
) -> Invitation:
    invitation = (
        visible_invitations(viewer)
        .select_related("interview", "organisation", *related)
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise Http404(_("No such candidate."))
    return invitation


def answer_for(viewer: Viewer, answer_id: int) -> Answer:
    answer = (
        Answer.objects.filter(
            pk=answer_id,
            is_practice=False,
            invitation__in=visible_invitations(viewer),
        )
        .select_related("invitation__interview", "question", "submitted_take__media__organisation")
        .first()
    )
    if answer is None:
        raise Http404(_("No such answer."))
    return answer


def candidate_alias(invitation_id: int) -> str:
    """A stable pseudonym for blind review that reveals nothing about the candidate."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"candidate:{invitation_id}".encode(), hashlib.sha256
    ).hexdigest()
    return _("Candidate %(code)s") % {"code": digest[:6].upper()}


def is_hidden(interview: Interview, *, reviewed: bool) -> bool:
    """Blind mode hides who the candidate is until this person has submitted a review."""
    return interview.blind_mode and not reviewed


def shown_name(invitation: Invitation, *, hidden: bool) -> str:
    return candidate_alias(invitation.pk) if hidden else invitation.name


def shown_email(invitation: Invitation, *, hidden: bool) -> str:
    return "" if hidden else invitation.email
