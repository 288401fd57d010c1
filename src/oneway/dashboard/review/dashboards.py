"""Overview across interviews, the reviewer's to-do list, one interview's dashboard, CSV."""

import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from oneway.access import access_interview, require, viewer_from, visible_interviews
from oneway.accounts.permissions import staff_view
from oneway.core.models import InvitationStatus
from oneway.core.templatetags.staff_times import zoned_text
from oneway.reviews.models import DecisionStatus, ReviewerAssignment
from oneway.reviews.selectors import (
    OPEN_STATUSES,
    PAGE_SIZES,
    SORTS,
    CandidateRow,
    DashboardFilters,
    dashboard_page,
)
from oneway.reviews.selectors import (
    overview as overview_selector,
)
from oneway.reviews.selectors import (
    todo as todo_selector,
)
from oneway.reviews.services import review_export_csv, reviewer_preferences_update
from oneway.reviews.thumbnails import duration_text

COLUMNS = [
    ("name", gettext_lazy("Candidate")),
    ("status", gettext_lazy("Status")),
    ("progress", gettext_lazy("Answers")),
    ("deadline", gettext_lazy("Deadline")),
    ("submitted", gettext_lazy("Submitted")),
    ("taken", gettext_lazy("Time taken")),
    ("reviews", gettext_lazy("Reviews")),
    ("rating", gettext_lazy("Mean rating")),
    ("decision", gettext_lazy("Decision")),
]


@staff_view("interviews.view")
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    data = overview_selector(viewer)
    return render(
        request,
        "dashboard/review/overview.html",
        {"overview": data, "statuses": InvitationStatus.choices, "now": timezone.now()},
    )


@staff_view("interviews.view")
@require_GET
def overview_partial(request: HttpRequest) -> HttpResponse:
    """The overview's summary alone, for pages that embed it (``_overview.html``)."""
    viewer = viewer_from(request)
    return render(
        request,
        "dashboard/review/_overview.html",
        {"review_overview": overview_selector(viewer), "statuses": InvitationStatus.choices},
    )


@staff_view("reviews.rate")
@require_http_methods(["GET", "POST"])
def todo(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    if request.method == "POST":
        wanted = request.POST.get("digest") == "on"
        reviewer_preferences_update(user=viewer.user, digest=wanted, request=request)
        messages.success(
            request,
            _("You will receive the daily digest.")
            if wanted
            else _("You will no longer receive the daily digest."),
        )
        return redirect("dashboard:review_todo")
    items = todo_selector(viewer)
    return render(
        request,
        "dashboard/review/todo.html",
        {
            "items": items,
            "digest_on": viewer.user.preferences.get("review_digest", True) is not False,
            "assigned": ReviewerAssignment.objects.filter(
                user=viewer.user, interview__in=visible_interviews(viewer)
            ).exists(),
        },
    )


def _when(moment: datetime.datetime | None) -> dict[str, str] | None:
    if moment is None:
        return None
    return {"iso": moment.isoformat(), "text": zoned_text(moment)}


def row_display(row: CandidateRow, now: datetime.datetime) -> dict[str, Any]:
    """Everything a dashboard row shows, formatted once here rather than in the template."""
    invitation = row.invitation
    left = ""
    urgent = False
    if invitation.status in OPEN_STATUSES:
        if invitation.deadline > now:
            left = _("%(time)s left") % {"time": timeuntil(invitation.deadline, now, depth=1)}
            urgent = invitation.deadline - now < datetime.timedelta(days=1)
        else:
            left = _("deadline passed")
            urgent = True
    return {
        "row": row,
        "url": reverse("dashboard:review_candidate", args=[invitation.pk]),
        "status": invitation.status,
        "status_label": row.status_label,
        "deadline": _when(invitation.deadline),
        "left": left,
        "urgent": urgent,
        "submitted": _when(invitation.completed_at),
        "taken": duration_text(row.time_taken),
        "mean": f"{row.rating_mean:.1f}" if row.rating_mean is not None else "",
    }


@staff_view("interviews.view")
@require_GET
def interview_dashboard(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    filters = DashboardFilters.from_query(request.GET)
    page = dashboard_page(viewer, interview, filters)
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    sort_query.pop("sort", None)
    sort_query.pop("page", None)
    columns = []
    for key, label in COLUMNS:
        sortable = key in page.sortable
        active = page.sort.lstrip("-") == key
        descending = page.sort.startswith("-")
        next_sort = key if (active and descending) else f"-{key}" if active else key
        if key in ("submitted", "rating", "reviews") and not active:
            next_sort = f"-{key}"
        columns.append(
            {
                "key": key,
                "label": label,
                "sortable": sortable,
                "active": active,
                "aria_sort": ("descending" if descending else "ascending") if active else "",
                "next_sort": next_sort,
            }
        )
    now = timezone.now()
    return render(
        request,
        "dashboard/review/dashboard.html",
        {
            "interview": interview,
            "dash": page,
            "rows": [row_display(row, now) for row in page.rows],
            "columns": columns,
            "statuses": InvitationStatus.choices,
            "decisions": DecisionStatus.choices,
            "page_sizes": PAGE_SIZES,
            "query_string": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "sees_all": viewer.sees_all,
            "can_export": viewer.can("exports.create"),
            "can_manage": viewer.can("interviews.edit"),
            "can_share": viewer.can("shares.manage"),
            "sort_keys": list(SORTS),
            "now": timezone.now(),
        },
    )


@staff_view("interviews.view")
@require_GET
def export_csv(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    require(viewer, "exports.create")
    content = review_export_csv(interview=interview, viewer=viewer, request=request)
    filename = f"{slugify(interview.title) or 'interview'}-results-{timezone.now():%Y%m%d}.csv"
    # The byte order mark tells Excel the file is UTF-8 ("José", not "JosÃ©").
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
