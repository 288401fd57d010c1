"""Bad input answers RFC 9457 problem documents naming the field; nothing half-written."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from oneway.accounts.models import User
from oneway.core.models import Interview, Invitation, Organisation

from .conftest import ApiClient

PROBLEM = "application/problem+json"


def fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json().get("errors", [])]


def test_malformed_json_is_400(write_api: ApiClient) -> None:
    response = write_api.post("/api/v1/invitations", "{not json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert fields(response) == ["body"]
    assert response.json()["status"] == 400


def test_wrong_types_and_unknown_fields_are_422_with_the_field_named(
    write_api: ApiClient, interview: Interview
) -> None:
    response = write_api.post(
        "/api/v1/invitations", {"interview_id": "one", "name": ["x"], "email": "a@example.com"}
    )
    assert response.status_code == 422
    assert {"interview_id", "name"} <= set(fields(response))
    response = write_api.post(
        "/api/v1/invitations",
        {"interview_id": interview.pk, "name": "A", "email": "a@example.com", "colour": "red"},
    )
    assert response.status_code == 422
    assert fields(response) == ["colour"]
    assert not Invitation.objects.exists()


def test_a_service_refusal_is_422_with_its_field(
    write_api: ApiClient, interview: Interview
) -> None:
    response = write_api.post(
        "/api/v1/invitations", {"interview_id": interview.pk, "name": "A", "email": "not-an-email"}
    )
    assert response.status_code == 422
    assert fields(response) == ["email"]


@override_settings(API_MAX_BODY=1000)
def test_an_oversize_body_is_413(write_api: ApiClient, interview: Interview) -> None:
    response = write_api.post(
        "/api/v1/invitations",
        {"interview_id": interview.pk, "name": "A" * 2000, "email": "a@example.com"},
    )
    assert response.status_code == 413
    assert fields(response) == ["body"]
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("cursor", ["garbage!", "eyJhZnRlciI6ICJ4In0", "bnVsbA"])
def test_a_bad_cursor_is_400(read_api: ApiClient, cursor: str) -> None:
    response = read_api.get("/api/v1/invitations", cursor=cursor)
    assert response.status_code == 400
    assert fields(response) == ["cursor"]


def test_a_bad_query_parameter_is_422(read_api: ApiClient) -> None:
    response = read_api.get("/api/v1/invitations", limit="many", status="lost")
    assert response.status_code == 422
    assert {"limit", "status"} <= set(fields(response))


def test_no_key_or_an_unknown_key_is_401(db: None) -> None:
    response = Client().get("/api/v1/interviews")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"] == PROBLEM
    assert ApiClient("ow_unknown").get("/api/v1/interviews").status_code == 401


def test_a_read_key_cannot_write(read_api: ApiClient, interview: Interview) -> None:
    response = read_api.post(
        "/api/v1/invitations", {"interview_id": interview.pk, "name": "A", "email": "a@example.com"}
    )
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert not Invitation.objects.exists()


def test_another_organisations_ids_are_404(
    write_api: ApiClient, other_org: Organisation, make_member: Callable[..., User]
) -> None:
    from isolation_objects import make_interview, make_invitation

    foreign = make_interview(other_org)
    invitation = make_invitation(foreign)
    assert write_api.get(f"/api/v1/interviews/{foreign.pk}").status_code == 404
    response = write_api.post(f"/api/v1/invitations/{invitation.pk}/revoke")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    invitation.refresh_from_db()
    assert invitation.status == "invited"


def test_unknown_paths_and_methods_are_problems(read_api: ApiClient) -> None:
    response = read_api.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    response = read_api.client.delete("/api/v1/interviews", headers=read_api.headers)
    assert response.status_code in (403, 405)
    assert response["Content-Type"] == PROBLEM


@override_settings(API_RATE_LIMIT=3)
def test_rate_limits_per_key_with_headers(
    org: Organisation, admin_user: User, make_key: Callable[..., Any]
) -> None:
    cache.clear()
    _key, first = make_key(org, admin_user, "read")
    _key, second = make_key(org, admin_user, "read")
    api = ApiClient(first)
    responses = [api.get("/api/v1/interviews") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert responses[0]["RateLimit-Policy"] == '"per-key";q=3;w=60'
    assert responses[0]["RateLimit"].startswith('"per-key";r=2;t=')
    limited = responses[-1]
    assert limited["Content-Type"] == PROBLEM
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert ApiClient(second).get("/api/v1/interviews").status_code == 200


def test_times_are_utc_iso_8601(read_api: ApiClient, invitation: Invitation) -> None:
    row = read_api.get(f"/api/v1/invitations/{invitation.pk}").json()
    assert row["deadline"].endswith("Z") and row["invited_at"].endswith("Z")


def test_a_time_without_offset_is_refused(write_api: ApiClient, invitation: Invitation) -> None:
    response = write_api.post(
        f"/api/v1/invitations/{invitation.pk}/extend", {"deadline": "2030-01-01T10:00:00"}
    )
    assert response.status_code == 422
    assert fields(response) == ["deadline"]


def test_guessing_keys_is_rate_limited_per_address(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oneway.api import gateway

    cache.clear()
    monkeypatch.setattr(gateway, "FAILED_AUTH_PER_MINUTE", 2)
    guesser = ApiClient("ow_guess")
    statuses = [guesser.get("/api/v1/interviews").status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
