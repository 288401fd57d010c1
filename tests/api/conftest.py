"""API fixtures: keys of each scope, a client that sends them, interviews with candidates."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from isolation_objects import make_interview, make_invitation

from oneway.accounts.models import User
from oneway.api.models import ApiKey
from oneway.api.services import api_key_create
from oneway.core.models import Interview, Invitation, Organisation


class ApiClient:
    """A Django test client that sends an API key and JSON."""

    def __init__(self, secret: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        import json

        data = body if isinstance(body, (str, bytes)) else json.dumps(body or {})
        return self.client.post(
            path, data, content_type="application/json", headers={**self.headers, **(headers or {})}
        )


@pytest.fixture
def make_key(db: None) -> Callable[..., tuple[ApiKey, str]]:
    def make(
        org: Organisation,
        creator: User,
        scope: str = "write",
        interviews: list[Interview] = (),  # type: ignore[assignment]
    ) -> tuple[ApiKey, str]:
        return api_key_create(
            organisation=org, actor=creator, name=f"{scope} key", scope=scope, interviews=interviews
        )

    return make


@pytest.fixture
def interview(org: Organisation) -> Interview:
    return make_interview(org, title="Support engineer")


@pytest.fixture
def invitation(interview: Interview) -> Invitation:
    return make_invitation(interview, name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def write_api(org: Organisation, admin_user: User, make_key: Callable[..., Any]) -> ApiClient:
    _key, secret = make_key(org, admin_user, "write")
    return ApiClient(secret)


@pytest.fixture
def read_api(org: Organisation, admin_user: User, make_key: Callable[..., Any]) -> ApiClient:
    _key, secret = make_key(org, admin_user, "read")
    return ApiClient(secret)
