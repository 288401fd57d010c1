"""``{{ when|local_date:"l j F Y, H:i" }}``: the date filter in the reader's language.

A builtin (settings.TEMPLATES): every template may use it without loading it.
"""

import datetime

from django import template
from django.template.defaultfilters import date as date_filter

from oneway.core.localdates import local_pattern

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value: datetime.date | datetime.datetime | None, pattern: str) -> str:
    return str(date_filter(value, local_pattern(pattern)))
