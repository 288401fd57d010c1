"""The one gate: who may see which interview, candidate, answer and review.

Every staff, share-link and API lookup goes through ``access_<thing>(viewer, id)`` /
``visible_<things>(viewer)`` here, in the manner of Zulip's ``access_stream_by_id``.
Owners and admins see every interview of their organisation; reviewers only those they
are assigned to; an API key only the interviews it is limited to (if any). Another
organisation's object, or one the viewer may not see, answers 404 (never 403, which
would confirm that it exists). A role limit on an object the viewer may see is a 403
(``require``). Identity in blind mode is rendered by ``candidate_label``.
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.accounts.roles import role_has
from oneway.core.models import Answer, Interview, Invitation, Organisation
from oneway.reviews.models import Review, ReviewerAssignment

if TYPE_CHECKING:
    from oneway.api.models import ApiKey, WebhookEndpoint


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as the access rules need it: a signed-in member or an API key.

    An API key acts as ``Viewer(org, user=<the member who created it>, role=<the key's
    role>, interview_ids=<its interview limit or None>, api_key_id=<its id>)``;
    ``interview_ids`` limits any viewer to those interviews.
    """

    org: Organisation
    user: User
    role: str
    interview_ids: frozenset[int] | None = None
    api_key_id: int | None = None

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
    if viewer.interview_ids is not None:
        interviews = interviews.filter(pk__in=viewer.interview_ids)
    if viewer.sees_all:
        return interviews
    return interviews.filter(
        Exists(ReviewerAssignment.objects.filter(interview=OuterRef("pk"), user=viewer.user))
    )


def access_interview(viewer: Viewer, interview_id: int) -> Interview:
    interview = visible_interviews(viewer).filter(pk=interview_id).first()
    if interview is None:
        raise Http404(_("No such interview."))
    return interview


def visible_invitations(viewer: Viewer) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation=viewer.org, interview__in=visible_interviews(viewer)
    )


def access_invitation(
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


def access_answer(viewer: Viewer, answer_id: int) -> Answer:
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


def has_submitted_review(viewer: Viewer, invitation: Invitation) -> bool:
    """Whether this member has submitted their own review of the candidate."""
    return Review.objects.filter(
        invitation=invitation, reviewer=viewer.user, submitted_at__isnull=False
    ).exists()


def candidate_label(viewer: Viewer | None, invitation: Invitation) -> str:
    """The candidate's name as this viewer may see it: the alias while blind mode hides it.

    ``viewer`` is None where no single person looks (team emails, webhooks, notifications):
    in a blind interview they always carry the alias.
    """
    if not invitation.interview.blind_mode:
        return invitation.name
    if viewer is not None and has_submitted_review(viewer, invitation):
        return invitation.name
    return candidate_alias(invitation.pk)


# --- API keys and webhook endpoints (issue 15) -------------------------------------------


def visible_api_keys(viewer: Viewer) -> "QuerySet[ApiKey]":
    from oneway.api.models import ApiKey

    require(viewer, "integrations.manage")
    return ApiKey.objects.filter(organisation=viewer.org)


def access_api_key(viewer: Viewer, api_key_id: int) -> "ApiKey":
    key = visible_api_keys(viewer).filter(pk=api_key_id).first()
    if key is None:
        raise Http404(_("No such API key."))
    return key


def visible_webhook_endpoints(viewer: Viewer) -> "QuerySet[WebhookEndpoint]":
    from oneway.api.models import WebhookEndpoint

    require(viewer, "integrations.manage")
    return WebhookEndpoint.objects.filter(organisation=viewer.org)


def access_webhook_endpoint(viewer: Viewer, webhook_endpoint_id: int) -> "WebhookEndpoint":
    endpoint = visible_webhook_endpoints(viewer).filter(pk=webhook_endpoint_id).first()
    if endpoint is None:
        raise Http404(_("No such webhook endpoint."))
    return endpoint
