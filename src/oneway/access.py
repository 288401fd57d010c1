"""The one gate: who may see which interview, candidate, answer and review.

Every staff, share-link and API lookup goes through ``access_<thing>(viewer, id)`` /
``visible_<things>(viewer)`` here, in the manner of Zulip's ``access_stream_by_id``.
Owners and admins see every interview of their organisation; reviewers only those they
are assigned to; an API key only the interviews it is limited to (if any). Another
organisation's object, or one the viewer may not see, answers 404 (never 403, which
would confirm that it exists). A role limit on an object the viewer may see is a 403
(``require``). Live interviews: a reviewer sees one when assigned to its position's
interview or named as one of its interviewers. Audit entries, media items, share links and
comments are visible exactly when the interview or candidate they belong to is.

Blind mode, and who may reveal identity
---------------------------------------
In an interview with blind review on, a candidate's identity (name, email, accommodation
note) is hidden from *every* staff member, owners and admins included, from share-link
holders, API keys, and everything sent without a single reader (team emails,
notifications, webhooks: ``viewer=None``). It is revealed, to one person at a time, only when

1. that person (or that share link) has submitted their own review of the candidate; or
2. an owner or admin takes the explicit "Reveal identity" action on the candidate, which is
   written to the audit log as ``candidate.identity_revealed`` and reveals it to them only.

Everything that shows identity asks ``candidate_identity`` / ``candidate_label`` (or, for a
list, ``candidate_identities``, two queries for any number of rows).

Independent reviews
-------------------
Until a reviewer has submitted their own review of a candidate they see no other person's
ratings, recommendation, private note, decision reason or comment on that candidate
(``sees_others_reviews``). Owners and admins, who decide, always see them. The decision
*status* stays visible to everyone: it says where the candidate stands in the process
(a rejected candidate needs no more reviews), not what anyone thought of the answers.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.accounts.roles import role_has
from oneway.core.models import (
    Answer,
    AuditEntry,
    DataRequest,
    Interview,
    Invitation,
    LibraryQuestion,
    MemberInvite,
    Membership,
    Organisation,
    Question,
    Take,
)
from oneway.live.models import LiveInterview, SlotOffer
from oneway.media.models import MediaItem
from oneway.reviews.models import Comment, Review, ReviewerAssignment, ShareLink

REVEAL_ACTION = "candidate.identity_revealed"

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


def access_question(viewer: Viewer, question_id: int) -> Question:
    """A question of an interview the viewer sees (with its interview)."""
    question = (
        Question.objects.filter(pk=question_id, interview__in=visible_interviews(viewer))
        .select_related("interview__organisation", "prompt_media")
        .first()
    )
    if question is None:
        raise Http404(_("No such question."))
    return question


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


def visible_live_interviews(viewer: Viewer) -> QuerySet[LiveInterview]:
    """The organisation's live interviews; a reviewer's only when assigned to the position's
    interview or named as an interviewer."""
    lives = LiveInterview.objects.filter(organisation=viewer.org)
    if viewer.interview_ids is not None:
        lives = lives.filter(interview_id__in=viewer.interview_ids)
    if viewer.sees_all:
        return lives
    assigned = ReviewerAssignment.objects.filter(user=viewer.user, organisation=viewer.org)
    return lives.filter(
        Q(interview_id__in=assigned.values("interview_id"))
        | Q(
            pk__in=LiveInterview.interviewers.through.objects.filter(user=viewer.user).values(
                "liveinterview_id"
            )
        )
    )


def access_live_interview(viewer: Viewer, live_interview_id: int) -> LiveInterview:
    live = (
        visible_live_interviews(viewer)
        .select_related(
            "organisation",
            "interview",
            "invitation__interview",
            "organiser",
            "slot_offer",
            "outcome_by",
        )
        .filter(pk=live_interview_id)
        .first()
    )
    if live is None:
        raise Http404(_("No such live interview."))
    return live


def visible_slot_offers(viewer: Viewer) -> QuerySet[SlotOffer]:
    """Slot offers belong to the organisation, not to one interview: a viewer limited to
    some interviews (an API key) sees none."""
    if viewer.interview_ids is not None:
        return SlotOffer.objects.none()
    return SlotOffer.objects.filter(organisation=viewer.org)


def access_slot_offer(viewer: Viewer, slot_offer_id: int) -> SlotOffer:
    offer = visible_slot_offers(viewer).filter(pk=slot_offer_id).first()
    if offer is None:
        raise Http404(_("No such slot offer."))
    return offer


def visible_audit_entries(viewer: Viewer) -> QuerySet[AuditEntry]:
    """Entries of the organisation; limited to the viewer's interviews when not all are."""
    entries = AuditEntry.objects.filter(organisation=viewer.org)
    if viewer.sees_all and viewer.interview_ids is None:
        return entries
    return entries.filter(interview_id__in=visible_interviews(viewer).values("pk"))


