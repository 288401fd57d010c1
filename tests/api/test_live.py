"""Live interviews and slot offers through the API: read and create."""

import datetime
from typing import Any

from django.core import mail
from django.utils import timezone

from oneway.accounts.models import User
from oneway.core.models import AuditEntry, Interview, Invitation
from oneway.live.models import LiveInterview, SlotOffer

from .conftest import ApiClient


def _at(days: int, hour: int = 10) -> str:
    moment = timezone.now().astimezone(datetime.UTC) + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


def test_schedule_a_live_interview_at_a_time(
    write_api: ApiClient,
    admin_user: User,
    interview: Interview,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = write_api.post(
            "/api/v1/live-interviews",
            {
                "title": "Second round",
                "interviewer_ids": [admin_user.pk],
                "meeting_url": "https://meet.example.com/abc",
                "candidate_name": "Ada Lovelace",
                "candidate_email": "ada@example.com",
                "candidate_timezone": "Europe/London",
                "starts_at": _at(3),
                "interview_id": interview.pk,
            },
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "scheduled" and body["starts_at"].endswith("Z")
    assert body["interviewer_ids"] == [admin_user.pk]
    assert any("ada@example.com" in m.to for m in mail.outbox)
    live = LiveInterview.objects.get()
    assert AuditEntry.objects.get(action="live.scheduled").actor_label.startswith("api-key:")
    listed = write_api.get("/api/v1/live-interviews", interview=interview.pk).json()
    assert [row["id"] for row in listed["data"]] == [live.pk]


def test_offer_slots_then_invite_to_book(write_api: ApiClient, admin_user: User) -> None:
    response = write_api.post(
        "/api/v1/slot-offers",
        {
            "name": "Next week",
            "timezone": "Europe/Berlin",
            "slot_minutes": 30,
            "ranges": [{"starts_at": _at(5, 9), "ends_at": _at(5, 12)}],
        },
    )
    assert response.status_code == 201, response.content
    offer_id = response.json()["id"]
    assert response.json()["ranges"][0]["starts_at"].endswith("Z")
    response = write_api.post(
        "/api/v1/live-interviews",
        {
            "title": "Intro call",
            "interviewer_ids": [admin_user.pk],
            "meeting_url": "https://meet.example.com/abc",
            "candidate_name": "Grace Hopper",
            "candidate_email": "grace@example.com",
            "candidate_timezone": "UTC",
            "slot_offer_id": offer_id,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "awaiting_booking"
    assert write_api.get(f"/api/v1/slot-offers/{offer_id}").json()["name"] == "Next week"


def test_bad_slot_ranges_are_field_errors(write_api: ApiClient) -> None:
    response = write_api.post(
        "/api/v1/slot-offers",
        {
            "name": "Backwards",
            "timezone": "UTC",
            "ranges": [{"starts_at": _at(5, 12), "ends_at": _at(5, 9)}],
        },
    )
    assert response.status_code == 422
    assert not SlotOffer.objects.exists()


def test_interviewers_must_be_members(
    write_api: ApiClient, make_member: Any, other_org: Any
) -> None:
    stranger = make_member(other_org)
    response = write_api.post(
        "/api/v1/live-interviews",
        {
            "title": "x",
            "interviewer_ids": [stranger.pk],
            "meeting_url": "https://meet.example.com/abc",
            "candidate_name": "A",
            "candidate_email": "a@example.com",
            "candidate_timezone": "UTC",
            "starts_at": _at(3),
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "interviewer_ids"
    assert not LiveInterview.objects.exists()


def test_a_live_interview_of_a_blind_candidate_shows_the_alias(
    read_api: ApiClient, org: Any, interview: Interview, invitation: Invitation
) -> None:
    Interview.objects.filter(pk=interview.pk).update(blind_mode=True)
    live = LiveInterview.objects.create(
        organisation=org,
        interview=interview,
        invitation=invitation,
        title="Round 2",
        meeting_url="https://meet.example.com/abc",
        candidate_name="Ada Lovelace",
        candidate_email="ada@example.com",
        candidate_timezone="UTC",
    )
    body = read_api.get(f"/api/v1/live-interviews/{live.pk}").json()
    assert body["candidate_name"].startswith("Candidate ")
    assert body["candidate_email"] is None


def test_a_limited_key_must_name_one_of_its_interviews(
    org: Any, admin_user: User, interview: Interview, make_key: Any
) -> None:
    _key, secret = make_key(org, admin_user, "write", [interview])
    api = ApiClient(secret)
    body = {
        "title": "x",
        "interviewer_ids": [admin_user.pk],
        "meeting_url": "https://meet.example.com/abc",
        "candidate_name": "A",
        "candidate_email": "a@example.com",
        "candidate_timezone": "UTC",
        "starts_at": _at(3),
    }
    response = api.post("/api/v1/live-interviews", body)
    assert response.status_code == 403
    assert response.json()["errors"][0]["field"] == "interview_id"
    assert api.get("/api/v1/slot-offers").json()["data"] == []
    assert not LiveInterview.objects.exists()
