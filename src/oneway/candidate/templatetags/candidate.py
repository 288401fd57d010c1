from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from oneway.candidate.jsstrings import js_strings

register = template.Library()


@register.simple_tag(takes_context=True)
def candidate_js_data(context: dict[str, Any]) -> SafeString:
    """The translated strings and the flow settings every candidate page's JavaScript reads."""
    invitation = context.get("invitation")
    flow: dict[str, Any] = {}
    if invitation is not None:
        flow = {
            # Keys the browser's local copies by interview, so two invitations never mix.
            "scope": f"i{invitation.pk}",
            "tabUrl": reverse("candidate:tab"),
            "takesBase": reverse("candidate:take_detail", args=[0]).rsplit("0/", 1)[0],
        }
    return SafeString(
        json_script(js_strings(), "candidate-strings") + json_script(flow, "candidate-flow")
    )


@register.filter
def clock(seconds: int | float | None) -> str:
    """``125`` -> ``2:05``."""
    total = int(seconds or 0)
    return f"{total // 60}:{total % 60:02d}"


@register.filter
def duration(seconds: int | float | None) -> str:
    """``90`` -> ``1 minute 30 seconds``; ``120`` -> ``2 minutes``; ``20`` -> ``20 seconds``."""
    total = int(seconds or 0)
    minutes, rest = divmod(total, 60)
    parts = []
    if minutes:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    if rest or not minutes:
        parts.append(ngettext("%(n)d second", "%(n)d seconds", rest) % {"n": rest})
    return " ".join(parts)