def visible_media_items(viewer: Viewer) -> QuerySet[MediaItem]:
    """Media of the takes of candidates this viewer sees (practice takes excluded); owners
    and admins see all of the organisation's media."""
    items = MediaItem.objects.filter(organisation=viewer.org)
    if viewer.sees_all and viewer.interview_ids is None:
        return items
    takes = Take.objects.filter(
        answer__is_practice=False, answer__invitation__in=visible_invitations(viewer)
    )
    return items.filter(pk__in=takes.values("media_id"))


def access_media_item(viewer: Viewer, media_item_id: int) -> MediaItem:
    item = visible_media_items(viewer).filter(pk=media_item_id).first()
    if item is None:
        raise Http404(_("No such recording."))
    return item


def visible_share_links(viewer: Viewer) -> QuerySet[ShareLink]:
    return ShareLink.objects.filter(
        organisation=viewer.org, interview__in=visible_interviews(viewer)
    )


def access_share_link(viewer: Viewer, share_link_id: int) -> ShareLink:
    link = (
        visible_share_links(viewer)
        .select_related("interview", "organisation")
        .filter(pk=share_link_id)
        .first()
    )
    if link is None:
        raise Http404(_("No such share link."))
    return link


def access_comment(viewer: Viewer, comment_id: int) -> Comment:
    comment = (
        Comment.objects.filter(pk=comment_id, invitation__in=visible_invitations(viewer))
        .select_related("invitation__interview", "organisation")
        .first()
    )
    if comment is None:
        raise Http404(_("No such comment."))
    return comment


# --- Identity in blind mode ---------------------------------------------------------


def candidate_alias(invitation_id: int) -> str:
    """A stable pseudonym for blind review that reveals nothing about the candidate."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"candidate:{invitation_id}".encode(), hashlib.sha256
    ).hexdigest()
    return _("Candidate %(code)s") % {"code": digest[:6].upper()}


@dataclass(frozen=True)
class Identity:
    """Who the candidate is, as one viewer may see it."""

    name: str
    email: str  # "" while hidden
    accommodation_note: str  # "" while hidden
    hidden: bool

    @property
    def contact(self) -> str:
        """ "Name <email>", or the alias alone while hidden."""
        return f"{self.name} <{self.email}>" if self.email else self.name


def identity_of(invitation: Invitation, *, hidden: bool) -> Identity:
    if hidden:
        return Identity(
            name=candidate_alias(invitation.pk), email="", accommodation_note="", hidden=True
        )
    return Identity(
        name=invitation.name,
        email=invitation.email,
        accommodation_note=invitation.accommodation_note,
        hidden=False,
    )


def revealed_ids(viewer: Viewer, invitation_ids: Iterable[int]) -> set[int]:
    """Of these candidates, those whose identity this viewer may see in blind mode: they
    submitted their own review, or (owners/admins) took the audited reveal action."""
    ids = list(invitation_ids)
    if not ids:
        return set()
    reviewed = (
        Review.objects.filter(
            invitation_id__in=ids, reviewer=viewer.user, submitted_at__isnull=False
        )
        .order_by()
        .values_list("invitation_id", flat=True)
    )
    if not viewer.can("candidates.reveal"):
        return set(reviewed)
    revealed = (
        AuditEntry.objects.filter(
            organisation=viewer.org, action=REVEAL_ACTION, actor=viewer.user, invitation_id__in=ids
        )
        .order_by()
        .values_list("invitation_id", flat=True)
    )
    return set(reviewed.union(revealed))


def candidate_identities(
    viewer: Viewer | None, invitations: Iterable[Invitation]
) -> dict[int, Identity]:
    """Identity per invitation id, for a list (at most two queries, none without blind
    interviews). The invitations' interviews should be fetched with them."""
    rows = list(invitations)
    blind = [i.pk for i in rows if i.interview.blind_mode]
    # An API key reads for a machine, not for the person who created it: always the alias.
    person = viewer is not None and viewer.api_key_id is None
    seen = revealed_ids(viewer, blind) if person and blind and viewer else set()
    return {i.pk: identity_of(i, hidden=i.interview.blind_mode and i.pk not in seen) for i in rows}


def candidate_identity(viewer: Viewer | None, invitation: Invitation) -> Identity:
    """The candidate's identity as this viewer may see it (``None``: nobody in particular,
    e.g. a team email: the alias in a blind interview)."""
    return candidate_identities(viewer, [invitation])[invitation.pk]


def candidate_label(viewer: Viewer | None, invitation: Invitation) -> str:
    """The candidate's name as this viewer may see it: the alias while blind mode hides it.

    ``viewer`` is None where no single person looks (team emails, webhooks, notifications):
    in a blind interview they always carry the alias.
    """
    return candidate_identity(viewer, invitation).name


def candidate_contact(viewer: Viewer | None, invitation: Invitation) -> str:
    """The candidate's email as this viewer may see it ("" while blind mode hides it)."""
    return candidate_identity(viewer, invitation).email


