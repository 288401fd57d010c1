"""Scorecards: competencies with weights and anchors, rated per answer, weighted results
shown after submitting, the reviewers' spread once all have submitted, versions."""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation, Question
from oneway.reviews.models import Competency, CompetencyRating, Rating, Scorecard
from oneway.reviews.services import review_rate, review_submit
from oneway.reviews.services.scorecards import (
    CompetencyInput,
    review_rate_competency,
    scorecard_save,
)

pytestmark = pytest.mark.django_db


def questions(interview: Interview) -> list[Question]:
    return list(interview.questions.all())  # two video questions, then a text question


def editor_data(interview: Interview, rows: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "competencies-TOTAL_FORMS": str(len(rows)),
        "competencies-INITIAL_FORMS": "0",
        "competencies-MIN_NUM_FORMS": "0",
        "competencies-MAX_NUM_FORMS": "20",
    }
    for n, row in enumerate(rows):
        for key, value in row.items():
            data[f"competencies-{n}-{key}"] = value
    return data


def row(name: str, weight: str, question_ids: list[int]) -> dict[str, Any]:
    return {
        "name": name,
        "weight": weight,
        "anchor_1": f"{name}: no example",
        "anchor_3": f"{name}: a plain example",
        "anchor_5": f"{name}: a concrete example with a measured result",
        "questions": [str(q) for q in question_ids],
    }


@pytest.fixture
def scorecard(interview: Interview, admin_user: User) -> Scorecard:
    q1, q2, _text = questions(interview)
    saved = scorecard_save(
        interview=interview,
        competencies=[
            CompetencyInput(
                "Problem solving", Decimal(2), "Guesses", "Reasons", "Measures", (q1.pk, q2.pk)
            ),
            CompetencyInput("Communication", Decimal(1), "Unclear", "Clear", "Vivid", (q1.pk,)),
        ],
        actor=admin_user,
    )
    assert saved is not None
    return saved


def rate(
    invitation: Invitation, user: User, question: Question, name: str, score: int
) -> CompetencyRating:
    competency = Competency.objects.get(name=name, scorecard__interview=invitation.interview)
    return review_rate_competency(
        invitation=invitation, question=question, competency=competency, score=score, reviewer=user
    )


def rate_all(invitation: Invitation, user: User, a1: int, a2: int, b1: int, text: int) -> None:
    q1, q2, q3 = questions(invitation.interview)
    rate(invitation, user, q1, "Problem solving", a1)
    rate(invitation, user, q2, "Problem solving", a2)
    rate(invitation, user, q1, "Communication", b1)
    review_rate(invitation=invitation, question=q3, score=text, reviewer=user)


