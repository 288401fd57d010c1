"""The candidate's live-interview page, reached by a capability link (no account).

The token sits in the URL, so every response says ``Referrer-Policy: no-referrer``: a
click on the meeting link must not hand the token to the meeting provider.
"""

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.candidate.language import activate_for
from oneway.core.audit import client_ip
from oneway.core.csrf import csrf_protect_null_origin
from oneway.core.ratelimit import allow
from oneway.core.timezones import is_valid_timezone
from oneway.live.format_card import is_over, live_format_card, meeting_link_visible
from oneway.live.forms import CandidateCancelForm, CandidateRequestForm
from oneway.live.ics import ics_attachment
from oneway.live.models import LiveInterview, LiveStatus
from oneway.live.selectors import available_slots, live_interview_for_token, slots_by_day
from oneway.live.services import (
    SlotUnavailable,
    candidate_may_change,
    live_interview_cancel,
    live_reschedule_request,
    slot_book,
)


def candidate_post(view: Any) -> Any:
    """CSRF-checked with "Origin: null" accepted (this page sends no referrer)."""
    return csrf_protect_null_origin(view)


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invalid(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "live/candidate_invalid.html", status=404))


def _rate_limited(request: HttpRequest) -> bool:
    """Too many link attempts from this address this minute (slows token guessing)?"""
    limit = settings.CANDIDATE_LINK_RATE_LIMIT
    if limit <= 0:
        return False
    return not allow(f"live-link:{client_ip(request) or '-'}", limit=limit, window=60)


def _open(request: HttpRequest, token: str) -> LiveInterview | HttpResponse:
    """The live interview behind the link, or the response refusing it."""
    if _rate_limited(request):
        response = render(
            request, "live/candidate_invalid.html", {"rate_limited": True}, status=429
        )
        response["Retry-After"] = "60"
        return _private(response)
    live = live_interview_for_token(token)
    if live is None:
        return _invalid(request)
    activate_for(request, live=live)
    return live


def _chosen_tz(request: HttpRequest, live: LiveInterview) -> tuple[str, str]:
    """(zone to show times in, error message). Unknown zones are refused, not guessed."""
    wanted = (request.POST.get("tz") or request.GET.get("tz") or "").strip()
    if not wanted:
        return live.candidate_timezone, ""
    if not is_valid_timezone(wanted):
        return live.candidate_timezone, _(
            "Unknown time zone “%(name)s”. Use a name like Europe/London or America/New_York."
        ) % {"name": wanted[:64]}
    return wanted, ""


