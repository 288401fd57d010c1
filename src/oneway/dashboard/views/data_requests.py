"""People's data requests (owners and admins): find a person by email across the
organisation's interviews, export or erase their data, retention runs and legal holds."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oneway.access import (
    access_data_request,
    access_interview,
    candidate_label,
    viewer_from,
    visible_data_requests,
    visible_interviews,
)
from oneway.accounts.permissions import staff_view
from oneway.core.models import DataRequest, Invitation
from oneway.core.services.data_exports import EXPORT_KEEP_DAYS, data_export_downloaded
from oneway.core.services.data_requests import (
    data_request_close,
    data_request_erase,
    data_request_export,
    data_request_open,
    person_invitations,
    person_live_interviews,
)
from oneway.core.services.retention import (
    legal_hold_set,
    retention_days_for,
    retention_preview,
    retention_run,
)

PERMISSION = "data_requests.manage"


@staff_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def data_request_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    email = request.GET.get("email", "").strip()
    error = ""
    if request.method == "POST":
        try:
            data_request = data_request_open(
                viewer=viewer,
                email=request.POST.get("email", ""),
                note=request.POST.get("note", ""),
                request=request,
            )
        except ValidationError as exc:
            error = exc.messages[0]
            email = request.POST.get("email", "").strip()
        else:
            return redirect("dashboard:data_request_detail", data_request.pk)
    found = person_invitations(viewer, email) if email else []
    interviews = list(visible_interviews(viewer).select_related("organisation"))
    return render(
        request,
        "dashboard/data_requests.html",
        {
            "requests": visible_data_requests(viewer).select_related("created_by")[:200],
            "email": email,
            "found": [(inv, candidate_label(viewer, inv)) for inv in found],
            "error": error,
            "now": timezone.now(),
            "preview": retention_preview(organisation=viewer.org),
            "interviews": [(i, retention_days_for(i)) for i in interviews],
        },
        status=400 if error else 200,
    )


@staff_view(PERMISSION)
@require_GET
def data_request_detail(request: HttpRequest, data_request_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    data_request = access_data_request(viewer, data_request_id)
    invitations = person_invitations(viewer, data_request.email)
    return render(
        request,
        "dashboard/data_request_detail.html",
        {
            "data_request": data_request,
            "found": [(inv, candidate_label(viewer, inv)) for inv in invitations],
            "export": data_request.export,
            "live_count": person_live_interviews(viewer, data_request.email),
            "now": timezone.now(),
        },
    )


@staff_view(PERMISSION)
@require_POST
def data_request_action(request: HttpRequest, data_request_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    data_request = access_data_request(viewer, data_request_id)
    action = request.POST.get("action")
    if action == "export":
        try:
            data_request_export(viewer=viewer, data_request=data_request, request=request)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("The ZIP is being prepared; reload to download it."))
    elif action == "erase":
        if request.POST.get("confirm") != "erase":
            messages.error(request, _("Tick the box to confirm the erasure."))
        else:
            outcome = data_request_erase(viewer=viewer, data_request=data_request, request=request)
            messages.success(
                request,
                ngettext("%(n)d invitation erased.", "%(n)d invitations erased.", outcome.erased)
                % {"n": outcome.erased},
            )
            if outcome.held:
                messages.error(
                    request,
                    _("Under a legal hold, not erased: %(list)s. Lift the hold first.")
                    % {"list": ", ".join(inv.interview.title for inv in outcome.held)},
                )
    elif action in ("hold", "release"):
        invitation = _found_invitation(request, data_request)
        legal_hold_set(
            invitation=invitation,
            on=action == "hold",
            note=request.POST.get("note", ""),
            actor=request.user,
            request=request,
        )
    elif action == "close":
        data_request_close(viewer=viewer, data_request=data_request, request=request)
    else:
        messages.error(request, _("Unknown action."))
    return redirect("dashboard:data_request_detail", data_request.pk)


def _found_invitation(request: HttpRequest, data_request: DataRequest) -> Invitation:
    """One of the person's invitations, named in the form (through the gate)."""
    viewer = viewer_from(request)
    try:
        invitation_id = int(request.POST.get("invitation", ""))
    except ValueError:
        raise Http404() from None
    for invitation in person_invitations(viewer, data_request.email):
        if invitation.pk == invitation_id:
            return invitation
    raise Http404()


@staff_view(PERMISSION)
@require_GET
def data_request_download(request: HttpRequest, data_request_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    data_request = access_data_request(viewer, data_request_id)
    export = data_request.export
    if export is None or not export.is_downloadable:
        return render(
            request,
            "dashboard/data_export_gone.html",
            {"keep_days": EXPORT_KEEP_DAYS},
            status=410,
        )
    data_export_downloaded(export=export, request=request)
    return FileResponse(  # type: ignore[return-value]  # a streaming HttpResponse
        default_storage.open(export.storage_name, "rb"),
        as_attachment=True,
        filename=f"data-request-{data_request.pk}.zip",
        content_type="application/zip",
    )


@staff_view(PERMISSION)
@require_POST
def retention_run_now(request: HttpRequest) -> HttpResponse:
    viewer = viewer_from(request)
    count = retention_run(organisation=viewer.org, actor=request.user, request=request)
    messages.success(
        request,
        ngettext("%(n)d candidate's data deleted.", "%(n)d candidates' data deleted.", count)
        % {"n": count},
    )
    return redirect("dashboard:data_requests")


@staff_view(PERMISSION)
@require_POST
def interview_legal_hold(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    legal_hold_set(
        interview=interview,
        on=request.POST.get("action") == "hold",
        note=request.POST.get("note", ""),
        actor=request.user,
        request=request,
    )
    return redirect("dashboard:data_requests")