def page(client: Client, invitation: Invitation) -> str:
    response = client.get(reverse("dashboard:review_candidate", args=[invitation.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_editor_saves_versions_and_refuses_bad_weights(
    interview: Interview, admin_client: Client
) -> None:
    url = reverse("dashboard:review_scorecard", args=[interview.pk])
    q1, q2, _text = questions(interview)
    assert admin_client.get(url).status_code == 200

    negative = editor_data(interview, [row("Problem solving", "-1", [q1.pk])])
    response = admin_client.post(url, negative)
    assert response.status_code == 400
    content = response.content.decode()
    assert "a weight cannot be negative" in content
    assert 'value="Problem solving"' in content  # nothing typed is lost

    zeros = editor_data(
        interview, [row("Problem solving", "0", [q1.pk]), row("Communication", "0", [q2.pk])]
    )
    response = admin_client.post(url, zeros)
    assert response.status_code == 400
    assert "All the weights are 0" in response.content.decode()
    assert not Scorecard.objects.exists()

    good = editor_data(
        interview, [row("Problem solving", "2", [q1.pk, q2.pk]), row("Communication", "1", [q1.pk])]
    )
    assert admin_client.post(url, good).status_code == 302
    first = Scorecard.objects.get()
    assert first.version == 1 and first.competencies.count() == 2
    assert AuditEntry.objects.filter(action="interview.scorecard_changed").count() == 1
    content = admin_client.get(url).content.decode()
    assert "Version 1, saved" in content and "Communication (1)" in content

    admin_client.post(url, good)  # unchanged: no new version
    assert Scorecard.objects.count() == 1
    good["competencies-1-weight"] = "1.5"
    admin_client.post(url, good)
    assert list(Scorecard.objects.values_list("version", flat=True)) == [2, 1]


def test_reviewers_may_not_edit_the_scorecard(
    interview: Interview, assigned_reviewer: User, reviewer_client: Client
) -> None:
    url = reverse("dashboard:review_scorecard", args=[interview.pk])
    assert reviewer_client.get(url).status_code == 403


def test_competency_rating_derives_the_answer_rating_and_plain_scores_are_refused(
    scorecard: Scorecard, candidate: Invitation, assigned_reviewer: User
) -> None:
    q1, q2, q3 = questions(candidate.interview)
    with pytest.raises(ValidationError, match="per competency"):
        review_rate(invitation=candidate, question=q1, score=4, reviewer=assigned_reviewer)
    rate(candidate, assigned_reviewer, q1, "Problem solving", 4)
    assert not Rating.objects.filter(question=q1).exists()  # Communication still unrated
    rate(candidate, assigned_reviewer, q1, "Communication", 5)
    assert Rating.objects.get(question=q1).score == 5  # mean 4.5, rounded half up
    with pytest.raises(ValidationError, match="not on the scorecard"):
        rate(candidate, assigned_reviewer, q2, "Communication", 3)  # not mapped to Q2
    with pytest.raises(ValidationError, match="Rate every answer"):
        review_submit(
            invitation=candidate, recommendation="yes", note="", reviewer=assigned_reviewer
        )
    rate(candidate, assigned_reviewer, q2, "Problem solving", 2)
    review_rate(invitation=candidate, question=q3, score=3, reviewer=assigned_reviewer)
    review_submit(invitation=candidate, recommendation="yes", note="", reviewer=assigned_reviewer)
    assert AuditEntry.objects.filter(action="review.competency_rated").count() == 3


def test_weighted_scores_appear_after_submitting_and_others_stay_hidden(
    scorecard: Scorecard,
    candidate: Invitation,
    assigned_reviewer: User,
    second_reviewer: User,
    reviewer_client: Client,
    client_for: Callable[[User], Client],
) -> None:
    rate_all(candidate, second_reviewer, a1=5, a2=5, b1=1, text=4)
    review_submit(invitation=candidate, recommendation="yes", note="", reviewer=second_reviewer)
    rate_all(candidate, assigned_reviewer, a1=4, a2=2, b1=5, text=3)
    content = page(reviewer_client, candidate)
    assert "Problem solving in answer 1" in content and "Guesses" in content  # the anchors
    assert "Scores per competency and overall appear once you submit your review." in content
    assert "data-my-overall" not in content and "Team mean" not in content

    review_submit(invitation=candidate, recommendation="yes", note="", reviewer=assigned_reviewer)
    content = page(reviewer_client, candidate)
    # Mine: problem solving (4+2)/2 = 3, communication 5; overall (3*2 + 5*1)/3 = 3.67.
    assert "data-my-overall>3.67<" in content
    # Team: problem solving (3+5)/2 = 4, communication (5+1)/2 = 3; overall (4*2+3)/3 = 3.67.
    assert "data-team-overall>3.67<" in content
    # Both assigned reviewers submitted: the spread, widest first.
    disagreement = content.split("data-disagreement>")[1].split("</ol>")[0]
    assert disagreement.index("Communication") < disagreement.index("Problem solving")
    assert "from 1.0 to 5.0 (spread 4.0)" in disagreement
    assert "All 2 assigned reviewers have submitted." in content


def test_spread_waits_for_every_assigned_reviewer(
    scorecard: Scorecard,
    candidate: Invitation,
    assigned_reviewer: User,
    second_reviewer: User,
    admin_user: User,
    admin_client: Client,
) -> None:
    rate_all(candidate, second_reviewer, a1=5, a2=5, b1=1, text=4)
    review_submit(invitation=candidate, recommendation="yes", note="", reviewer=second_reviewer)
    rate_all(candidate, admin_user, a1=1, a2=1, b1=1, text=1)
    review_submit(invitation=candidate, recommendation="no", note="", reviewer=admin_user)
    content = page(admin_client, candidate)
    assert "Team mean (2 reviews)" in content  # admins see all, as today
    assert "data-disagreement" not in content
    assert "once every assigned reviewer has submitted" in content


def test_changed_scorecard_keeps_old_ratings_readable_and_says_which_version(
    scorecard: Scorecard,
    candidate: Invitation,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    admin_user: User,
    reviewer_client: Client,
) -> None:
    rate_all(candidate, assigned_reviewer, a1=4, a2=2, b1=5, text=3)
    review_submit(invitation=candidate, recommendation="yes", note="", reviewer=assigned_reviewer)
    q1, q2, _q3 = questions(candidate.interview)
    second = scorecard_save(
        interview=candidate.interview,
        competencies=[CompetencyInput("Ownership", Decimal(1), "a", "b", "c", (q1.pk, q2.pk))],
        actor=admin_user,
    )
    assert second is not None and second.version == 2
    content = page(reviewer_client, candidate)
    assert "Made with version 1 (the scorecard has changed since)" in content
    assert "Problem solving" in content and "data-my-overall>3.67<" in content
    # A new candidate is rated against version 2.
    other = make_candidate(candidate.interview, name="Alan Turing")
    content = page(reviewer_client, other)
    assert "Ownership in answer 1" in content and "Problem solving in answer" not in content


def test_a_draft_keeps_the_version_it_started_with(
    scorecard: Scorecard, candidate: Invitation, assigned_reviewer: User, admin_user: User
) -> None:
    q1, q2, _q3 = questions(candidate.interview)
    rate(candidate, assigned_reviewer, q1, "Problem solving", 4)
    scorecard_save(
        interview=candidate.interview,
        competencies=[CompetencyInput("Ownership", Decimal(1), "a", "b", "c", (q1.pk,))],
        actor=admin_user,
    )
    rate(candidate, assigned_reviewer, q1, "Communication", 4)  # still version 1
    ownership = Competency.objects.get(name="Ownership")
    with pytest.raises(ValidationError, match="not on the scorecard your review uses"):
        review_rate_competency(
            invitation=candidate,
            question=q1,
            competency=ownership,
            score=3,
            reviewer=assigned_reviewer,
        )


def test_interview_without_competencies_rates_as_today(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    content = page(reviewer_client, candidate)
    assert 'id="scorecard"' not in content
    assert content.count("Your rating of answer") == 3
    for answer in candidate.answers.all():
        review_rate(
            invitation=candidate, question=answer.question, score=4, reviewer=assigned_reviewer
        )
    review_submit(invitation=candidate, recommendation="yes", note="", reviewer=assigned_reviewer)


def test_compare_by_question_rates_on_the_scorecard(
    scorecard: Scorecard, candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    q1, _q2, q3 = questions(candidate.interview)
    url = reverse("dashboard:review_compare", args=[candidate.interview_id, q1.pk])
    content = reviewer_client.get(url).content.decode()
    assert "Problem solving: Grace Hopper" in content and "Communication: Grace Hopper" in content
    assert reverse("dashboard:review_rate_competency", args=[candidate.pk]) in content
    assert "Your rating</legend>" not in content
    # A question outside the scorecard keeps the single rating.
    url = reverse("dashboard:review_compare", args=[candidate.interview_id, q3.pk])
    assert "Your rating</legend>" in reviewer_client.get(url).content.decode()
