"""The candidate's own data: status, "Download my data", "Delete my data".

Reachable from their link before and after submitting and after the deadline (answering
stays closed), until the data is gone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oneway.candidate.language import activate_for
from oneway.candidate.privacy import privacy_contact, rights_facts
from oneway.candidate.session import (
    SESSION_KEY,
    candidate_headers,
    no_session_response,
    session_invitation,
)
from oneway.core.audit import client_ip
from oneway.core.csrf import csrf_protect_null_origin
from oneway.core.models import DataExport, ExportState, Invitation, InvitationStatus
from oneway.core.ratelimit import allow
from oneway.core.services.data_exports import (
    ExportLinkExpired,
    ExportLinkInvalid,
    data_export_downloaded,
    data_export_request,
    export_for_link,
    export_link_hours,
    export_url,
)
from oneway.core.services.erasure import (
    ErasureBlocked,
    candidate_erase,
    send_erasure_emails,
    under_legal_hold,
)

DataView = Callable[..., HttpResponseBase]


def data_page(view: DataView) -> Callable[..., HttpResponseBase]:
    """The session's invitation, open or closed; the "deleted" page once it is erased."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        invitation = session_invitation(request)
        if invitation is None:
            return no_session_response(request, api=False)
        activate_for(request, invitation=invitation)
        if invitation.status == InvitationStatus.ERASED:
            return candidate_headers(render(request, "candidate/data_erased.html", status=410))
        return candidate_headers(view(request, invitation, *args, **kwargs))

    return csrf_protect_null_origin(wrapper)


def _rate_limited(request: HttpRequest, what: str) -> HttpResponse | None:
    if allow(
        f"data-rights-{what}:{client_ip(request) or '-'}",
        limit=settings.DATA_RIGHTS_RATE_LIMIT,
        window=3600,
    ):
        return None
    response = render(request, "candidate/rate_limited.html", status=429)
    response["Retry-After"] = "3600"
    return response


def application_status(invitation: Invitation) -> dict[str, Any]:
    """What the candidate sees about their application: its state and a sent decision."""
    from oneway.reviews.models import DecisionEvent

    labels: dict[str, str] = {
        InvitationStatus.INVITED: translation.gettext("Invited: you have not started yet."),
        InvitationStatus.OPENED: translation.gettext("Invited: you have not started yet."),
        InvitationStatus.IN_PROGRESS: translation.gettext(
            "In progress: you have started but not sent your answers."
        ),
        InvitationStatus.COMPLETED: translation.gettext("Submitted: the team has your answers."),
        InvitationStatus.EXPIRED: translation.gettext(
            "Closed: the deadline passed before you sent your answers."
        ),
        InvitationStatus.REVOKED: translation.gettext("Closed by the team."),
    }
    decision = (
        DecisionEvent.objects.filter(invitation=invitation, candidate_emailed_at__isnull=False)
        .order_by("-candidate_emailed_at")
        .first()
    )
    return {"label": labels.get(invitation.status, ""), "decision": decision}


def _latest_export(invitation: Invitation) -> DataExport | None:
    return (
        DataExport.objects.filter(invitations=invitation, requested_by__isnull=True)
        .order_by("-created_at")
        .first()
    )


@require_GET
@data_page
def my_data(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    export = _latest_export(invitation)
    return render(
        request,
        "candidate/my_data.html",
        {
            "invitation": invitation,
            "interview": invitation.interview,
            "organisation": invitation.organisation,
            "status": application_status(invitation),
            "rights": rights_facts(invitation),
            "export": export,
            "export_url": export_url(export) if export and export.is_downloadable else "",
            "link_hours": export_link_hours(),
            "held": under_legal_hold(invitation),
            "contact": privacy_contact(invitation),
            "hide_progress": True,
        },
    )


@require_POST
@data_page
def export_request(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    limited = _rate_limited(request, "export")
    if limited is not None:
        return limited
    data_export_request(
        organisation=invitation.organisation,
        invitations=[invitation],
        language=translation.get_language() or settings.LANGUAGE_CODE,
        request=request,
    )
    return redirect("candidate:my_data")


@require_http_methods(["GET", "POST"])
@data_page
def delete(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "held": under_legal_hold(invitation),
        "contact": privacy_contact(invitation),
        "exporting": DataExport.objects.filter(
            invitations=invitation, state=ExportState.QUEUED
        ).exists(),
        "hide_progress": True,
    }
    if request.method == "GET":
        return render(request, "candidate/data_delete.html", context)
    limited = _rate_limited(request, "delete")
    if limited is not None:
        return limited
    if request.POST.get("confirm") != "delete":
        context["error"] = translation.gettext(
            "Tick the box to confirm that you want your data deleted."
        )
        return render(request, "candidate/data_delete.html", context, status=400)
    try:
        candidate_erase(
            invitation=invitation,
            reason="candidate",
            request=request,
            notify=send_erasure_emails,
        )
    except ErasureBlocked:
        return render(request, "candidate/data_delete.html", context, status=409)
    request.session.flush()
    return redirect("candidate:data_erased")


@require_GET
def erased(request: HttpRequest) -> HttpResponseBase:
    """After deleting: nothing of the candidate is left to show, so this page names nothing."""
    if request.session.get(SESSION_KEY):
        return redirect("candidate:my_data")
    return candidate_headers(render(request, "candidate/data_erased.html"))


@require_GET
def export_download(request: HttpRequest, token: str) -> HttpResponseBase:
    """The signed, short-lived link (page and email): the ZIP streamed from storage."""
    from django.core.files.storage import default_storage

    try:
        export = export_for_link(token)
    except ExportLinkInvalid:
        return candidate_headers(render(request, "candidate/link_invalid.html", status=404))
    except ExportLinkExpired:
        response = render(
            request, "candidate/data_link_expired.html", {"hours": export_link_hours()}, status=410
        )
        return candidate_headers(response)
    data_export_downloaded(export=export, request=request)
    stamp = timezone.localdate().isoformat()
    download = FileResponse(
        default_storage.open(export.storage_name, "rb"),
        as_attachment=True,
        filename=f"my-data-{stamp}.zip",
        content_type="application/zip",
    )
    return candidate_headers(download)