def access_shared_invitation(link: ShareLink, invitation_id: int) -> Invitation:
    """A candidate shared through ``link`` (and of its organisation); 404 otherwise. The
    link itself is found by its token and checked for expiry by the share pages."""
    invitation = (
        link.invitations.filter(pk=invitation_id, organisation=link.organisation)
        .select_related("interview", "organisation")
        .first()
    )
    if invitation is None:
        raise Http404(_("No such candidate."))
    return invitation


def share_identity(link: ShareLink, invitation: Invitation, *, submitted: bool) -> Identity:
    """Identity through a share link: hidden in blind mode until the link's holder has
    submitted a review of the candidate."""
    return identity_of(invitation, hidden=link.interview.blind_mode and not submitted)


@dataclass(frozen=True)
class LiveShown:
    """A live interview's candidate and title as one viewer may see them."""

    name: str
    email: str
    title: str
    hidden: bool


def live_identities(viewer: Viewer | None, lives: Iterable[LiveInterview]) -> dict[int, LiveShown]:
    """Per live interview: a linked candidate of a blind interview is shown as the gate
    shows that candidate (the title with their name replaced by the alias: titles are typed
    by staff and may name them); otherwise the name and email typed when scheduling. Load
    ``invitation__interview`` with the live interviews."""
    rows = list(lives)
    linked = [live.invitation for live in rows if live.invitation is not None]
    identities = candidate_identities(viewer, linked)
    result = {}
    for live in rows:
        identity = identities.get(live.invitation_id) if live.invitation_id else None
        if identity is None or not identity.hidden:
            result[live.pk] = LiveShown(
                name=live.candidate_name, email=live.candidate_email, title=live.title, hidden=False
            )
            continue
        title = live.title
        assert live.invitation is not None
        for real in {live.candidate_name, live.invitation.name, live.candidate_email}:
            if real.strip():
                title = _replace_ci(title, real, identity.name)
        result[live.pk] = LiveShown(name=identity.name, email="", title=title, hidden=True)
    return result


def live_shown(viewer: Viewer | None, live: LiveInterview) -> LiveShown:
    return live_identities(viewer, [live])[live.pk]


def _replace_ci(text: str, old: str, new: str) -> str:
    return re.sub(re.escape(old), new, text, flags=re.IGNORECASE)


# --- Independent reviews ------------------------------------------------------------


def sees_others_reviews(viewer: Viewer, *, submitted: bool) -> bool:
    """Others' ratings, recommendations, notes, decision reasons and comments: owners and
    admins always; anyone else once they have submitted their own review."""
    return viewer.sees_all or submitted


# --- Organisation-wide objects (no interview of their own) --------------------------


def visible_library_questions(viewer: Viewer) -> QuerySet[LibraryQuestion]:
    return LibraryQuestion.objects.filter(organisation=viewer.org)


def visible_memberships(viewer: Viewer) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=viewer.org)


def visible_member_invites(viewer: Viewer) -> QuerySet[MemberInvite]:
    return MemberInvite.objects.filter(organisation=viewer.org)


# --- Audit entries as a viewer may read them ----------------------------------------

IDENTITY_KEYS = frozenset({"name", "email", "candidate_name", "candidate_email", "note"})


def audit_rows(
    viewer: Viewer, entries: Iterable[AuditEntry]
) -> list[tuple[AuditEntry, dict[str, object]]]:
    """Each entry with the details this viewer may read: identity fields of a candidate
    whose identity blind mode hides from them are replaced by the alias."""
    rows = list(entries)
    invitation_ids = {e.invitation_id for e in rows if e.invitation_id}
    blind = set(
        Invitation.objects.filter(pk__in=invitation_ids, interview__blind_mode=True).values_list(
            "pk", flat=True
        )
    )
    hidden = blind - revealed_ids(viewer, blind) if blind else set()
    result: list[tuple[AuditEntry, dict[str, object]]] = []
    for entry in rows:
        data = dict(entry.data or {})
        if entry.invitation_id in hidden:
            for key in IDENTITY_KEYS & data.keys():
                data[key] = candidate_alias(entry.invitation_id) if "name" in key else "…"
        result.append((entry, data))
    return result


# --- Data requests (issue 12) ---------------------------------------------------------


def visible_data_requests(viewer: Viewer) -> QuerySet[DataRequest]:
    """Owners and admins handle people's data requests for the whole organisation."""
    if not viewer.can("data_requests.manage") or viewer.interview_ids is not None:
        return DataRequest.objects.none()
    return DataRequest.objects.filter(organisation=viewer.org)


def access_data_request(viewer: Viewer, data_request_id: int) -> DataRequest:
    data_request = visible_data_requests(viewer).filter(pk=data_request_id).first()
    if data_request is None:
        raise Http404(_("No such data request."))
    return data_request


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
