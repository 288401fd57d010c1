"""Staff pages for slot offers: ranges of time candidates book from."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from oneway.access import (
    access_slot_offer,
    live_identities,
    viewer_from,
    visible_live_interviews,
    visible_slot_offers,
)
from oneway.accounts.permissions import staff_view
from oneway.dashboard.live.common import add_service_errors, staff_user
from oneway.live.forms import SlotOfferForm, SlotRangeFormSet, ranges_from_formset
from oneway.live.models import SlotOffer
from oneway.live.services import slot_offer_close, slot_offer_create, slot_offer_update
from oneway.live.timeutil import local


def _get_offer(request: HttpRequest, slot_offer_id: int) -> SlotOffer:
    return access_slot_offer(viewer_from(request), slot_offer_id)


def _viewer_tz(request: HttpRequest) -> str:
    return getattr(request.user, "timezone", "") or request.org.timezone  # type: ignore[attr-defined]


@staff_view("live.view")
def slot_offer_list(request: HttpRequest) -> HttpResponse:
    offers = (
        visible_slot_offers(viewer_from(request))
        .annotate(
            booked=Count("bookings", filter=Q(bookings__released_at__isnull=True), distinct=True),
            invited=Count("live_interviews", distinct=True),
        )
        .prefetch_related("ranges")
        .order_by("closed_at", "-created_at")
    )
    return render(
        request,
        "live/slot_offer_list.html",
        {"offers": offers, "tz": _viewer_tz(request)},
    )


def _range_initial(offer: SlotOffer) -> list[dict[str, Any]]:
    rows = []
    for rng in offer.ranges.all():
        start, end = local(rng.starts_at, offer.timezone), local(rng.ends_at, offer.timezone)
        rows.append({"date": start.date(), "start": start.time(), "end": end.time()})
    return rows


def _save(request: HttpRequest, offer: SlotOffer | None) -> HttpResponse:
    org = request.org  # type: ignore[attr-defined]
    if request.method == "POST":
        form = SlotOfferForm(request.POST)
        formset = SlotRangeFormSet(request.POST, prefix="ranges")
        if form.is_valid() and formset.is_valid():
            ranges = ranges_from_formset(formset, form.cleaned_data["timezone"])
            if ranges is not None:
                data = form.cleaned_data
                try:
                    if offer is None:
                        offer = slot_offer_create(
                            organisation=org,
                            actor=staff_user(request),
                            name=data["name"],
                            timezone_name=data["timezone"],
                            slot_minutes=data["slot_minutes"],
                            buffer_minutes=data["buffer_minutes"],
                            minimum_notice_hours=data["minimum_notice_hours"],
                            ranges=ranges,
                            request=request,
                        )
                    else:
                        offer = slot_offer_update(
                            offer=offer,
                            actor=staff_user(request),
                            name=data["name"],
                            timezone_name=data["timezone"],
                            slot_minutes=data["slot_minutes"],
                            buffer_minutes=data["buffer_minutes"],
                            minimum_notice_hours=data["minimum_notice_hours"],
                            ranges=ranges,
                            request=request,
                        )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("Slots saved."))
                    return redirect("live:slot_offer_detail", offer.pk)
    elif offer is not None:
        form = SlotOfferForm(
            initial={
                "name": offer.name,
                "timezone": offer.timezone,
                "slot_minutes": offer.slot_minutes,
                "buffer_minutes": offer.buffer_minutes,
                "minimum_notice_hours": offer.minimum_notice_hours,
            }
        )
        formset = SlotRangeFormSet(initial=_range_initial(offer), prefix="ranges")
    else:
        tomorrow = timezone.localdate() + datetime.timedelta(days=2)
        form = SlotOfferForm(initial={"timezone": _viewer_tz(request)})
        formset = SlotRangeFormSet(
            initial=[
                {"date": tomorrow, "start": datetime.time(9), "end": datetime.time(12)},
                {"date": tomorrow, "start": datetime.time(14), "end": datetime.time(17)},
            ],
            prefix="ranges",
        )
    return render(
        request,
        "live/slot_offer_form.html",
        {"form": form, "formset": formset, "offer": offer},
    )


@staff_view("live.manage")
def slot_offer_create_view(request: HttpRequest) -> HttpResponse:
    return _save(request, None)


@staff_view("live.view")
def slot_offer_detail(request: HttpRequest, slot_offer_id: int) -> HttpResponse:
    viewer = viewer_from(request)
    offer = _get_offer(request, slot_offer_id)
    lives = list(
        visible_live_interviews(viewer)
        .filter(slot_offer=offer)
        .select_related("invitation__interview")
        .prefetch_related("interviewers")
        .order_by("starts_at", "created_at")
    )
    shown = live_identities(viewer, lives)
    interviews = [(live, shown[live.pk]) for live in lives]
    return render(
        request,
        "live/slot_offer_detail.html",
        {
            "offer": offer,
            "ranges": offer.ranges.all(),
            "interviews": interviews,
            "tz": _viewer_tz(request),
        },
    )


@staff_view("live.manage")
def slot_offer_edit(request: HttpRequest, slot_offer_id: int) -> HttpResponse:
    return _save(request, _get_offer(request, slot_offer_id))


@staff_view("live.manage")
def slot_offer_close_view(request: HttpRequest, slot_offer_id: int) -> HttpResponse:
    offer = _get_offer(request, slot_offer_id)
    if request.method == "POST":
        slot_offer_close(offer=offer, actor=staff_user(request), request=request)
        messages.success(request, _("Closed: candidates can no longer book from these slots."))
    return redirect("live:slot_offer_detail", offer.pk)
