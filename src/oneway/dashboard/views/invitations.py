"""Inviting candidates (one, or many from CSV) and managing an invitation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oneway.access import (
    Viewer,
    access_interview,
    access_invitation,
    audit_rows,
    candidate_identity,
    viewer_from,
    visible_audit_entries,
)
from oneway.accounts.permissions import staff_view
from oneway.core.format_card import recorded_format_card
from oneway.core.forms import posted
from oneway.core.models import Invitation, InvitationImport, InvitationStatus
from oneway.core.selectors import audit_entries
from oneway.core.services.invitation_imports import (
    invitation_import_confirm,
    invitation_import_create,
)
from oneway.core.services.invitations import (
    interview_invite_problems,
    invitation_create,
    invitation_extend,
    invitation_is_open,
    invitation_resend,
    invitation_revoke,
)
from oneway.dashboard.forms import (
    ExtendForm,
    InvitationForm,
    InvitationImportForm,
    apply_service_errors,
)

PREVIEW_ROWS = 1000


def _invitation(viewer: Viewer, interview_id: int, invitation_id: int) -> Invitation:
    """The candidate through the gate, and of the interview the URL names (else 404)."""
    invitation = access_invitation(viewer, invitation_id)
    if invitation.interview_id != interview_id:
        raise Http404
    return invitation


@staff_view("invitations.manage")
def invitation_create_view(request: HttpRequest, interview_id: int) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    interview = access_interview(viewer_from(request), interview_id)
    problems = interview_invite_problems(interview)
    form = InvitationForm(
        posted(request), default_timezone=org.timezone, interview_language=interview.language
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _token = invitation_create(
                interview=interview,
                name=data["name"],
                email=data["email"],
                timezone=data["timezone"] or None,
                deadline=data["deadline"],
                language=data["language"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": invitation.email},
            )
            if "add_another" in request.POST:
                return redirect("dashboard:invitation_create", interview_id=interview.pk)
            return redirect(
                "dashboard:invitation_detail",
                interview_id=interview.pk,
                invitation_id=invitation.pk,
            )
    return render(
        request,
        "dashboard/invitation_form.html",
        {"form": form, "interview": interview, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )


@staff_view("invitations.view")
def invitation_detail(request: HttpRequest, interview_id: int, invitation_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = _invitation(viewer, interview_id, invitation_id)
    can_manage = viewer.can("invitations.manage")
    can_audit = viewer.can("audit.view")
    timeline = [
        (_("Invited"), invitation.invited_at),
        (_("Last email sent"), invitation.last_sent_at),
        (_("Opened"), invitation.opened_at),
        (_("Started"), invitation.started_at),
        (_("Completed"), invitation.completed_at),
        (_("Expired"), invitation.expired_at),
        (_("Revoked"), invitation.revoked_at),
    ]
    identity = candidate_identity(viewer, invitation)
    entries = (
        audit_rows(
            viewer, audit_entries(visible_audit_entries(viewer), invitation_id=invitation.pk)[:50]
        )
        if can_audit
        else []
    )
    closed = invitation.status in (InvitationStatus.COMPLETED, InvitationStatus.REVOKED)
    return render(
        request,
        "dashboard/invitation_detail.html",
        {
            "interview": invitation.interview,
            "invitation": invitation,
            "identity": identity,
            "can_reveal": identity.hidden and viewer.can("candidates.reveal"),
            "timeline": timeline,
            "card": recorded_format_card(invitation),
            "is_open": invitation_is_open(invitation),
            "can_manage": can_manage,
            "can_audit": can_audit,
            "can_extend": can_manage and not closed,
            "can_revoke": can_manage and not closed,
            "entries": entries,
            "extend_form": ExtendForm(timezone=invitation.timezone) if can_manage else None,
        },
    )


@staff_view("invitations.manage")
@require_POST
def invitation_resend_view(
    request: HttpRequest, interview_id: int, invitation_id: int
) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = _invitation(viewer, interview_id, invitation_id)
    try:
        invitation_resend(invitation=invitation, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        identity = candidate_identity(viewer, invitation)
        messages.success(
            request,
            _("Invitation sent again to %(email)s. Earlier links still work.")
            % {"email": identity.email or identity.name},
        )
    return redirect("dashboard:invitation_detail", interview_id, invitation_id)


@staff_view("invitations.manage")
def invitation_extend_view(
    request: HttpRequest, interview_id: int, invitation_id: int
) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = _invitation(viewer, interview_id, invitation_id)
    form = ExtendForm(posted(request), timezone=invitation.timezone)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_extend(
                invitation=invitation,
                deadline=form.cleaned_data["deadline"],
                notify=form.cleaned_data["notify"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Deadline extended."))
            return redirect("dashboard:invitation_detail", interview_id, invitation_id)
    return render(
        request,
        "dashboard/invitation_extend.html",
        {
            "form": form,
            "invitation": invitation,
            "identity": candidate_identity(viewer, invitation),
            "interview": invitation.interview,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_view("invitations.manage")
def invitation_revoke_view(
    request: HttpRequest, interview_id: int, invitation_id: int
) -> HttpResponse:
    viewer = viewer_from(request)
    invitation = _invitation(viewer, interview_id, invitation_id)
    error = ""
    if request.method == "POST":
        try:
            invitation_revoke(invitation=invitation, actor=request.user, request=request)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Invitation revoked. Its links no longer work."))
            return redirect("dashboard:invitation_detail", interview_id, invitation_id)
    return render(
        request,
        "dashboard/invitation_revoke.html",
        {
            "invitation": invitation,
            "identity": candidate_identity(viewer, invitation),
            "interview": invitation.interview,
            "error": error,
        },
        status=400 if error else 200,
    )


@staff_view("invitations.manage")
def invitation_import_view(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = access_interview(viewer_from(request), interview_id)
    problems = interview_invite_problems(interview)
    form = InvitationImportForm(
        posted(request), request.FILES if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            invitation_import = invitation_import_create(
                interview=interview,
                raw=upload.read(),
                filename=upload.name or "",
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect(
                "dashboard:invitation_import_preview",
                interview_id=interview.pk,
                invitation_import_id=invitation_import.pk,
            )
    return render(
        request,
        "dashboard/invitation_import.html",
        {"form": form, "interview": interview, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )


@staff_view("invitations.manage")
def invitation_import_preview(
    request: HttpRequest, interview_id: int, invitation_import_id: int
) -> HttpResponse:
    interview = access_interview(viewer_from(request), interview_id)
    invitation_import = get_object_or_404(
        InvitationImport, pk=invitation_import_id, interview=interview
    )
    error = ""
    if request.method == "POST" and invitation_import.confirmed_at is None:
        try:
            created = invitation_import_confirm(
                invitation_import=invitation_import, actor=request.user, request=request
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("%(n)d candidates invited. Their emails are on their way.") % {"n": len(created)},
            )
            return redirect("dashboard:interview_detail", interview_id=interview.pk)
    show_all = request.GET.get("all") == "1"
    rows = invitation_import.rows
    invalid = invitation_import.invalid_rows
    return render(
        request,
        "dashboard/invitation_import_preview.html",
        {
            "interview": interview,
            "invitation_import": invitation_import,
            # Rows with errors first: they are what the person must look at.
            "rows": rows if show_all else (invalid + invitation_import.valid_rows)[:PREVIEW_ROWS],
            "total": len(rows),
            "valid_count": len(rows) - len(invalid),
            "invalid_count": len(invalid),
            "truncated": not show_all and len(rows) > PREVIEW_ROWS,
            "error": error,
        },
    )
