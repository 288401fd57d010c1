"""Webhook delivery on the job queue. Tasks take ids; a retry is a new scheduled task."""

from huey.contrib.djhuey import db_task


@db_task()
def deliver_webhook(message_id: int, manual: bool = False) -> None:
    """One attempt; on failure the next is scheduled after the backoff delay."""
    from oneway.api.webhooks import message_attempt

    delay = message_attempt(message_id=message_id, manual=manual)
    if delay is not None:
        deliver_webhook.schedule((message_id,), delay=delay)
