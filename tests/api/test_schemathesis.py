"""schemathesis against the served OpenAPI document, with a real key (bounded examples):
no server errors, no response that breaks the document (status, content type, schema)."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from oneway.api.services import api_key_create
from oneway.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def connection_kept(db: None) -> Iterator[None]:
    # Like Django's test client: the test's database connection stays open across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_secret(org: Any, admin_user: Any, connection_kept: None) -> str:
    from isolation_objects import _answer, make_interview

    make_interview(org, title="Schema interview")
    _answer(org)  # an interview, a candidate and an answer to find
    _key, secret = api_key_create(organisation=org, actor=admin_user, name="st", scope="write")
    return secret


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_document(case: Any, api_secret: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_secret}"}, checks=CHECKS)
