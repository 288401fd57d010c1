"""Role and assignment isolation: reviewers see only the interviews they are assigned to."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Interview, Invitation, Organisation
from oneway.reviews.models import Comment

pytestmark = pytest.mark.django_db


def candidate_urls(candidate: Invitation) -> dict[str, str]:
    interview = candidate.interview
    answer = candidate.answers.filter(submitted_take__isnull=False).first()
    question = interview.questions.first()
    assert answer is not None and question is not None
    return {
        "dashboard": reverse("dashboard:review_dashboard", args=[interview.pk]),
        "candidate": reverse("dashboard:review_candidate", args=[candidate.pk]),
        "media": reverse("dashboard:review_answer_media", args=[answer.pk]),
        "captions": reverse("dashboard:review_answer_captions", args=[answer.pk]),
        "export": reverse("dashboard:review_export", args=[interview.pk]),
        "compare": reverse("dashboard:review_compare", args=[interview.pk, question.pk]),
        "compare_pick": reverse("dashboard:review_compare_pick", args=[interview.pk]),
    }


def test_unassigned_reviewer_gets_404_for_everything_of_the_interview(
    reviewer_client: Client, candidate: Invitation
) -> None:
    for name, url in candidate_urls(candidate).items():
        assert reviewer_client.get(url).status_code == 404, name
    question = candidate.interview.questions.first()
    assert question is not None
    posts = {
        "rate": (
            reverse("dashboard:review_rate", args=[candidate.pk]),
            {"question_id": question.pk, "score": 4},
        ),
        "review": (reverse("dashboard:review_save", args=[candidate.pk]), {"action": "save"}),
        "comment": (reverse("dashboard:review_comment_add", args=[candidate.pk]), {"body": "hi"}),
        "decision": (
            reverse("dashboard:review_decision", args=[candidate.pk]),
            {"status": "rejected"},
        ),
    }
    for name, (url, data) in posts.items():
        assert reviewer_client.post(url, data).status_code == 404, name
    assert not candidate.reviews.exists()
    assert not Comment.objects.exists()


def test_assigned_reviewer_sees_the_interview_but_may_not_export(
    reviewer_client: Client, assigned_reviewer: User, candidate: Invitation
) -> None:
    urls = candidate_urls(candidate)
    for name in ("dashboard", "candidate", "media", "captions", "compare", "compare_pick"):
        assert reviewer_client.get(urls[name]).status_code == 200, name
    assert reviewer_client.get(urls["export"]).status_code == 403


def test_unassigned_reviewer_does_not_see_the_interview_in_the_overview(
    reviewer_client: Client, candidate: Invitation
) -> None:
    response = reviewer_client.get(reverse("dashboard:review_overview"))
    assert response.status_code == 200
    assert candidate.interview.title.encode() not in response.content
    todo = reviewer_client.get(reverse("dashboard:review_todo"))
    assert candidate.name.encode() not in todo.content


def test_admin_sees_every_interview_without_assignment(
    admin_client: Client, candidate: Invitation
) -> None:
    for name, url in candidate_urls(candidate).items():
        assert admin_client.get(url).status_code == 200, name
    overview = admin_client.get(reverse("dashboard:review_overview"))
    assert candidate.interview.title.encode() in overview.content


def test_other_organisations_objects_answer_404_even_to_their_owner_role(
    other_org: Organisation,
    make_member: Callable[..., User],
    client_for: Callable[[User], Client],
    candidate: Invitation,
) -> None:
    stranger = client_for(make_member(other_org, Role.OWNER))
    for name, url in candidate_urls(candidate).items():
        assert stranger.get(url).status_code == 404, name


def test_unassigning_takes_access_away(
    reviewer_client: Client, assigned_reviewer: User, candidate: Invitation, admin_client: Client
) -> None:
    url = reverse("dashboard:review_candidate", args=[candidate.pk])
    assert reviewer_client.get(url).status_code == 200
    response = admin_client.post(
        reverse("dashboard:review_reviewers", args=[candidate.interview_id]),
        {"user_id": assigned_reviewer.pk, "action": "unassign"},
    )
    assert response.status_code == 302
    assert reviewer_client.get(url).status_code == 404


def test_only_admins_assign_reviewers(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    admin_client: Client,
    org: Organisation,
    make_member: Callable[..., User],
) -> None:
    url = reverse("dashboard:review_reviewers", args=[interview.pk])
    assert reviewer_client.get(url).status_code == 403
    newcomer = make_member(org, Role.REVIEWER, email="new@example.com")
    assert admin_client.post(url, {"user_id": newcomer.pk, "action": "assign"}).status_code == 302
    assert interview.reviewer_assignments.filter(user=newcomer).exists()
    page = admin_client.get(url)
    assert b"new@example.com" in page.content


def test_admin_cannot_assign_someone_of_another_organisation(
    admin_client: Client,
    interview: Interview,
    other_org: Organisation,
    make_member: Callable[..., User],
) -> None:
    stranger = make_member(other_org, Role.REVIEWER)
    url = reverse("dashboard:review_reviewers", args=[interview.pk])
    assert admin_client.post(url, {"user_id": stranger.pk}).status_code == 404
    assert not interview.reviewer_assignments.exists()
