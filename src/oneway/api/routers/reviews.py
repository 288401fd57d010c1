"""Reviews and ratings (read: submitted reviews only) and decisions (read and set)."""

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from oneway.access import access_invitation, require
from oneway.api.common import Id, Input, utc, viewer_of
from oneway.reviews.models import Decision, DecisionEvent, DecisionStatus, Review
from oneway.reviews.selectors import reviewer_label
from oneway.reviews.services.decisions import MAX_REASON, decision_change

router = Router(tags=["Reviews and decisions"])


class RatingOut(Schema):
    question_id: int
    score: int


class ReviewOut(Schema):
    id: int
    invitation_id: int
    reviewer: str
    recommendation: str
    submitted_at: datetime.datetime
    ratings: list[RatingOut]


@router.get(
    "/invitations/{invitation_id}/reviews",
    response=list[ReviewOut],
    summary="A candidate's submitted reviews with their ratings",
    description="Drafts stay private to their author and are not listed; private notes neither.",
)
def list_reviews(request: HttpRequest, invitation_id: Id) -> list[ReviewOut]:
    invitation = access_invitation(viewer_of(request), invitation_id)
    reviews = (
        Review.objects.filter(invitation=invitation, submitted_at__isnull=False)
        .select_related("reviewer", "share_link")
        .prefetch_related("ratings")
        .order_by("submitted_at", "id")
    )
    return [
        ReviewOut(
            id=review.pk,
            invitation_id=invitation.pk,
            reviewer=reviewer_label(review),
            recommendation=review.recommendation,
            submitted_at=utc(review.submitted_at),  # type: ignore[arg-type]
            ratings=[
                RatingOut(question_id=r.question_id, score=r.score) for r in review.ratings.all()
            ],
        )
        for review in reviews
    ]


class DecisionEventOut(Schema):
    from_status: str
    to_status: str
    reason: str
    at: datetime.datetime


class DecisionOut(Schema):
    invitation_id: int
    status: str
    reason: str
    changed_at: datetime.datetime | None
    history: list[DecisionEventOut]


def decision_out(invitation_id: int) -> DecisionOut:
    decision = Decision.objects.filter(invitation_id=invitation_id).first()
    events = DecisionEvent.objects.filter(invitation_id=invitation_id).order_by(
        "-created_at", "-id"
    )
    return DecisionOut(
        invitation_id=invitation_id,
        status=decision.status if decision else DecisionStatus.NEW,
        reason=decision.reason if decision else "",
        changed_at=utc(decision.changed_at) if decision else None,
        history=[
            DecisionEventOut(
                from_status=e.from_status,
                to_status=e.to_status,
                reason=e.reason,
                at=utc(e.created_at),  # type: ignore[arg-type]
            )
            for e in events
        ],
    )


@router.get(
    "/invitations/{invitation_id}/decision",
    response=DecisionOut,
    summary="Where the candidate stands, with the history",
)
def get_decision(request: HttpRequest, invitation_id: Id) -> DecisionOut:
    invitation = access_invitation(viewer_of(request), invitation_id)
    return decision_out(invitation.pk)


class DecisionIn(Input):
    status: DecisionStatus
    reason: str = Field("", max_length=MAX_REASON)
    notify_candidate: bool = Field(
        False, description="Email the candidate (for decisions that have a candidate email)."
    )


@router.post(
    "/invitations/{invitation_id}/decision",
    response=DecisionOut,
    summary="Set the decision",
    description="Only a person decides: the key acts for the member who created it.",
)
def set_decision(request: HttpRequest, invitation_id: Id, body: DecisionIn) -> DecisionOut:
    viewer = viewer_of(request)
    invitation = access_invitation(viewer, invitation_id)
    require(viewer, "decisions.change")
    decision_change(
        invitation=invitation,
        status=body.status,
        reason=body.reason,
        notify_candidate=body.notify_candidate,
        actor=viewer.user,
        request=request,
    )
    return decision_out(invitation.pk)
