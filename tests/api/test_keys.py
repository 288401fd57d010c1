"""API keys: created on the settings page, shown once, stored hashed, scoped, revocable."""

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.api.models import ApiKey
from oneway.core.models import AuditEntry, Interview, Membership, Organisation

from .conftest import ApiClient

KEYS_URL = "/app/integrations/"


def test_an_admin_creates_a_key_that_is_shown_once_and_stored_hashed(
    admin_client: Client, interview: Interview
) -> None:
    response = admin_client.post(
        reverse("dashboard:api_key_create"),
        {"name": "Greenhouse", "scope": "write", "interviews": [interview.pk]},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = re.search(rb'value="(ow_[A-Za-z0-9_-]+)"', response.content).group(1).decode()
    assert len(secret) >= 3 + 43  # 256 bits in base64url
    key = ApiKey.objects.get()
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiKey.objects.values().get())
    assert list(key.interviews.all()) == [interview]
    listing = admin_client.get(KEYS_URL)
    assert secret.encode() not in listing.content
    assert key.prefix.encode() in listing.content
    assert ApiClient(secret).get("/api/v1/interviews").status_code == 200


def test_the_form_rerenders_with_errors(admin_client: Client) -> None:
    response = admin_client.post(reverse("dashboard:api_key_create"), {"name": "", "scope": "x"})
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not ApiKey.objects.exists()


def test_reviewers_cannot_manage_keys(reviewer_client: Client) -> None:
    assert reviewer_client.get(KEYS_URL).status_code == 403
    response = reviewer_client.post(
        reverse("dashboard:api_key_create"), {"name": "x", "scope": "write"}
    )
    assert response.status_code == 403


def test_a_revoked_key_answers_401_and_the_list_shows_last_use(
    admin_client: Client, org: Organisation, admin_user: User, make_key: Callable[..., Any]
) -> None:
    key, secret = make_key(org, admin_user, "read")
    api = ApiClient(secret)
    api.client.defaults["REMOTE_ADDR"] = "203.0.113.7"
    assert api.get("/api/v1/interviews").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_ip == "203.0.113.7"
    assert b"203.0.113.7" in admin_client.get(KEYS_URL).content
    admin_client.post(reverse("dashboard:api_key_revoke", args=[key.pk]))
    response = api.get("/api/v1/interviews")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "This API key is not valid."
    assert AuditEntry.objects.filter(action="api_key.revoked", object_id=str(key.pk)).exists()


def test_a_key_stops_working_when_its_creator_is_no_longer_an_admin(
    org: Organisation, admin_user: User, make_key: Callable[..., Any]
) -> None:
    _key, secret = make_key(org, admin_user, "write")
    Membership.objects.filter(user=admin_user).update(role=Role.REVIEWER)
    response = ApiClient(secret).get("/api/v1/interviews")
    assert response.status_code == 401
    assert "no longer an owner or admin" in response.json()["detail"]


def test_writes_name_the_key_in_the_audit_log(
    org: Organisation, admin_user: User, make_key: Callable[..., Any], interview: Interview
) -> None:
    key, secret = make_key(org, admin_user, "write")
    response = ApiClient(secret).post(
        "/api/v1/invitations",
        {"interview_id": interview.pk, "name": "Grace Hopper", "email": "grace@example.com"},
    )
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(action="invitation.created")
    assert entry.actor == admin_user
    assert entry.actor_label == f"api-key:{key.pk}"
    assert entry.data["api_key"] == key.pk
