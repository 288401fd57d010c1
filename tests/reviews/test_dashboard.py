"""The interview dashboard: filters, sorting, search (transcripts too), pagination, and a
constant number of SQL queries per page."""

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation
from oneway.reviews.models import Decision, Rating, Review
from oneway.reviews.search import search_documents_refresh
from oneway.reviews.summary import review_summaries_refresh

pytestmark = pytest.mark.django_db


def url(interview: Interview, **params: object) -> str:
    from urllib.parse import urlencode

    base = reverse("dashboard:review_dashboard", args=[interview.pk])
    return base + ("?" + urlencode(params) if params else "")


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.name for row in response.context["dash"].rows]


def add_reviewed(invitation: Invitation, user: User, score: int) -> None:
    review = Review.objects.create(
        organisation=invitation.organisation,
        invitation=invitation,
        reviewer=user,
        recommendation="yes",
        submitted_at=timezone.now(),
    )
    for answer in invitation.answers.all():
        Rating.objects.create(
            review=review, invitation=invitation, question=answer.question, score=score
        )
    review_summaries_refresh([invitation.pk])


def make_many(
    interview: Interview, make_candidate: Callable[..., Invitation], n: int
) -> list[Invitation]:
    people = []
    for i in range(n):
        people.append(
            make_candidate(
                interview,
                name=f"Person {i:02d}",
                status="completed" if i % 2 == 0 else "invited",
                answered=3 if i % 2 == 0 else 0,
                transcript=f"answer number {i} about kubernetes" if i % 3 == 0 else "plain words",
            )
        )
    return people


def test_query_count_is_constant_whatever_the_page_holds(
    admin_client: Client,
    admin_user: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    second_reviewer: User,
) -> None:
    make_many(interview, make_candidate, 3)
    with CaptureQueriesContext(connection) as small:
        assert admin_client.get(url(interview)).status_code == 200
    people = make_many(interview, make_candidate, 30)
    for person in people[:10]:
        add_reviewed(person, second_reviewer, 4)
        Decision.objects.create(
            organisation=interview.organisation, invitation=person, status="shortlisted"
        )
    with CaptureQueriesContext(connection) as large:
        response = admin_client.get(url(interview, per_page=50, sort="-rating"))
    assert response.status_code == 200
    assert len(response.context["dash"].rows) == 33
    assert len(large.captured_queries) == len(small.captured_queries)


