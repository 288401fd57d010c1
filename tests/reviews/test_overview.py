"""Organisation overview, to-do list, compare mode order and CSV export."""

import csv
import datetime
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oneway.access import viewer_from
from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation
from oneway.reviews.models import Decision
from oneway.reviews.selectors import compare_order
from oneway.reviews.services import review_rate, review_submit

pytestmark = pytest.mark.django_db


def test_overview_counts_statuses_awaiting_review_and_deadlines(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    make_candidate(interview, name="Done One")
    make_candidate(interview, name="Done Two")
    soon = make_candidate(interview, name="Due Soon", status="invited", answered=0)
    soon.deadline = timezone.now() + datetime.timedelta(days=2)
    soon.save()
    later = make_candidate(interview, name="Due Later", status="opened", answered=0)
    later.deadline = timezone.now() + datetime.timedelta(days=20)
    later.save()
    response = reviewer_client.get(reverse("dashboard:review_overview"))
    data = response.context["overview"]
    assert data.status_totals == {"completed": 2, "invited": 1, "opened": 1}
    assert data.awaiting_my_review == 2 and data.awaiting_any_review == 2
    assert data.deadlines_this_week == 1
    assert [i.name for i in data.upcoming_deadlines] == ["Due Soon"]
    assert b"Due Soon" in response.content
    partial = reviewer_client.get(reverse("dashboard:review_overview_partial"))
    assert partial.status_code == 200 and b"awaiting your review" in partial.content


def test_overview_query_count_does_not_grow_with_interviews(
    org,
    make_candidate: Callable[..., Invitation],
    admin_client: Client,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    from isolation_objects import make_interview

    for n in range(8):
        make_candidate(make_interview(org, title=f"Interview {n}"), name=f"P{n}")
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        assert admin_client.get(reverse("dashboard:review_overview")).status_code == 200


def test_todo_lists_unrated_answers_until_the_review_is_submitted(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    items = reviewer_client.get(reverse("dashboard:review_todo")).context["items"]
    assert [(i.name, i.unrated, i.answered) for i in items] == [("Grace Hopper", 3, 3)]
    question = candidate.interview.questions.first()
    review_rate(invitation=candidate, question=question, score=4, reviewer=assigned_reviewer)
    items = reviewer_client.get(reverse("dashboard:review_todo")).context["items"]
    assert (items[0].unrated, items[0].draft) == (2, True)
    for answer in candidate.answers.all():
        review_rate(
            invitation=candidate, question=answer.question, score=4, reviewer=assigned_reviewer
        )
    review_submit(invitation=candidate, recommendation="no", note="", reviewer=assigned_reviewer)
    assert reviewer_client.get(reverse("dashboard:review_todo")).context["items"] == []


def test_digest_preference_toggles_from_the_todo_page(
    assigned_reviewer: User, reviewer_client: Client
) -> None:
    reviewer_client.post(reverse("dashboard:review_todo"), {"digest": "off"})
    assigned_reviewer.refresh_from_db()
    assert assigned_reviewer.preferences["review_digest"] is False


def test_compare_order_is_stable_per_reviewer_and_differs_between_reviewers(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    second_reviewer: User,
    rf,
) -> None:
    for n in range(12):
        make_candidate(interview, name=f"C{n}")
    question = interview.questions.first()

    def order_for(user: User) -> list[int]:
        request = rf.get("/")
        request.user = user
        request.org = interview.organisation
        request.membership = user.memberships.get()
        return compare_order(viewer_from(request), question)

    first = order_for(assigned_reviewer)
    assert first == order_for(assigned_reviewer)
    assert sorted(first) == sorted(order_for(second_reviewer))
    assert first != order_for(second_reviewer)
    assert first != sorted(first)


def test_compare_page_walks_the_answers_and_rates_as_you_go(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    for n in range(3):
        make_candidate(interview, name=f"C{n}")
    question = interview.questions.first()
    url = reverse("dashboard:review_compare", args=[interview.pk, question.pk])
    first = reviewer_client.get(url)
    assert first.context["position"] == 1 and first.context["total"] == 3
    current = first.context["current"]
    response = reviewer_client.post(
        reverse("dashboard:review_rate", args=[current.pk]),
        {"question_id": question.pk, "score": 2, "next": f"{url}?at=2"},
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?at=2"
    second = reviewer_client.get(response["Location"])
    assert second.context["current"] != current
    assert [item["score"] for item in second.context["sequence"]][0] == 2
    evil = reviewer_client.post(
        reverse("dashboard:review_rate", args=[current.pk]),
        {"question_id": question.pk, "score": 3, "next": "https://evil.example/"},
    )
    assert "evil" not in evil["Location"]
    pick = reviewer_client.get(reverse("dashboard:review_compare_pick", args=[interview.pk]))
    assert b"3 answers" in pick.content


def test_csv_export_has_ratings_recommendations_and_decisions_and_is_audited(
    candidate: Invitation, admin_user: User, admin_client: Client
) -> None:
    for answer in candidate.answers.all():
        review_rate(invitation=candidate, question=answer.question, score=4, reviewer=admin_user)
    review_submit(invitation=candidate, recommendation="strong_yes", note="", reviewer=admin_user)
    Decision.objects.create(
        organisation=candidate.organisation, invitation=candidate, status="advanced", reason="=cmd"
    )
    response = admin_client.get(reverse("dashboard:review_export", args=[candidate.interview_id]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert header[:3] == ["Candidate", "Email", "Status"]
    assert row[0] == "Grace Hopper" and row[2] == "Completed" and row[5] == "3/3"
    assert row[7:10] == ["4.00", "4.00", "4.00"]
    assert "Strong yes: 1" in row and "Advanced" in row
    assert "'=cmd" in row  # formulas are defused
    entry = AuditEntry.objects.get(action="review.exported")
    assert entry.data["rows"] == 1 and entry.actor == admin_user
