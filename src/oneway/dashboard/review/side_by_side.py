"""Side-by-side compare: one question, up to four candidates' answers in a grid, each
rated in place. The grid follows the reviewer's shuffled order (``compare_order``)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from oneway.access import (
    Identity,
    access_interview,
    candidate_identities,
    viewer_from,
    visible_invitations,
)
from oneway.accounts.permissions import staff_view
from oneway.core.models import Answer, Interview, Question
from oneway.dashboard.review.candidates import media_urls
from oneway.dashboard.review.context import AnswerBlock
from oneway.dashboard.review.scorecard_context import CompetencyChoice
from oneway.reviews.models import CompetencyRating, Rating, Review
from oneway.reviews.scorecards import competencies_for_question, scorecard_of_review
from oneway.reviews.selectors import compare_order
from oneway.reviews.services.preferences import PLAYBACK_RATES, playback_rate_of
from oneway.reviews.thumbnails import list_thumbnails

MAX_SIDE_BY_SIDE = 4


@dataclass
class Cell:
    invitation_id: int
    name: str
    block: AnswerBlock
    locked: bool
    rate_url: str
    competency_rate_url: str


def _question(interview: Interview, request: HttpRequest) -> Question | None:
    raw = request.GET.get("question", "")
    if not raw:
        return None
    question = interview.questions.filter(pk=int(raw) if raw.isdigit() else 0).first()
    if question is None:
        raise Http404
    return question


@staff_view("reviews.rate")
@require_GET
def side_by_side(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    question = _question(interview, request)
    context: dict[str, Any] = {
        "interview": interview,
        "question": question,
        "questions": list(interview.questions.all()),
        "max_candidates": MAX_SIDE_BY_SIDE,
    }
    if question is None:
        return render(request, "dashboard/review/side_by_side.html", context)
    order = compare_order(viewer, question)
    visible = set(visible_invitations(viewer).filter(pk__in=order).values_list("pk", flat=True))
    order = [pk for pk in order if pk in visible]
    submitted = set(
        Review.objects.filter(
            reviewer=viewer.user, submitted_at__isnull=False, invitation_id__in=order
        ).values_list("invitation_id", flat=True)
    )
    listed = list(visible_invitations(viewer).select_related("interview").filter(pk__in=order))
    identities = candidate_identities(viewer, listed)
    thumbnails = list_thumbnails(viewer, listed, identities)
    chosen_raw = request.GET.getlist("c")
    chosen = [int(c) for c in chosen_raw if c.isdigit() and int(c) in visible]
    status = 200
    if len(chosen) > MAX_SIDE_BY_SIDE:
        context["error"] = _("Pick up to %(n)d candidates to watch side by side.") % {
            "n": MAX_SIDE_BY_SIDE
        }
        status = 400
    elif chosen_raw and len(chosen) < len(chosen_raw):
        raise Http404
    context.update(
        {
            "choices": [
                {
                    "pk": pk,
                    "name": identities[pk].name,
                    "chosen": pk in chosen,
                    "thumbnail": thumbnails[pk],
                }
                for pk in order
            ],
            "playback_rate": playback_rate_of(viewer.user),
            "playback_rates": PLAYBACK_RATES,
            "scale": range(1, 6),
        }
    )
    if chosen and status == 200:
        # The reviewer's shuffled order, not the order they ticked the boxes in.
        grid = [pk for pk in order if pk in set(chosen)]
        context["cells"] = _cells(request, viewer, interview, question, grid, identities, submitted)
    return render(request, "dashboard/review/side_by_side.html", context, status=status)


def _cells(
    request: HttpRequest,
    viewer: Any,
    interview: Interview,
    question: Question,
    grid: list[int],
    identities: dict[int, Identity],
    submitted: set[int],
) -> list[Cell]:
    answers = {
        a.invitation_id: a
        for a in Answer.objects.filter(invitation_id__in=grid, question=question, is_practice=False)
        .select_related("submitted_take__media__organisation", "invitation__interview")
        .annotate(takes_used=Count("takes"))
    }
    my_scores = dict(
        Rating.objects.filter(
            question=question, review__reviewer=viewer.user, invitation_id__in=grid
        ).values_list("invitation_id", "score")
    )
    reviews = {
        r.invitation_id: r
        for r in Review.objects.filter(reviewer=viewer.user, invitation_id__in=grid)
    }
    competency_scores = {
        (r.review.invitation_id, r.competency_id): r.score
        for r in CompetencyRating.objects.filter(
            review__reviewer=viewer.user, invitation_id__in=grid, question=question
        ).select_related("review")
    }
    cells = []
    for pk in grid:
        answer = answers.get(pk)
        if answer is None:
            continue
        take = answer.submitted_take
        block = AnswerBlock(
            number=list(interview.questions.all()).index(question) + 1,
            question=question,
            answer=answer,
            media=take.media if take else None,
            takes_used=answer.takes_used,  # type: ignore[attr-defined]
            my_score=my_scores.get(pk),
        )
        block.urls = media_urls(request, viewer, block, hidden=identities[pk].hidden)
        scorecard = scorecard_of_review(reviews.get(pk), interview)
        block.competencies = [
            CompetencyChoice(c, competency_scores.get((pk, c.pk)))
            for c in competencies_for_question(scorecard, question.pk)
        ]
        cells.append(
            Cell(
                invitation_id=pk,
                name=identities[pk].name,
                block=block,
                locked=pk in submitted,
                rate_url=reverse("dashboard:review_rate", args=[pk]),
                competency_rate_url=reverse("dashboard:review_rate_competency", args=[pk]),
            )
        )
    return cells
