"""Reminders: on time (in real hours, across DST), once, to everyone, never after a cancel."""

import datetime
from collections.abc import Callable

from django.core import mail

from oneway.accounts.models import User
from oneway.core.models import AuditEntry
from oneway.live.models import LiveInterview, LiveReminderDelivery
from oneway.live.services import (
    live_interview_cancel,
    live_interview_reschedule,
    reminders_send_due,
)
from oneway.live.tasks import live_send_reminders
from oneway.live.timeutil import make_aware_strict

from .helpers import outbox_to

UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)


def london(*args: int) -> datetime.datetime:
    return make_aware_strict(datetime.datetime(*args), "Europe/London")  # type: ignore[arg-type]


def new_york(*args: int) -> datetime.datetime:
    return make_aware_strict(datetime.datetime(*args), "America/New_York")  # type: ignore[arg-type]


def test_reminders_go_to_candidate_and_interviewers_24_and_1_hours_before(
    make_live: Callable[..., LiveInterview], interviewer: User, second_interviewer: User
) -> None:
    start = london(2025, 6, 10, 10, 0)
    make_live(
        starts_at=start,
        interviewers=[interviewer, second_interviewer],
        now=london(2025, 6, 1, 9, 0),
    )
    assert reminders_send_due(now=start - 24 * HOUR - datetime.timedelta(minutes=1)) == 0
    assert reminders_send_due(now=start - 24 * HOUR) == 1
    assert sorted(m.to[0] for m in mail.outbox) == [
        "carol@example.org",
        "ivy@example.com",
        "sam@example.com",
    ]
    candidate_mail = outbox_to("carol@example.org")[0]
    assert candidate_mail.subject.startswith("Reminder")
    assert candidate_mail.body.startswith("== LIVE INTERVIEW ==")
    # Each person reads the time in their own zone.
    assert "11:00–11:45 CEST (Europe/Paris)" in candidate_mail.body
    assert "05:00–05:45 EDT (America/New_York)" in outbox_to("ivy@example.com")[0].body
    mail.outbox.clear()
    assert reminders_send_due(now=start - HOUR) == 1
    assert len(mail.outbox) == 3
    assert AuditEntry.objects.filter(action="live.reminder_sent").count() == 2


def test_a_reminder_is_sent_once_even_if_the_job_runs_twice(
    make_live: Callable[..., LiveInterview],
) -> None:
    start = london(2025, 6, 10, 10, 0)
    make_live(starts_at=start, now=london(2025, 6, 1, 9, 0))
    now = start - 23 * HOUR
    assert reminders_send_due(now=now) == 1
    assert reminders_send_due(now=now) == 0
    assert reminders_send_due(now=now + datetime.timedelta(minutes=5)) == 0
    assert len(mail.outbox) == 2
    assert LiveReminderDelivery.objects.count() == 1


def test_the_periodic_task_runs_the_same_job(make_live: Callable[..., LiveInterview]) -> None:
    make_live()  # three days ahead: nothing due yet
    assert live_send_reminders.call_local() == 0


def test_no_reminder_after_a_cancellation(
    make_live: Callable[..., LiveInterview], admin_user: User
) -> None:
    start = london(2025, 6, 10, 10, 0)
    live = make_live(starts_at=start, now=london(2025, 6, 1, 9, 0))
    live_interview_cancel(live=live, actor=admin_user, reason="", now=london(2025, 6, 2, 9, 0))
    mail.outbox.clear()
    assert reminders_send_due(now=start - HOUR) == 0
    assert mail.outbox == []


def test_reminders_whose_moment_passed_before_booking_are_skipped(
    make_live: Callable[..., LiveInterview],
) -> None:
    start = london(2025, 6, 10, 10, 0)
    # Scheduled only 5 hours ahead: the invitation itself is the "24 h" notice.
    make_live(starts_at=start, now=start - 5 * HOUR)
    mail.outbox.clear()
    assert reminders_send_due(now=start - 4 * HOUR) == 0
    assert reminders_send_due(now=start - HOUR) == 1


def test_a_rescheduled_interview_gets_fresh_reminders_for_the_new_time(
    make_live: Callable[..., LiveInterview], admin_user: User
) -> None:
    start = london(2025, 6, 10, 10, 0)
    live = make_live(starts_at=start, now=london(2025, 6, 1, 9, 0))
    assert reminders_send_due(now=start - 24 * HOUR) == 1
    later = start + 48 * HOUR
    live_interview_reschedule(live=live, actor=admin_user, starts_at=later, now=start - 20 * HOUR)
    assert reminders_send_due(now=start - HOUR) == 0  # the old time's 1 h reminder is moot
    assert reminders_send_due(now=later - 24 * HOUR) == 1
    assert reminders_send_due(now=later - HOUR) == 1


def test_custom_reminder_hours(make_live: Callable[..., LiveInterview]) -> None:
    start = london(2025, 6, 10, 10, 0)
    make_live(starts_at=start, reminder_hours=[72], now=london(2025, 6, 1, 9, 0))
    assert reminders_send_due(now=start - 24 * HOUR) == 1  # the 72 h one, late but not missed
    assert reminders_send_due(now=start - HOUR) == 0


def test_no_reminders_when_none_are_wanted(make_live: Callable[..., LiveInterview]) -> None:
    start = london(2025, 6, 10, 10, 0)
    make_live(starts_at=start, reminder_hours=[], now=london(2025, 6, 1, 9, 0))
    assert reminders_send_due(now=start - HOUR) == 0


def test_reminders_count_real_hours_across_the_london_spring_change(
    make_live: Callable[..., LiveInterview],
) -> None:
    # 10:00 BST on Sunday 30 March 2025; the clocks went forward at 01:00 that night.
    start = london(2025, 3, 30, 10, 0)
    make_live(starts_at=start, now=london(2025, 3, 20, 9, 0))
    # 24 real hours before is 09:00 GMT on Saturday, not 10:00.
    assert start - 24 * HOUR == datetime.datetime(2025, 3, 29, 9, 0, tzinfo=UTC)
    assert reminders_send_due(now=london(2025, 3, 29, 8, 59)) == 0
    assert reminders_send_due(now=london(2025, 3, 29, 9, 0)) == 1
    assert reminders_send_due(now=london(2025, 3, 30, 8, 59)) == 0
    assert reminders_send_due(now=london(2025, 3, 30, 9, 0)) == 1


def test_reminders_count_real_hours_across_the_new_york_autumn_change(
    make_live: Callable[..., LiveInterview],
) -> None:
    # 09:00 EST on Sunday 2 November 2025; the clocks went back at 02:00 that night.
    start = new_york(2025, 11, 2, 9, 0)
    make_live(
        starts_at=start,
        candidate_timezone="America/New_York",
        now=new_york(2025, 10, 20, 9, 0),
    )
    # 24 real hours before is 10:00 EDT on Saturday, not 09:00.
    assert start - 24 * HOUR == datetime.datetime(2025, 11, 1, 14, 0, tzinfo=UTC)
    assert reminders_send_due(now=new_york(2025, 11, 1, 9, 59)) == 0
    assert reminders_send_due(now=new_york(2025, 11, 1, 10, 0)) == 1
    assert "Sunday 2 November 2025, 09:00–09:45 EST" in outbox_to("carol@example.org")[0].body
    assert reminders_send_due(now=new_york(2025, 11, 2, 7, 59)) == 0
    assert reminders_send_due(now=new_york(2025, 11, 2, 8, 0)) == 1
