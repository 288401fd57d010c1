"""Invitations: each is one candidate of one interview, with status and timestamps.

Create one, create many (a result per row), resend, extend the deadline, revoke.
In a blind interview the candidate's name is the alias and the email is null.
"""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from oneway.access import (
    access_interview,
    access_invitation,
    candidate_label,
    require,
    visible_invitations,
)
from oneway.api.common import (
    CURSOR_DESCRIPTION,
    UPDATED_SINCE_DESCRIPTION,
    Id,
    Input,
    Limit,
    Page,
    UtcDateTime,
    utc,
    viewer_of,
)
from oneway.api.pagination import DEFAULT_LIMIT, page
from oneway.api.problems import Problem, field_error, from_django
from oneway.core.languages import invitation_language
from oneway.core.models import AuditEntry, Invitation, InvitationStatus
from oneway.core.services.invitations import (
    invitation_create,
    invitation_extend,
    invitation_resend,
    invitation_revoke,
)

router = Router(tags=["Invitations"])

MAX_BULK = 500


class InvitationOut(Schema):
    id: int
    interview_id: int
    name: str = Field(description="The alias in a blind interview.")
    email: str | None = Field(description="Null in a blind interview.")
    timezone: str
    language: str = Field(
        description="The language the candidate reads (the invitation's, else its interview's)."
    )
    status: str
    deadline: datetime.datetime
    invited_at: datetime.datetime
    last_sent_at: datetime.datetime | None
    opened_at: datetime.datetime | None
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    expired_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    updated_at: datetime.datetime = Field(
        description="The latest change recorded for the candidate in the audit log."
    )
    decision: str


