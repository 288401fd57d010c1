"""Insights: the numbers equal direct counts, in a fixed number of queries, blind-safe."""

import csv
import io
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from insights_seed import seed_insights
from isolation_objects import make_interview

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Interview, Organisation
from oneway.reviews.insights import insights_for

pytestmark = pytest.mark.django_db


def rows(chart: object) -> dict[str, int]:
    return {row.label: row.value for row in chart.rows}  # type: ignore[attr-defined]


@pytest.fixture
def seeded(org: Organisation, make_member: Callable[..., User]) -> Interview:
    interview = make_interview(org, title="Insights interview", questions=2)
    a = make_member(org, Role.REVIEWER, email="strict@example.com")
    b = make_member(org, Role.REVIEWER, email="lenient@example.com")
    User.objects.filter(pk=a.pk).update(name="Stella Strict")
    User.objects.filter(pk=b.pk).update(name="Lenny Lenient")
    seed_insights(interview, 10, [b, a])
    return interview


def test_numbers_equal_direct_counts(seeded: Interview) -> None:
    insights = insights_for(Interview.objects.filter(pk=seeded.pk))
    invitations = seeded.invitations.all()
    funnel = insights.chart("funnel")
    assert [r.value for r in funnel.rows] == [
        invitations.count(),
        invitations.filter(opened_at__isnull=False).count(),
        6,  # kinds 1, 2 and 3 passed the device check
        invitations.filter(started_at__isnull=False).count(),
        invitations.filter(completed_at__isnull=False).count(),
    ]
    assert [r.value for r in funnel.rows] == [10, 8, 6, 6, 4]
    assert [r.note for r in funnel.rows] == ["", "80%", "75%", "100%", "67%"]
    drop = insights.chart("drop_off")
    assert [(r.value, r.note) for r in drop.rows] == [
        (0, "6 saw it, 6 answered"),
        (2, "6 saw it, 4 answered"),
    ]
    assert rows(insights.chart("completion")) == {
        "Under 10 minutes": 2,
        "10–30 minutes": 2,
        "30–60 minutes": 0,
        "1–24 hours": 0,
        "Over a day": 0,
    }
    assert rows(insights.chart("device")) == {"NotAllowedError · Firefox": 2}
    assert rows(insights.chart("to_review"))["Under a day"] == 2
    assert rows(insights.chart("to_review"))["Not reviewed yet"] == 2
    assert rows(insights.chart("to_decision"))["1–3 days"] == 2
    reviewers = {r.name: r.counts for r in insights.reviewers}
    assert reviewers == {
        "Lenny Lenient": (0, 0, 0, 4, 0),
        "Stella Strict": (0, 2, 2, 0, 0),
    }
    assert [r.name for r in insights.reviewers][0] == "Stella Strict"  # strictest first


def test_query_count_does_not_grow_with_candidates(
    org: Organisation, seeded: Interview, admin_client: Client, make_member: Callable[..., User]
) -> None:
    url = reverse("dashboard:review_insights", args=[seeded.pk])
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    seed_insights(seeded, 25, [make_member(org, Role.REVIEWER, email="third@example.com")])
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200
    assert len(many) == len(few)
    org_url = reverse("dashboard:review_insights_org")
    with CaptureQueriesContext(connection) as org_queries:
        assert admin_client.get(org_url).status_code == 200
    assert len(org_queries) <= len(few)


def test_page_names_no_candidate_and_offers_a_table_and_csv(
    seeded: Interview, admin_client: Client
) -> None:
    seeded.blind_mode = True
    seeded.save()
    url = reverse("dashboard:review_insights", args=[seeded.pk])
    content = admin_client.get(url).content.decode()
    assert "Seeded Candidate" not in content and "seeded-" not in content
    assert content.count('role="img"') == 7 and content.count('class="chart-table"') == 7
    response = admin_client.get(url + "?format=csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["Chart", "Row", "Value", "Note"]
    assert ["Funnel", "Submitted", "4", "67%"] in table


def test_reviewers_may_not_see_insights(
    seeded: Interview, reviewer: User, reviewer_client: Client
) -> None:
    from oneway.reviews.models import ReviewerAssignment

    ReviewerAssignment.objects.create(
        organisation=seeded.organisation, interview=seeded, user=reviewer
    )
    assert (
        reviewer_client.get(reverse("dashboard:review_insights", args=[seeded.pk])).status_code
        == 403
    )
    assert reviewer_client.get(reverse("dashboard:review_insights_org")).status_code == 403


def test_organisation_insights_count_only_the_organisations_interviews(
    seeded: Interview,
    other_org: Organisation,
    admin_client: Client,
    make_member: Callable[..., User],
) -> None:
    foreign = make_interview(other_org, title="Elsewhere", questions=2)
    seed_insights(foreign, 7, [make_member(other_org, Role.REVIEWER, email="x@example.com")])
    content = admin_client.get(reverse("dashboard:review_insights_org")).content.decode()
    assert "10 invited, 4 submitted" in content
