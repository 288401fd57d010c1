"""What the candidate page needs from the scorecard: the competencies to rate in each
answer (with the viewer's scores), and the results the viewer may see."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from oneway.access import Viewer
from oneway.core.models import Interview, Invitation
from oneway.dashboard.review.context import AnswerBlock
from oneway.reviews.models import (
    Competency,
    CompetencyRating,
    Review,
    ReviewerAssignment,
    Scorecard,
)
from oneway.reviews.scorecards import (
    competencies_for_question,
    current_scorecard,
    scorecard_of_review,
    scorecard_results,
)


@dataclass(frozen=True)
class CompetencyChoice:
    competency: Competency
    my_score: int | None


def competency_choices(
    viewer: Viewer, invitation: Invitation, question: Any
) -> list[CompetencyChoice]:
    """The competencies to rate in this candidate's answer to ``question``, with the
    viewer's scores so far (empty when the interview has no scorecard)."""
    review = Review.objects.filter(invitation=invitation, reviewer=viewer.user).first()
    scorecard = scorecard_of_review(review, invitation.interview)
    competencies = competencies_for_question(scorecard, question.pk)
    if not competencies:
        return []
    scores = (
        dict(
            CompetencyRating.objects.filter(review=review, question=question).values_list(
                "competency_id", "score"
            )
        )
        if review is not None
        else {}
    )
    return [CompetencyChoice(c, scores.get(c.pk)) for c in competencies]


def _rating_choices(
    blocks: list[AnswerBlock], scorecard: Scorecard | None, mine: Review | None
) -> None:
    """Attach to each submitted answer the competencies to rate, with ``mine``'s scores."""
    my_scores = (
        {
            (r.question_id, r.competency_id): r.score
            for r in CompetencyRating.objects.filter(review=mine)
        }
        if mine is not None
        else {}
    )
    for block in blocks:
        block.competencies = (
            [
                CompetencyChoice(c, my_scores.get((block.question.pk, c.pk)))
                for c in competencies_for_question(scorecard, block.question.pk)
            ]
            if block.submitted
            else []
        )


def _is_old(scorecard: Scorecard | None, interview: Interview) -> bool:
    current = current_scorecard(interview) if scorecard is not None else None
    return scorecard is not None and current is not None and scorecard.pk != current.pk


def scorecard_context(
    *,
    viewer: Viewer,
    invitation: Invitation,
    blocks: list[AnswerBlock],
    reviews: list[Review],
    mine: Review | None,
    show_others: bool,
) -> dict[str, Any]:
    interview = invitation.interview
    scorecard = scorecard_of_review(mine, interview)
    _rating_choices(blocks, scorecard, mine)
    assigned = set(
        ReviewerAssignment.objects.filter(interview=interview).values_list("user_id", flat=True)
    )
    submitted_by = {r.reviewer_id for r in reviews if r.submitted_at and r.reviewer_id}
    labels = {
        r.pk: r.reviewer.display_name
        if r.reviewer is not None
        else (r.share_link.label if r.share_link is not None else "?")
        for r in reviews
    }
    # Nothing of the results before the viewer submits, unless they see all reviews.
    may_see = show_others or (mine is not None and mine.submitted_at is not None)
    results = scorecard_results(
        invitation=invitation,
        reviews=reviews,
        mine=mine,
        show_others=show_others,
        all_assigned_submitted=assigned <= submitted_by,
        reviewer_label=labels,
    )
    return {
        "scorecard": scorecard,
        "scorecard_is_old": _is_old(scorecard, interview),
        "scorecard_results": results if may_see else [],
        "assigned_count": len(assigned),
        "competency_rate_url": reverse("dashboard:review_rate_competency", args=[invitation.pk]),
    }


def share_scorecard_context(
    *, invitation: Invitation, blocks: list[AnswerBlock], mine: Review | None, rate_url: str
) -> dict[str, Any]:
    """The same for a share link's holder: they rate as a staff reviewer does and see their
    own scores (per competency and the weighted overall) once they submit; never anyone
    else's, as the link's holder is not on the team."""
    interview = invitation.interview
    scorecard = scorecard_of_review(mine, interview)
    _rating_choices(blocks, scorecard, mine)
    results = []
    if mine is not None and mine.submitted_at is not None:
        results = scorecard_results(
            invitation=invitation,
            reviews=[mine],
            mine=mine,
            show_others=False,
            all_assigned_submitted=False,
            reviewer_label={},
        )
    return {
        "scorecard": scorecard,
        "scorecard_is_old": _is_old(scorecard, interview),
        "scorecard_results": results,
        "show_others": False,
        "assigned_count": 0,
        "competency_rate_url": rate_url,
    }