def test_query_count_is_pinned(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    make_many(interview, make_candidate, 40)
    search_documents_refresh(Invitation.objects.values_list("pk", flat=True))
    # session, user, membership (middleware); interview; status and decision counts; COUNT;
    # the page; the rows' thumbnails (first video answers); question count; the
    # organisation switcher's memberships (base template).
    with django_assert_max_num_queries(10):  # type: ignore[operator]
        response = reviewer_client.get(url(interview, q="kubernetes", status="completed"))
    assert len(response.context["dash"].rows) == 7
    assert response.status_code == 200


def test_filters_by_status_and_decision(
    admin_client: Client, interview: Interview, make_candidate: Callable[..., Invitation]
) -> None:
    people = make_many(interview, make_candidate, 6)
    Decision.objects.create(
        organisation=interview.organisation, invitation=people[0], status="rejected"
    )
    completed = names(admin_client.get(url(interview, status="completed")))
    assert completed == sorted(completed, reverse=True) or len(completed) == 3
    assert set(completed) == {"Person 00", "Person 02", "Person 04"}
    assert names(admin_client.get(url(interview, decision="rejected"))) == ["Person 00"]
    new = names(admin_client.get(url(interview, decision="new")))
    assert "Person 00" not in new and len(new) == 5
    assert names(admin_client.get(url(interview, status="bogus"))) != []


def test_sorts_by_any_column_both_ways(
    admin_client: Client,
    admin_user: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    second_reviewer: User,
) -> None:
    people = make_many(interview, make_candidate, 4)
    add_reviewed(people[0], second_reviewer, 2)
    add_reviewed(people[2], second_reviewer, 5)
    assert names(admin_client.get(url(interview, sort="name"))) == [
        "Person 00",
        "Person 01",
        "Person 02",
        "Person 03",
    ]
    assert names(admin_client.get(url(interview, sort="-name")))[0] == "Person 03"
    by_rating = names(admin_client.get(url(interview, sort="-rating")))
    assert by_rating[:2] == ["Person 02", "Person 00"]
    by_progress = names(admin_client.get(url(interview, sort="progress")))
    assert set(by_progress[:2]) == {"Person 01", "Person 03"}
    people[1].deadline = timezone.now() + datetime.timedelta(hours=2)
    people[1].save()
    assert names(admin_client.get(url(interview, sort="deadline")))[0] == "Person 01"
    for key in ("status", "submitted", "reviews", "decision", "email"):
        for sort in (key, f"-{key}"):
            response = admin_client.get(url(interview, sort=sort))
            assert response.status_code == 200
            assert response.context["dash"].sort == sort


def test_reviewers_cannot_sort_by_ratings_they_may_not_see(
    reviewer_client: Client,
    assigned_reviewer: User,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
) -> None:
    make_many(interview, make_candidate, 2)
    response = reviewer_client.get(url(interview, sort="-rating"))
    assert response.context["dash"].sort == "-submitted"
    assert "rating" not in response.context["dash"].sortable


def test_search_finds_names_emails_and_transcript_text(
    admin_client: Client, interview: Interview, make_candidate: Callable[..., Invitation]
) -> None:
    make_many(interview, make_candidate, 7)
    search_documents_refresh(Invitation.objects.values_list("pk", flat=True))
    assert set(names(admin_client.get(url(interview, q="kubernetes")))) == {
        "Person 00",
        "Person 06",
    }
    assert names(admin_client.get(url(interview, q="Person 04"))) == ["Person 04"]
    assert set(names(admin_client.get(url(interview, q="person-0")))) >= {"Person 00"}
    assert names(admin_client.get(url(interview, q="nothing-like-this"))) == []


def test_search_documents_follow_transcripts(
    admin_client: Client,
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    """Saving a transcript refreshes the candidate's search document (signal + task)."""
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        person = make_candidate(interview, name="Ada", transcript="first words")
    assert names(admin_client.get(url(interview, q="first"))) == ["Ada"]
    answer = person.answers.exclude(submitted_take=None).first()
    item = answer.submitted_take.media
    item.transcript_text = "distributed consensus with raft"
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        item.save()
    assert names(admin_client.get(url(interview, q="consensus"))) == ["Ada"]


def test_pagination_keeps_filters(
    admin_client: Client, interview: Interview, make_candidate: Callable[..., Invitation]
) -> None:
    make_many(interview, make_candidate, 30)
    first = admin_client.get(url(interview, sort="name"))
    assert len(first.context["dash"].rows) == 25
    assert b"page=2" in first.content and b"sort=name" in first.content
    second = admin_client.get(url(interview, sort="name", page=2))
    assert names(second) == ["Person 25", "Person 26", "Person 27", "Person 28", "Person 29"]
    assert admin_client.get(url(interview, page=99)).status_code == 200


def test_row_shows_progress_deadline_and_decision(
    admin_client: Client, interview: Interview, make_candidate: Callable[..., Invitation]
) -> None:
    person = make_candidate(interview, name="Partial Person", status="in_progress", answered=1)
    Decision.objects.create(
        organisation=interview.organisation, invitation=person, status="on_hold"
    )
    content = admin_client.get(url(interview)).content.decode()
    assert "1/3" in content
    assert "left" in content
    assert "On hold" in content


def test_hourly_job_rebuilds_missing_or_stale_search_documents(
    admin_client: Client, interview: Interview, make_candidate: Callable[..., Invitation]
) -> None:
    from oneway.reviews.tasks import refresh_stale_search_documents, stale_search_document_ids

    person = make_candidate(interview, name="Lin", transcript="observability dashboards")
    assert stale_search_document_ids() == [person.pk]
    refresh_stale_search_documents.call_local()
    assert stale_search_document_ids() == []
    assert names(admin_client.get(url(interview, q="observability"))) == ["Lin"]
