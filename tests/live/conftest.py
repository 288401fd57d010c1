"""Fixtures for live interviews: interviewers, slot offers, a factory for live interviews."""

import datetime
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from oneway.accounts.models import User
from oneway.accounts.roles import Role
from oneway.core.models import Interview, Invitation, Organisation
from oneway.core.tokens import hash_token
from oneway.live.models import LiveInterview, SlotOffer
from oneway.live.services import live_interview_schedule, slot_offer_create

from .helpers import at

UTC = datetime.UTC


@pytest.fixture(autouse=True)
def live_tasks_inline() -> Iterator[None]:
    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


@pytest.fixture
def commit(
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]],
) -> Callable[[], AbstractContextManager[Any]]:
    """``with commit():`` runs the on-commit callbacks (the queued emails) at the end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def interviewer(org: Organisation, make_member: Callable[..., User]) -> User:
    user = make_member(org, Role.REVIEWER, email="ivy@example.com")
    user.name = "Ivy Interviewer"
    user.timezone = "America/New_York"
    user.save()
    return user


@pytest.fixture
def second_interviewer(org: Organisation, make_member: Callable[..., User]) -> User:
    user = make_member(org, Role.ADMIN, email="sam@example.com")
    user.name = "Sam Second"
    user.save()
    return user


@pytest.fixture
def position(org: Organisation) -> Interview:
    return Interview.objects.create(
        organisation=org, title="Backend engineer", contact_email="jobs@acme.test"
    )


@pytest.fixture
def invitation(org: Organisation, position: Interview) -> Invitation:
    return Invitation.objects.create(
        organisation=org,
        interview=position,
        name="Carol Candidate",
        email="carol@example.org",
        timezone="Europe/Paris",
        deadline=timezone.now() + datetime.timedelta(days=5),
        token_hash=hash_token(secrets.token_urlsafe(32)),
    )


@pytest.fixture
def make_live(
    org: Organisation, admin_user: User, interviewer: User
) -> Callable[..., LiveInterview]:
    def make(**overrides: Any) -> LiveInterview:
        fields: dict[str, Any] = {
            "organisation": org,
            "actor": admin_user,
            "title": "Technical interview",
            "interviewers": [interviewer],
            "meeting_url": "https://acme.zoom.us/j/123456789",
            "candidate_name": "Carol Candidate",
            "candidate_email": "carol@example.org",
            "candidate_timezone": "Europe/Paris",
            "duration_minutes": 45,
        }
        if "slot_offer" not in overrides:
            fields["starts_at"] = at()
        fields.update(overrides)
        return live_interview_schedule(**fields)

    return make


@pytest.fixture
def make_offer(org: Organisation, admin_user: User) -> Callable[..., SlotOffer]:
    def make(
        ranges: list[tuple[datetime.datetime, datetime.datetime]] | None = None, **overrides: Any
    ) -> SlotOffer:
        fields: dict[str, Any] = {
            "organisation": org,
            "actor": admin_user,
            "name": "Week 12 panel",
            "timezone_name": "Europe/London",
            "slot_minutes": 30,
            "buffer_minutes": 10,
            "minimum_notice_hours": 24,
            "ranges": ranges if ranges is not None else [(at(days=3, hour=9), at(days=3, hour=12))],
        }
        fields.update(overrides)
        return slot_offer_create(**fields)

    return make
