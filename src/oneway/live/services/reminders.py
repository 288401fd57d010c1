"""Reminders before a live interview, to the candidate and every interviewer, once each."""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from oneway.live.models import LiveInterview, LiveReminderDelivery, LiveStatus
from oneway.live.selectors import reminders_due
from oneway.live.services.common import audit

logger = logging.getLogger(__name__)


def reminders_send_due(*, now: datetime.datetime | None = None) -> int:
    """Send every reminder whose moment has come; return how many went out.

    The delivery row is written first, in the same transaction as the emails: a second
    run (or a concurrent one) hits the unique constraint and sends nothing, and a failed
    send rolls the row back so the next run tries again.
    """
    from oneway.live.notifications import deliver

    now = now or timezone.now()
    sent = 0
    for candidate, hours in reminders_due(now=now):
        try:
            with transaction.atomic():
                live = (
                    LiveInterview.objects.select_for_update(of=("self",))
                    .select_related("organisation", "interview", "organiser")
                    .get(pk=candidate.pk)
                )
                # Re-check under the lock: cancelled or moved since the query above?
                if live.status != LiveStatus.SCHEDULED or live.starts_at != candidate.starts_at:
                    continue
                assert live.starts_at is not None
                with transaction.atomic():
                    LiveReminderDelivery.objects.create(
                        live_interview=live,
                        hours_before=hours,
                        starts_at=live.starts_at,
                        sent_at=now,
                    )
                recipients = ["candidate"] + [
                    f"user:{pk}" for pk in live.interviewers.values_list("pk", flat=True)
                ]
                for recipient in recipients:
                    deliver(live, "reminder", recipient, {"hours": hours})
                audit(
                    "live.reminder_sent",
                    live,
                    data={"hours_before": hours, "recipients": len(recipients)},
                )
                sent += 1
        except IntegrityError:
            logger.info("live %s: %s h reminder already sent", candidate.pk, hours)
    return sent
