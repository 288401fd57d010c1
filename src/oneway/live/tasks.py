"""Background jobs for live interviews. Tasks take ids, never objects."""

from typing import Any

from huey.contrib.djhuey import db_task

from oneway.core.periodic import periodic_task
from oneway.live.notifications import send_notification
from oneway.live.services.reminders import reminders_send_due


@db_task(retries=3, retry_delay=60)
def live_notify(
    live_interview_id: int, kind: str, recipient: str, sequence: int, extra: dict[str, Any]
) -> bool:
    """One email to one person; a retry never re-sends to the others."""
    return send_notification(live_interview_id, kind, recipient, sequence, extra)


@periodic_task(minutes=5)
def live_send_reminders() -> int:
    return reminders_send_due()
