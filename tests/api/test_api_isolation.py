"""Every API operation, walked from the served OpenAPI document, against objects the key
may not see: another organisation's ids answer 404, a read key cannot write (403), a key
limited to one interview sees nothing of another (404, and lists leave them out).

A new operation with a path parameter or a request body this file does not know fails
``test_every_operation_is_covered``: add its parameter to ``objects_in`` or its body to
``BODIES``.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from isolation_objects import FOREIGN_MARKER, make_interview, make_invitation

from oneway.accounts.models import User
from oneway.api.v1 import api
from oneway.core.models import Answer, AuditEntry, Interview, Membership, Organisation, Take
from oneway.live.models import LiveInterview, SlotOffer
from oneway.media.models import MediaItem

from .conftest import ApiClient


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # with {placeholders}
    params: tuple[str, ...]
    has_body: bool

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations() -> list[Operation]:
    schema = api.get_openapi_schema()
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            params = tuple(p["name"] for p in operation.get("parameters", []) if p["in"] == "path")
            found.append(Operation(method, path, params, "requestBody" in operation))
    return found


OPERATIONS = operations()


def objects_in(interview: Interview, marker: str = "") -> dict[str, int]:
    """An invitation and a submitted answer with media in ``interview``."""
    invitation = make_invitation(interview, name=f"{marker} candidate")
    answer = Answer.objects.create(
        invitation=invitation,
        question=interview.questions.first(),
        submitted_at=timezone.now(),
    )
    item = MediaItem.objects.create(
        organisation=interview.organisation,
        original_name=f"originals/{answer.pk}.webm",
        rendition_name=f"renditions/{answer.pk}.mp4",
        state="ready",
        transcript_text=f"{marker} said hello",
    )
    answer.submitted_take = Take.objects.create(answer=answer, number=1, media=item)
    answer.save(update_fields=["submitted_take"])
    AuditEntry.objects.create(
        organisation=interview.organisation,
        action="interview.updated",
        interview_id=interview.pk,
        invitation_id=invitation.pk,
        data={"title": marker},
    )
    live = LiveInterview.objects.create(
        organisation=interview.organisation,
        interview=interview,
        title=f"{marker} live",
        meeting_url="https://meet.example.com/abc",
        candidate_name=f"{marker} candidate",
        candidate_email="live@example.com",
        candidate_timezone="UTC",
    )
    offer = SlotOffer.objects.create(organisation=interview.organisation, name=f"{marker} offer")
    member = Membership.objects.filter(organisation=interview.organisation).first()
    return {
        "interview_id": interview.pk,
        "invitation_id": invitation.pk,
        "answer_id": answer.pk,
        "live_interview_id": live.pk,
        "slot_offer_id": offer.pk,
        "user_id": member.user_id if member else 0,
    }


SIBLING_MARKER = "Sibling-4K"


def _future(hours: int = 0) -> str:
    moment = timezone.now() + datetime.timedelta(days=30, hours=hours)
    return moment.replace(minute=0, second=0, microsecond=0).isoformat()


BODIES: dict[str, Callable[[dict[str, int]], Any]] = {
    "POST /api/v1/interviews": lambda o: {"title": "Role", "contact_email": "jobs@acme.test"},
    "POST /api/v1/invitations": lambda o: {
        "interview_id": o["interview_id"],
        "name": "New Person",
        "email": "new.person@example.com",
    },
    "POST /api/v1/invitations/bulk": lambda o: {
        "interview_id": o["interview_id"],
        "invitations": [{"name": "Bulk Person", "email": "bulk@example.com"}],
    },
    "POST /api/v1/invitations/{invitation_id}/extend": lambda o: {"deadline": _future()},
    "POST /api/v1/invitations/{invitation_id}/decision": lambda o: {"status": "shortlisted"},
    "POST /api/v1/live-interviews": lambda o: {
        "title": "Second round",
        "interviewer_ids": [o["user_id"]],
        "meeting_url": "https://meet.example.com/xyz",
        "candidate_name": "Live Person",
        "candidate_email": "live.person@example.com",
        "candidate_timezone": "UTC",
        "starts_at": _future(),
        "interview_id": o["interview_id"],
    },
    "POST /api/v1/slot-offers": lambda o: {
        "name": "Next week",
        "timezone": "UTC",
        "ranges": [{"starts_at": _future(), "ends_at": _future(hours=3)}],
    },
}
# Operations that act on no existing object: nothing foreign to find.
NO_OBJECT = {"POST /api/v1/interviews", "POST /api/v1/slot-offers"}


def call(client: ApiClient, op: Operation, objects: dict[str, int]) -> Any:
    path = op.path.format(**{name: objects[name] for name in op.params})
    if op.method == "get":
        return client.get(path)
    body = BODIES[str(op)](objects) if op.has_body else None
    return client.post(path, body)


def test_the_walk_finds_the_operations() -> None:
    names = {str(op) for op in OPERATIONS}
    assert "GET /api/v1/invitations/{invitation_id}/answers" in names
    assert len(OPERATIONS) >= 15


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_every_operation_is_covered(op: Operation) -> None:
    known = {"interview_id", "invitation_id", "answer_id", "live_interview_id", "slot_offer_id"}
    assert set(op.params) <= known, f"{op}: add {set(op.params) - known} to objects_in"
    assert op.method in ("get", "post"), f"{op}: teach this test the method"
    if op.has_body:
        assert str(op) in BODIES, f"{op}: add a valid body to BODIES"


@dataclass
class World:
    own: dict[str, int]
    foreign: dict[str, int]
    sibling: dict[str, int]  # same organisation, another interview
    write: ApiClient
    read: ApiClient
    limited: ApiClient


@pytest.fixture
def world(
    org: Organisation,
    other_org: Organisation,
    admin_user: User,
    make_key: Callable[..., Any],
    make_member: Callable[..., User],
) -> World:
    make_member(other_org)
    mine = make_interview(org, title="Mine")
    sibling = make_interview(org, title=f"{SIBLING_MARKER} sibling")
    foreign = make_interview(other_org, title=f"{FOREIGN_MARKER} foreign")
    _k, write = make_key(org, admin_user, "write")
    _k, read = make_key(org, admin_user, "read")
    _k, limited = make_key(org, admin_user, "write", [mine])
    return World(
        own=objects_in(mine),
        foreign=objects_in(foreign, FOREIGN_MARKER),
        sibling=objects_in(sibling, SIBLING_MARKER),
        write=ApiClient(write),
        read=ApiClient(read),
        limited=ApiClient(limited),
    )


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_operation_is_isolated(op: Operation, world: World) -> None:
    writes = op.method != "get"
    if writes:
        response = call(world.read, op, world.own)
        assert response.status_code == 403, (str(op), "read key", response.content)
    if not op.params and str(op) not in BODIES:  # a list
        for client, hidden in (
            (world.write, (FOREIGN_MARKER,)),
            (world.limited, (FOREIGN_MARKER, SIBLING_MARKER)),
        ):
            response = call(client, op, world.own)
            assert response.status_code == 200, (str(op), response.content)
            for marker in hidden:
                assert marker not in response.content.decode(), f"{op} shows {marker}"
        assert SIBLING_MARKER in call(world.write, op, world.own).content.decode(), str(op)
        return
    if str(op) in NO_OBJECT:
        response = call(world.limited, op, world.own)
        assert response.status_code == 403, (str(op), "limited key", response.content)
        assert call(world.write, op, world.own).status_code < 300, str(op)
        return
    for client, objects, who in (
        (world.write, world.foreign, "another organisation"),
        (world.read, world.foreign, "another organisation"),
        (world.limited, world.sibling, "another interview"),
    ):
        if writes and client is world.read:
            continue
        response = call(client, op, objects)
        assert response.status_code == 404, (str(op), who, response.status_code, response.content)
        assert response["Content-Type"] == "application/problem+json"
    response = call(world.write, op, world.own)
    assert response.status_code < 300, (str(op), "own objects", response.content)


def test_nothing_was_written_through_a_refused_call(world: World) -> None:
    for op in OPERATIONS:
        if op.method == "post" and str(op) not in NO_OBJECT:
            call(world.write, op, world.foreign)
            call(world.limited, op, world.sibling)
    from oneway.core.models import Invitation
    from oneway.reviews.models import Decision

    assert not Invitation.objects.filter(name__in=["New Person", "Bulk Person"]).exists()
    assert not LiveInterview.objects.filter(candidate_name="Live Person").exists()
    assert not Decision.objects.exists()
    assert not Invitation.objects.filter(status="revoked").exists()


def test_a_client_without_a_key_gets_401_everywhere(world: World) -> None:
    anonymous = Client()
    for op in OPERATIONS:
        path = op.path.format(**{name: world.own[name] for name in op.params})
        response = getattr(anonymous, op.method)(path)
        assert response.status_code == 401, str(op)
