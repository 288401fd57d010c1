"""Every staff page renders for the roles allowed to see it."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from isolation_objects import make_interview

from oneway.accounts.models import User
from oneway.core.models import Interview, LibraryQuestion, Organisation
from oneway.core.services.invitations import invitation_create


@pytest.fixture
def interview(org: Organisation, owner: User) -> Interview:
    return make_interview(org, created_by=owner)


def test_staff_pages_render(
    org: Organisation, owner: User, owner_client: Client, interview: Interview
) -> None:
    invitation, _ = invitation_create(
        interview=interview, name="Ada", email="ada@x.test", actor=owner, send=False
    )
    item = LibraryQuestion.objects.create(organisation=org, prompt="Why us?")
    question = interview.questions.first()
    assert question is not None
    i, v = interview.pk, invitation.pk
    urls = [
        reverse("dashboard:home"),
        reverse("dashboard:interview_list"),
        reverse("dashboard:interview_list") + "?archived=1",
        reverse("dashboard:interview_create"),
        reverse("dashboard:interview_detail", args=[i]),
        reverse("dashboard:interview_edit", args=[i]),
        reverse("dashboard:interview_audit", args=[i]),
        reverse("dashboard:question_create", args=[i]),
        reverse("dashboard:question_edit", args=[i, question.pk]),
        reverse("dashboard:question_delete", args=[i, question.pk]),
        reverse("dashboard:question_from_library", args=[i]),
        reverse("dashboard:invitation_create", args=[i]),
        reverse("dashboard:invitation_import", args=[i]),
        reverse("dashboard:invitation_detail", args=[i, v]),
        reverse("dashboard:invitation_extend", args=[i, v]),
        reverse("dashboard:invitation_revoke", args=[i, v]),
        reverse("dashboard:invitation_audit", args=[i, v]),
        reverse("dashboard:member_list"),
        reverse("dashboard:member_invite"),
        reverse("dashboard:library"),
        reverse("dashboard:library_question_create"),
        reverse("dashboard:library_question_edit", args=[item.pk]),
        reverse("dashboard:library_question_delete", args=[item.pk]),
        reverse("dashboard:audit"),
    ]
    for url in urls:
        response = owner_client.get(url)
        assert response.status_code == 200, url


def test_reviewer_sees_interviews_read_only(
    reviewer_client: Client,
    interview: Interview,
    client_for: Callable,
    assign_reviewer: Callable[..., Any],
) -> None:
    url = reverse("dashboard:interview_detail", args=[interview.pk])
    assert reviewer_client.get(url).status_code == 404  # not assigned to the interview
    assign_reviewer(interview)
    response = reviewer_client.get(url)
    assert response.status_code == 200
    assert b"Edit settings" not in response.content
    assert b"Invite a candidate" not in response.content
    for name in ("interview_edit", "invitation_create", "interview_audit"):
        assert (
            reviewer_client.get(reverse(f"dashboard:{name}", args=[interview.pk])).status_code
            == 403
        )
