"""Blind mode: a candidate's name, email and poster stay hidden from a reviewer until they
submit their review, everywhere a name could leak."""

import csv
import io
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from oneway.access import candidate_alias
from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation
from oneway.reviews.models import Rating, Review
from oneway.reviews.services import comment_add, review_rate, review_submit
from oneway.reviews.tasks import send_digest

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


def leaks(content: bytes, invitation: Invitation) -> bool:
    return NAME.encode() in content or invitation.email.encode() in content


def test_list_and_page_title_hide_the_name_until_reviewed(
    blind: Interview, candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    alias = candidate_alias(candidate.pk)
    dashboard = reviewer_client.get(reverse("dashboard:review_dashboard", args=[blind.pk]))
    assert not leaks(dashboard.content, candidate) and alias.encode() in dashboard.content
    page = reviewer_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    assert not leaks(page.content, candidate)
    assert f"<title>{alias} · {blind.title}".encode() in page.content
    assert b"poster=" not in page.content
    todo = reviewer_client.get(reverse("dashboard:review_todo"))
    assert not leaks(todo.content, candidate) and alias.encode() in todo.content

    submit_review(candidate, assigned_reviewer)
    page = reviewer_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    assert f"<title>{NAME} · {blind.title}".encode() in page.content
    assert b"poster=" in page.content
    dashboard = reviewer_client.get(reverse("dashboard:review_dashboard", args=[blind.pk]))
    assert NAME.encode() in dashboard.content


def test_names_are_not_searchable_or_sortable_in_blind_mode(
    blind: Interview, candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    url = reverse("dashboard:review_dashboard", args=[blind.pk])
    assert reviewer_client.get(url, {"q": "Grace"}).context["dash"].rows == []
    assert reviewer_client.get(url, {"sort": "name"}).context["dash"].sort == "-submitted"


def test_compare_mode_shows_aliases(
    blind: Interview, candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    question = blind.questions.first()
    page = reviewer_client.get(reverse("dashboard:review_compare", args=[blind.pk, question.pk]))
    assert page.status_code == 200
    assert not leaks(page.content, candidate) and b"poster=" not in page.content


def test_mention_email_subject_uses_the_alias(
    blind: Interview,
    candidate: Invitation,
    assigned_reviewer: User,
    second_reviewer: User,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        comment_add(invitation=candidate, author=assigned_reviewer, body="@sam.lee listen")
    message = mail.outbox[0]
    assert candidate_alias(candidate.pk) in message.subject
    assert NAME not in message.subject and NAME not in message.body


def test_digest_uses_the_alias(
    blind: Interview, candidate: Invitation, assigned_reviewer: User
) -> None:
    assert send_digest(assigned_reviewer.pk) == 1
    message = mail.outbox[0]
    assert NAME not in message.subject + message.body
    assert candidate_alias(candidate.pk) in message.body


def test_export_hides_names_the_exporter_has_not_reviewed(
    blind: Interview,
    make_candidate: Callable[..., Invitation],
    admin_user: User,
    admin_client: Client,
) -> None:
    seen = make_candidate(blind, name="Reviewed Person")
    unseen = make_candidate(blind, name="Unseen Person")
    submit_review(seen, admin_user)
    response = admin_client.get(reverse("dashboard:review_export", args=[blind.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    body = response.content.decode()
    assert "Reviewed Person" in body and seen.email in body
    assert "Unseen Person" not in body and unseen.email not in body
    assert [candidate_alias(unseen.pk), ""] in [row[:2] for row in rows]


def test_share_link_in_blind_mode_hides_names(
    blind: Interview, candidate: Invitation, admin_user: User
) -> None:
    from oneway.reviews.services import share_link_create

    _link, token = share_link_create(
        interview=blind, invitations=[candidate], label="Dana", actor=admin_user
    )
    client = Client()
    home = client.get(reverse("dashboard:review_share", args=[token]))
    page = client.get(reverse("dashboard:review_share_candidate", args=[token, candidate.pk]))
    assert not leaks(home.content, candidate) and not leaks(page.content, candidate)
    answer = candidate.answers.exclude(submitted_take=None).first()
    poster = client.get(reverse("dashboard:review_share_media", args=[token, answer.pk, "poster"]))
    assert poster.status_code == 404


def test_blind_mode_off_shows_names(
    candidate: Invitation, assigned_reviewer: User, reviewer_client: Client
) -> None:
    page = reviewer_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    assert NAME.encode() in page.content
    assert Review.objects.count() == 0 and Rating.objects.count() == 0
