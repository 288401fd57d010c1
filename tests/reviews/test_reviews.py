"""Ratings, recommendation and note: independent until submitted, then aggregated."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Invitation
from oneway.reviews.models import Rating, Review
from oneway.reviews.services import review_rate, review_save, review_submit

pytestmark = pytest.mark.django_db


def rate_all(invitation: Invitation, user: User, score: int) -> None:
    for answer in invitation.answers.filter(submitted_at__isnull=False):
        assert answer.question is not None
        review_rate(invitation=invitation, question=answer.question, score=score, reviewer=user)


def submit(invitation: Invitation, user: User, score: int, note: str = "") -> Review:
    rate_all(invitation, user, score)
    return review_submit(invitation=invitation, recommendation="yes", note=note, reviewer=user)


def test_rating_is_audited_and_can_change_while_draft(
    candidate: Invitation, assigned_reviewer: User
) -> None:
    question = candidate.interview.questions.first()
    assert question is not None
    review_rate(invitation=candidate, question=question, score=2, reviewer=assigned_reviewer)
    review_rate(invitation=candidate, question=question, score=4, reviewer=assigned_reviewer)
    rating = Rating.objects.get()
    assert rating.score == 4 and rating.invitation == candidate
    entries = AuditEntry.objects.filter(action="review.rated")
    assert [e.data["score"] for e in entries.order_by("id")] == [2, 4]


@pytest.mark.parametrize("score", [0, 6, -1])
def test_rating_outside_1_to_5_is_refused(
    candidate: Invitation, assigned_reviewer: User, score: int
) -> None:
    question = candidate.interview.questions.first()
    assert question is not None
    with pytest.raises(ValidationError):
        review_rate(
            invitation=candidate, question=question, score=score, reviewer=assigned_reviewer
        )


def test_an_unanswered_question_cannot_be_rated(
    interview, make_candidate, assigned_reviewer: User
) -> None:
    invitation = make_candidate(interview, answered=1, status="in_progress")
    last = interview.questions.last()
    with pytest.raises(ValidationError):
        review_rate(invitation=invitation, question=last, score=3, reviewer=assigned_reviewer)


def test_submit_needs_every_answer_rated_and_a_recommendation(
    candidate: Invitation, assigned_reviewer: User
) -> None:
    question = candidate.interview.questions.first()
    assert question is not None
    review_rate(invitation=candidate, question=question, score=3, reviewer=assigned_reviewer)
    with pytest.raises(ValidationError, match="Rate every answer"):
        review_submit(
            invitation=candidate, recommendation="yes", note="", reviewer=assigned_reviewer
        )
    rate_all(candidate, assigned_reviewer, 3)
    with pytest.raises(ValidationError):
        review_submit(invitation=candidate, recommendation="", note="", reviewer=assigned_reviewer)
    review = review_submit(
        invitation=candidate, recommendation="strong_yes", note="Great", reviewer=assigned_reviewer
    )
    assert review.submitted_at is not None
    assert AuditEntry.objects.filter(action="review.submitted", invitation_id=candidate.pk).exists()


def test_a_submitted_review_is_locked(candidate: Invitation, assigned_reviewer: User) -> None:
    submit(candidate, assigned_reviewer, 4)
    question = candidate.interview.questions.first()
    assert question is not None
    with pytest.raises(ValidationError, match="locked"):
        review_rate(invitation=candidate, question=question, score=1, reviewer=assigned_reviewer)
    with pytest.raises(ValidationError, match="locked"):
        review_save(invitation=candidate, recommendation="no", note="x", reviewer=assigned_reviewer)


def test_others_ratings_and_notes_are_hidden_until_you_submit(
    candidate: Invitation,
    assigned_reviewer: User,
    second_reviewer: User,
    reviewer_client: Client,
) -> None:
    submit(candidate, second_reviewer, 2, note="Sam's secret note")
    url = reverse("dashboard:review_candidate", args=[candidate.pk])
    before = reviewer_client.get(url).content.decode()
    assert "Sam&#x27;s secret note" not in before and "Sam's secret note" not in before
    assert "Team's ratings" not in before
    assert "Others' ratings appear once you submit your review" in before
    dashboard = reviewer_client.get(
        reverse("dashboard:review_dashboard", args=[candidate.interview_id])
    ).content.decode()
    assert "hidden until you review" in dashboard
    assert not re.search(r">\s*2\.0\s*<", dashboard)  # the mean cell, not a timestamp

    submit(candidate, assigned_reviewer, 4)
    after = reviewer_client.get(url).content.decode()
    assert "Sam&#x27;s secret note" in after
    assert "Mean 3.0, from 2 to 4" in after
    assert "Sam Lee" in after or second_reviewer.display_name in after
    dashboard = reviewer_client.get(
        reverse("dashboard:review_dashboard", args=[candidate.interview_id])
    ).content.decode()
    assert re.search(r">\s*3\.0\s*<", dashboard)


def test_a_reviewer_never_sees_others_drafts(
    candidate: Invitation, assigned_reviewer: User, second_reviewer: User, reviewer_client: Client
) -> None:
    review_save(
        invitation=candidate, recommendation="no", note="draft thoughts", reviewer=second_reviewer
    )
    submit(candidate, assigned_reviewer, 4)
    page = reviewer_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    assert b"draft thoughts" not in page.content


def test_admins_see_every_review_including_drafts(
    candidate: Invitation, second_reviewer: User, admin_client: Client
) -> None:
    review_save(
        invitation=candidate, recommendation="no", note="draft thoughts", reviewer=second_reviewer
    )
    page = admin_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    assert b"draft thoughts" in page.content
    dashboard = admin_client.get(
        reverse("dashboard:review_dashboard", args=[candidate.interview_id])
    )
    assert b"hidden until you review" not in dashboard.content


def test_the_page_posts_ratings_and_submits(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    rate_url = reverse("dashboard:review_rate", args=[candidate.pk])
    answered = [a.question_id for a in candidate.answers.all()]
    for question_id in answered:
        response = reviewer_client.post(
            rate_url, {"question_id": question_id, "score": 5}, HTTP_ACCEPT="application/json"
        )
        assert response.json()["ok"] is True
    bad = reviewer_client.post(
        rate_url, {"question_id": answered[0], "score": 9}, HTTP_ACCEPT="application/json"
    )
    assert bad.status_code == 400 and bad.json()["errors"]
    save_url = reverse("dashboard:review_save", args=[candidate.pk])
    missing = reviewer_client.post(save_url, {"action": "submit", "note": "n"})
    assert missing.status_code == 400
    assert b"Choose an overall recommendation" in missing.content
    done = reviewer_client.post(
        save_url, {"action": "submit", "recommendation": "yes", "note": "n"}
    )
    assert done.status_code == 302
    review = Review.objects.get(reviewer=assigned_reviewer)
    assert review.submitted_at and review.recommendation == "yes"


def test_next_candidate_skips_those_you_reviewed(
    interview,
    make_candidate,
    assigned_reviewer: User,
    second_reviewer: User,
    reviewer_client: Client,
) -> None:
    first = make_candidate(interview, name="First")
    reviewed = make_candidate(interview, name="Reviewed By Me")
    third = make_candidate(interview, name="Third")
    submit(reviewed, assigned_reviewer, 3)
    submit(third, second_reviewer, 3)  # someone else's review does not skip it
    page = reviewer_client.get(reverse("dashboard:review_candidate", args=[first.pk]))
    assert page.context["next_id"] == third.pk
