"""The audit log, for the whole organisation, one interview or one candidate."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from oneway.access import (
    access_interview,
    access_invitation,
    audit_rows,
    candidate_identity,
    viewer_from,
    visible_audit_entries,
)
from oneway.accounts.permissions import staff_view
from oneway.core.models import AuditEntry
from oneway.core.selectors import audit_entries

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
    rows = audit_rows(viewer_from(request), page.object_list)
    return render(
        request,
        "dashboard/audit.html",
        {**context, "page": page, "rows": rows, "groups": ACTION_GROUPS, "action_filter": prefix},
    )


@staff_view("audit.view")
def audit(request: HttpRequest) -> HttpResponse:
    entries = audit_entries(visible_audit_entries(viewer_from(request)))
    return _render(request, entries, {"scope": "organisation"})


@staff_view("audit.view")
def interview_audit(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    entries = audit_entries(visible_audit_entries(viewer), interview_id=interview.pk)
    return _render(request, entries, {"scope": "interview", "interview": interview})


@staff_view("audit.view")
def invitation_audit(request: HttpRequest, interview_id: int, invitation_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id)
    if invitation.interview_id != interview_id:
        raise Http404
    entries = audit_entries(visible_audit_entries(viewer), invitation_id=invitation.pk)
    return _render(
        request,
        entries,
        {
            "scope": "invitation",
            "interview": invitation.interview,
            "invitation": invitation,
            "identity": candidate_identity(viewer, invitation),
        },
    )