def _page(
    request: HttpRequest,
    live: LiveInterview,
    token: str,
    *,
    status: int = 200,
    booking_error: str = "",
    cancel_form: CandidateCancelForm | None = None,
    request_form: CandidateRequestForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    tz, tz_error = _chosen_tz(request, live)
    link_visible = meeting_link_visible(live, now)
    card = live_format_card(
        live,
        audience="candidate",
        viewer_timezone=tz,
        link=live.meeting_url if link_visible else "",
        link_label=_("Join the interview on %(provider)s") % {"provider": live.provider_name},
        now=now,
    )
    may_change = candidate_may_change(live, now)
    picking = live.status == LiveStatus.AWAITING_BOOKING or (
        may_change and live.slot_offer_id is not None and request.GET.get("change") == "1"
    )
    if booking_error:
        picking = live.status == LiveStatus.AWAITING_BOOKING or may_change
    slots = available_slots(live, now=now) if picking else []
    visible_from = live.link_visible_from()
    context: dict[str, Any] = {
        "live": live,
        "token": token,
        "card": card,
        "tz": tz,
        "tz_error": tz_error,
        "link_visible": link_visible,
        "link_visible_from": visible_from,
        "seconds_until_link": (
            int((visible_from - now).total_seconds())
            if visible_from and not link_visible and live.status == LiveStatus.SCHEDULED
            else None
        ),
        "may_change": may_change,
        "picking": picking,
        "slot_days": slots_by_day(slots, tz),
        "booking_error": booking_error,
        "can_cancel": live.is_open and not live.has_started(now),
        "has_ended": is_over(live, now),
        "cancel_form": cancel_form or CandidateCancelForm(),
        "request_form": request_form or CandidateRequestForm(),
    }
    return _private(render(request, "live/candidate.html", context, status=status))


def candidate_page(request: HttpRequest, token: str) -> HttpResponse:
    live = _open(request, token)
    if isinstance(live, HttpResponse):
        return live
    return _page(request, live, token)


@candidate_post
def candidate_book(request: HttpRequest, token: str) -> HttpResponse:
    live = _open(request, token)
    if isinstance(live, HttpResponse):
        return live
    if request.method != "POST":
        return _private(redirect("live:candidate", token))
    tz, tz_error = _chosen_tz(request, live)
    if tz_error:
        return _page(request, live, token, status=400, booking_error=tz_error)
    try:
        starts_at = datetime.datetime.fromisoformat(request.POST.get("slot", ""))
        if starts_at.tzinfo is None:
            raise ValueError
    except ValueError:
        return _page(
            request, live, token, status=400, booking_error=_("Choose one of the times below.")
        )
    try:
        slot_book(live=live, starts_at=starts_at, candidate_timezone=tz, request=request)
    except SlotUnavailable as exc:
        return _page(request, live, token, status=409, booking_error=exc.message)
    except ValidationError as exc:
        return _page(request, live, token, status=400, booking_error=" ".join(exc.messages))
    messages.success(
        request,
        _("Booked. A confirmation with a calendar invitation is on its way to %(email)s.")
        % {"email": live.candidate_email},
    )
    return _private(redirect("live:candidate", token))


@candidate_post
def candidate_cancel(request: HttpRequest, token: str) -> HttpResponse:
    live = _open(request, token)
    if isinstance(live, HttpResponse):
        return live
    if request.method != "POST":
        return _private(redirect("live:candidate", token))
    form = CandidateCancelForm(request.POST)
    if form.is_valid():
        try:
            live_interview_cancel(
                live=live, reason=form.cleaned_data["reason"], by_candidate=True, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Your interview is cancelled. We have told the hiring team.")
            )
            return _private(redirect("live:candidate", token))
    return _page(request, live, token, status=400, cancel_form=form)


@candidate_post
def candidate_request(request: HttpRequest, token: str) -> HttpResponse:
    live = _open(request, token)
    if isinstance(live, HttpResponse):
        return live
    if request.method != "POST":
        return _private(redirect("live:candidate", token))
    form = CandidateRequestForm(request.POST)
    if form.is_valid():
        try:
            live_reschedule_request(
                live=live, message=form.cleaned_data["message"], request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Sent. The hiring team will reply by email; until then your current time stands."
                ),
            )
            return _private(redirect("live:candidate", token))
    return _page(request, live, token, status=400, request_form=form)


def candidate_calendar(request: HttpRequest, token: str) -> HttpResponse:
    live = _open(request, token)
    if isinstance(live, HttpResponse):
        return live
    if live.starts_at is None:
        return _invalid(request)
    # The same text as the candidate's emails: their format card, the meeting link and
    # their own page (where they reschedule), which is the link they opened this from.
    page_url = settings.BASE_URL + reverse("live:candidate", args=[token])
    card = live_format_card(
        live, audience="candidate", link=page_url, link_label=_("Open your interview page")
    )
    filename, content, mimetype = ics_attachment(
        live,
        method="CANCEL" if live.status == LiveStatus.CANCELLED else "REQUEST",
        description=render_to_string("core/format_card.txt", {"card": card, "show_link": True}),
        reschedule_url=page_url,
    )
    response = HttpResponse(content, content_type=f"{mimetype}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)
