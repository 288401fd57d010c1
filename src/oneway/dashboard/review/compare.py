"""Question-by-question compare: one question, every candidate's answer in turn."""

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from oneway.access import (
    access_interview,
    candidate_identities,
    candidate_identity,
    viewer_from,
    visible_invitations,
)
from oneway.accounts.permissions import staff_view
from oneway.core.models import Answer, Invitation
from oneway.dashboard.review.candidates import media_urls
from oneway.dashboard.review.common import int_or_none
from oneway.dashboard.review.context import AnswerBlock
from oneway.dashboard.review.scorecard_context import competency_choices
from oneway.reviews.models import Rating, Review
from oneway.reviews.selectors import compare_order
from oneway.reviews.services.preferences import PLAYBACK_RATES, playback_rate_of


@staff_view("reviews.rate")
@require_GET
def pick_question(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    questions = interview.questions.annotate(
        answered=Count(
            "answers",
            filter=Q(answers__is_practice=False, answers__submitted_at__isnull=False),
            distinct=True,
        ),
        rated_by_me=Count(
            "review_ratings",
            filter=Q(review_ratings__review__reviewer=viewer.user),
            distinct=True,
        ),
    )
    return render(
        request,
        "dashboard/review/compare_pick.html",
        {"interview": interview, "questions": questions},
    )


@staff_view("reviews.rate")
@require_GET
def compare(request: HttpRequest, interview_id: int, question_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    question = interview.questions.filter(pk=question_id).first()
    if question is None:
        raise Http404
    order = compare_order(viewer, question)
    position = int_or_none(request.GET.get("at")) or 1
    position = min(max(position, 1), max(len(order), 1))
    my_scores = dict(
        Rating.objects.filter(question=question, review__reviewer=viewer.user).values_list(
            "invitation_id", "score"
        )
    )
    submitted = set(
        Review.objects.filter(
            reviewer=viewer.user, submitted_at__isnull=False, invitation_id__in=order
        ).values_list("invitation_id", flat=True)
    )
    block = None
    current: Invitation | None = None
    if order:
        invitation_id = order[position - 1]
        answer = (
            Answer.objects.filter(invitation_id=invitation_id, question=question, is_practice=False)
            .select_related("submitted_take__media__organisation", "invitation")
            .annotate(takes_used=Count("takes"))
            .get()
        )
        current = answer.invitation
        take = answer.submitted_take
        block = AnswerBlock(
            number=position,
            question=question,
            answer=answer,
            media=take.media if take else None,
            takes_used=answer.takes_used,  # type: ignore[attr-defined]
            my_score=my_scores.get(invitation_id),
        )
        current.interview = interview
        block.urls = media_urls(
            request, viewer, block, hidden=candidate_identity(viewer, current).hidden
        )
        block.competencies = competency_choices(viewer, current, question)
    names = {}
    if order:
        rows = list(visible_invitations(viewer).filter(pk__in=order).select_related("interview"))
        names = {pk: identity.name for pk, identity in candidate_identities(viewer, rows).items()}
    sequence = [
        {
            "position": n,
            "invitation_id": invitation_id,
            "name": names.get(invitation_id, ""),
            "score": my_scores.get(invitation_id),
            "locked": invitation_id in submitted,
        }
        for n, invitation_id in enumerate(order, start=1)
    ]
    return render(
        request,
        "dashboard/review/compare.html",
        {
            "interview": interview,
            "question": question,
            "answer_block": block,
            "current": current,
            "current_name": names.get(current.pk, "") if current else "",
            "locked": current is not None and current.pk in submitted,
            "sequence": sequence,
            "position": position,
            "total": len(order),
            "previous_at": position - 1 if position > 1 else None,
            "next_at": position + 1 if position < len(order) else None,
            "playback_rate": playback_rate_of(viewer.user),
            "playback_rates": PLAYBACK_RATES,
            "scores": range(1, 6),
            "competency_rate_url": reverse("dashboard:review_rate_competency", args=[current.pk])
            if current
            else "",
        },
    )
