"""Share links: a hiring manager without an account, read-only, expiring, revocable,
optionally rating, and every view audited."""

import datetime
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation
from oneway.reviews.models import Review, ShareLink
from oneway.reviews.services import share_link_create, share_link_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(candidate: Invitation, admin_user: User) -> tuple[ShareLink, str]:
    return share_link_create(
        interview=candidate.interview,
        invitations=[candidate],
        label="Dana (hiring manager)",
        actor=admin_user,
    )


def test_link_expires_in_7_days_by_default_and_stores_only_a_hash(
    shared: tuple[ShareLink, str],
) -> None:
    link, token = shared
    assert len(token) >= 32 and token not in link.token_hash
    remaining = link.expires_at - timezone.now()
    assert datetime.timedelta(days=6, hours=23) < remaining <= datetime.timedelta(days=7)
    assert AuditEntry.objects.filter(action="share.created", object_id=str(link.pk)).exists()


def test_every_view_is_audited(shared: tuple[ShareLink, str], candidate: Invitation) -> None:
    link, token = shared
    client = Client()
    home = client.get(reverse("dashboard:review_share", args=[token]))
    assert home.status_code == 200 and b"Grace Hopper" in home.content
    assert home["Cache-Control"] == "private, no-store"
    assert home["Referrer-Policy"] == "no-referrer"
    page = client.get(reverse("dashboard:review_share_candidate", args=[token, candidate.pk]))
    assert page.status_code == 200
    assert b"Question 1" in page.content and b"migration" in page.content
    views = AuditEntry.objects.filter(action="share.viewed").order_by("id")
    assert [e.data["what"] for e in views] == ["list", "candidate"]
    assert views[1].invitation_id == candidate.pk
    assert views[0].actor_label == f"share:{link.pk}"
    link.refresh_from_db()
    assert link.view_count == 2 and link.last_viewed_at is not None


def test_candidates_not_in_the_link_answer_404(
    shared: tuple[ShareLink, str], interview: Interview, make_candidate: Callable[..., Invitation]
) -> None:
    _link, token = shared
    other = make_candidate(interview, name="Not Shared")
    client = Client()
    assert (
        client.get(reverse("dashboard:review_share_candidate", args=[token, other.pk])).status_code
        == 404
    )
    home = client.get(reverse("dashboard:review_share", args=[token]))
    assert b"Not Shared" not in home.content


def test_unknown_token_answers_404_and_revoked_or_expired_410(
    shared: tuple[ShareLink, str], admin_user: User, candidate: Invitation
) -> None:
    link, token = shared
    client = Client()
    assert client.get(reverse("dashboard:review_share", args=["x" * 43])).status_code == 404
    share_link_revoke(link=link, actor=admin_user)
    gone = client.get(reverse("dashboard:review_share", args=[token]))
    assert gone.status_code == 410 and b"withdrawn" in gone.content
    assert (
        client.get(
            reverse("dashboard:review_share_candidate", args=[token, candidate.pk])
        ).status_code
        == 410
    )
    link.revoked_at = None
    link.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    link.save()
    expired = client.get(reverse("dashboard:review_share", args=[token]))
    assert expired.status_code == 410 and b"expired" in expired.content


def test_read_only_link_refuses_ratings(
    shared: tuple[ShareLink, str], candidate: Invitation
) -> None:
    _link, token = shared
    question = candidate.interview.questions.first()
    response = Client().post(
        reverse("dashboard:review_share_rate", args=[token, candidate.pk]),
        {"question_id": question.pk, "score": 5},
    )
    assert response.status_code == 404
    assert not Review.objects.exists()


def test_link_with_rating_lets_the_manager_rate_and_recommend(
    candidate: Invitation, admin_user: User, admin_client: Client
) -> None:
    link, token = share_link_create(
        interview=candidate.interview,
        invitations=[candidate],
        label="Dana",
        actor=admin_user,
        allow_rating=True,
    )
    client = Client()
    url = reverse("dashboard:review_share_rate", args=[token, candidate.pk])
    for answer in candidate.answers.all():
        assert client.post(url, {"question_id": answer.question_id, "score": 4}).status_code == 302
    done = client.post(url, {"action": "submit", "recommendation": "strong_yes", "note": "Hire"})
    assert done.status_code == 302
    review = Review.objects.get(share_link=link)
    assert review.submitted_at and review.reviewer is None and review.ratings.count() == 3
    staff_page = admin_client.get(reverse("dashboard:review_candidate", args=[candidate.pk]))
    assert b"Dana" in staff_page.content and b"share link" in staff_page.content


