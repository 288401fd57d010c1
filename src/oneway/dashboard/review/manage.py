"""Admin pages of the review workspace: reviewers, decision emails, share links."""

import datetime
from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from oneway.access import (
    access_interview,
    access_share_link,
    candidate_identities,
    require,
    viewer_from,
    visible_invitations,
    visible_memberships,
    visible_share_links,
)
from oneway.accounts.permissions import staff_view
from oneway.core.models import InvitationStatus
from oneway.core.timezones import is_valid_timezone
from oneway.dashboard.review.common import int_or_none
from oneway.dashboard.review.forms import (
    EMAIL_STATUS_CHOICES,
    DecisionEmailForm,
    ShareLinkForm,
)
from oneway.reviews.decision_emails import PLACEHOLDERS, templates_for
from oneway.reviews.models import DecisionStatus, ReviewerAssignment
from oneway.reviews.services import (
    decision_template_save,
    reviewer_assign,
    reviewer_unassign,
    share_link_create,
    share_link_revoke,
)
from oneway.reviews.services.shares import share_url


@staff_view("interviews.view")
@require_http_methods(["GET", "POST"])
def reviewers(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    require(viewer, "interviews.edit")
    members = visible_memberships(viewer).select_related("user")
    if request.method == "POST":
        membership = (
            visible_memberships(viewer)
            .select_related("user")
            .filter(user_id=int_or_none(request.POST.get("user_id")) or 0)
            .first()
        )
        if membership is None:
            raise Http404
        user = membership.user
        if request.POST.get("action") == "unassign":
            reviewer_unassign(interview=interview, user=user, actor=viewer.user, request=request)
            messages.success(request, _("%(name)s unassigned.") % {"name": user.display_name})
        else:
            try:
                reviewer_assign(interview=interview, user=user, actor=viewer.user, request=request)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("%(name)s assigned.") % {"name": user.display_name})
        return redirect("dashboard:review_reviewers", interview_id=interview.pk)
    assigned = {
        a.user_id: a
        for a in ReviewerAssignment.objects.filter(interview=interview).select_related(
            "assigned_by"
        )
    }
    rows = [
        {"membership": m, "assignment": assigned.get(m.user_id)}
        for m in members.order_by("user__name", "user__email")
    ]
    return render(
        request,
        "dashboard/review/reviewers.html",
        {"interview": interview, "rows": rows},
    )


@staff_view("interviews.view")
@require_http_methods(["GET", "POST"])
def decision_emails(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    require(viewer, "interviews.edit")
    templates = templates_for(interview)
    forms = {
        status: DecisionEmailForm(
            prefix=status,
            initial={"subject": templates[status].subject, "body": templates[status].body},
        )
        for status, _label in EMAIL_STATUS_CHOICES
    }
    status_code = 200
    if request.method == "POST":
        status = request.POST.get("status", "")
        if status not in forms:
            raise Http404
        form = DecisionEmailForm(request.POST, prefix=status)
        forms[status] = form
        if form.is_valid():
            try:
                decision_template_save(
                    interview=interview,
                    status=status,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    actor=viewer.user,
                    request=request,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Email for “%(status)s” saved.") % {"status": DecisionStatus(status).label},
                )
                return redirect("dashboard:review_decision_emails", interview_id=interview.pk)
        status_code = 400
    sections = [
        {
            "status": status,
            "label": label,
            "form": forms[status],
            "customised": templates[status].customised,
        }
        for status, label in EMAIL_STATUS_CHOICES
    ]
    return render(
        request,
        "dashboard/review/decision_emails.html",
        {
            "interview": interview,
            "sections": sections,
            "placeholders": ["{" + p + "}" for p in PLACEHOLDERS],
        },
        status=status_code,
    )


def _end_of_day(day: datetime.date, tz_name: str) -> datetime.datetime:
    import zoneinfo

    zone = zoneinfo.ZoneInfo(tz_name if is_valid_timezone(tz_name) else "UTC")
    return datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=zone)


def invitations_field(form: ShareLinkForm) -> forms.TypedMultipleChoiceField:
    return cast(forms.TypedMultipleChoiceField, form.fields["invitations"])


@staff_view("interviews.view")
@require_http_methods(["GET", "POST"])
def share_links(request: HttpRequest, interview_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    interview = access_interview(viewer, interview_id)
    require(viewer, "shares.manage")
    candidates = list(
        visible_invitations(viewer)
        .filter(interview=interview, status=InvitationStatus.COMPLETED)
        .select_related("interview")
        .order_by("name", "pk")
    )
    identities = candidate_identities(viewer, candidates)
    choices = [(i.pk, identities[i.pk].contact) for i in candidates]
    if interview.blind_mode:  # an order by name would hint at who is who
        choices.sort(key=lambda choice: choice[1])
    form = ShareLinkForm(request.POST or None)
    invitations_field(form).choices = choices
    preselected = [int_or_none(v) for v in request.GET.getlist("candidate")]
    if request.method == "GET" and preselected:
        form.initial["invitations"] = [p for p in preselected if p]
    new_link = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = [i for i in candidates if i.pk in set(form.cleaned_data["invitations"])]
            try:
                link, token = share_link_create(
                    interview=interview,
                    invitations=chosen,
                    label=form.cleaned_data["label"],
                    expires_at=_end_of_day(
                        form.cleaned_data["expires_on"], viewer.user.timezone_in(viewer.org)
                    ),
                    allow_rating=form.cleaned_data["allow_rating"],
                    actor=viewer.user,
                    request=request,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "expires_at" in error.error_dict:
                    for message in error.error_dict.pop("expires_at"):
                        form.add_error("expires_on", message)
                if not hasattr(error, "error_dict") or error.error_dict:
                    form.add_error(None, error)
                status = 400
            else:
                new_link = {"link": link, "url": share_url(token)}
                form = ShareLinkForm()
                invitations_field(form).choices = choices
        else:
            status = 400
    links = (
        visible_share_links(viewer)
        .filter(interview=interview)
        .select_related("created_by", "revoked_by")
        .prefetch_related("invitations")
    )
    return render(
        request,
        "dashboard/review/share_links.html",
        {
            "interview": interview,
            "form": form,
            "links": links,
            "new_link": new_link,
            "now": timezone.now(),
        },
        status=status,
    )


@staff_view("shares.manage")
@require_POST
def share_link_revoke_view(request: HttpRequest, share_link_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    link = access_share_link(viewer, share_link_id)
    share_link_revoke(link=link, actor=viewer.user, request=request)
    messages.success(request, _("The link no longer works."))
    return redirect("dashboard:review_share_links", interview_id=link.interview_id)
