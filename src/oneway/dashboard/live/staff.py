"""Staff pages for live interviews. Every lookup goes through the access gate."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from oneway.access import (
    access_invitation,
    access_live_interview,
    audit_rows,
    candidate_identity,
    live_identities,
    live_shown,
    viewer_from,
    visible_audit_entries,
    visible_interviews,
    visible_live_interviews,
    visible_slot_offers,
)
from oneway.accounts.permissions import staff_view
from oneway.accounts.roles import role_has
from oneway.core.models import Interview, Invitation
from oneway.dashboard.live.common import add_service_errors, safe_next, staff_user
from oneway.live.format_card import live_format_card
from oneway.live.forms import (
    CancelForm,
    LiveDetailsForm,
    LiveInterviewForm,
    OutcomeForm,
    RescheduleForm,
)
from oneway.live.ics import ics_attachment
from oneway.live.models import LiveInterview, LiveStatus
from oneway.live.selectors import live_list
from oneway.live.services import (
    live_interview_cancel,
    live_interview_mark_outcome,
    live_interview_reschedule,
    live_interview_schedule,
    live_interview_update,
    live_link_send,
)

LIST_FILTERS = ("upcoming", "past", "cancelled", "all")


def _get_live(request: HttpRequest, live_interview_id: int) -> LiveInterview:
    return access_live_interview(viewer_from(request), live_interview_id)


def _viewer_tz(request: HttpRequest) -> str:
    return getattr(request.user, "timezone", "") or request.org.timezone  # type: ignore[attr-defined]


def _can_manage(request: HttpRequest) -> bool:
    return role_has(request.membership.role, "live.manage")  # type: ignore[attr-defined]


def _can_mark_outcome(request: HttpRequest, live: LiveInterview) -> bool:
    return _can_manage(request) or live.interviewers.filter(pk=request.user.pk).exists()


@staff_view("live.view")
def live_list_view(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "upcoming")
    if show not in LIST_FILTERS:
        show = "upcoming"
    viewer = viewer_from(request)
    lives = list(
        live_list(visible_live_interviews(viewer), show=show).select_related(
            "invitation__interview"
        )[:200]
    )
    shown = live_identities(viewer, lives)
    return render(
        request,
        "live/list.html",
        {
            "items": [(live, shown[live.pk]) for live in lives],
            "show": show,
            "filters": LIST_FILTERS,
            "tz": _viewer_tz(request),
            "can_manage": _can_manage(request),
        },
    )


def _last_used(request: HttpRequest) -> dict[str, Any]:
    """The creator's previous choices, so the common case needs no typing at all."""
    previous = (
        visible_live_interviews(viewer_from(request))
        .filter(organiser=staff_user(request))
        .order_by("-created_at")
        .first()
    )
    if previous is None:
        return {}
    return {
        "meeting_url": previous.meeting_url,
        "duration_minutes": previous.duration_minutes,
        "dial_in": previous.dial_in,
        "link_visible_minutes": previous.link_visible_minutes,
        "candidate_may_reschedule": previous.candidate_may_reschedule,
        "change_cutoff_hours": previous.change_cutoff_hours,
        "reminder_hours": ", ".join(str(h) for h in previous.reminder_hours),
        "interviewers": list(previous.interviewers.values_list("pk", flat=True)),
    }


def _initial(request: HttpRequest, invitation: Invitation | None) -> dict[str, Any]:
    org = request.org  # type: ignore[attr-defined]
    viewer = viewer_from(request)
    offer = (
        visible_slot_offers(viewer).filter(closed_at__isnull=True).order_by("-created_at").first()
    )
    initial: dict[str, Any] = {
        "candidate_timezone": org.timezone,
        "starts_at_timezone": _viewer_tz(request),
        "interviewers": [request.user.pk],
        "scheduling": "slots" if offer else "fixed",
        "slot_offer": offer.pk if offer else None,
    }
    initial.update(_last_used(request))
    wanted_offer = request.GET.get("slot_offer", "")
    if (
        wanted_offer.isdigit()
        and visible_slot_offers(viewer).filter(closed_at__isnull=True, pk=wanted_offer).exists()
    ):
        initial.update(scheduling="slots", slot_offer=int(wanted_offer))
    interview: Interview | None = None
    if invitation is not None:
        interview = invitation.interview
        initial.update(
            candidate_name=invitation.name,
            candidate_email=invitation.email,
            candidate_timezone=invitation.timezone,
        )
    elif request.GET.get("interview", "").isdigit():
        interview = visible_interviews(viewer).filter(pk=request.GET["interview"]).first()
    if interview is not None:
        initial["interview"] = interview.pk
        initial["title"] = _("Live interview: %(position)s") % {"position": interview.title}
    return initial


