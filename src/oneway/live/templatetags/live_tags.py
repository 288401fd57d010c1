"""Template helpers: times in a named zone, and the upcoming list for the dashboard."""

import datetime
from typing import Any

from django import template
from django.utils import timezone

from oneway.access import live_identities, viewer_from, visible_live_interviews
from oneway.accounts.roles import role_has
from oneway.core.timezones import available_timezones
from oneway.live.models import LiveInterview
from oneway.live.selectors import upcoming_by_day
from oneway.live.timeutil import format_moment, format_span, format_time, local

register = template.Library()


@register.filter
def live_span(live: LiveInterview, tz_name: str) -> str:
    if live.starts_at is None or live.ends_at is None:
        return ""
    return format_span(live.starts_at, live.ends_at, tz_name or "UTC")


@register.filter
def in_zone(moment: datetime.datetime | None, tz_name: str) -> str:
    return format_moment(moment, tz_name or "UTC") if moment else ""


@register.filter
def time_in_zone(moment: datetime.datetime | None, tz_name: str) -> str:
    return format_time(moment, tz_name or "UTC") if moment else ""


@register.filter
def local_iso(moment: datetime.datetime | None, tz_name: str) -> str:
    return local(moment, tz_name or "UTC").isoformat() if moment else ""


@register.simple_tag
def timezone_names() -> list[str]:
    return sorted(available_timezones())


@register.simple_tag(takes_context=True)
def upcoming_live_interviews(context: template.Context, days: int = 14) -> dict[str, Any]:
    """The current organisation's upcoming live interviews by day, in the viewer's zone.
    Empty for someone without the ``live.view`` permission."""
    request = context.get("request")
    org = getattr(request, "org", None)
    membership = getattr(request, "membership", None)
    if request is None or org is None or membership is None:
        return {"allowed": False, "days": [], "tz": "UTC"}
    if not role_has(membership.role, "live.view"):
        return {"allowed": False, "days": [], "tz": "UTC"}
    tz_name = request.user.timezone_in(org)
    today = local(timezone.now(), tz_name).date()
    viewer = viewer_from(request)
    by_day = upcoming_by_day(visible_live_interviews(viewer), tz_name=tz_name, days=days)
    shown = live_identities(viewer, [live for _day, lives in by_day for live in lives])
    return {
        "allowed": True,
        "today": today,
        "tomorrow": today + datetime.timedelta(days=1),
        "days": [(day, [(live, shown[live.pk]) for live in lives]) for day, lives in by_day],
        "tz": tz_name,
        "can_manage": role_has(membership.role, "live.manage"),
    }


@register.simple_tag(takes_context=True)
def candidate_live_interviews(
    context: template.Context, invitation: Any
) -> list[tuple[LiveInterview, Any]]:
    """The candidate's live interviews this viewer may see, each with how it is shown."""
    request = context.get("request")
    if request is None or getattr(request, "membership", None) is None:
        return []
    viewer = viewer_from(request)
    lives = list(
        visible_live_interviews(viewer)
        .filter(invitation=invitation)
        .select_related("invitation__interview")
        .prefetch_related("interviewers")
        .order_by("-created_at")
    )
    shown = live_identities(viewer, lives)
    return [(live, shown[live.pk]) for live in lives]
