"""The audit log, for the whole organisation, one interview or one candidate."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from oneway.accounts.permissions import staff_view
from oneway.core.models import AuditEntry
from oneway.core.selectors import audit_entries, interview_for_org, invitation_for_org

PER_PAGE = 50
ACTION_GROUPS = [
    "interview.",
    "question.",
    "invitation.",
    "member.",
    "library.",
    "answer.",
    "media.",
    "review.",
    "decision.",
    "live.",
    "candidate.",
]


def _render(
    request: HttpRequest, entries: QuerySet[AuditEntry], context: dict[str, Any]
) -> HttpResponse:
    prefix = request.GET.get("action", "")
    if prefix in ACTION_GROUPS:
        entries = entries.filter(action__startswith=prefix)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/audit.html",
        {**context, "page": page, "groups": ACTION_GROUPS, "action_filter": prefix},
    )


@staff_view("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    entries = audit_entries(request.org)  # type: ignore[attr-defined]
    return _render(request, entries, {"scope": "organisation"})


@staff_view("audit.view")
def interview_audit(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = interview_for_org(request.org, interview_id)  # type: ignore[attr-defined]
    entries = audit_entries(request.org, interview_id=interview.pk)  # type: ignore[attr-defined]
    return _render(request, entries, {"scope": "interview", "interview": interview})


@staff_view("audit.view")
def invitation_audit(request: HttpRequest, interview_id: int, invitation_id: int) -> HttpResponse:
    invitation = invitation_for_org(request.org, interview_id, invitation_id)  # type: ignore[attr-defined]
    entries = audit_entries(request.org, invitation_id=invitation.pk)  # type: ignore[attr-defined]
    return _render(
        request,
        entries,
        {"scope": "invitation", "interview": invitation.interview, "invitation": invitation},
    )
