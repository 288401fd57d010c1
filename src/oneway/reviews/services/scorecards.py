"""Writes of scorecards: saving a new version, and rating a competency in an answer."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oneway.accounts.models import User
from oneway.core.audit import log_action
from oneway.core.models import Interview, Invitation, Question
from oneway.reviews.models import Competency, CompetencyRating, Rating, Scorecard, ShareLink
from oneway.reviews.scorecards import (
    competencies_for_question,
    scorecard_of_review,
    scorecards_with_competencies,
)
from oneway.reviews.services.reviews import _author, _review_for_update, answered_question_ids

MAX_COMPETENCIES = 20
MAX_WEIGHT = Decimal("1000")


@dataclass(frozen=True)
class CompetencyInput:
    name: str
    weight: Decimal
    anchor_1: str
    anchor_3: str
    anchor_5: str
    question_ids: tuple[int, ...]


def _validate(interview: Interview, competencies: list[CompetencyInput]) -> None:
    if len(competencies) > MAX_COMPETENCIES:
        raise ValidationError(
            _("A scorecard has at most %(n)d competencies.") % {"n": MAX_COMPETENCIES}
        )
    question_ids = set(interview.questions.values_list("pk", flat=True))
    names: set[str] = set()
    for c in competencies:
        label = c.name or _("A competency")
        if not c.name.strip():
            raise ValidationError(_("Every competency needs a name."))
        if c.name.strip().casefold() in names:
            raise ValidationError(_("Two competencies are called “%(name)s”.") % {"name": c.name})
        names.add(c.name.strip().casefold())
        try:
            weight = Decimal(c.weight)
        except (InvalidOperation, TypeError) as exc:
            raise ValidationError(
                _("“%(name)s”: the weight must be a number.") % {"name": label}
            ) from exc
        if weight < 0:
            raise ValidationError(
                _(
                    "“%(name)s”: a weight cannot be negative; use 0 to leave it out of the overall score."
                )
                % {"name": label}
            )
        if weight > MAX_WEIGHT:
            raise ValidationError(
                _("“%(name)s”: keep the weight at 1000 or less.") % {"name": label}
            )
        if not (c.anchor_1.strip() and c.anchor_3.strip() and c.anchor_5.strip()):
            raise ValidationError(
                _("“%(name)s”: describe what a 1, a 3 and a 5 look like.") % {"name": label}
            )
        if not c.question_ids:
            raise ValidationError(
                _("“%(name)s”: choose at least one question where it is rated.") % {"name": label}
            )
        if not set(c.question_ids) <= question_ids:
            raise ValidationError(_("That question is not part of this interview."))
    if competencies and sum(Decimal(c.weight) for c in competencies) <= 0:
        raise ValidationError(
            _(
                "All the weights are 0, so no overall score could be computed: give at least one competency a weight above 0."
            )
        )


def _same(scorecard: Scorecard | None, competencies: list[CompetencyInput]) -> bool:
    existing = list(scorecard.competencies.all()) if scorecard is not None else []
    return [
        (
            c.name,
            c.weight,
            c.anchor_1,
            c.anchor_3,
            c.anchor_5,
            tuple(sorted(q.pk for q in c.questions.all())),
        )
        for c in existing
    ] == [
        (
            c.name.strip(),
            Decimal(c.weight),
            c.anchor_1.strip(),
            c.anchor_3.strip(),
            c.anchor_5.strip(),
            tuple(sorted(c.question_ids)),
        )
        for c in competencies
    ]


@transaction.atomic
def scorecard_save(
    *,
    interview: Interview,
    competencies: list[CompetencyInput],
    actor: User,
    request: HttpRequest | None = None,
) -> Scorecard | None:
    """Save the interview's competencies as a new scorecard version (None if unchanged).

    Earlier versions stay as they were, with the ratings made against them. An empty list
    is a version without competencies: answers are then rated one score each again.
    """
    _validate(interview, competencies)
    Interview.objects.select_for_update().filter(pk=interview.pk).first()
    versions = scorecards_with_competencies(interview.pk)
    if _same(versions[0] if versions else None, competencies):
        return None
    if not versions and not competencies:
        return None
    number = (
        Scorecard.objects.filter(interview=interview).aggregate(n=Max("version"))["n"] or 0
    ) + 1
    scorecard = Scorecard.objects.create(
        organisation=interview.organisation, interview=interview, version=number, created_by=actor
    )
    for position, c in enumerate(competencies):
        competency = Competency.objects.create(
            scorecard=scorecard,
            position=position,
            name=c.name.strip(),
            weight=Decimal(c.weight),
            anchor_1=c.anchor_1.strip(),
            anchor_3=c.anchor_3.strip(),
            anchor_5=c.anchor_5.strip(),
        )
        competency.questions.set(sorted(set(c.question_ids)))
    log_action(
        "interview.scorecard_changed",
        organisation=interview.organisation,
        actor=actor,
        obj=scorecard,
        interview_id=interview.pk,
        data={
            "version": number,
            "competencies": [
                {"name": c.name.strip(), "weight": str(c.weight), "questions": list(c.question_ids)}
                for c in competencies
            ],
        },
        request=request,
    )
    return scorecard


def _round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal("1"), rounding="ROUND_HALF_UP"))


@transaction.atomic
def review_rate_competency(
    *,
    invitation: Invitation,
    question: Question,
    competency: Competency,
    score: int,
    reviewer: User | None = None,
    share_link: ShareLink | None = None,
    request: HttpRequest | None = None,
) -> CompetencyRating:
    """Rate one competency in one answer from 1 to 5, against the competency's anchors,
    as a member (``reviewer``) or through a share link (``share_link``).

    Once every competency of the answer is rated, the answer's own rating (what lists,
    exports and the submit check use) is their mean, rounded half up.
    """
    actor, actor_label = _author(reviewer, share_link)
    if question.interview_id != invitation.interview_id:
        raise ValidationError(_("That question is not part of this interview."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError(_("Choose a rating from 1 to 5."))
    if question.pk not in answered_question_ids(invitation):
        raise ValidationError(_("There is no submitted answer to rate for this question."))
    review = _review_for_update(invitation, reviewer, share_link)
    scorecard = scorecard_of_review(review, invitation.interview)
    wanted = competencies_for_question(scorecard, question.pk)
    if competency.pk not in {c.pk for c in wanted}:
        raise ValidationError(
            _("That competency is not on the scorecard your review uses for this question.")
        )
    rating, created = CompetencyRating.objects.update_or_create(
        review=review,
        question=question,
        competency=competency,
        defaults={"score": score, "invitation": invitation},
    )
    scores = dict(
        CompetencyRating.objects.filter(review=review, question=question).values_list(
            "competency_id", "score"
        )
    )
    if all(c.pk in scores for c in wanted):
        Rating.objects.update_or_create(
            review=review,
            question=question,
            defaults={
                "score": _round_half_up(sum(scores.values()) / len(scores)),
                "invitation": invitation,
            },
        )
    review.save(update_fields=["updated_at"])
    data: dict[str, Any] = {
        "question_id": question.pk,
        "competency_id": competency.pk,
        "scorecard_version": scorecard.version if scorecard else None,
        "score": score,
        "changed": not created,
    }
    log_action(
        "review.competency_rated",
        organisation=invitation.organisation,
        actor=actor,
        actor_label=actor_label,
        obj=rating,
        interview_id=invitation.interview_id,
        invitation_id=invitation.pk,
        data=data,
        request=request,
    )
    return rating


def question_rated_by_competency(
    *,
    invitation: Invitation,
    question: Question,
    reviewer: User | None,
    share_link: ShareLink | None = None,
) -> bool:
    """Whether this author's rating of the answer is made per competency (not one score)."""
    from oneway.reviews.models import Review

    review = (
        Review.objects.filter(invitation=invitation, reviewer=reviewer).first()
        if reviewer is not None
        else Review.objects.filter(invitation=invitation, share_link=share_link).first()
    )
    return bool(
        competencies_for_question(scorecard_of_review(review, invitation.interview), question.pk)
    )