def _create(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    if request.method == "POST":
        form = LiveInterviewForm(request.POST, organisation=org)
        if form.is_valid():
            try:
                live = live_interview_schedule(
                    organisation=org,
                    actor=staff_user(request),
                    interviewers=list(form.cleaned_data["interviewers"]),
                    starts_at=form.cleaned_data["starts_at"],
                    slot_offer=form.cleaned_data["slot_offer"],
                    invitation=invitation,
                    request=request,
                    **form.details(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                name = live_shown(viewer_from(request), live).name
                if live.status == LiveStatus.SCHEDULED:
                    messages.success(
                        request,
                        _(
                            "Live interview scheduled; invitations sent to %(name)s and the interviewers."
                        )
                        % {"name": name},
                    )
                else:
                    messages.success(
                        request,
                        _("%(name)s has been sent a link to pick a slot.") % {"name": name},
                    )
                return redirect("live:detail", live.pk)
    else:
        form = LiveInterviewForm(initial=_initial(request, invitation), organisation=org)
    return render(
        request,
        "live/form.html",
        {
            "form": form,
            "invitation": invitation,
            "has_offers": form.fields["slot_offer"].queryset.exists(),  # type: ignore[attr-defined]
            "creating": True,
        },
    )


@staff_view("live.manage")
def live_create(request: HttpRequest) -> HttpResponse:
    return _create(request, None)


@staff_view("live.manage")
def live_create_for_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """The "Invite to live interview" button: the candidate's details carried over."""
    viewer = viewer_from(request)
    invitation = access_invitation(viewer, invitation_id)
    refused = _reveal_first(request, invitation)
    return refused or _create(request, invitation)


def _reveal_first(request: HttpRequest, invitation: Invitation | None) -> HttpResponse | None:
    """Scheduling and editing show the candidate's name and email: while blind review hides
    them from this person, ask them to reveal the identity (audited) first."""
    if invitation is None:
        return None
    viewer = viewer_from(request)
    identity = candidate_identity(viewer, invitation)
    if not identity.hidden:
        return None
    return render(
        request,
        "dashboard/blind_reveal_first.html",
        {
            "invitation": invitation,
            "identity": identity,
            "can_reveal": viewer.can("candidates.reveal"),
        },
    )


def _detail_context(request: HttpRequest, live: LiveInterview, **forms: Any) -> dict[str, Any]:
    tz = _viewer_tz(request)
    viewer = viewer_from(request)
    history = audit_rows(
        viewer,
        visible_audit_entries(viewer)
        .filter(object_type="liveinterview", object_id=str(live.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:50],
    )
    outcome_initial = {"outcome": live.outcome, "rating": live.rating, "notes": live.outcome_notes}
    shown = live_shown(viewer, live)
    return {
        "live": live,
        "shown": shown,
        "card": live_format_card(
            live,
            audience="interviewer",
            candidate_name=shown.name,
            viewer_timezone=tz,
            link=live.meeting_url if live.is_open else "",
            link_label=_("Join on %(provider)s") % {"provider": live.provider_name},
        ),
        "tz": tz,
        "can_manage": _can_manage(request),
        "can_mark_outcome": _can_mark_outcome(request, live),
        "has_started": live.has_started(),
        "outcome_form": forms.get("outcome_form") or OutcomeForm(initial=outcome_initial),
        "bookings": live.bookings.order_by("-booked_at"),
        "history": history,
    }


@staff_view("live.view")
def live_detail(request: HttpRequest, live_interview_id: int) -> HttpResponse:
    live = _get_live(request, live_interview_id)
    return render(request, "live/detail.html", _detail_context(request, live))


@staff_view("live.manage")
def live_edit(request: HttpRequest, live_interview_id: int) -> HttpResponse:
    live = _get_live(request, live_interview_id)
    org = request.org  # type: ignore[attr-defined]
    refused = _reveal_first(request, live.invitation)
    if refused is not None:
        return refused
    if not live.is_open:
        messages.error(request, _("A cancelled or finished live interview cannot be changed."))
        return redirect("live:detail", live.pk)
    if request.method == "POST":
        form = LiveDetailsForm(request.POST, organisation=org)
        if form.is_valid():
            try:
                live_interview_update(
                    live=live,
                    actor=staff_user(request),
                    interviewers=list(form.cleaned_data["interviewers"]),
                    request=request,
                    **form.details(),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved. Everyone concerned has been sent an update."))
                return redirect("live:detail", live.pk)
    else:
        initial = {field: getattr(live, field) for field in LiveDetailsForm.base_fields}
        initial["interview"] = live.interview_id
        initial["interviewers"] = list(live.interviewers.values_list("pk", flat=True))
        initial["reminder_hours"] = ", ".join(str(h) for h in live.reminder_hours)
        form = LiveDetailsForm(initial=initial, organisation=org)
    return render(request, "live/form.html", {"form": form, "live": live, "creating": False})


@staff_view("live.manage")
def live_reschedule(request: HttpRequest, live_interview_id: int) -> HttpResponse:
    live = _get_live(request, live_interview_id)
    org = request.org  # type: ignore[attr-defined]
    if not live.is_open:
        messages.error(request, _("A cancelled or finished live interview cannot be moved."))
        return redirect("live:detail", live.pk)
    if request.method == "POST":
        form = RescheduleForm(request.POST, organisation=org)
        if form.is_valid():
            try:
                live_interview_reschedule(
                    live=live,
                    actor=staff_user(request),
                    starts_at=form.cleaned_data["starts_at"],
                    slot_offer=form.cleaned_data["slot_offer"],
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Rescheduled. The candidate and interviewers have been told.")
                )
                return redirect(safe_next(request) or reverse("live:detail", args=[live.pk]))
    else:
        form = RescheduleForm(
            initial={
                "scheduling": "fixed",
                "starts_at_timezone": _viewer_tz(request),
                "slot_offer": live.slot_offer_id,
            },
            organisation=org,
        )
    return render(
        request,
        "live/reschedule.html",
        {
            "form": form,
            "live": live,
            "shown": live_shown(viewer_from(request), live),
            "tz": _viewer_tz(request),
            "next": safe_next(request),
        },
    )


@staff_view("live.manage")
def live_cancel(request: HttpRequest, live_interview_id: int) -> HttpResponse:
    live = _get_live(request, live_interview_id)
    if request.method == "POST":
        form = CancelForm(request.POST)
        if form.is_valid():
            try:
                live_interview_cancel(
                    live=live,
                    actor=staff_user(request),
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Cancelled. The candidate and interviewers have been told.")
                )
                return redirect(safe_next(request) or reverse("live:detail", args=[live.pk]))
    else:
        form = CancelForm()
    return render(
        request,
        "live/cancel.html",
        {
            "form": form,
            "live": live,
            "shown": live_shown(viewer_from(request), live),
            "tz": _viewer_tz(request),
            "next": safe_next(request),
        },
    )


@staff_view("live.view")
def live_outcome(request: HttpRequest, live_interview_id: int) -> HttpResponse:
    """Held / no-show, notes and a rating: managers and the interview's own interviewers."""
    live = _get_live(request, live_interview_id)
    if not _can_mark_outcome(request, live):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("live:detail", live.pk)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            live_interview_mark_outcome(
                live=live,
                actor=staff_user(request),
                outcome=form.cleaned_data["outcome"],
                notes=form.cleaned_data["notes"],
                rating=form.cleaned_data["rating"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Outcome saved."))
            return redirect(safe_next(request) or reverse("live:detail", args=[live.pk]))
    return render(request, "live/detail.html", _detail_context(request, live, outcome_form=form))


@staff_view("live.manage")
def live_send_link(request: HttpRequest, live_interview_id: int) -> HttpResponse:
    live = _get_live(request, live_interview_id)
    if request.method == "POST":
        try:
            live_link_send(live=live, actor=staff_user(request), request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("A fresh link has been emailed to %(name)s.")
                % {"name": live_shown(viewer_from(request), live).name},
            )
    return redirect("live:detail", live.pk)


@staff_view("live.view")
def live_calendar(request: HttpRequest, live_interview_id: int) -> HttpResponse:
    live = _get_live(request, live_interview_id)
    if live.starts_at is None:
        messages.error(request, _("This live interview has no time yet."))
        return redirect("live:detail", live.pk)
    shown = live_shown(viewer_from(request), live)
    attendees = None
    if shown.hidden:  # blind review: the candidate's address stays out of the file
        attendees = [(person.email, person.display_name) for person in live.interviewers.all()]
    filename, content, mimetype = ics_attachment(
        live,
        method="CANCEL" if live.status == LiveStatus.CANCELLED else "REQUEST",
        attendees=attendees,
        title=shown.title,
    )
    response = HttpResponse(content, content_type=f"{mimetype}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