def test_share_link_needs_candidates_of_that_interview(
    candidate: Invitation, admin_user: User, org, make_candidate
) -> None:
    from isolation_objects import make_interview

    elsewhere = make_candidate(make_interview(org, title="Other"), name="Elsewhere")
    with pytest.raises(ValidationError):
        share_link_create(
            interview=candidate.interview, invitations=[elsewhere], label="x", actor=admin_user
        )
    with pytest.raises(ValidationError):
        share_link_create(
            interview=candidate.interview, invitations=[], label="x", actor=admin_user
        )
    with pytest.raises(ValidationError):
        share_link_create(
            interview=candidate.interview,
            invitations=[candidate],
            label="x",
            actor=admin_user,
            expires_at=timezone.now() + datetime.timedelta(days=365),
        )


def test_admin_creates_and_revokes_from_the_page(
    candidate: Invitation, admin_client: Client, reviewer_client: Client, assigned_reviewer: User
) -> None:
    url = reverse("dashboard:review_share_links", args=[candidate.interview_id])
    assert reviewer_client.get(url).status_code == 403
    expires = (timezone.now() + datetime.timedelta(days=3)).date().isoformat()
    response = admin_client.post(
        url, {"label": "Dana", "expires_on": expires, "invitations": [candidate.pk]}
    )
    assert response.status_code == 200
    shown = response.context["new_link"]["url"]
    assert "/app/reviews/share/" in shown
    link = ShareLink.objects.get()
    token = shown.rstrip("/").rsplit("/", 1)[1]
    assert Client().get(reverse("dashboard:review_share", args=[token])).status_code == 200
    revoke = admin_client.post(reverse("dashboard:review_share_revoke", args=[link.pk]))
    assert revoke.status_code == 302
    assert Client().get(reverse("dashboard:review_share", args=[token])).status_code == 410
    bad = admin_client.post(url, {"label": "", "expires_on": "2000-01-01", "invitations": []})
    assert bad.status_code == 400


def test_dashboard_offers_to_share_the_page_and_preselects(
    candidate: Invitation, admin_client: Client
) -> None:
    dashboard = admin_client.get(
        reverse("dashboard:review_dashboard", args=[candidate.interview_id]),
        {"status": "completed"},
    )
    link = f"?candidate={candidate.pk}&amp;".encode()
    assert link in dashboard.content
    form = admin_client.get(
        reverse("dashboard:review_share_links", args=[candidate.interview_id]),
        {"candidate": candidate.pk},
    )
    assert f'value="{candidate.pk}"'.encode() in form.content
    assert b"checked" in form.content


def test_share_posts_with_origin_null_need_the_csrf_token(
    candidate: Invitation, admin_user: User
) -> None:
    """Share pages send no referrer, so browsers post ``Origin: null``: accepted, but only
    with the CSRF token; another origin is refused."""
    _link, token = share_link_create(
        interview=candidate.interview,
        invitations=[candidate],
        label="Dana",
        actor=admin_user,
        allow_rating=True,
    )
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("dashboard:review_share_candidate", args=[token, candidate.pk]))
    csrf = page.context["csrf_token"]
    url = reverse("dashboard:review_share_rate", args=[token, candidate.pk])
    draft = {"action": "save", "recommendation": "yes", "note": "Good"}
    assert client.post(url, draft, HTTP_ORIGIN="null").status_code == 403  # no token
    assert (
        client.post(
            url, {**draft, "csrfmiddlewaretoken": csrf}, HTTP_ORIGIN="https://evil.example"
        ).status_code
        == 403
    )
    saved = client.post(url, {**draft, "csrfmiddlewaretoken": csrf}, HTTP_ORIGIN="null")
    assert saved.status_code == 302
    assert Review.objects.get(share_link__label="Dana").note == "Good"
