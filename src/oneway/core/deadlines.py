"""Deadlines: computed from an interview's policy, shown in explicit time zones.

Deadlines are stored in UTC. A local wall-clock time that does not exist (the hour skipped
when clocks go forward) or exists twice (clocks go back) resolves to the *later* instant:
a deadline should never arrive earlier than the candidate was told.
"""

import datetime
import zoneinfo

from django.utils import timezone as dj_timezone

from oneway.core.localdates import local_date
from oneway.core.models import DeadlineMode, Interview
from oneway.core.timezones import is_valid_timezone

UTC = datetime.UTC


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name if is_valid_timezone(name) else "UTC")


def local_to_utc(naive: datetime.datetime, tz_name: str) -> datetime.datetime:
    """A wall-clock time in ``tz_name`` as an aware UTC datetime (the later one if ambiguous)."""
    tz = zone(tz_name)
    naive = naive.replace(tzinfo=None)
    candidates = [naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    return max(candidates)


def deadline_for(
    interview: Interview, *, timezone: str, invited_at: datetime.datetime | None = None
) -> datetime.datetime:
    """The deadline an invitation gets from its interview's policy.

    Fixed: the interview's moment, the same for everyone. Relative: N days after the
    invitation, at the interview's time of day in the candidate's time zone.
    """
    if interview.deadline_mode == DeadlineMode.FIXED and interview.deadline_at is not None:
        return interview.deadline_at
    invited_at = invited_at or dj_timezone.now()
    local_day = invited_at.astimezone(zone(timezone)).date()
    day = local_day + datetime.timedelta(days=interview.deadline_days)
    return local_to_utc(datetime.datetime.combine(day, interview.deadline_time), timezone)


def in_zone(moment: datetime.datetime, tz_name: str) -> datetime.datetime:
    return moment.astimezone(zone(tz_name))


def format_moment(moment: datetime.datetime, tz_name: str) -> str:
    """``Friday 14 March 2025, 17:00 GMT (Europe/London)``, in the reader's language."""
    local = in_zone(moment, tz_name)
    abbreviation = local.tzname() or ""
    text = local_date(local, "l j F Y, H:i")
    if abbreviation and not abbreviation.startswith(("+", "-")) and abbreviation != tz_name:
        text = f"{text} {abbreviation}"
    return f"{text} ({tz_name})"


def same_wall_clock(moment: datetime.datetime, tz_a: str, tz_b: str) -> bool:
    a, b = in_zone(moment, tz_a), in_zone(moment, tz_b)
    return a.replace(tzinfo=None) == b.replace(tzinfo=None)
