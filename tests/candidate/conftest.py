"""Fixtures of the candidate flow: an interview with questions, an invitation and its link,
and a browser session that has opened the link.

    link = make_candidate(questions=["video", "audio", "text"], practice_enabled=False)
    client = enter(link)             # a Django test Client holding the candidate's session

The factory is ``oneway.candidate.testing.create_candidate`` (usable from any area's tests).
For a completed candidate with real recorded answers (browser-made), see
``tests/e2e/conftest.py::completed_candidate``.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from oneway.accounts.models import User
from oneway.candidate.testing import CandidateLink, create_candidate
from oneway.core.models import Organisation


@pytest.fixture
def make_candidate(org: Organisation, admin_user: User) -> Callable[..., CandidateLink]:
    def make(**kwargs: Any) -> CandidateLink:
        kwargs.setdefault("actor", admin_user)
        return create_candidate(org, **kwargs)

    return make


@pytest.fixture
def enter() -> Callable[[CandidateLink], Client]:
    """A client that opened the candidate's link (holds the session)."""

    def open_link(link: CandidateLink) -> Client:
        client = Client()
        response = client.get(link.path)
        assert response.status_code == 302, response.status_code
        return client

    return open_link
