"""The audit log (read): who did what, when."""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from oneway.access import require, visible_audit_entries, visible_interviews
from oneway.api.common import CURSOR_DESCRIPTION, Id, Limit, Page, UtcDateTime, utc, viewer_of
from oneway.api.pagination import DEFAULT_LIMIT, page

router = Router(tags=["Audit events"])


class AuditEventOut(Schema):
    id: int
    action: str
    actor: str
    object_type: str
    object_id: str
    interview_id: int | None
    invitation_id: int | None
    data: dict[str, Any]
    created_at: datetime.datetime


class AuditFilters(Schema):
    interview: Id | None = None
    invitation: Id | None = None
    action: str | None = Field(None, max_length=100, pattern=r"^[a-z_.]+$")
    since: UtcDateTime | None = Field(None, description="Only events at or after this time.")
    cursor: str | None = Field(None, max_length=200, description=CURSOR_DESCRIPTION)
    limit: Limit = DEFAULT_LIMIT


IDENTITY_KEYS = ("name", "email", "candidate", "candidate_name", "candidate_email")


def _without_identity(data: dict[str, Any]) -> dict[str, Any]:
    """Blind interviews: the candidate's name and email stay out of the events."""
    return {key: value for key, value in data.items() if key not in IDENTITY_KEYS}


@router.get("/audit-events", response=Page[AuditEventOut], summary="List audit events")
def list_audit_events(request: HttpRequest, filters: Query[AuditFilters]) -> Page[AuditEventOut]:
    viewer = viewer_of(request)
    require(viewer, "audit.view")
    entries = visible_audit_entries(viewer)
    if filters.interview is not None:
        entries = entries.filter(interview_id=filters.interview)
    if filters.invitation is not None:
        entries = entries.filter(invitation_id=filters.invitation)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.since is not None:
        entries = entries.filter(created_at__gte=filters.since)
    rows, next_cursor = page(entries, cursor=filters.cursor, limit=filters.limit)
    blind = set(visible_interviews(viewer).filter(blind_mode=True).values_list("pk", flat=True))
    return Page[AuditEventOut](
        data=[
            AuditEventOut(
                id=e.pk,
                action=e.action,
                actor=e.actor_label,
                object_type=e.object_type,
                object_id=e.object_id,
                interview_id=e.interview_id,
                invitation_id=e.invitation_id,
                data=_without_identity(e.data) if e.interview_id in blind else e.data,
                created_at=utc(e.created_at),  # type: ignore[arg-type]
            )
            for e in rows
        ],
        next_cursor=next_cursor,
    )
