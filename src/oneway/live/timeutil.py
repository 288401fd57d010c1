"""Wall-clock times in named zones, correct across daylight-saving changes.

Everything is stored in UTC; people enter and read local times. A local time that does not
exist (the hour skipped when clocks go forward) is refused rather than silently moved; a
local time that happens twice (clocks go back) means the first occurrence.
"""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from oneway.core.localdates import local_date
from oneway.core.timezones import is_valid_timezone


def validate_timezone_name(value: str) -> None:
    if not is_valid_timezone(value):
        raise ValidationError(
            _("Unknown time zone “%(name)s”. Use a name like Europe/London or America/New_York."),
            code="unknown_timezone",
            params={"name": value},
        )


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone for a stored, already validated name; UTC if it has since vanished."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def make_aware_strict(local: datetime.datetime, tz_name: str) -> datetime.datetime:
    """Attach ``tz_name`` to a naive wall-clock time; refuse times skipped by a DST change."""
    tz = zone(tz_name)
    aware = local.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(datetime.UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != local.replace(tzinfo=None, fold=0):
        raise ValidationError(
            _(
                "%(time)s does not exist on %(date)s in %(zone)s: the clocks go forward then. "
                "Choose a time outside the skipped hour."
            ),
            code="nonexistent_local_time",
            params={
                "time": local.strftime("%H:%M"),
                "date": local_date(local.date(), "j F Y"),
                "zone": tz_name,
            },
        )
    return aware.astimezone(datetime.UTC)


def local(moment: datetime.datetime, tz_name: str) -> datetime.datetime:
    return moment.astimezone(zone(tz_name))


def _zone_label(here: datetime.datetime, tz_name: str) -> str:
    """For example "BST (Europe/London)", or just "UTC" when the abbreviation is the name."""
    abbr = here.tzname() or ""
    return abbr if abbr == tz_name else f"{abbr} ({tz_name})".strip()


def format_moment(moment: datetime.datetime, tz_name: str) -> str:
    """For example "Tuesday 1 April 2025, 10:00 BST (Europe/London)"."""
    here = local(moment, tz_name)
    return _("%(date)s, %(time)s %(zone)s") % {
        "date": local_date(here, "l j F Y"),
        "time": formats.date_format(here, "H:i"),
        "zone": _zone_label(here, tz_name),
    }


def format_span(start: datetime.datetime, end: datetime.datetime, tz_name: str) -> str:
    """For example "Tuesday 1 April 2025, 10:00–10:45 BST (Europe/London)"."""
    here, there = local(start, tz_name), local(end, tz_name)
    if here.date() == there.date():
        return _("%(date)s, %(start)s–%(end)s %(zone)s") % {
            "date": local_date(here, "l j F Y"),
            "start": formats.date_format(here, "H:i"),
            "end": formats.date_format(there, "H:i"),
            "zone": _zone_label(there, tz_name),
        }
    return f"{format_moment(start, tz_name)} – {format_moment(end, tz_name)}"


def format_time(moment: datetime.datetime, tz_name: str) -> str:
    """For example "10:00 BST", for lists already grouped by day."""
    here = local(moment, tz_name)
    return f"{formats.date_format(here, 'H:i')} {here.tzname() or ''}".strip()
