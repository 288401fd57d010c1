"""The resources: interviews, invitations, answers, transcripts, reviews, decisions, audit."""

import datetime
from collections.abc import Callable
from typing import Any

from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from isolation_objects import _answer, make_invitation

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation, Organisation
from oneway.reviews.models import Decision, Rating, Review

from .conftest import ApiClient


def test_create_an_interview_with_questions(write_api: ApiClient) -> None:
    response = write_api.post(
        "/api/v1/interviews",
        {
            "title": "Data engineer",
            "contact_email": "jobs@acme.test",
            "questions": [
                {"prompt": "Why us?", "max_answer_seconds": 90},
                {"prompt": "Describe a pipeline.", "answer_type": "text"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [q["prompt"] for q in body["questions"]] == ["Why us?", "Describe a pipeline."]
    assert body["questions"][0]["max_answer_seconds"] == 90
    assert write_api.get(f"/api/v1/interviews/{body['id']}").json() == body


def test_an_invalid_question_leaves_no_interview_behind(write_api: ApiClient) -> None:
    response = write_api.post(
        "/api/v1/interviews",
        {
            "title": "Data engineer",
            "contact_email": "not-an-email",
            "questions": [{"prompt": "Why us?"}],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "contact_email"
    assert not Interview.objects.exists()


def test_list_interviews_pages_with_cursors(write_api: ApiClient, org: Organisation) -> None:
    from isolation_objects import make_interview

    for n in range(5):
        make_interview(org, title=f"Role {n}")
    seen: list[int] = []
    cursor = None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = write_api.get("/api/v1/interviews", **params).json()
        seen += [row["id"] for row in body["data"]]
        cursor = body["next_cursor"]
    assert cursor is None
    assert seen == sorted(seen) and len(seen) == 5


def test_list_pages_take_the_same_queries_for_one_row_or_many(
    write_api: ApiClient, org: Organisation, interview: Interview
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from isolation_objects import make_interview

    for n in range(6):
        make_invitation(make_interview(org, title=f"Role {n}"))
    counts = {}
    for path in ("/api/v1/interviews", "/api/v1/invitations", "/api/v1/audit-events"):
        for limit in (1, 5):
            write_api.get(path, limit=limit)  # warm the rate-limit window
            with CaptureQueriesContext(connection) as queries:
                assert write_api.get(path, limit=limit).status_code == 200
            counts[path, limit] = len(queries)
        assert counts[path, 1] == counts[path, 5], (path, counts)


def test_invitations_filter_by_interview_status_and_updated_since(
    read_api: ApiClient, interview: Interview, org: Organisation
) -> None:
    from isolation_objects import make_interview

    other = make_interview(org, title="Other")
    old = make_invitation(interview, invited_at=timezone.now() - datetime.timedelta(days=3))
    done = make_invitation(interview, status="completed")
    elsewhere = make_invitation(other)
    ids = lambda **q: [r["id"] for r in read_api.get("/api/v1/invitations", **q).json()["data"]]  # noqa: E731
    assert ids(interview=interview.pk) == sorted([old.pk, done.pk])
    assert ids(status="completed") == [done.pk]
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert ids(updated_since=since) == sorted([done.pk, elsewhere.pk])
    AuditEntry.objects.create(organisation=org, action="invitation.extended", invitation_id=old.pk)
    assert old.pk in ids(updated_since=since)


def test_invite_resend_extend_and_revoke(
    write_api: ApiClient, interview: Interview, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = write_api.post(
            "/api/v1/invitations",
            {"interview_id": interview.pk, "name": "Grace Hopper", "email": "grace@example.com"},
        )
    assert response.status_code == 201
    invitation_id = response.json()["id"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["grace@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        response = write_api.post(f"/api/v1/invitations/{invitation_id}/resend")
    assert response.status_code == 200 and len(mail.outbox) == 2
    deadline = (timezone.now() + datetime.timedelta(days=20)).replace(microsecond=0)
    response = write_api.post(
        f"/api/v1/invitations/{invitation_id}/extend",
        {"deadline": deadline.isoformat(), "notify": False},
    )
    assert response.status_code == 200
    assert response.json()["deadline"] == deadline.isoformat().replace("+00:00", "Z")
    response = write_api.post(f"/api/v1/invitations/{invitation_id}/revoke")
    assert response.json()["status"] == "revoked"
    response = write_api.post(f"/api/v1/invitations/{invitation_id}/revoke")
    assert response.status_code == 422
    assert "revoked" in response.json()["detail"]


def test_bulk_invitations_give_a_result_per_row(write_api: ApiClient, interview: Interview) -> None:
    make_invitation(interview, email="taken@example.com")
    response = write_api.post(
        "/api/v1/invitations/bulk",
        {
            "interview_id": interview.pk,
            "invitations": [
                {"name": "One", "email": "one@example.com", "send": False},
                {"name": "Two", "email": "taken@example.com"},
                {"name": "Three", "email": "three@example.com", "timezone": "Mars/Olympus"},
            ],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["failed"]) == (1, 2)
    assert [row["result"] for row in body["results"]] == ["created", "error", "error"]
    assert body["results"][1]["errors"][0]["field"] == "email"
    assert body["results"][2]["errors"][0]["field"] == "timezone"
    assert Invitation.objects.filter(interview=interview).count() == 2


def test_blind_interviews_show_the_alias_and_no_email(
    read_api: ApiClient, interview: Interview, invitation: Invitation
) -> None:
    Interview.objects.filter(pk=interview.pk).update(blind_mode=True)
    row = read_api.get(f"/api/v1/invitations/{invitation.pk}").json()
    assert row["name"].startswith("Candidate ") and row["email"] is None
    events = read_api.get("/api/v1/audit-events").json()["data"]
    assert "ada@example.com" not in str(events)


def test_answers_carry_short_lived_signed_urls_that_work_without_a_session(
    read_api: ApiClient, org: Organisation
) -> None:
    from oneway.core.models import Answer

    answer = Answer.objects.get(pk=_answer(org))
    item = answer.submitted_take.media  # type: ignore[union-attr]
    default_storage.save(item.rendition_name, ContentFile(b"\x00\x00\x00\x18ftypmp42 video"))
    try:
        rows = read_api.get(f"/api/v1/invitations/{answer.invitation_id}/answers").json()
        assert [row["id"] for row in rows] == [answer.pk]
        media = rows[0]["media"]
        assert media["state"] == "ready" and media["urls_expire_at"].endswith("Z")
        response = Client().get(media["video_url"].removeprefix("http://127.0.0.1:8000"))
        assert response.status_code == 200
        assert b"ftypmp42" in b"".join(response.streaming_content)  # type: ignore[attr-defined]
        entry = AuditEntry.objects.filter(action="media.url_issued").latest("id")
        assert entry.actor_label.startswith("api-key:")
    finally:
        default_storage.delete(item.rendition_name)


def test_transcripts_as_text_and_webvtt(read_api: ApiClient, org: Organisation) -> None:
    answer_id = _answer(org)
    body = read_api.get(f"/api/v1/answers/{answer_id}/transcript").json()
    assert body["text"].endswith("said hello")
    response = read_api.get(f"/api/v1/answers/{answer_id}/transcript.vtt")
    assert response["Content-Type"].startswith("text/vtt")
    assert response.content.startswith(b"WEBVTT")


def test_reviews_list_only_submitted_ones_with_ratings(
    read_api: ApiClient, org: Organisation, invitation: Invitation, make_member: Callable[..., User]
) -> None:
    first = make_member(org, "reviewer", email="r1@example.com")
    second = make_member(org, "reviewer", email="r2@example.com")
    submitted = Review.objects.create(
        organisation=org,
        invitation=invitation,
        reviewer=first,
        recommendation="yes",
        note="private",
        submitted_at=timezone.now(),
    )
    Rating.objects.create(
        review=submitted,
        invitation=invitation,
        question=invitation.interview.questions.first(),
        score=4,
    )
    Review.objects.create(organisation=org, invitation=invitation, reviewer=second)
    rows = read_api.get(f"/api/v1/invitations/{invitation.pk}/reviews").json()
    assert [row["id"] for row in rows] == [submitted.pk]
    assert rows[0]["ratings"][0]["score"] == 4
    assert "private" not in str(rows)


def test_set_and_read_a_decision(
    write_api: ApiClient, invitation: Invitation, admin_user: User
) -> None:
    response = write_api.post(
        f"/api/v1/invitations/{invitation.pk}/decision",
        {"status": "shortlisted", "reason": "Strong answers"},
    )
    assert response.status_code == 200, response.content
    assert Decision.objects.get(invitation=invitation).changed_by == admin_user
    body = write_api.get(f"/api/v1/invitations/{invitation.pk}/decision").json()
    assert body["status"] == "shortlisted"
    assert body["history"][0]["to_status"] == "shortlisted"
    response = write_api.post(
        f"/api/v1/invitations/{invitation.pk}/decision", {"status": "shortlisted"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_audit_events_filter_by_action(read_api: ApiClient, org: Organisation) -> None:
    AuditEntry.objects.create(organisation=org, action="interview.created")
    AuditEntry.objects.create(organisation=org, action="invitation.created")
    body = read_api.get("/api/v1/audit-events", action="interview.created").json()
    assert [row["action"] for row in body["data"]] == ["interview.created"]
