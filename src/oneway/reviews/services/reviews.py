"""Ratings, recommendation and private note: a reviewer's own, independent judgement."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Answer, Invitation, Question
from oneway.reviews.models import Rating, Recommendation, Review, ShareLink
from oneway.reviews.summary import review_summaries_refresh

MAX_NOTE = 10_000


def _author(reviewer: User | None, share_link: ShareLink | None) -> tuple[User | None, str]:
    if (reviewer is None) == (share_link is None):
        raise ValueError("A review is written by a reviewer or through a share link.")
    if share_link is not None:
        return None, f"share:{share_link.pk}"
    return reviewer, ""


def _review_for_update(
    invitation: Invitation, reviewer: User | None, share_link: ShareLink | None
) -> Review:
    """The author's review of this candidate, created on first use and locked for update."""
    lookup: dict[str, Any] = (
        {"reviewer": reviewer} if reviewer is not None else {"share_link": share_link}
    )
    review, _created = Review.objects.select_for_update().get_or_create(
        invitation=invitation,
        **lookup,
        defaults={"organisation_id": invitation.organisation_id},
    )
    if review.submitted_at is not None:
        raise ValidationError(
            _("Your review was submitted and is locked, so that it stays independent.")
        )
    return review


def answered_question_ids(invitation: Invitation) -> set[int]:
    return set(
        Answer.objects.filter(
            invitation=invitation, is_practice=False, submitted_at__isnull=False
        ).values_list("question_id", flat=True)
    )


@transaction.atomic
def review_rate(
    *,
    invitation: Invitation,
    question: Question,
    score: int,
    reviewer: User | None = None,
    share_link: ShareLink | None = None,
    request: HttpRequest | None = None,
) -> Rating:
    """Rate one answer from 1 to 5 (changing an earlier rating while the review is a draft)."""
    actor, actor_label = _author(reviewer, share_link)
    if question.interview_id != invitation.interview_id:
        raise ValidationError(_("That question is not part of this interview."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError(_("Choose a rating from 1 to 5."))
    if question.pk not in answered_question_ids(invitation):
        raise ValidationError(_("There is no submitted answer to rate for this question."))
    from oneway.reviews.services.scorecards import question_rated_by_competency

    if question_rated_by_competency(
        invitation=invitation, question=question, reviewer=reviewer, share_link=share_link
    ):
        raise ValidationError(_("Rate this answer per competency, on the scorecard."))
    review = _review_for_update(invitation, reviewer, share_link)
    rating, created = Rating.objects.update_or_create(
        review=review,
        question=question,
        defaults={"score": score, "invitation": invitation},
    )
    review.save(update_fields=["updated_at"])
    log_action(
        "review.rated",
        organisation=invitation.organisation,
        actor=actor,
        actor_label=actor_label,
        obj=rating,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data={"question_id": question.pk, "score": score, "changed": not created},
        request=request,
    )
    return rating


def _clean(recommendation: str, note: str) -> None:
    if recommendation and recommendation not in Recommendation.values:
        raise ValidationError({"recommendation": _("Choose one of the recommendations.")})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("Keep the note under 10,000 characters.")})


@transaction.atomic
def review_save(
    *,
    invitation: Invitation,
    recommendation: str,
    note: str,
    reviewer: User | None = None,
    share_link: ShareLink | None = None,
    request: HttpRequest | None = None,
) -> Review:
    """Save the recommendation and private note as a draft."""
    actor, actor_label = _author(reviewer, share_link)
    _clean(recommendation, note)
    review = _review_for_update(invitation, reviewer, share_link)
    review.recommendation = recommendation
    review.note = note
    review.save(update_fields=["recommendation", "note", "updated_at"])
    log_action(
        "review.saved",
        organisation=invitation.organisation,
        actor=actor,
        actor_label=actor_label,
        obj=review,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data={"recommendation": recommendation},
        request=request,
    )
    return review


@transaction.atomic
def review_submit(
    *,
    invitation: Invitation,
    recommendation: str,
    note: str,
    reviewer: User | None = None,
    share_link: ShareLink | None = None,
    request: HttpRequest | None = None,
) -> Review:
    """Submit the review: every answered question rated and a recommendation chosen.

    After this the review is locked and its author sees what the others said.
    """
    actor, actor_label = _author(reviewer, share_link)
    _clean(recommendation, note)
    if not recommendation:
        raise ValidationError({"recommendation": _("Choose an overall recommendation.")})
    review = _review_for_update(invitation, reviewer, share_link)
    rated = set(review.ratings.values_list("question_id", flat=True))
    missing = answered_question_ids(invitation) - rated
    if missing:
        raise ValidationError(
            _("Rate every answer before you submit (%(count)d still unrated).")
            % {"count": len(missing)}
        )
    review.recommendation = recommendation
    review.note = note
    review.submitted_at = timezone.now()
    review.save(update_fields=["recommendation", "note", "submitted_at", "updated_at"])
    review_summaries_refresh([invitation.pk])
    log_action(
        "review.submitted",
        organisation=invitation.organisation,
        actor=actor,
        actor_label=actor_label,
        obj=review,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data={"recommendation": recommendation, "ratings": len(rated)},
        request=request,
    )
    return review
