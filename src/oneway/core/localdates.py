"""Dates in the reader's language: names, order and punctuation (issue 16).

Code and templates write an English pattern ("l j F Y, H:i"); ``local_pattern`` gives the
active language's version of it ("l, j. F Y, H:i" in German). Day and month names come
from Django's translations. Times are 24-hour everywhere; digits stay Latin (0-9) in
Arabic too, as Django's Arabic formats and most Arabic-language job sites write them.
"""

import datetime

from django.utils import dateformat
from django.utils.translation import get_language

# The date part of an English pattern -> the same date in each language.
DATE_PATTERNS: dict[str, dict[str, str]] = {
    "l j F Y": {
        "de": "l, j. F Y",
        "es": r"l, j \d\e F \d\e Y",
        "pt-br": r"l, j \d\e F \d\e Y",
        "pl": "l, j E Y",
        "ar": "l، j F Y",
    },
    "j F Y": {
        "de": "j. F Y",
        "es": r"j \d\e F \d\e Y",
        "pt-br": r"j \d\e F \d\e Y",
        "pl": "j E Y",
    },
}
# Between the date and the time.
SEPARATORS = {"ar": "، "}


def local_pattern(pattern: str, language: str | None = None) -> str:
    """``pattern`` (English) as the active language (or ``language``) writes it."""
    language = (language or get_language() or "en").lower()
    date_part, comma, time_part = pattern.partition(", ")
    localised = DATE_PATTERNS.get(date_part, {}).get(language, date_part)
    if not comma:
        return localised
    return localised + SEPARATORS.get(language, comma) + time_part


def local_date(value: datetime.date | datetime.datetime, pattern: str) -> str:
    """Format ``value`` (already in the reader's time zone) with ``local_pattern``."""
    return dateformat.format(value, local_pattern(pattern))
