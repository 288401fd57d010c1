"""Webhook delivery on the job queue. Tasks take ids; a retry is a new scheduled task."""

from huey.contrib.djhuey import db_task

from oneway.core.periodic import periodic_task


@db_task()
def deliver_webhook(message_id: int, manual: bool = False) -> None:
    """One attempt; on failure the next is scheduled after the backoff delay."""
    from oneway.api.webhooks import message_attempt

    delay = message_attempt(message_id=message_id, manual=manual)
    if delay is not None:
        deliver_webhook.schedule((message_id,), delay=delay)


@periodic_task(minutes=5)
def requeue_overdue_webhooks() -> None:
    """A retry lost with a stopped worker is sent again (receivers deduplicate on
    ``webhook-id``, which stays the same)."""
    from oneway.api.webhooks import overdue_message_ids

    for message_id in overdue_message_ids():
        deliver_webhook(message_id)
