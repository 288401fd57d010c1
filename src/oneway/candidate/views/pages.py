"""The candidate's pages around the questions: landing, device check, submit, status."""

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from oneway.candidate import rules
from oneway.candidate.forms import AccommodationsForm, ConsentForm
from oneway.candidate.privacy import consent_statement, privacy_contact, privacy_facts
from oneway.candidate.selectors import (
    current_step,
    devices_needed,
    flow_questions,
    has_started,
    submitted_answers,
)
from oneway.candidate.services import (
    CandidateError,
    _log,
    candidate_accommodations_request,
    candidate_consent,
    interview_submit,
)
from oneway.candidate.session import DEVICE_CHECKED_KEY, candidate_page
from oneway.core.browsers import request_browser
from oneway.core.format_card import recorded_format_card
from oneway.core.models import Invitation


def _landing_context(invitation: Invitation, request: HttpRequest) -> dict[str, object]:
    return {
        "invitation": invitation,
        "interview": invitation.interview,
        "organisation": invitation.organisation,
        "card": recorded_format_card(invitation),
        "privacy": privacy_facts(invitation),
        "privacy_contact": privacy_contact(invitation),
        "consent_text": consent_statement(invitation),
        "step": current_step(invitation, request.session),
        "accommodations_locked": has_started(invitation),
        "time_factor": rules.time_factor(invitation),
    }


@require_http_methods(["GET", "POST"])
@candidate_page()
def landing(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    consent_form = ConsentForm()
    accommodations_form = AccommodationsForm(
        initial={
            "time_factor": str(rules.time_factor(invitation)),
            "text_alternative": invitation.accommodation_text_alternative,
            "note": invitation.accommodation_note,
        }
    )
    status = 200
    if request.method == "POST" and request.POST.get("action") == "consent":
        consent_form = ConsentForm(request.POST)
        if consent_form.is_valid():
            candidate_consent(
                invitation=invitation, consent_text=consent_statement(invitation), request=request
            )
            return redirect(current_step(invitation, request.session).url)
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "accommodations":
        accommodations_form = AccommodationsForm(request.POST)
        if accommodations_form.is_valid():
            try:
                candidate_accommodations_request(
                    invitation=invitation,
                    time_factor=accommodations_form.cleaned_data["time_factor"],
                    text_alternative=accommodations_form.cleaned_data["text_alternative"],
                    note=accommodations_form.cleaned_data["note"],
                    request=request,
                )
            except CandidateError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request, _("Your accommodations are in place. The times below include them.")
                )
            return redirect(reverse("candidate:landing") + "#accommodations")
        status = 400
    context = _landing_context(invitation, request)
    context.update(consent_form=consent_form, accommodations_form=accommodations_form)
    return render(request, "candidate/landing.html", context, status=status)


@require_http_methods(["GET", "POST"])
@candidate_page()
def device_check(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    if invitation.consent_at is None:
        return redirect("candidate:landing")
    if request.method == "POST":
        skipped = request.POST.get("action") == "skip"
        request.session[DEVICE_CHECKED_KEY] = True
        _log(
            "candidate.device_checked",
            invitation,
            data={
                "skipped": skipped,
                "result": request.POST.get("result", "")[:200],
                "browser": request_browser(request),
            },
            request=request,
        )
        return redirect(current_step(invitation, request.session).url)
    audio_only = devices_needed(invitation, flow_questions(invitation)) != "video"
    config = {
        "purpose": "device-check",
        "uploadEndpoint": reverse("uploads:collection"),
        "clipUrl": reverse(
            "candidate:device_check_clip", args=["00000000-0000-0000-0000-000000000000"]
        ),
        "clipSeconds": rules.DEVICE_CHECK_CLIP_SECONDS,
        "audioOnly": audio_only,
        "recorder": rules.RECORDER,
        "permissionTimeoutMs": rules.PERMISSION_TIMEOUT_SECONDS * 1000,
    }
    return render(
        request,
        "candidate/device_check.html",
        {
            "invitation": invitation,
            "config": config,
            "audio_only": audio_only,
            "text_alternative_open": invitation.interview.accommodations_enabled
            and not has_started(invitation),
        },
    )


@require_http_methods(["GET", "POST"])
@candidate_page()
def submit(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    step = current_step(invitation, request.session)
    if step.name != "submit":
        return redirect(step.url)
    error = ""
    if request.method == "POST":
        try:
            interview_submit(invitation=invitation, request=request)
        except CandidateError as refusal:
            error = refusal.message
        else:
            return redirect("candidate:status")
    return render(
        request,
        "candidate/submit.html",
        {"invitation": invitation, "answers": submitted_answers(invitation), "error": error},
        status=400 if error else 200,
    )


@require_http_methods(["GET"])
@candidate_page(allow_completed=True)
def status(request: HttpRequest, invitation: Invitation) -> HttpResponseBase:
    step = current_step(invitation, request.session)
    if step.name != "status":
        return redirect(step.url)
    return render(
        request,
        "candidate/status.html",
        {
            "invitation": invitation,
            "interview": invitation.interview,
            "organisation": invitation.organisation,
            "answers": submitted_answers(invitation),
            "privacy": privacy_facts(invitation),
        },
    )
