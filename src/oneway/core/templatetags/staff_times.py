"""Times on staff pages always say their zone.

A builtin template library (see settings): ``{{ moment|staff_time }}`` renders
"18 Dec 2026, 12:00 (Asia/Tokyo)" in the zone active where it is used: the staff
member's own zone (``StaffTimezoneMiddleware``), or the zone of an enclosing
``{% timezone %}`` block, such as a candidate's deadline shown in the candidate's zone.
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

FORMATS = {
    "": "j M Y, H:i",
    "short": "j M, H:i",
    "date": "j M Y",
    "seconds": "Y-m-d H:i:s",
}


def zoned_text(moment: datetime.datetime, style: str = "") -> str:
    """The moment in the active zone, followed by the zone's name."""
    local = timezone.localtime(moment)
    return f"{date_format(local, FORMATS[style])} ({timezone.get_current_timezone_name()})"


@register.filter
def staff_time(moment: datetime.datetime | None, style: str = "") -> SafeString | str:
    """A ``<time>`` element with the moment in the active zone and the zone's name."""
    if not isinstance(moment, datetime.datetime):
        return ""
    return format_html(
        '<time datetime="{}">{}</time>', moment.isoformat(), zoned_text(moment, style)
    )


@register.filter
def staff_time_text(moment: datetime.datetime | None, style: str = "") -> str:
    """The same words without markup, for use inside translated sentences."""
    if not isinstance(moment, datetime.datetime):
        return ""
    return zoned_text(moment, style)


@register.simple_tag
def current_zone() -> str:
    return timezone.get_current_timezone_name()
