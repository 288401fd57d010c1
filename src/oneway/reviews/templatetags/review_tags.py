from typing import Any

from django import template

from oneway.reviews.thumbnails import duration_text

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def timecode(milliseconds: int | None) -> str:
    if milliseconds is None:
        return ""
    seconds = int(milliseconds) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def seconds(milliseconds: int | None) -> str:
    return "" if milliseconds is None else f"{int(milliseconds) / 1000:.3f}"


@register.filter
def duration(delta: Any) -> str:
    """A timedelta as "2 min 05 s"."""
    if delta is None:
        return ""
    total = max(0, int(delta.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@register.simple_tag
def query_with(query_string: str, **params: Any) -> str:
    from django.http import QueryDict

    query = QueryDict(query_string, mutable=True)
    for key, value in params.items():
        query[key] = value
    return query.urlencode()


@register.filter
def number(value: Any) -> str:
    """1.5 -> "1.5", 2.0 -> "2", 1.25 -> "1.25"."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return ""


@register.inclusion_tag("dashboard/review/_overview.html", takes_context=True)
def review_summary(context: template.Context) -> dict[str, Any]:
    """The review overview's counts for the signed-in member, for any staff page:
    ``{% load review_tags %}{% review_summary %}``."""
    from oneway.access import viewer_from
    from oneway.core.models import InvitationStatus
    from oneway.reviews.selectors import overview

    request = context.get("request")
    if request is None or getattr(request, "membership", None) is None:
        return {"review_overview": None}
    return {
        "review_overview": overview(viewer_from(request)),
        "statuses": InvitationStatus.choices,
    }


@register.filter
def taken_text(delta: Any) -> str:
    """How long a candidate took, as "42 min" or "1 h 05 min" ("" for None)."""
    return duration_text(delta)
