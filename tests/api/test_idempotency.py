"""Idempotency-Key on POST: a retry returns the first response and never acts twice."""

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from oneway.accounts.models import User
from oneway.api.models import IdempotencyRecord
from oneway.core.models import AuditEntry, Interview, Invitation, Organisation

from .conftest import ApiClient


def invite(api: ApiClient, interview: Interview, key: str, email: str = "grace@example.com") -> Any:
    return api.post(
        "/api/v1/invitations",
        {"interview_id": interview.pk, "name": "Grace Hopper", "email": email},
        headers={"Idempotency-Key": key},
    )


def test_a_retry_returns_the_first_response_and_invites_once(
    write_api: ApiClient, interview: Interview
) -> None:
    first = invite(write_api, interview, "attempt-1")
    again = invite(write_api, interview, "attempt-1")
    assert first.status_code == again.status_code == 201
    assert json.loads(first.content) == json.loads(again.content)
    assert again["Idempotent-Replayed"] == "true"
    assert Invitation.objects.count() == 1
    assert AuditEntry.objects.filter(action="invitation.created").count() == 1


def test_an_error_is_replayed_too(write_api: ApiClient, interview: Interview) -> None:
    first = invite(write_api, interview, "bad-1", email="nope")
    again = invite(write_api, interview, "bad-1", email="nope")
    assert first.status_code == again.status_code == 422
    assert first.content == again.content


def test_the_same_key_with_another_body_is_refused(
    write_api: ApiClient, interview: Interview
) -> None:
    assert invite(write_api, interview, "k").status_code == 201
    response = invite(write_api, interview, "k", email="other@example.com")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Invitation.objects.count() == 1


def test_keys_are_kept_per_api_key(
    org: Organisation, admin_user: User, make_key: Callable[..., Any], interview: Interview
) -> None:
    _k, first = make_key(org, admin_user, "write")
    _k, second = make_key(org, admin_user, "write")
    assert invite(ApiClient(first), interview, "same").status_code == 201
    response = invite(ApiClient(second), interview, "same", email="x@example.com")
    assert response.status_code == 201
    assert Invitation.objects.count() == 2


def test_a_key_still_in_progress_answers_409(
    write_api: ApiClient, interview: Interview, org: Organisation
) -> None:
    from oneway.api.models import ApiKey

    key = ApiKey.objects.get(organisation=org)
    body = json.dumps({"interview_id": interview.pk, "name": "G", "email": "g@example.com"})
    from hashlib import sha256

    digest = sha256()
    for part in ("POST", "/api/v1/invitations"):
        digest.update(part.encode() + b"\0")
    digest.update(body.encode())
    IdempotencyRecord.objects.create(api_key=key, key="busy", fingerprint=digest.hexdigest())
    response = write_api.post("/api/v1/invitations", body, headers={"Idempotency-Key": "busy"})
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_malformed_key_is_400(write_api: ApiClient, interview: Interview, key: str) -> None:
    response = invite(write_api, interview, key)
    assert response.status_code == 400
    assert not Invitation.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_invitation(
    org: Organisation, admin_user: User, make_key: Callable[..., Any]
) -> None:
    from django.db import connection
    from isolation_objects import make_interview

    interview = make_interview(org)
    _k, secret = make_key(org, admin_user, "write")
    statuses: list[int] = []

    def call() -> None:
        try:
            statuses.append(invite(ApiClient(secret), interview, "race").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Invitation.objects.count() == 1
    assert set(statuses) <= {201, 409} and 201 in statuses