def with_updated_at(invitations: QuerySet[Invitation]) -> QuerySet[Invitation]:
    latest = (
        AuditEntry.objects.filter(invitation_id=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return invitations.annotate(
        api_updated_at=Coalesce(Subquery(latest, output_field=DateTimeField()), "invited_at")
    ).select_related("interview", "decision")


def invitation_out(invitation: Invitation) -> InvitationOut:
    blind = invitation.interview.blind_mode
    decision = getattr(invitation, "decision", None)
    updated = getattr(invitation, "api_updated_at", None) or invitation.invited_at
    return InvitationOut(
        id=invitation.pk,
        interview_id=invitation.interview_id,
        name=candidate_label(None, invitation),
        email=None if blind else invitation.email,
        timezone=invitation.timezone,
        language=invitation_language(invitation),
        status=invitation.status,
        deadline=utc(invitation.deadline),  # type: ignore[arg-type]
        invited_at=utc(invitation.invited_at),  # type: ignore[arg-type]
        last_sent_at=utc(invitation.last_sent_at),
        opened_at=utc(invitation.opened_at),
        started_at=utc(invitation.started_at),
        completed_at=utc(invitation.completed_at),
        expired_at=utc(invitation.expired_at),
        revoked_at=utc(invitation.revoked_at),
        updated_at=utc(updated),  # type: ignore[arg-type]
        decision=decision.status if decision is not None else "new",
    )


def _reload(invitation_id: int) -> InvitationOut:
    return invitation_out(with_updated_at(Invitation.objects.filter(pk=invitation_id)).get())


class InvitationFilters(Schema):
    interview: Id | None = Field(None, description="Only this interview's invitations.")
    status: InvitationStatus | None = None
    updated_since: UtcDateTime | None = Field(None, description=UPDATED_SINCE_DESCRIPTION)
    cursor: str | None = Field(None, max_length=200, description=CURSOR_DESCRIPTION)
    limit: Limit = DEFAULT_LIMIT


@router.get("/invitations", response=Page[InvitationOut], summary="List invitations (candidates)")
def list_invitations(
    request: HttpRequest, filters: Query[InvitationFilters]
) -> Page[InvitationOut]:
    invitations = visible_invitations(viewer_of(request))
    if filters.interview is not None:
        invitations = invitations.filter(interview_id=filters.interview)
    if filters.status is not None:
        invitations = invitations.filter(status=filters.status)
    if filters.updated_since is not None:
        since = filters.updated_since
        changed = AuditEntry.objects.filter(invitation_id=OuterRef("pk"), created_at__gte=since)
        invitations = invitations.filter(Exists(changed)) | invitations.filter(
            invited_at__gte=since
        )
    rows, next_cursor = page(
        with_updated_at(invitations), cursor=filters.cursor, limit=filters.limit
    )
    return Page[InvitationOut](data=[invitation_out(i) for i in rows], next_cursor=next_cursor)


class InvitationIn(Input):
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254)
    timezone: str | None = Field(
        None, max_length=64, description="IANA name; the organisation's by default."
    )
    deadline: UtcDateTime | None = Field(
        None, description="Overrides the interview's deadline policy (with an offset or Z)."
    )
    language: str = Field(
        "",
        max_length=16,
        description="What the candidate reads: one of the shipped language codes (en, de, fr, "
        "es, nl, pt-br, pl, ar); empty: the interview's language.",
    )
    send: bool = Field(True, description="Email the invitation now.")


class CreateInvitationIn(InvitationIn):
    interview_id: Id


def _invite(request: HttpRequest, interview_id: int, row: InvitationIn) -> Invitation:
    viewer = viewer_of(request)
    interview = access_interview(viewer, interview_id)
    require(viewer, "invitations.manage")
    invitation, _token = invitation_create(
        interview=interview,
        name=row.name,
        email=row.email,
        timezone=row.timezone,
        deadline=row.deadline,
        language=row.language,
        actor=viewer.user,
        request=request,
        send=row.send,
        source="api",
    )
    return invitation


@router.post("/invitations", response={201: InvitationOut}, summary="Invite a candidate")
def create_invitation(request: HttpRequest, body: CreateInvitationIn) -> Status[InvitationOut]:
    invitation = _invite(request, body.interview_id, body)
    return Status(201, _reload(invitation.pk))


class BulkIn(Input):
    interview_id: Id
    invitations: list[InvitationIn] = Field(min_length=1, max_length=MAX_BULK)


class RowError(Schema):
    field: str
    detail: str


class BulkRow(Schema):
    index: int
    result: Literal["created", "error"]
    invitation: InvitationOut | None = None
    errors: list[RowError] = []


class BulkOut(Schema):
    created: int
    failed: int
    results: list[BulkRow]


@router.post(
    "/invitations/bulk",
    response=BulkOut,
    summary="Invite many candidates (a result per row)",
    description="Each row succeeds or fails on its own; a failed row leaves nothing behind.",
)
def create_invitations(request: HttpRequest, body: BulkIn) -> BulkOut:
    viewer = viewer_of(request)
    access_interview(viewer, body.interview_id)  # 404 before any row
    require(viewer, "invitations.manage")
    results: list[BulkRow] = []
    for index, row in enumerate(body.invitations):
        try:
            invitation = _invite(request, body.interview_id, row)
        except ValidationError as exc:
            problem = from_django(exc)
            errors = problem.errors or [field_error("", problem.detail)]
            results.append(
                BulkRow(index=index, result="error", errors=[RowError(**e) for e in errors])
            )
        except Problem as problem:
            errors = problem.errors or [field_error("", problem.detail or problem.title)]
            results.append(
                BulkRow(index=index, result="error", errors=[RowError(**e) for e in errors])
            )
        else:
            results.append(
                BulkRow(index=index, result="created", invitation=_reload(invitation.pk))
            )
    created = sum(1 for row in results if row.result == "created")
    return BulkOut(created=created, failed=len(results) - created, results=results)


@router.get("/invitations/{invitation_id}", response=InvitationOut, summary="Get an invitation")
def get_invitation(request: HttpRequest, invitation_id: Id) -> InvitationOut:
    invitation = access_invitation(viewer_of(request), invitation_id)
    return _reload(invitation.pk)


def _managed(request: HttpRequest, invitation_id: int) -> Invitation:
    viewer = viewer_of(request)
    invitation = access_invitation(viewer, invitation_id)
    require(viewer, "invitations.manage")
    return invitation


@router.post(
    "/invitations/{invitation_id}/resend",
    response=InvitationOut,
    summary="Email the invitation again",
)
def resend_invitation(request: HttpRequest, invitation_id: Id) -> InvitationOut:
    invitation = _managed(request, invitation_id)
    invitation_resend(invitation=invitation, actor=viewer_of(request).user, request=request)
    return _reload(invitation.pk)


class ExtendIn(Input):
    deadline: UtcDateTime = Field(description="The new deadline (with an offset or Z).")
    notify: bool = Field(True, description="Email the candidate the new deadline.")


@router.post(
    "/invitations/{invitation_id}/extend",
    response=InvitationOut,
    summary="Move the deadline later",
)
def extend_invitation(request: HttpRequest, invitation_id: Id, body: ExtendIn) -> InvitationOut:
    invitation = _managed(request, invitation_id)
    invitation_extend(
        invitation=invitation,
        deadline=body.deadline,
        notify=body.notify,
        actor=viewer_of(request).user,
        request=request,
    )
    return _reload(invitation.pk)


@router.post(
    "/invitations/{invitation_id}/revoke",
    response=InvitationOut,
    summary="Withdraw the invitation",
)
def revoke_invitation(request: HttpRequest, invitation_id: Id) -> InvitationOut:
    invitation = _managed(request, invitation_id)
    invitation_revoke(invitation=invitation, actor=viewer_of(request).user, request=request)
    return _reload(invitation.pk)
