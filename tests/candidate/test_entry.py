"""The personal link: token for session, closed and unknown links, rate limit, headers."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from oneway.core.models import InvitationStatus
from oneway.core.services.invitations import invitation_revoke


@pytest.fixture(autouse=True)
def clear_rate_limits(db: None) -> None:
    cache.clear()


def test_link_exchanges_the_token_for_a_session_and_drops_it_from_the_address(
    make_candidate, admin_user
) -> None:
    link = make_candidate()
    client = Client()
    response = client.get(link.path)
    assert response.status_code == 302
    assert response["Location"] == "/c/"
    assert link.token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get("/c/")
    assert page.status_code == 200
    assert b"Backend engineer" in page.content
    link.invitation.refresh_from_db()
    assert link.invitation.status == InvitationStatus.OPENED


def test_every_candidate_page_sends_no_referrer_and_no_cache(make_candidate, enter) -> None:
    client = enter(make_candidate())
    for path in ["/c/", "/c/device-check/", "/c/not-a-token/"]:
        response = client.get(path)
        assert response["Referrer-Policy"] == "no-referrer", path
        assert "no-store" in response["Cache-Control"], path
    assert b'<meta name="referrer" content="no-referrer">' in client.get("/c/").content


def test_unknown_or_tampered_token_answers_404_naming_no_interview(make_candidate) -> None:
    link = make_candidate()
    for token in ["nonsense", link.token[:-1] + ("A" if link.token[-1] != "A" else "B")]:
        response = Client().get(f"/c/{token}/")
        assert response.status_code == 404
        assert b"Backend engineer" not in response.content
        assert b"Acme" not in response.content


def test_link_after_deadline_and_grace_answers_410_with_the_contact(make_candidate) -> None:
    link = make_candidate(grace_minutes=15)
    link.invitation.deadline = timezone.now() - datetime.timedelta(minutes=16)
    link.invitation.save()
    response = Client().get(link.path)
    assert response.status_code == 410
    assert b"jobs@acme.example" in response.content
    assert b"Backend engineer" not in response.content


def test_link_within_the_grace_still_opens(make_candidate) -> None:
    link = make_candidate(grace_minutes=15)
    link.invitation.deadline = timezone.now() - datetime.timedelta(minutes=5)
    link.invitation.save()
    assert Client().get(link.path).status_code == 302


def test_revoked_link_answers_410(make_candidate, admin_user) -> None:
    link = make_candidate()
    invitation_revoke(invitation=link.invitation, actor=admin_user)
    assert Client().get(link.path).status_code == 410


def test_session_pages_close_when_the_deadline_passes(make_candidate, enter) -> None:
    link = make_candidate(grace_minutes=0)
    client = enter(link)
    link.invitation.deadline = timezone.now() - datetime.timedelta(minutes=1)
    link.invitation.save()
    assert client.get("/c/").status_code == 410


def test_completed_link_shows_the_status_page(make_candidate) -> None:
    link = make_candidate()
    link.invitation.status = InvitationStatus.COMPLETED
    link.invitation.completed_at = timezone.now()
    link.invitation.save()
    client = Client()
    response = client.get(link.path)
    assert response["Location"] == "/c/status/"
    page = client.get("/c/status/")
    assert page.status_code == 200
    assert b"Your interview has been sent" in page.content
    assert client.get("/c/").status_code == 302  # questions are not shown again


def test_link_attempts_are_rate_limited_per_ip(make_candidate, settings) -> None:
    settings.CANDIDATE_LINK_RATE_LIMIT = 3
    link = make_candidate()
    client = Client()
    statuses = [client.get(f"/c/guess-{i}/").status_code for i in range(3)]
    assert statuses == [404, 404, 404]
    blocked = client.get(link.path)  # even the right token waits
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == "60"
    assert b"Too many attempts" in blocked.content
    other_ip = Client(REMOTE_ADDR="10.1.2.3")
    assert other_ip.get(link.path).status_code == 302


def test_pages_without_a_session_ask_for_the_link_again(db) -> None:
    response = Client().get("/c/device-check/")
    assert response.status_code == 403
    assert b"Open the link from your email again" in response.content
    api = Client().post("/c/api/tab/", {}, content_type="application/json")
    assert api.status_code == 403
