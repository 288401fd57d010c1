"""Interview set-up: list, create, edit, duplicate, archive."""

import copy

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from oneway.access import (
    access_interview,
    candidate_identities,
    viewer_from,
    visible_interviews,
    visible_invitations,
)
from oneway.accounts.permissions import staff_view
from oneway.accounts.roles import role_has
from oneway.core.deadlines import deadline_for
from oneway.core.format_card import recorded_format_card
from oneway.core.forms import posted
from oneway.core.models import Interview, Invitation, InvitationStatus
from oneway.core.selectors import interviews_with_counts, invitation_status_counts
from oneway.core.services.interviews import (
    interview_apply_link_reset,
    interview_archive,
    interview_create,
    interview_duplicate,
    interview_restore,
    interview_update,
)
from oneway.core.services.invitations import interview_invite_problems
from oneway.dashboard.forms import InterviewForm, apply_service_errors
from oneway.reviews.thumbnails import list_thumbnails, time_taken

INVITATIONS_PER_PAGE = 50


@staff_view("interviews.view")
def interview_list(request: HttpRequest) -> HttpResponse:
    archived = request.GET.get("archived") == "1"
    interviews = interviews_with_counts(visible_interviews(viewer_from(request)), archived=archived)
    return render(
        request,
        "dashboard/interview_list.html",
        {"interviews": interviews, "archived": archived},
    )


@staff_view("interviews.edit")
def interview_create_view(request: HttpRequest) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    initial = {
        "contact_email": request.user.email,  # type: ignore[union-attr]
        "grace_minutes": settings.DEADLINE_GRACE_MINUTES,
    }
    form = InterviewForm(
        posted(request),
        instance=Interview(organisation=org),
        initial=initial,
        default_timezone=org.timezone,
    )
    if request.method == "POST" and form.is_valid():
        try:
            interview = interview_create(
                organisation=org, fields=form.service_fields(), actor=request.user, request=request
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Interview created. Now add its questions."))
            return redirect("dashboard:interview_detail", interview_id=interview.pk)
    return render(request, "dashboard/interview_form.html", {"form": form, "interview": None})


@staff_view("interviews.edit")
def interview_edit(request: HttpRequest, interview_id: int) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    interview = access_interview(viewer_from(request), interview_id)
    form = InterviewForm(
        posted(request), instance=copy.copy(interview), default_timezone=org.timezone
    )
    if request.method == "POST" and form.is_valid():
        try:
            interview_update(
                interview=interview,
                fields=form.service_fields(),
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Interview saved."))
            return redirect("dashboard:interview_detail", interview_id=interview.pk)
    return render(request, "dashboard/interview_form.html", {"form": form, "interview": interview})


def _preview_invitation(interview: Interview) -> Invitation:
    """An unsaved invitation, to show staff the format card candidates will see."""
    org = interview.organisation
    return Invitation(
        organisation=org,
        interview=interview,
        name=_("Candidate"),
        email="candidate@example.com",
        timezone=org.timezone,
        deadline=deadline_for(interview, timezone=org.timezone),
    )


@staff_view("interviews.view")
def interview_detail(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    questions = list(interview.questions.select_related("prompt_media"))
    invitations = (
        visible_invitations(viewer)
        .filter(interview=interview)
        .select_related("interview")
        .order_by("-invited_at", "-id")
    )
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    if search:
        # In blind mode a name or email match would identify someone: no identity search.
        if interview.blind_mode:
            invitations = invitations.none()
        else:
            invitations = invitations.filter(Q(name__icontains=search) | Q(email__icontains=search))
    if status in InvitationStatus.values:
        invitations = invitations.filter(status=status)
    page = Paginator(invitations, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    identities = candidate_identities(viewer, page.object_list)
    thumbnails = list_thumbnails(viewer, page.object_list, identities)
    rows = [
        (invitation, identities[invitation.pk], thumbnails[invitation.pk], time_taken(invitation))
        for invitation in page.object_list
    ]
    membership = request.membership  # type: ignore[attr-defined]
    apply_url = ""
    if interview.apply_link_enabled and interview.apply_token:
        apply_url = settings.BASE_URL + reverse("apply:apply", args=[interview.apply_token])
    card = recorded_format_card(_preview_invitation(interview)) if questions else None
    return render(
        request,
        "dashboard/interview_detail.html",
        {
            "interview": interview,
            "questions": questions,
            "page": page,
            "rows": rows,
            "search": search,
            "status_filter": status,
            "statuses": InvitationStatus.choices,
            "counts": invitation_status_counts(interview),
            "invite_problems": interview_invite_problems(interview),
            # A passed fixed deadline still lets staff invite with a deadline of their own.
            "invite_blocked": bool(interview_invite_problems(interview, with_deadline=True)),
            "can_edit": role_has(membership.role, "interviews.edit"),
            "can_invite": role_has(membership.role, "invitations.manage"),
            "can_audit": role_has(membership.role, "audit.view"),
            "apply_url": apply_url,
            "card": card,
            "now": timezone.now(),
        },
    )


@staff_view("interviews.edit")
@require_POST
def interview_duplicate_view(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = access_interview(viewer_from(request), interview_id)
    copy_ = interview_duplicate(interview=interview, actor=request.user, request=request)
    messages.success(request, _("Interview duplicated. You are now editing the copy."))
    return redirect("dashboard:interview_edit", interview_id=copy_.pk)


@staff_view("interviews.edit")
@require_POST
def interview_archive_view(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = access_interview(viewer_from(request), interview_id)
    interview_archive(interview=interview, actor=request.user, request=request)
    messages.success(
        request,
        _("Interview archived. Existing candidates can still answer; no one new can be invited."),
    )
    return redirect("dashboard:interview_detail", interview_id=interview.pk)


@staff_view("interviews.edit")
@require_POST
def interview_restore_view(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = access_interview(viewer_from(request), interview_id)
    interview_restore(interview=interview, actor=request.user, request=request)
    messages.success(request, _("Interview restored."))
    return redirect("dashboard:interview_detail", interview_id=interview.pk)


@staff_view("interviews.edit")
@require_POST
def interview_apply_link_reset_view(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = access_interview(viewer_from(request), interview_id)
    interview_apply_link_reset(interview=interview, actor=request.user, request=request)
    messages.success(request, _("New apply link created. The old one no longer works."))
    return redirect("dashboard:interview_detail", interview_id=interview.pk)
