"""The home page is a to-do page: my reviews, deadlines near, failed recordings, live today."""

import datetime
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from isolation_objects import make_interview, make_invitation

from oneway.access import candidate_alias
from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation, Organisation
from oneway.media.models import MediaItem

pytestmark = pytest.mark.django_db


def home(client: Client) -> str:
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_candidates_waiting_for_my_review(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
) -> None:
    make_candidate(interview, name="Grace Hopper")
    content = home(reviewer_client)
    assert "Grace Hopper" in content and "3 of 3 answers to rate" in content
    interview.blind_mode = True
    interview.save()
    other = make_candidate(interview, name="Hidden Person")
    content = home(reviewer_client)
    assert "Hidden Person" not in content and candidate_alias(other.pk) in content


def test_deadlines_near_count_who_has_not_started(
    interview: Interview, other_org: Organisation, admin_client: Client
) -> None:
    soon = timezone.now() + datetime.timedelta(days=2)
    make_invitation(interview, name="A", deadline=soon)
    make_invitation(
        interview, name="B", deadline=soon + datetime.timedelta(hours=3), status="opened"
    )
    make_invitation(interview, name="C", deadline=soon, status="in_progress")  # started
    make_invitation(interview, name="D", deadline=timezone.now() + datetime.timedelta(days=6))
    foreign = make_interview(other_org, title="Elsewhere role")
    make_invitation(foreign, deadline=soon)
    content = home(admin_client)
    section = content.split('id="deadlines-heading"')[1].split("</section>")[0]
    assert "Backend engineer" in section and "2 candidates have not started" in section
    assert "Elsewhere role" not in content


def test_failed_recordings_for_those_who_may_retry(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    assigned_reviewer: User,
    reviewer_client: Client,
    admin_client: Client,
) -> None:
    invitation = make_candidate(interview, name="Failing Upload")
    MediaItem.objects.filter(take__answer__invitation=invitation).update(state="failed")
    content = home(admin_client)
    assert "2 answers need a retry." in content and "Failing Upload" in content
    assert "Recordings that failed to process" not in home(reviewer_client)


def test_home_query_count_does_not_grow(
    interview: Interview,
    make_candidate: Callable[..., Invitation],
    admin_client: Client,
) -> None:
    soon = timezone.now() + datetime.timedelta(days=1)
    make_candidate(interview, name="One")
    make_invitation(interview, name="Due", deadline=soon)
    home(admin_client)
    with CaptureQueriesContext(connection) as few:
        home(admin_client)
    for n in range(6):
        invitation = make_candidate(interview, name=f"More {n}")
        MediaItem.objects.filter(take__answer__invitation=invitation).update(state="failed")
        make_invitation(interview, name=f"Due {n}", deadline=soon)
    with CaptureQueriesContext(connection) as many:
        home(admin_client)
    assert len(many) == len(few)
