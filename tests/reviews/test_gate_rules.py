"""The gate's rules for blind mode and independent reviews, one behaviour per test."""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from oneway.access import REVEAL_ACTION, Viewer, candidate_alias, visible_live_interviews
from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import AuditEntry, Interview, Invitation, Organisation
from oneway.reviews.services import (
    comment_add,
    decision_change,
    review_rate,
    review_submit,
)

pytestmark = pytest.mark.django_db

NAME = "Grace Hopper"


@pytest.fixture
def blind(interview: Interview) -> Interview:
    interview.blind_mode = True
    interview.save()
    return interview


def submit_review(invitation: Invitation, user: User) -> None:
    for answer in invitation.answers.all():
        review_rate(invitation=invitation, question=answer.question, score=3, reviewer=user)
    review_submit(invitation=invitation, recommendation="yes", note="", reviewer=user)


def test_admins_are_blind_too_until_they_reveal_and_the_reveal_is_theirs_alone(
    blind: Interview,
    candidate: Invitation,
    admin_user: User,
    admin_client: Client,
    org: Organisation,
    make_member: Callable[..., User],
    client_for: Callable[[User], Client],
) -> None:
    page_url = reverse("dashboard:review_candidate", args=[candidate.pk])
    invitation_url = reverse("dashboard:invitation_detail", args=[blind.pk, candidate.pk])
    for url in (page_url, invitation_url):
        page = admin_client.get(url)
        assert NAME.encode() not in page.content and candidate.email.encode() not in page.content
        assert candidate_alias(candidate.pk).encode() in page.content
        assert b"Reveal identity to me" in page.content
    response = admin_client.post(
        reverse("dashboard:review_reveal", args=[candidate.pk]), {"next": invitation_url}
    )
    assert response.status_code == 302 and response["Location"] == invitation_url
    entry = AuditEntry.objects.get(action=REVEAL_ACTION)
    assert entry.actor == admin_user and entry.invitation_id == candidate.pk
    page = admin_client.get(invitation_url)
    assert NAME.encode() in page.content and candidate.email.encode() in page.content
    other_admin = client_for(make_member(org, Role.ADMIN, email="other-admin@example.com"))
    assert NAME.encode() not in other_admin.get(invitation_url).content


def test_reviewers_cannot_reveal(
    blind: Interview, candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    response = reviewer_client.post(reverse("dashboard:review_reveal", args=[candidate.pk]))
    assert response.status_code == 403
    page = reviewer_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    assert b"Reveal identity to me" not in page.content
    assert not AuditEntry.objects.filter(action=REVEAL_ACTION).exists()


def test_accommodation_note_is_identity_in_blind_mode(
    blind: Interview, candidate: Invitation, admin_client: Client
) -> None:
    Invitation.objects.filter(pk=candidate.pk).update(accommodation_note="Deaf, uses captions")
    page = admin_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    assert b"Deaf, uses captions" not in page.content


def test_others_opinions_wait_for_ones_own_review(
    candidate: Invitation,
    assigned_reviewer: User,
    reviewer_client: Client,
    second_reviewer: User,
    admin_user: User,
    admin_client: Client,
) -> None:
    submit_review(candidate, second_reviewer)
    comment_add(invitation=candidate, author=second_reviewer, body="Sam thinks: weak on testing")
    comment_add(invitation=candidate, author=assigned_reviewer, body="My own first thought")
    decision_change(
        invitation=candidate, status="shortlisted", reason="Strong on systems", actor=admin_user
    )
    url = reverse("dashboard:review_candidate", args=[candidate.pk])
    page = reviewer_client.get(url).content.decode()
    assert "weak on testing" not in page and "Strong on systems" not in page
    assert 'id="others-title"' not in page and "Sam" not in page.split("Discussion")[1]
    assert "My own first thought" in page
    assert "Shortlisted" in page  # where the candidate stands is not an opinion
    # Owners and admins, who decide, see every opinion at once.
    admin_page = admin_client.get(url).content.decode()
    assert "weak on testing" in admin_page and "Strong on systems" in admin_page

    submit_review(candidate, assigned_reviewer)
    page = reviewer_client.get(url).content.decode()
    assert "weak on testing" in page and "Strong on systems" in page
    assert 'id="others-title"' in page


def test_audit_details_hide_a_blind_candidates_email(
    blind: Interview, owner: User, owner_client: Client
) -> None:
    from oneway.core.services.invitations import invitation_create

    invitation, _token = invitation_create(
        interview=blind, name="Zed Secret", email="zed.secret@example.com", actor=owner, send=False
    )
    for name, args in (
        ("dashboard:audit", []),
        ("dashboard:interview_audit", [blind.pk]),
        ("dashboard:invitation_audit", [blind.pk, invitation.pk]),
    ):
        page = owner_client.get(reverse(name, args=args))
        assert b"invitation.created" in page.content
        assert b"zed.secret" not in page.content and b"Zed Secret" not in page.content, name


def test_a_reviewer_sees_a_live_interview_when_assigned_or_named_interviewer(
    interview: Interview,
    candidate: Invitation,
    org: Organisation,
    owner: User,
    reviewer: User,
    make_member: Callable[..., User],
    assign: Callable[..., object],
) -> None:
    import datetime

    from django.utils import timezone

    from oneway.live.services import live_interview_schedule

    ivy = make_member(org, Role.REVIEWER, email="ivy@example.com")
    live = live_interview_schedule(
        organisation=org,
        actor=owner,
        title="Panel",
        interviewers=[ivy],
        meeting_url="https://meet.jit.si/panel",
        candidate_name=candidate.name,
        candidate_email=candidate.email,
        candidate_timezone="UTC",
        starts_at=timezone.now() + datetime.timedelta(days=2),
        interview=interview,
        invitation=candidate,
    )

    def sees(user: User) -> bool:
        viewer = Viewer(org=org, user=user, role=Role.REVIEWER)
        return visible_live_interviews(viewer).filter(pk=live.pk).exists()

    assert sees(ivy) and not sees(reviewer)
    assign(reviewer, interview)
    assert sees(reviewer)


def test_an_api_key_reads_aliases_even_where_its_creator_may_see_the_name(
    blind: Interview, candidate: Invitation, admin_user: User, org: Organisation
) -> None:
    from oneway.access import candidate_label
    from oneway.reviews.services import candidate_identity_reveal

    candidate_identity_reveal(invitation=candidate, actor=admin_user)
    person = Viewer(org=org, user=admin_user, role=Role.ADMIN)
    key = Viewer(org=org, user=admin_user, role=Role.ADMIN, api_key_id=1)
    assert candidate_label(person, candidate) == NAME
    assert candidate_label(key, candidate) == candidate_alias(candidate.pk)
